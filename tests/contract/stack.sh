#!/usr/bin/env bash
# Runs a command against a fresh Portico: the supplier simulators and the gateway binary on
# loopback ports chosen by the system, a new database and a new live key, all in a temp dir
# (under $CONTRACT_TMP, else the system's temp dir) that is removed when the command ends,
# unless it failed. Stops everything on exit.
#
#   tests/contract/stack.sh COMMAND [ARG...]
#
# Environment in:  PORTICO_BINARY, PORTICO_SIM_BINARY (default: build/gateway/portico and
#                  build/adapters/sim/portico-sim), CONTRACT_TMP
# Environment out: BASE_URL (http://127.0.0.1:<port>, no trailing slash), API_KEY (a live key),
#                  ADMIN_URL, ADMIN_TOKEN, STACK_DIR, and what the customer needs in the
#                  simulators' world: SIM_CA (the simulators' CA, PEM), SSLCI_SIM_URL (publish
#                  DCV records at $SSLCI_SIM_URL/__sim/dcv/records, files at /__sim/dcv/files),
#                  HOSTRAHA_SIM_URL, DIGICERT_SIM_URL, GP_SIM_URL; PORTICO_LOG, SIM_LOG.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
bin="${PORTICO_BINARY:-$root/build/gateway/portico}"
sim_bin="${PORTICO_SIM_BINARY:-$root/build/adapters/sim/portico-sim}"

fail() { echo "stack: $*" >&2; exit 1; }
[ $# -gt 0 ] || fail "usage: stack.sh COMMAND [ARG...]"
[ -x "$bin" ] || fail "no gateway binary at $bin (build it first)"
[ -x "$sim_bin" ] || fail "no simulator binary at $sim_bin (build it first)"
for tool in curl awk sed; do command -v "$tool" >/dev/null || fail "$tool is missing (scripts/setup)"; done

mkdir -p "${CONTRACT_TMP:-${TMPDIR:-/tmp}}"
STACK_DIR=$(mktemp -d "${CONTRACT_TMP:-${TMPDIR:-/tmp}}/portico-stack.XXXXXX")
export STACK_DIR
mkdir -p "$STACK_DIR/sim"
SIM_LOG="$STACK_DIR/sim.log"
PORTICO_LOG="$STACK_DIR/portico.log"
export SIM_LOG PORTICO_LOG

pids=()
status=1
cleanup() {
  for pid in "${pids[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
  for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null || true; done
  if [ "$status" -eq 0 ]; then
    rm -rf "$STACK_DIR"
  else
    echo "stack: kept $STACK_DIR (portico.log, sim.log)" >&2
  fi
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# Waits up to 10 s for a line matching $2 in file $1 and prints the first one.
wait_for_line() {
  for _ in $(seq 1 100); do
    if [ -f "$1" ] && grep -q "$2" "$1"; then grep -m 1 "$2" "$1"; return 0; fi
    sleep 0.1
  done
  return 1
}

# The simulators: each supplier on its own loopback port over HTTPS with a CA made at start;
# they write the provider blocks the gateway should use.
"$sim_bin" --state-dir "$STACK_DIR/sim" > "$SIM_LOG" 2>&1 &
pids+=($!)
for _ in $(seq 1 100); do [ -s "$STACK_DIR/sim/providers.yaml" ] && break; sleep 0.1; done
[ -s "$STACK_DIR/sim/providers.yaml" ] || { cat "$SIM_LOG" >&2; fail "the simulators did not start"; }
wait_for_line "$SIM_LOG" '^gp-sim ' >/dev/null || { cat "$SIM_LOG" >&2; fail "the simulators did not print their URLs"; }
sim_url() { awk -v name="$1" '$1 == name { print $2; exit }' "$SIM_LOG"; }
HOSTRAHA_SIM_URL=$(sim_url hostraha-sim)
SSLCI_SIM_URL=$(sim_url sslci-sim)
DIGICERT_SIM_URL=$(sim_url digicert-sim)
GP_SIM_URL=$(sim_url gp-sim)
SIM_CA=$(sed -n 's/^ *ca_file: "\(.*\)"$/\1/p' "$STACK_DIR/sim/providers.yaml" | head -n 1)
export HOSTRAHA_SIM_URL SSLCI_SIM_URL DIGICERT_SIM_URL GP_SIM_URL SIM_CA
[ -n "$SSLCI_SIM_URL" ] && [ -f "$SIM_CA" ] || fail "could not read the simulators' URLs and CA"

(umask 077; head -c 24 /dev/urandom | base64 | tr -d '/+=' > "$STACK_DIR/admin-token")
ADMIN_TOKEN=$(cat "$STACK_DIR/admin-token")
export ADMIN_TOKEN

# Webhooks may target loopback over plain http: the tests' receivers listen on 127.0.0.1.
cat > "$STACK_DIR/portico.yaml" <<YAML
server: { listen: 127.0.0.1:0, threads: 2 }
admin:  { listen: 127.0.0.1:0, token_file: admin-token }
storage: { sqlite: ./data/portico.db }
keys: { brand: pt }
webhooks: { allow_private_targets: true, allow_http: true }
$(cat "$STACK_DIR/sim/providers.yaml")
YAML
"$bin" config check "$STACK_DIR/portico.yaml" >/dev/null || fail "the generated config does not validate"

API_KEY=$("$bin" keys create --config "$STACK_DIR/portico.yaml" --partner contract | tail -n 1)
export API_KEY
case "$API_KEY" in pt_live_pk_*) ;; *) fail "keys create did not print a key";; esac

"$bin" serve --config "$STACK_DIR/portico.yaml" 2> "$PORTICO_LOG" &
pids+=($!)
ready=$(wait_for_line "$PORTICO_LOG" 'portico listening') \
  || { cat "$PORTICO_LOG" >&2; fail "the gateway did not start"; }
api=$(sed -n 's/.*api=127\.0\.0\.1:\([0-9]*\).*/\1/p' <<< "$ready")
admin=$(sed -n 's/.*admin=127\.0\.0\.1:\([0-9]*\).*/\1/p' <<< "$ready")
[ -n "$api" ] && [ -n "$admin" ] || fail "no ports in: $ready"
BASE_URL="http://127.0.0.1:$api"
ADMIN_URL="http://127.0.0.1:$admin"
export BASE_URL ADMIN_URL
curl -fsS -o /dev/null "$BASE_URL/api/v1/me" -H "Authorization: Bearer $API_KEY" \
  || fail "the gateway does not answer GET /api/v1/me with the new key"

echo "stack: gateway $BASE_URL (admin $ADMIN_URL), simulators' CA $SIM_CA, dir $STACK_DIR" >&2
# In the background, so a TERM (ctest's timeout) reaches the trap at once and stops it all.
set +e
"$@" &
command_pid=$!
pids=("$command_pid" "${pids[@]}")
wait "$command_pid"
status=$?
set -e
exit "$status"
