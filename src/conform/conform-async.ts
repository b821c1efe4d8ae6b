/**
 * `conformText` for many traces: the same pipeline (parse, check, compile,
 * model, harness, compare), with the harness run without blocking so that
 * several traces can be in flight at once, and the model's run returned too
 * (the differential suite and `npm run conform` compute their coverage from
 * it instead of running the model a second time).
 */
import { checkTrace } from '../trace/check.ts';
import { parseTrace } from '../trace/parser.ts';
import { type RunResult, Runner } from '../run/runner.ts';
import { compileTrace } from './compile.ts';
import { type ConformReport, compareRuns } from './compare.ts';
import { type HarnessOptions, runHarnessAsync } from './harness.ts';

export interface ConformRun {
  readonly report: ConformReport;
  /** The model's run of the trace. */
  readonly model: RunResult;
  /** Wall time of the harness run and of everything, in milliseconds. */
  readonly harnessMs: number;
  readonly totalMs: number;
}

/**
 * @throws TraceError for bad input, whatever the model throws (before the harness runs),
 *   HarnessError (as a rejection) when the harness cannot run it.
 */
export async function conformTextAsync(text: string, file: string, options: HarnessOptions = {}): Promise<ConformRun> {
  const started = performance.now();
  const checked = checkTrace(parseTrace(text, file));
  const compiled = compileTrace(checked);
  // Both sides list only the objects a step changed: states that grow with what the trace changes.
  const model = new Runner(checked, { snapshots: 'changes', counters: true }).run();
  const real = await runHarnessAsync(compiled.text, { changes: true, ...options });
  return { report: compareRuns(model, compiled, real), model, harnessMs: real.ms, totalMs: performance.now() - started };
}
