#!/usr/bin/env bash
# Sets everything up, starts the loopback test registries, and runs every test.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
bash scripts/setup.sh
# setup.sh built dist/ (the CLI end-to-end tests run it); the tests themselves are type-checked and linted too.
pnpm run --silent typecheck
pnpm run --silent lint
# The registries stay up afterwards: the next run reuses them (scripts/registry.sh stop ends them).
bash scripts/registry.sh start
pnpm exec vitest run "$@"
