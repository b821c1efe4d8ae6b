#!/bin/bash
# Instructions per run of a trace, the measure of bench/HISTORY.md session 14 (wall-clock time on a shared VM
# varies by ±30%; instruction counts of the model's own code repeat within about 2%).
#
#   bash bench/instructions.sh [ROOT] [TRACE] [N1] [N2]
#
# Runs TRACE (default: the bench's long sequence, written to a temporary file) N1 and N2 times
# (default 15 and 25) in the bench's checker mode under valgrind's cachegrind, node with fixed hash
# and random seeds and one thread, and prints the difference per run split by function name into
# the mutator (the model's JIT code and the builtins it calls), the collector and the optimizing
# compiler. Only the mutator figure is steady: the other two depend on V8's timing heuristics.
# ROOT is a built checkout (npm run build), default this one. Needs valgrind (apt-get install valgrind).
set -euo pipefail
HERE=$(cd "$(dirname "$0")/.." && pwd)
ROOT=${1:-$HERE}; TRACE=${2:-}; N1=${3:-15}; N2=${4:-25}
T=$(mktemp -d); trap 'rm -rf "$T"' EXIT
if [ -z "$TRACE" ]; then
  TRACE=$T/long.trace
  node -e "import('$ROOT/dist/properties/gen/index.js').then((g) => require('node:fs').writeFileSync('$TRACE', g.sampleLegalTraces(1, { seed: 6, maxCalls: 20000 })[0].text))"
fi
run() {
  valgrind --tool=cachegrind --cache-sim=no --cachegrind-out-file="$T/cg.$1" \
    node --single-threaded --hash-seed=7 --random-seed=7 "$HERE/bench/run-trace.mjs" "$ROOT" "$1" "$TRACE" >/dev/null 2>&1
}
# mutator, collector and compiler instructions of one cachegrind output
split() {
  cg_annotate --auto=no --show-percs=no --threshold=0 "$T/cg.$1" 2>/dev/null | python3 -c "
import re, sys
c = g = m = 0
for line in sys.stdin:
    x = re.match(r'^\s*([0-9,]+)\s+(?:\([^)]*\)\s+)?(.*)$', line)
    if not x or 'PROGRAM TOTALS' in x.group(2): continue
    n, f = int(x.group(1).replace(',', '')), x.group(2)
    if ':' not in f and '???' not in f: continue
    if re.search(r'compiler::|turboshaft|maglev|Turbofan|OptimizedCompilationJob|Pipeline', f): c += n
    elif re.search(r'Scaveng|MarkCompact|Marking|Sweep|heap::|Heap::|Evacuat|GCTracer|MemoryAllocator', f): g += n
    else: m += n
print(m, g, c)"
}
run "$N1" & run "$N2" & wait
read -r m1 g1 c1 < <(split "$N1")
read -r m2 g2 c2 < <(split "$N2")
d=$((N2 - N1))
echo "$ROOT: per run of $(basename "$TRACE"): mutator $(((m2 - m1) / d)), collector $(((g2 - g1) / d)), compiler $(((c2 - c1) / d))"
