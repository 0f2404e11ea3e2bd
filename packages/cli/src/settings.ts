/** Everything par reads from the environment, read once, typed. Flags win over these. */
export interface Settings {
  /** WASH_REG_USER / WASH_REG_PASSWORD: registry credentials, as wash reads them. */
  user: string | undefined;
  password: string | undefined;
  /** WASH_REG_URL: the registry for references that name none. */
  defaultRegistry: string | undefined;
  /** PAR_SRC_CREDS / PAR_DEST_CREDS: USER:PASSWORD for the source and destination of a copy. */
  sourceCredentials: string | undefined;
  destinationCredentials: string | undefined;
  /** PAR_TIMEOUT: seconds a registry may stay silent (NaN when not a number: refused where it is used). */
  timeout: number | undefined;
  /** PAR_DEBUG: stack traces of unexpected errors. */
  debug: boolean;
  /** The environment the digest cache locates itself in (PAR_CACHE_DIR, XDG_CACHE_HOME). */
  cacheEnvironment: NodeJS.ProcessEnv;
}

let cached: Settings | undefined;

/** The settings of this process. An empty variable counts as unset. */
export function settings(env: NodeJS.ProcessEnv = process.env): Settings {
  if (cached !== undefined && env === process.env) return cached;
  const read = (name: string): string | undefined => (env[name] === '' ? undefined : env[name]);
  const result: Settings = {
    user: read('WASH_REG_USER'),
    password: read('WASH_REG_PASSWORD'),
    defaultRegistry: read('WASH_REG_URL'),
    sourceCredentials: read('PAR_SRC_CREDS'),
    destinationCredentials: read('PAR_DEST_CREDS'),
    timeout: read('PAR_TIMEOUT') === undefined ? undefined : Number(read('PAR_TIMEOUT')),
    debug: read('PAR_DEBUG') !== undefined,
    cacheEnvironment: env,
  };
  if (env === process.env) cached = result;
  return result;
}
