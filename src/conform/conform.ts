/**
 * `sslsim conform`: one trace through the model and through real libssl (the
 * C harness), compared step by step (compare.ts).
 */
import { checkTrace } from '../trace/check.ts';
import { parseTrace } from '../trace/parser.ts';
import { Runner } from '../run/runner.ts';
import { compileTrace } from './compile.ts';
import { type ConformReport, compareRuns } from './compare.ts';
import { type HarnessOptions, runHarness } from './harness.ts';

export interface Timed {
  readonly report: ConformReport;
  /** Wall time of the harness run and of everything, in milliseconds. */
  readonly harnessMs: number;
  readonly totalMs: number;
}

/**
 * Parses, checks, runs the model, compiles and runs the harness, compares.
 *
 * @throws TraceError for bad input (before the harness runs), HarnessError when the harness cannot run it.
 */
export function conformText(text: string, file: string, options: HarnessOptions = {}): Timed {
  const started = performance.now();
  const checked = checkTrace(parseTrace(text, file));
  const compiled = compileTrace(checked);
  // Both sides list only the objects a step changed: states that grow with what the trace changes.
  const model = new Runner(checked, { snapshots: 'changes', counters: true }).run();
  const real = runHarness(compiled.text, { changes: true, ...options });
  return { report: compareRuns(model, compiled, real), harnessMs: real.ms, totalMs: performance.now() - started };
}
