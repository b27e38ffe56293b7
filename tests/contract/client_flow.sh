#!/usr/bin/env bash
# Generates a TypeScript client from the document the running gateway serves, compiles it with
# tests/contract/client_flow.ts (tsc, strict), and runs the flow. Run under stack.sh:
#   tests/contract/stack.sh tests/contract/client_flow.sh
# Everything it makes goes to $CONTRACT_OUT/client (the build tree under ctest).
source "$(dirname "$0")/common.sh"
need_tool openapi-ts
need_tool tsc
need_tool curl
[ -n "${BASE_URL:-}" ] || fail "BASE_URL is not set: run me through tests/contract/stack.sh"

work="$out/client"
rm -rf "$work"
mkdir -p "$work"
curl -fsS "$BASE_URL/api/v1/openapi.json" -o "$work/openapi.json" \
  || fail "GET /api/v1/openapi.json failed"

# The client: @hey-api/openapi-ts's default (the fetch client, bundled into the output).
"$tools/openapi-ts" --silent --input "$work/openapi.json" --output "$work/generated" \
  || fail "openapi-ts could not generate a client from the served document"
cp "$contract_dir/client_flow.ts" "$work/client_flow.ts"
cat > "$work/tsconfig.json" <<JSON
{
  "compilerOptions": {
    "target": "ES2022",
    "lib": ["ES2022", "DOM"],
    "module": "commonjs",
    "strict": true,
    "noEmitOnError": true,
    "skipLibCheck": false,
    "esModuleInterop": true,
    "typeRoots": ["$root/tools/node_modules/@types"],
    "types": ["node"],
    "outDir": "dist"
  },
  "files": ["client_flow.ts"]
}
JSON
"$tools/tsc" -p "$work/tsconfig.json" || fail "tsc: the flow does not compile against the generated client"
echo "contract: client generated and compiled in $work"
node "$work/dist/client_flow.js"
