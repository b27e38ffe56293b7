#!/usr/bin/env bash
# Opens GET /docs (Swagger UI, built into the gateway) in headless Chromium, lets its scripts run,
# and checks the rendered page shows every operation of the served document: its block
# (operations-<tag>-<operationId>), its path and its summary; then saves a screenshot.
# Run under stack.sh:  tests/contract/stack.sh tests/contract/docs_chromium.sh
# Writes $CONTRACT_OUT/docs/{dom.html,docs.png,chromium.log} (the build tree under ctest).
source "$(dirname "$0")/common.sh"
need_tool curl
chromium="${CHROMIUM:-/usr/bin/chromium}"
[ -x "$chromium" ] || fail "no Chromium at $chromium: run scripts/setup"
[ -n "${BASE_URL:-}" ] || fail "BASE_URL is not set: run me through tests/contract/stack.sh"

work="$out/docs"
rm -rf "$work"
mkdir -p "$work"
curl -fsS "$BASE_URL/api/v1/openapi.json" -o "$work/openapi.json" || fail "GET /api/v1/openapi.json failed"
status=$(curl -sS -o /dev/null -w '%{http_code} %{content_type}' "$BASE_URL/docs")
case "$status" in "200 text/html"*) ;; *) fail "GET /docs answered $status";; esac

# A new empty profile each time, nothing in the background, nothing but the gateway reached.
browse() {
  local profile
  profile=$(mktemp -d "$work/profile.XXXXXX")
  timeout 90 "$chromium" --headless --no-sandbox --disable-gpu --disable-quic --no-first-run \
    --disable-background-networking --disable-component-update --disable-sync \
    --user-data-dir="$profile" --virtual-time-budget=15000 "$@" 2>>"$work/chromium.log"
  local rc=$?
  rm -rf "$profile"
  return $rc
}

browse --dump-dom "$BASE_URL/docs" > "$work/dom.html" \
  || { tail -20 "$work/chromium.log" >&2; fail "Chromium could not render /docs"; }
node - "$work/openapi.json" "$work/dom.html" <<'JS' || fail "/docs does not render the document (DOM in $work/dom.html)"
const fs = require('fs');
const doc = JSON.parse(fs.readFileSync(process.argv[2], 'utf8'));
const dom = fs.readFileSync(process.argv[3], 'utf8');
const html = (text) => text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/\u00a0/g, '&nbsp;');
const problems = [];
if (dom.includes('Failed to load API definition')) problems.push('Swagger UI says: Failed to load API definition');
if (!dom.includes('swagger-ui')) problems.push('no Swagger UI in the page');
if (!dom.includes(html(doc.info.title))) problems.push(`the title "${doc.info.title}" is not shown`);
let operations = 0;
for (const [path, item] of Object.entries(doc.paths)) {
  for (const method of ['get', 'post', 'put', 'patch', 'delete']) {
    const op = item[method];
    if (!op) continue;
    ++operations;
    // Swagger UI's block id: operations-<tag>-<operationId>, spaces as underscores.
    const id = `operations-${(op.tags?.[0] ?? 'default').replace(/\s/g, '_')}-${op.operationId}`;
    const at = dom.indexOf(`id="${id}"`);
    if (at < 0) { problems.push(`${method.toUpperCase()} ${path}: no block ${id}`); continue; }
    const block = dom.slice(at, at + 4000);
    if (!block.includes(`data-path="${html(path)}"`)) problems.push(`${op.operationId}: the path ${path} is not shown`);
    if (op.summary && !block.includes(html(op.summary))) problems.push(`${op.operationId}: the summary "${op.summary}" is not shown`);
  }
}
for (const tag of doc.tags ?? []) {
  if (!dom.includes(`id="operations-tag-${tag.name.replace(/\s/g, '_')}"`)) problems.push(`no section for the tag ${tag.name}`);
}
if (problems.length) {
  console.error(problems.join('\n'));
  process.exit(1);
}
console.log(`contract: /docs renders all ${operations} operations in ${(doc.tags ?? []).length} sections`);
JS

browse --window-size=1280,2000 --hide-scrollbars --screenshot="$work/docs.png" "$BASE_URL/docs" >/dev/null \
  || { tail -20 "$work/chromium.log" >&2; fail "Chromium could not take the screenshot"; }
[ "$(head -c 8 "$work/docs.png" | od -An -tx1 | tr -d ' \n')" = 89504e470d0a1a0a ] \
  || fail "the screenshot is not a PNG"
[ "$(stat -c %s "$work/docs.png")" -gt 20000 ] || fail "the screenshot is (almost) empty"
echo "contract: screenshot of /docs: $work/docs.png"
