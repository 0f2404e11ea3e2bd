// Bundles the par CLI from the TypeScript sources into packages/cli/bundle: the entry par.js plus
// chunks. Every `await import()` stays a separate chunk (ESM splitting), so `par --version` loads
// two small files and `par inspect FILE` never loads the registry client. This bundle is what the
// published package, bin/par and the end-to-end tests run. (`tsc -b` type-checks the same sources
// and builds the libraries' dist; esbuild only strips the types.)
//
// PAR_BUILD_DEPS=DIR takes esbuild and the bundled packages from DIR/node_modules instead of the
// workspace's (scripts/install.sh fills DIR with npm: the CLI's build inputs only, no test
// tools); PAR_BUNDLE_DIR=DIR writes the bundle there instead of packages/cli/bundle.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const cliDir = join(dirname(fileURLToPath(import.meta.url)), '..');
const packagesDir = join(cliDir, '..');
const outdir = process.env.PAR_BUNDLE_DIR ?? join(cliDir, 'bundle');
const depsDir = process.env.PAR_BUILD_DEPS;
const { build, analyzeMetafile } = depsDir ? createRequire(join(depsDir, 'package.json'))('esbuild') : await import('esbuild');
const nodePaths = depsDir ? [join(depsDir, 'node_modules')] : [];

/**
 * @par/registry loads undici's Agent and request API with createRequire, past undici's index
 * (see undici-agent.ts), which esbuild cannot follow. This gives esbuild the same three modules
 * as static imports, so undici is bundled and the CLI needs nothing installed beside it; undici's
 * ProxyAgent becomes a chunk of its own, imported only when a proxy variable is set.
 */
const undiciAgentInline = {
  name: 'undici-agent-inline',
  setup(builder) {
    builder.onLoad({ filter: /[\\/]registry[\\/]src[\\/](.*[\\/])?undici-agent\.ts$/ }, (args) => ({
      resolveDir: dirname(args.path),
      loader: 'js',
      contents: [
        "import Dispatcher from 'undici/lib/dispatcher/dispatcher.js';",
        "import api from 'undici/lib/api/index.js';",
        "import UndiciAgent from 'undici/lib/dispatcher/agent.js';",
        "import UndiciPool from 'undici/lib/dispatcher/pool.js';",
        'Object.assign(Dispatcher.prototype, api);',
        'export const Agent = UndiciAgent;',
        'export const Pool = UndiciPool;',
        // Its own chunk (through an ES front, below), loaded only when a proxy is configured.
        "export async function loadProxyAgent() { return (await import('par-bundle:proxy-agent')).ProxyAgent; }",
      ].join('\n'),
    }));
    builder.onResolve({ filter: /^par-bundle:proxy-agent$/ }, (args) => ({ path: 'proxy-agent', namespace: 'par-bundle', pluginData: args.resolveDir }));
    builder.onLoad({ filter: /.*/, namespace: 'par-bundle' }, (args) => ({
      resolveDir: args.pluginData,
      loader: 'js',
      contents: "import ProxyAgent from 'undici/lib/dispatcher/proxy-agent.js';\nexport { ProxyAgent };",
    }));
  },
};

/**
 * `@par/<name>` → its TypeScript entry, for every library in packages/: one copy of each, from its
 * sources, so ParError's instanceof holds across them.
 */
function libraryAliases() {
  const aliases = {};
  for (const name of readdirSync(packagesDir)) {
    const manifest = join(packagesDir, name, 'package.json');
    const entry = join(packagesDir, name, 'src', 'index.ts');
    if (name !== 'cli' && existsSync(manifest) && existsSync(entry)) aliases[JSON.parse(readFileSync(manifest, 'utf8')).name] = entry;
  }
  return aliases;
}

/**
 * A source may reach into the workspace's node_modules by a relative path (yargs-platform.ts takes
 * yargs' factory past its exports map); with PAR_BUILD_DEPS there is no such directory, so those
 * paths are taken from DIR/node_modules.
 */
const nodeModulesFromDeps = {
  name: 'node-modules-from-deps',
  setup(builder) {
    if (depsDir === undefined) return;
    builder.onResolve({ filter: /^\.\.?\/.*node_modules\// }, (args) => ({
      path: join(depsDir, 'node_modules', args.path.slice(args.path.lastIndexOf('node_modules/') + 'node_modules/'.length)),
    }));
  },
};

await rm(outdir, { recursive: true, force: true });
const result = await build({
  entryPoints: { par: join(cliDir, 'src', 'main.ts') },
  outdir,
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node20.18',
  chunkNames: '[name]-[hash]',
  alias: libraryAliases(),
  nodePaths,
  // The bundled CommonJS packages (undici, tar-stream, cli-progress, …) call require() for Node's
  // built-in modules; an ES module has no require of its own.
  banner: { js: "import { createRequire as __parCreateRequire } from 'node:module'; const require = __parCreateRequire(import.meta.url);" },
  legalComments: 'none',
  logLevel: 'warning',
  metafile: true,
  plugins: [undiciAgentInline, nodeModulesFromDeps],
});

// A chunk that is a bare CommonJS module has only a default export: destructuring a dynamic
// import() of it gives undefined (src/esm/ holds the ES fronts that avoid this).
for (const [file, output] of Object.entries(result.metafile.outputs)) {
  if (output.entryPoint?.includes('node_modules') && output.exports.join() === 'default') {
    throw new Error(`${file} is a CommonJS module imported with import(); import it through an ES module in src/esm/`);
  }
}
if (process.argv.includes('--analyze')) process.stdout.write(await analyzeMetafile(result.metafile));
