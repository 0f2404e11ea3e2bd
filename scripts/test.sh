#!/usr/bin/env bash
# Sets everything up, starts the loopback test registries, and runs every test.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
bash scripts/setup.sh
pnpm exec vitest run "$@"
