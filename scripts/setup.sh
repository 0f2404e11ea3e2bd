#!/usr/bin/env bash
# Installs what developing par needs on a fresh Debian or Ubuntu machine (the test tools too) and
# builds it. Safe to run again. For the par command alone: scripts/install.sh.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

as_root() { if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi; }

# System packages: the Docker distribution registry (the registry:2 code), skopeo (an independent
# OCI client used to prove interoperability), htpasswd and openssl for the test registries, tinyproxy.
missing=()
command -v docker-registry >/dev/null || missing+=(docker-registry)
command -v skopeo >/dev/null || missing+=(skopeo)
command -v htpasswd >/dev/null || missing+=(apache2-utils)
command -v openssl >/dev/null || missing+=(openssl)
command -v curl >/dev/null || missing+=(curl)
# A real forward proxy for the HTTPS_PROXY / HTTP_PROXY / NO_PROXY tests (started by the tests themselves).
command -v tinyproxy >/dev/null || missing+=(tinyproxy)
if [ ${#missing[@]} -gt 0 ]; then
  if ! command -v apt-get >/dev/null; then
    # Not Debian or Ubuntu: say what is needed instead of failing on a missing apt-get.
    echo "setup: the test tools need these Debian packages, and there is no apt-get here: ${missing[*]}" >&2
    echo "setup: install their equivalents (a Docker distribution registry as docker-registry, skopeo, htpasswd, openssl, curl) and run setup again;" >&2
    echo "setup: for the par command alone, no system packages are needed: bash scripts/install.sh" >&2
    exit 1
  fi
  if [ "$(id -u)" != 0 ] && ! command -v sudo >/dev/null; then
    echo "setup: installing ${missing[*]} with apt-get needs root, and there is no sudo; run setup as root" >&2
    exit 1
  fi
  echo "setup: installing ${missing[*]}"
  as_root apt-get update -qq
  DEBIAN_FRONTEND=noninteractive as_root apt-get install -y -qq "${missing[@]}" >/dev/null
fi

pnpm_version="$(node -p 'require("./package.json").packageManager.split("@")[1]')"
if ! command -v pnpm >/dev/null || [ "$(pnpm --version)" != "$pnpm_version" ]; then
  echo "setup: installing pnpm@$pnpm_version"
  npm install -g --silent "pnpm@$pnpm_version"
fi

pnpm install --frozen-lockfile --reporter=silent
pnpm run --silent build
echo "setup: ready (./bin/par)"
