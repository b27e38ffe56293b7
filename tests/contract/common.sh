# Sourced by the contract tests: the repository's paths, the npm tools, and loud failures.
#   CONTRACT_OUT  where a test writes what it makes (ctest passes a folder in the build tree)
set -euo pipefail
contract_dir=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(cd "$contract_dir/../.." && pwd)
tools="$root/tools/node_modules/.bin"
PORTICO_BINARY="${PORTICO_BINARY:-$root/build/gateway/portico}"
export PORTICO_BINARY
out="${CONTRACT_OUT:-$root/build/tests/contract/out}"
mkdir -p "$out"
# Redocly: no usage reports, no update check (the tests reach no network but loopback).
export REDOCLY_TELEMETRY=off REDOCLY_SUPPRESS_UPDATE_NOTICE=true NO_UPDATE_NOTIFIER=1

fail() { echo "contract: $*" >&2; exit 1; }

# need_tool NAME: an npm tool from tools/node_modules/.bin, or a program on PATH. Missing is a
# failure, never a skip: scripts/setup installs them all.
need_tool() {
  case "$1" in
    redocly|newman|openapi-ts|tsc)
      [ -x "$tools/$1" ] || fail "$1 is missing from tools/node_modules: run scripts/setup" ;;
    *)
      command -v "$1" >/dev/null || fail "$1 is missing: run scripts/setup" ;;
  esac
}
need_tool node
[ -x "$PORTICO_BINARY" ] || fail "no gateway binary at $PORTICO_BINARY (build it first)"
