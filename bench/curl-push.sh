#!/usr/bin/env bash
# The transport ceiling for a push: a monolithic blob upload with curl (POST an upload session, then
# one streaming PUT of the whole file with ?digest=). Usage: curl-push.sh BASE_URL REPO FILE DIGEST
set -euo pipefail
base=$1 repo=$2 file=$3 digest=$4
location=$(curl -sS --fail-with-body -X POST -o /dev/null -D - "$base/v2/$repo/blobs/uploads/" |
  tr -d '\r' | sed -n 's/^[Ll]ocation: //p')
[ -n "$location" ] || { echo "curl-push: no Location from POST $base/v2/$repo/blobs/uploads/" >&2; exit 1; }
case "$location" in /*) location="$base$location" ;; esac
case "$location" in *\?*) sep='&' ;; *) sep='?' ;; esac
# -T streams the file (--data-binary @file would read it all into memory first); no Expect: 100-continue.
curl -sS --fail-with-body -T "$file" -H 'Content-Type: application/octet-stream' -H 'Expect:' \
  -o /dev/null "$location${sep}digest=$digest"
