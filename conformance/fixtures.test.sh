#!/usr/bin/env bash
# Runs every conformance/fixtures/*.proto through the harness and checks the
# `#expect` lines it carries against the JSON the harness printed.
#
#   conformance/fixtures.test.sh [FIXTURE...]     (default: all fixtures)
#
# A fixture is a protocol file (PROTOCOL.md; the harness skips `#` lines and
# accepts spaces between fields) with expectations:
#
#   #expect LINE  JS-EXPRESSION     about the result line of statement LINE
#   #expect fault JS-EXPRESSION     about the fault line
#   #expect end   JS-EXPRESSION     about the final {"end":true,...} line
#
# In an expression `r` is that JSON object, and these helpers read it:
#   sess(id) ssl(id) ctx(id)   r.state.sessions[id], r.state.ssl[id], r.state.ctx[id]
#   ev(kind)                   r.events with cb == kind ("new", "remove", "get")
#   cache(id)                  ctx(id).cache joined with "," ("s3,s1")
#   eq(a, b)                   deep equality (JSON)
# Node evaluates the expressions (jq is not needed).
set -uo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
harness="$here/build/harness"
# Rebuild when the binary is missing or older than a source file.
if [ ! -x "$harness" ] || [ -n "$(find "$here/harness.c" "$here/src" "$here/runtime" "$here/build.sh" -newer "$harness" 2>/dev/null)" ]; then
    "$here/build.sh" >/dev/null || exit 2
fi

if [ $# -gt 0 ]; then fixtures=("$@"); else fixtures=("$here"/fixtures/*.proto); fi
out_dir="$(mktemp -d)"
trap 'rm -rf "$out_dir"' EXIT

failed=0
for f in "${fixtures[@]}"; do
    name="$(basename "$f" .proto)"
    "$harness" <"$f" >"$out_dir/$name.jsonl" 2>"$out_dir/$name.stderr"
    rc=$?
    if ! node - "$f" "$out_dir/$name.jsonl" "$rc" <<'EOF'
const fs = require('fs');
const [fixture, output, rc] = process.argv.slice(2);
const results = fs.readFileSync(output, 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l));
const byLine = new Map(results.filter((r) => r.line !== undefined).map((r) => [String(r.line), r]));
const pick = (key) =>
  key === 'end' ? results.find((r) => r.end) : key === 'fault' ? results.find((r) => r.fault) : byLine.get(key);
const expects = fs
  .readFileSync(fixture, 'utf8')
  .split('\n')
  .map((l, i) => [l, i + 1])
  .filter(([l]) => /^#expect\s/.test(l));
let bad = 0;
if (rc !== '0') { console.log(`  harness exit status ${rc}`); bad++; }
for (const [text, n] of expects) {
  const m = /^#expect\s+(\S+)\s+(.*)$/.exec(text);
  const r = pick(m[1]);
  let ok = false, err = '';
  if (r === undefined) err = `no output for ${m[1]}`;
  else {
    const sess = (id) => r.state.sessions[id], ssl = (id) => r.state.ssl[id], ctx = (id) => r.state.ctx[id];
    const ev = (kind) => r.events.filter((e) => e.cb === kind);
    const cache = (id) => ctx(id).cache.join(',');
    const eq = (a, b) => JSON.stringify(a) === JSON.stringify(b);
    try { ok = !!eval(m[2]); } catch (e) { err = String(e); }
  }
  if (!ok) {
    bad++;
    console.log(`  ${fixture.split('/').pop()}:${n}: ${m[2]}${err ? '  (' + err + ')' : ''}`);
    if (r !== undefined) console.log(`    got: ${JSON.stringify(r).slice(0, 1500)}`);
  }
}
if (expects.length === 0) { console.log('  no #expect lines'); bad++; }
console.log(`${bad ? 'FAIL' : 'ok  '} ${fixture.split('/').pop()} (${expects.length} expectations)`);
process.exit(bad ? 1 : 0);
EOF
    then
        failed=$((failed + 1))
        echo "    stderr: $out_dir/$name.stderr (kept: $here/build/$name.stderr)"
        cp "$out_dir/$name.stderr" "$here/build/$name.stderr"
        cp "$out_dir/$name.jsonl" "$here/build/$name.jsonl"
    fi
done
if [ "$failed" -gt 0 ]; then
    echo "$failed fixture(s) failed"
    exit 1
fi
echo "all fixtures passed"
