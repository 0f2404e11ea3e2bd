#!/usr/bin/env bash
# Prints the bin directory of a Node.js release line (default 26), installing it first when it is
# not cached: from the npm registry's `node` package (no other download), into
# $PAR_NODE_CACHE/node-<line> (default ~/.cache/par-node). Delete that directory to get a newer release.
#   PATH="$(bash scripts/node.sh 26):$PATH" node --version
set -euo pipefail
line="${1:-26}"
if ! [[ "$line" =~ ^[0-9]+$ ]]; then echo "node.sh: give a release line such as 26, not \"$line\"" >&2; exit 1; fi
cache="${PAR_NODE_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/par-node}/node-$line"
bin="$cache/node_modules/node/bin"
if ! [ -x "$bin/node" ] || [[ "$("$bin/node" --version)" != "v$line."* ]]; then
  echo "node.sh: installing node@$line from the npm registry into $cache" >&2
  mkdir -p "$cache"
  npm install --prefix "$cache" --no-audit --no-fund --loglevel=error "node@$line" >&2
fi
echo "$bin"
