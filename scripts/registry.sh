#!/usr/bin/env bash
# Runs par's loopback test registries (Debian's docker-registry = distribution 2.8, the registry:2 code)
# and the token service, on 127.0.0.1 only.
#
#   scripts/registry.sh start    generate certificates once, start what is not running, wait for /v2/
#   scripts/registry.sh stop     stop everything this script started
#   scripts/registry.sh status   say what runs; exit 1 if anything is down
#   scripts/registry.sh reset    stop and wipe the registries' storage (certificates are kept)
#   scripts/registry.sh certs    only generate the test CA, certificates and htpasswd (for docker compose)
#
# State (storage, logs, pid files, certificates) lives in ${PAR_REGISTRIES_DIR:-<repo>/.registries}.
# The configurations are committed in test/registries/<name>.yml with the container paths that
# docker-compose.yml uses; here REGISTRY_* environment variables point them at the state directory.
set -euo pipefail
repo_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
config_dir="$repo_root/test/registries"
state_dir="${PAR_REGISTRIES_DIR:-$repo_root/.registries}"
mkdir -p "$state_dir"
state_dir="$(cd "$state_dir" && pwd)"
tls_dir="$state_dir/tls"
auth_dir="$state_dir/auth"

registries=(plain plain2 basic token mtls)
declare -A port=([plain]=5001 [plain2]=5002 [basic]=5003 [token]=5004 [mtls]=5006)
declare -A auth=(
  [plain]="none (plain HTTP)"
  [plain2]="none (plain HTTP)"
  [basic]="Basic par/par-password, TLS (CA $tls_dir/ca.pem)"
  [token]="Bearer from http://127.0.0.1:5005/token (alice, reader, bob; anonymous pulls public/*)"
  [mtls]="client certificate $tls_dir/client.pem + client-key.pem (signed by the test CA), TLS"
)
token_service_port=5005
wait_seconds=20

scheme() { case "$1" in basic | mtls) echo https ;; *) echo http ;; esac; }
url_of() { echo "$(scheme "$1")://127.0.0.1:${port[$1]}"; }

# --- certificates and credentials -----------------------------------------------------------------

generate_certs() {
  mkdir -p "$tls_dir" "$auth_dir"
  if [ ! -s "$tls_dir/ca.pem" ] || [ ! -s "$tls_dir/server.pem" ]; then
    echo "registry: generating the test CA and the server certificate in $tls_dir"
    local work
    work="$(mktemp -d)"
    openssl req -x509 -new -newkey rsa:2048 -nodes -sha256 -days 3650 \
      -subj "/CN=par test CA" \
      -addext "basicConstraints=critical,CA:TRUE" -addext "keyUsage=critical,keyCertSign,cRLSign" \
      -keyout "$tls_dir/ca-key.pem" -out "$tls_dir/ca.pem" 2>/dev/null
    openssl req -new -newkey rsa:2048 -nodes -sha256 -subj "/CN=localhost" \
      -keyout "$tls_dir/server-key.pem" -out "$work/server.csr" 2>/dev/null
    printf '%s\n' \
      "basicConstraints=CA:FALSE" \
      "keyUsage=critical,digitalSignature,keyEncipherment" \
      "extendedKeyUsage=serverAuth" \
      "subjectAltName=DNS:localhost,IP:127.0.0.1,IP:::1" >"$work/server.ext"
    openssl x509 -req -sha256 -days 3650 -in "$work/server.csr" \
      -CA "$tls_dir/ca.pem" -CAkey "$tls_dir/ca-key.pem" -CAcreateserial -CAserial "$work/ca.srl" \
      -extfile "$work/server.ext" -out "$tls_dir/server.pem" 2>/dev/null
    rm -rf "$work"
  fi
  if [ ! -s "$tls_dir/token-signing.pem" ]; then
    echo "registry: generating the token signing key and certificate in $tls_dir"
    openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$tls_dir/token-signing-key.pem" 2>/dev/null
    openssl req -x509 -new -sha256 -days 3650 -key "$tls_dir/token-signing-key.pem" \
      -subj "/CN=par-test-token-service" -out "$tls_dir/token-signing.pem" 2>/dev/null
  fi
  if [ ! -s "$tls_dir/client.pem" ]; then
    echo "registry: generating the client certificate for the mtls registry in $tls_dir"
    local client_work
    client_work="$(mktemp -d)"
    openssl req -new -newkey rsa:2048 -nodes -sha256 -subj "/CN=par test client" \
      -keyout "$tls_dir/client-key.pem" -out "$client_work/client.csr" 2>/dev/null
    printf '%s\n' "basicConstraints=CA:FALSE" "keyUsage=critical,digitalSignature,keyEncipherment" \
      "extendedKeyUsage=clientAuth" >"$client_work/client.ext"
    openssl x509 -req -sha256 -days 3650 -in "$client_work/client.csr" \
      -CA "$tls_dir/ca.pem" -CAkey "$tls_dir/ca-key.pem" -CAcreateserial -CAserial "$client_work/ca.srl" \
      -extfile "$client_work/client.ext" -out "$tls_dir/client.pem" 2>/dev/null
    rm -rf "$client_work"
  fi
  # skopeo and containers-image take a directory holding ca.crt (--cert-dir, --src-cert-dir, --dest-cert-dir).
  mkdir -p "$tls_dir/cert-dir"
  cp "$tls_dir/ca.pem" "$tls_dir/cert-dir/ca.crt"
  if [ ! -s "$auth_dir/htpasswd" ]; then
    # distribution accepts bcrypt entries only.
    htpasswd -Bbn par par-password >"$auth_dir/htpasswd"
  fi
  # The keys are for tests only, but the docker compose containers run as other users: keep them readable.
  chmod 644 "$tls_dir"/*.pem "$tls_dir/cert-dir/ca.crt" "$auth_dir/htpasswd"
}

# --- processes ------------------------------------------------------------------------------------

pid_file() { echo "$state_dir/$1/$1.pid"; }

# Prints the pid when the process recorded for $1 still runs.
running_pid() {
  local file pid
  file="$(pid_file "$1")"
  [ -s "$file" ] || return 1
  pid="$(cat "$file")"
  kill -0 "$pid" 2>/dev/null || return 1
  echo "$pid"
}

# An HTTP status from the service's probe URL, 000 when nothing answers.
probe() {
  local url
  case "$1" in
    token-service) url="http://127.0.0.1:$token_service_port/token?service=par-test-registry" ;;
    basic) url="$(url_of basic)/v2/" ;;
    mtls)
      curl --silent --insecure --output /dev/null --max-time 2 --write-out '%{http_code}' \
        --cert "$tls_dir/client.pem" --key "$tls_dir/client-key.pem" "$(url_of mtls)/v2/" 2>/dev/null || true
      return
      ;;
    *) url="$(url_of "$1")/v2/" ;;
  esac
  # --insecure: this asks only whether something answers; start checks the certificate separately.
  curl --silent --insecure --output /dev/null --max-time 2 --write-out '%{http_code}' "$url" 2>/dev/null || true
}

# The basic registry must present the certificate signed by this state directory's CA.
basic_certificate_ok() {
  curl --silent --output /dev/null --max-time 2 --cacert "$tls_dir/ca.pem" "$(url_of basic)/v2/" 2>/dev/null
}

answers() { local code; code="$(probe "$1")"; [ -n "$code" ] && [ "$code" != 000 ]; }

start_registry() {
  local name=$1 dir="$state_dir/$1"
  mkdir -p "$dir/data"
  # A fixed secret per registry: an upload session's state spans requests and must survive restarts.
  local -a env=(
    "REGISTRY_HTTP_ADDR=127.0.0.1:${port[$name]}"
    "REGISTRY_HTTP_SECRET=par-test-$name-http-secret"
    "REGISTRY_STORAGE_FILESYSTEM_ROOTDIRECTORY=$dir/data"
  )
  case "$name" in
    basic) env+=(
      "REGISTRY_HTTP_TLS_CERTIFICATE=$tls_dir/server.pem"
      "REGISTRY_HTTP_TLS_KEY=$tls_dir/server-key.pem"
      "REGISTRY_AUTH_HTPASSWD_PATH=$auth_dir/htpasswd"
    ) ;;
    token) env+=("REGISTRY_AUTH_TOKEN_ROOTCERTBUNDLE=$tls_dir/token-signing.pem") ;;
    mtls) env+=(
      "REGISTRY_HTTP_TLS_CERTIFICATE=$tls_dir/server.pem"
      "REGISTRY_HTTP_TLS_KEY=$tls_dir/server-key.pem"
      "REGISTRY_HTTP_TLS_CLIENTCAS=[$tls_dir/ca.pem]"
    ) ;;
  esac
  # setsid: the registry outlives this script and the shell (or CI step) that ran it.
  env "${env[@]}" setsid docker-registry serve "$config_dir/$name.yml" >>"$dir/registry.log" 2>&1 </dev/null 9>&- &
  echo $! >"$(pid_file "$name")"
}

start_token_service() {
  local dir="$state_dir/token-service"
  mkdir -p "$dir"
  TOKEN_SERVICE_HOST=127.0.0.1 TOKEN_SERVICE_PORT=$token_service_port \
    TOKEN_SIGNING_KEY="$tls_dir/token-signing-key.pem" TOKEN_SIGNING_CERT="$tls_dir/token-signing.pem" \
    setsid node "$config_dir/token-service.mjs" >>"$dir/token-service.log" 2>&1 </dev/null 9>&- &
  echo $! >"$(pid_file token-service)"
}

log_file() {
  if [ "$1" = token-service ]; then echo "$state_dir/token-service/token-service.log"; else echo "$state_dir/$1/registry.log"; fi
}

services=("${registries[@]}" token-service)

start() {
  command -v docker-registry >/dev/null || { echo "registry: docker-registry is not installed (run scripts/setup.sh)" >&2; exit 1; }
  generate_certs
  local name started=()
  for name in "${services[@]}"; do
    if running_pid "$name" >/dev/null; then continue; fi
    if answers "$name"; then
      echo "registry: $name already answers on its port (not started by this script, e.g. docker compose); leaving it"
      continue
    fi
    if [ "$name" = token-service ]; then start_token_service; else start_registry "$name"; fi
    started+=("$name")
  done
  local deadline=$((SECONDS + wait_seconds)) failed=()
  for name in "${services[@]}"; do
    until answers "$name"; do
      if [ $SECONDS -ge $deadline ] || { [ -s "$(pid_file "$name")" ] && ! running_pid "$name" >/dev/null; }; then
        failed+=("$name")
        break
      fi
      sleep 0.2
    done
  done
  if [ ${#failed[@]} -gt 0 ]; then
    for name in "${failed[@]}"; do
      echo "registry: $name did not answer within ${wait_seconds}s; last lines of $(log_file "$name"):" >&2
      tail -n 20 "$(log_file "$name")" >&2 2>/dev/null || echo "(no log)" >&2
    done
    exit 1
  fi
  if ! basic_certificate_ok; then
    echo "registry: basic on port ${port[basic]} answers, but not with a certificate signed by $tls_dir/ca.pem" >&2
    echo "registry: it was started from another state directory or before the certificates were regenerated; stop that process and run start again" >&2
    exit 1
  fi
  [ ${#started[@]} -eq 0 ] || echo "registry: started ${started[*]}"
  table
}

table() {
  local name
  printf '%-14s %-24s %s\n' NAME URL AUTH
  for name in "${registries[@]}"; do printf '%-14s %-24s %s\n' "$name" "$(url_of "$name")" "${auth[$name]}"; done
  printf '%-14s %-24s %s\n' token-service "http://127.0.0.1:$token_service_port" "realm /token, service par-test-registry"
  echo "state: $state_dir"
}

stop() {
  local name pid stopping=()
  # Signal all first, then wait: each registry takes a second or two to shut down.
  for name in "${services[@]}"; do
    if pid="$(running_pid "$name")"; then
      kill "$pid" 2>/dev/null || true
      stopping+=("$name:$pid")
    fi
  done
  local entry
  for entry in "${stopping[@]}"; do
    name="${entry%%:*}" pid="${entry#*:}"
    for _ in $(seq 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    if kill -0 "$pid" 2>/dev/null; then kill -9 "$pid" 2>/dev/null || true; fi
    echo "registry: stopped $name"
  done
  for name in "${services[@]}"; do rm -f "$(pid_file "$name")"; done
}

status() {
  local name down=0 pid where
  for name in "${services[@]}"; do
    if [ "$name" = token-service ]; then where="http://127.0.0.1:$token_service_port"; else where="$(url_of "$name")"; fi
    if pid="$(running_pid "$name")" && answers "$name"; then
      printf '%-14s %-24s running (pid %s)\n' "$name" "$where" "$pid"
    elif answers "$name"; then
      printf '%-14s %-24s running (not started by this script)\n' "$name" "$where"
    else
      printf '%-14s %-24s DOWN\n' "$name" "$where"
      down=1
    fi
  done
  return $down
}

reset() {
  stop
  local name
  for name in "${registries[@]}"; do rm -rf "${state_dir:?}/$name/data"; done
  echo "registry: storage wiped (certificates kept in $tls_dir)"
}

# One command at a time: several test runs may share this state directory.
exec 9>"$state_dir/.lock"
flock --timeout 120 9 || { echo "registry: another scripts/registry.sh holds $state_dir/.lock" >&2; exit 1; }

case "${1:-}" in
  start) start ;;
  stop) stop ;;
  status) status ;;
  reset) reset ;;
  certs) generate_certs; echo "registry: certificates and htpasswd ready in $state_dir" ;;
  *) echo "usage: scripts/registry.sh start|stop|status|reset|certs" >&2; exit 2 ;;
esac
