#!/usr/bin/env bash
# Installs only the par command, from this checkout: no system packages, no pnpm, no test tools,
# nothing left in the checkout. Needs Node.js 20.18 or newer with npm, and the npm registry.
#   bash scripts/install.sh                  # into npm's global prefix (`npm prefix -g`)
#   bash scripts/install.sh --prefix DIR     # par is DIR/bin/par
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

prefix_args=()
case "${1:-}" in
  "") ;;
  --prefix)
    if [ -z "${2:-}" ]; then echo "install.sh: --prefix needs a directory" >&2; exit 1; fi
    prefix_args=(--prefix "$2") ;;
  *) echo "usage: bash scripts/install.sh [--prefix DIR]" >&2; exit 1 ;;
esac

if ! command -v node >/dev/null || ! command -v npm >/dev/null; then
  echo "install.sh: par needs Node.js 20.18 or newer, with npm (https://nodejs.org/en/download)" >&2
  exit 1
fi
if ! node -e 'const [major, minor] = process.versions.node.split(".").map(Number); process.exit(major > 20 || (major === 20 && minor >= 18) ? 0 : 1)'; then
  echo "install.sh: par needs Node.js 20.18 or newer; this is $(node --version)" >&2
  exit 1
fi

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

# The CLI's build inputs only: esbuild and the packages the bundle holds, at the versions the lock
# file has for the packages the CLI is made of (no pnpm, no test tools).
inputs="$(node -e '
  const lock = require("fs").readFileSync("pnpm-lock.yaml", "utf8");
  const wanted = new Set();
  for (const importer of require("fs").readdirSync("packages").map((name) => `packages/${name}`)) {
    if (lock.includes(`\n  ${importer}: {}\n`)) continue; // no dependencies
    const block = lock.split(`\n  ${importer}:\n`)[1]?.split(/\n(?=  \S|\S)/)[0];
    if (block === undefined) throw new Error(`pnpm-lock.yaml has no importer ${importer}`);
    for (const [, name, version] of block.matchAll(/\n {6}\x27?([^\x27:\n]+)\x27?:\n {8}specifier: [^\n]*\n {8}version: ([^\n(]+)/g)) {
      if (!version.startsWith("link:") && !name.startsWith("@types/")) wanted.add(`${name}@${version}`);
    }
  }
  console.log([...wanted].join(" "));
')"
echo "install.sh: fetching the build inputs: $inputs"
mkdir -p "$work/deps"
# shellcheck disable=SC2086 # one word per package
npm install --prefix "$work/deps" --no-save --no-package-lock --no-audit --no-fund --loglevel=error $inputs

# Bundle the sources into a package of its own, outside the checkout, and install its tarball.
package="$work/package"
mkdir -p "$package"
PAR_BUILD_DEPS="$work/deps" PAR_BUNDLE_DIR="$package/bundle" node packages/cli/scripts/bundle.mjs
cp packages/cli/README.md packages/cli/LICENSE "$package/"
node -e '
  const { devDependencies, ...manifest } = require("./packages/cli/package.json");
  require("fs").writeFileSync(process.argv[1], JSON.stringify(manifest, null, 2) + "\n");
' "$package/package.json"
tarball="$(cd "$work" && npm pack --silent "$package")"
npm install -g "${prefix_args[@]}" --no-audit --no-fund --loglevel=error "$work/$tarball"

bin_dir="$(npm prefix -g "${prefix_args[@]}")/bin"
echo "install.sh: installed $("$bin_dir/par" --version) as $bin_dir/par"
case ":$PATH:" in *":$bin_dir:"*) ;; *) echo "install.sh: add $bin_dir to PATH to run par" ;; esac
