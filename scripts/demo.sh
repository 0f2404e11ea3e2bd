#!/usr/bin/env bash
# The main job end to end on a fresh machine: set up, start the local registries, build and sign a
# provider archive, inspect it, add a target, verify it, push it, pull it back, inspect it by
# reference, and promote it to a second registry.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
bash scripts/setup.sh >/dev/null
bash scripts/registry.sh start >/dev/null

par() { echo "+ par $*" >&2; ./bin/par "$@"; }
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
export WASH_KEYS="$work/keys"      # demo keys only: never touch the user's own key directory
export PAR_CACHE_DIR="$work/cache" # nor the user's digest cache (~/.cache/par)
tag="demo-$(date +%s)"

echo "== A demo provider binary (1 MiB of random bytes) for two targets"
head -c 1048576 /dev/urandom > "$work/demo_provider"
head -c 1048576 /dev/urandom > "$work/demo_provider_arm"

echo "== Create a signed, compressed archive (keys are generated into $WASH_KEYS)"
par create --name "Demo Provider" --vendor Acme --version 0.1.0 --revision 1 \
  --arch x86_64-linux --binary "$work/demo_provider" --compress --destination "$work/demo.par.gz"

echo "== Inspect it"
par inspect "$work/demo.par.gz"

echo "== Insert an aarch64-linux build; the provider keeps its identity"
par insert "$work/demo.par.gz" --arch aarch64-linux --binary "$work/demo_provider_arm"

echo "== Verify strictly (hashes, Ed25519 signature, key types, validity)"
par verify --strict "$work/demo.par.gz"

echo "== Push to the local registry"
par push "127.0.0.1:5001/demo/provider:$tag" "$work/demo.par.gz"

echo "== Pull it back and compare"
par pull "127.0.0.1:5001/demo/provider:$tag" --destination "$work/pulled.par.gz"
cmp "$work/demo.par.gz" "$work/pulled.par.gz" && echo "pulled file is byte-identical"

echo "== Inspect and verify by reference"
par inspect "127.0.0.1:5001/demo/provider:$tag"
par verify --strict "127.0.0.1:5001/demo/provider:$tag"

echo "== Promote it to the production registry: verified at the source (strict, this issuer, both targets), then copied"
issuer="$(./bin/par inspect "$work/demo.par.gz" -o json | node -e 'process.stdout.write(JSON.parse(require("fs").readFileSync(0, "utf8")).issuer)')"
par promote "127.0.0.1:5001/demo/provider:$tag" "127.0.0.1:5002/prod/provider:$tag" \
  --strict --require-issuer "$issuer" --require-target x86_64-linux --require-target aarch64-linux

echo "== Done (the registries keep running for the next run; stop them with: bash scripts/registry.sh stop)"
