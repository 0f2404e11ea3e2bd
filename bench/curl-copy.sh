#!/usr/bin/env bash
# The transport ceiling for a registry-to-registry copy: curl GET of the blob piped into a curl PUT
# (monolithic upload) on the other registry. Usage: curl-copy.sh SRC_BASE SRC_REPO DST_BASE DST_REPO DIGEST
set -euo pipefail
src=$1 src_repo=$2 dst=$3 dst_repo=$4 digest=$5
location=$(curl -sS --fail-with-body -X POST -o /dev/null -D - "$dst/v2/$dst_repo/blobs/uploads/" |
  tr -d '\r' | sed -n 's/^[Ll]ocation: //p')
[ -n "$location" ] || { echo "curl-copy: no Location from POST $dst/v2/$dst_repo/blobs/uploads/" >&2; exit 1; }
case "$location" in /*) location="$dst$location" ;; esac
case "$location" in *\?*) sep='&' ;; *) sep='?' ;; esac
curl -sS --fail "$src/v2/$src_repo/blobs/$digest" |
  curl -sS --fail-with-body -T - -H 'Content-Type: application/octet-stream' -H 'Expect:' \
    -o /dev/null "$location${sep}digest=$digest"
