#!/usr/bin/env bash
# Every test suite, in order. Installs what is missing (gcc and libssl-dev via
# apt-get when run as root) and never skips a suite silently: a suite that
# cannot run fails the whole run.
set -euo pipefail
cd "$(dirname "$0")/.."

[ -d node_modules ] || npm ci

# One fixed fast-check seed for the suites run here, so that CI is deterministic (the same commit gives
# the same verdict); FC_SEED=<n> npm test explores another, and `npm run conform` explores at scale.
export FC_SEED="${FC_SEED:-20261129}"

echo "== typecheck"
npx tsc -p tsconfig.json --noEmit

# Before vitest: test/conform/ and properties/differential.property.test.ts run the C harness against real libssl.
echo "== gcc and libssl-dev for the conformance harness"
bash scripts/ensure-libssl.sh

echo "== unit and property suites (vitest)"
report=$(mktemp)
npx vitest run --reporter=default --reporter=json --outputFile="$report"

echo "== examples (each trace's expect lines and expected diagnostics)"
npm run --silent build
node dist/src/cli/main.js run-all examples

echo "== bench smoke (npm run bench prints its figures; its speed is measured there, never tested)"
bench_out=$(BENCH_CALLS=300 BENCH_CONNECTIONS=100 BENCH_MS=50 BENCH_WARMUP_MS=0 node dist/bench/bench.js)
grep -Eq '^simulate: [0-9]+ calls/s$' <<<"$bench_out" || { echo "bench: no simulate figure"; echo "$bench_out"; exit 1; }
grep -Eq '^check: [0-9]+ sequences/s$' <<<"$bench_out" || { echo "bench: no check figure"; echo "$bench_out"; exit 1; }
grep -Eq '^cache: [0-9]+ calls/s$' <<<"$bench_out" || { echo "bench: no cache figure"; echo "$bench_out"; exit 1; }

echo "== doc traces (docs/recipes run clean, docs/anti-patterns announce their diagnostics)"
node dist/src/cli/main.js run-all docs

if [ -x conformance/fixtures.test.sh ]; then
  echo "== conformance fixtures against real libssl under ASan"
  bash scripts/ensure-libssl.sh
  bash conformance/fixtures.test.sh
fi

echo "== conformance: example, docs and probe traces, the model against real libssl step by step (sslsim conform-all)"
bash scripts/ensure-libssl.sh
node dist/src/cli/main.js conform-all examples
if [ -n "$(find docs -name '*.trace' -print -quit 2>/dev/null)" ]; then
  node dist/src/cli/main.js conform-all docs
fi
# The hand-written probes: no expect lines, only agreement with libssl at every step (conformance/probes/README.md).
node dist/src/cli/main.js conform-all conformance/probes

# The plain closing line CI reads: the vitest totals (the examples and fixtures above fail the run on any failure).
node -e 'const r=JSON.parse(require("fs").readFileSync(process.argv[1],"utf8")); console.log(`vitest: ${r.numPassedTests} passed, ${r.numFailedTests} failed`)' "$report"
