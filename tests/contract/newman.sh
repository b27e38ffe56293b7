#!/usr/bin/env bash
# Runs the committed Postman collection with newman against the stack (tests/contract/stack.sh
# runs this): tests/contract/newman_run.mjs says how. Writes $CONTRACT_OUT/newman-report.json.
source "$(dirname "$0")/common.sh"
need_tool newman
need_tool curl
CONTRACT_OUT="$out" node "$contract_dir/newman_run.mjs" "$root/docs/portico.postman_collection.json"
