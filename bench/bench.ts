/**
 * npm run bench: how fast the model runs, as printed figures (never a timed test).
 *
 * For now the workload is the example traces (examples/**.trace), parsed and
 * checked once and then run repeatedly on fresh worlds; the issue's workload,
 * a long random legal sequence and random sequences checked per second,
 * needs the legal-sequence generator of the property suites, not written yet.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { Runner } from '../src/run/runner.ts';
import { checkTrace } from '../src/trace/check.ts';
import { parseTrace } from '../src/trace/parser.ts';

function traces(dir: string): string[] {
  return readdirSync(dir).sort().flatMap((n) => {
    const p = join(dir, n);
    return statSync(p).isDirectory() ? traces(p) : n.endsWith('.trace') ? [p] : [];
  });
}

const checked = traces('examples').map((f) => checkTrace(parseTrace(readFileSync(f, 'utf8'), f)));
const callsPerPass = checked.reduce((n, c) => n + c.steps.filter((s) => s.kind === 'call').length, 0);
const budgetMs = Number(process.env.BENCH_MS ?? 3000);

let passes = 0;
const start = process.hrtime.bigint();
let elapsedMs = 0;
while (elapsedMs < budgetMs) {
  for (const c of checked) new Runner(c).run();
  passes++;
  elapsedMs = Number(process.hrtime.bigint() - start) / 1e6;
}
const seconds = elapsedMs / 1000;
console.log(`workload: ${checked.length} example traces, ${callsPerPass} API calls a pass, ${passes} passes in ${seconds.toFixed(2)} s`);
console.log(`simulate: ${Math.round((passes * callsPerPass) / seconds)} calls/s (example traces, including per-step state snapshots)`);
console.log(`traces: ${Math.round((passes * checked.length) / seconds)} traces/s`);
