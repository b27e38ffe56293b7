#!/usr/bin/env bash
# The committed Postman collection must be exactly what tools/postman.mjs makes from the current
# document, so it cannot go stale: after changing gateway/api/openapi/, run
# `node tools/postman.mjs` and commit docs/portico.postman_collection.json.
source "$(dirname "$0")/common.sh"
"$PORTICO_BINARY" openapi > "$out/openapi.json" || fail "portico openapi failed"
node "$root/tools/postman.mjs" --document "$out/openapi.json" --out "$out/portico.postman_collection.json"
node "$root/tools/postman.mjs" --document "$out/openapi.json" --check "$root/docs/portico.postman_collection.json"
