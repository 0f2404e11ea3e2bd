#!/usr/bin/env bash
# Sets everything up, starts the loopback test registries, and runs every test.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
bash scripts/setup.sh
# The registries stay up afterwards: the next run reuses them (scripts/registry.sh stop ends them).
bash scripts/registry.sh start
pnpm exec vitest run "$@"
