#!/usr/bin/env bash
# Lints the merged document (`portico openapi`) with Redocly, configured by tools/redocly.yaml
# (recommended, with the rules that protect the collection, the client and /docs as errors).
# Any error fails; warnings are printed. Writes $CONTRACT_OUT/openapi.json.
source "$(dirname "$0")/common.sh"
need_tool redocly
"$PORTICO_BINARY" openapi > "$out/openapi.json" || fail "portico openapi failed"
cd "$out"
"$tools/redocly" lint --config "$root/tools/redocly.yaml" --format=stylish openapi.json \
  || fail "Redocly found errors in the document (rules: tools/redocly.yaml)"
