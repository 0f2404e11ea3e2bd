// A registry with the OCI 1.1 referrers API, built from a real distribution registry (which has
// none) and a front server: manifest PUTs pass through, and the answer to one that carries a
// `subject` gets `OCI-Subject` as the spec asks; GET /v2/<repo>/referrers/<digest> is answered by
// reading, from the registry, every manifest with a subject pushed through this server (a deleted
// one drops out because the registry no longer has it).
import type { IncomingMessage, ServerResponse } from 'node:http';
import { startFrontServer, type FrontServer } from './front-server.js';

const INDEX = 'application/vnd.oci.image.index.v1+json';
const MANIFEST_ACCEPT = [
  'application/vnd.oci.image.manifest.v1+json',
  INDEX,
  'application/vnd.docker.distribution.manifest.v2+json',
  'application/vnd.docker.distribution.manifest.list.v2+json',
].join(', ');

interface ManifestBody {
  mediaType?: string;
  artifactType?: string;
  config?: { mediaType?: string };
  subject?: { digest?: string };
  annotations?: Record<string, string>;
}

export interface ReferrersServer extends FrontServer {
  /** Referrers lists served, and the artifactType filter of each (for tests that prove the API was used). */
  readonly listed: { repository: string; subject: string; artifactType: string | null }[];
}

/** Starts the referrers-API front server in front of `upstream` (`http://127.0.0.1:5001`). */
export async function startReferrersServer(upstream: string): Promise<ReferrersServer> {
  /** repository → digests of manifests pushed with a subject. */
  const withSubject = new Map<string, Set<string>>();
  const listed: ReferrersServer['listed'] = [];

  const putManifest = async (request: IncomingMessage, response: ServerResponse, repository: string, reference: string): Promise<void> => {
    const chunks: Buffer[] = [];
    for await (const chunk of request) chunks.push(chunk as Buffer);
    const body = Buffer.concat(chunks);
    const answer = await fetch(`${upstream}/v2/${repository}/manifests/${reference}`, {
      method: 'PUT',
      headers: { 'content-type': request.headers['content-type'] ?? 'application/octet-stream' },
      body,
    });
    const headers: Record<string, string> = {};
    answer.headers.forEach((value, name) => {
      if (name !== 'content-length' && name !== 'transfer-encoding' && name !== 'connection') headers[name] = value;
    });
    const digest = answer.headers.get('docker-content-digest');
    const subject = parse(body)?.subject?.digest;
    if (answer.status === 201 && subject !== undefined && digest !== null) {
      let set = withSubject.get(repository);
      if (set === undefined) withSubject.set(repository, (set = new Set()));
      set.add(digest);
      headers['oci-subject'] = subject;
    }
    const text = Buffer.from(await answer.arrayBuffer());
    response.writeHead(answer.status, { ...headers, 'content-length': String(text.length) }).end(text);
  };

  const listReferrers = async (response: ServerResponse, repository: string, subject: string, artifactType: string | null): Promise<void> => {
    listed.push({ repository, subject, artifactType });
    const manifests: Record<string, unknown>[] = [];
    for (const digest of withSubject.get(repository) ?? []) {
      const answer = await fetch(`${upstream}/v2/${repository}/manifests/${digest}`, { headers: { accept: MANIFEST_ACCEPT } });
      if (answer.status !== 200) continue;
      const bytes = Buffer.from(await answer.arrayBuffer());
      const manifest = parse(bytes);
      if (manifest?.subject?.digest !== subject) continue;
      const type = manifest.artifactType ?? manifest.config?.mediaType;
      if (artifactType !== null && type !== artifactType) continue;
      const entry: Record<string, unknown> = {
        mediaType: manifest.mediaType ?? answer.headers.get('content-type'),
        digest,
        size: bytes.length,
      };
      if (manifest.annotations !== undefined) entry['annotations'] = manifest.annotations;
      if (type !== undefined) entry['artifactType'] = type;
      manifests.push(entry);
    }
    const body = Buffer.from(JSON.stringify({ schemaVersion: 2, mediaType: INDEX, manifests }));
    const headers: Record<string, string> = { 'content-type': INDEX, 'content-length': String(body.length) };
    if (artifactType !== null) headers['oci-filters-applied'] = 'artifactType';
    response.writeHead(200, headers).end(body);
  };

  const front = await startFrontServer({
    upstream,
    maxRequests: 5_000,
    intercept: async (request, response) => {
      const url = new URL(request.url ?? '/', 'http://front');
      const referrers = /^\/v2\/(.+)\/referrers\/([^/]+)$/.exec(url.pathname);
      if (referrers && request.method === 'GET') {
        const subject = decodeURIComponent(referrers[2] ?? '');
        if (!/^sha256:[0-9a-f]{64}$/.test(subject)) {
          response.writeHead(400, { 'content-type': 'application/json' }).end('{"errors":[{"code":"DIGEST_INVALID","message":"invalid digest"}]}');
          return true;
        }
        await listReferrers(response, referrers[1] ?? '', subject, url.searchParams.get('artifactType'));
        return true;
      }
      const manifest = /^\/v2\/(.+)\/manifests\/([^/]+)$/.exec(url.pathname);
      if (manifest && request.method === 'PUT') {
        await putManifest(request, response, manifest[1] ?? '', manifest[2] ?? '');
        return true;
      }
      return false;
    },
  });
  return Object.assign(front, { listed });
}

function parse(bytes: Buffer): ManifestBody | undefined {
  try {
    return JSON.parse(bytes.toString('utf8')) as ManifestBody;
  } catch {
    return undefined;
  }
}
