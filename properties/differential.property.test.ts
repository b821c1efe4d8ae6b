/**
 * Property (e), differential: the model and real libssl 3.0.19 agree on random traces.
 *
 * Each generated trace (properties/gen) runs through the model and through the
 * C harness (conformance/, real libssl under ASan), and the two runs are
 * compared step by step as `sslsim conform` does (src/conform/compare.ts):
 * - a legal trace (`legalTrace({ maxCalls: 40 })`): every step's return
 *   value, resumption flags, callbacks and object states agree, libssl never
 *   faults, and it leaks exactly the sessions the model leaves alive (none);
 * - a misuse trace of each kind (`misuseTrace(kind)`): the same up to the
 *   model's first undefined behaviour; from there real libssl must end in one
 *   of the outcomes the model predicts (a fault of a named kind, a hang, a
 *   leak, nothing visible). A warning or a leak is not undefined behaviour, so
 *   those traces are compared to the end.
 *
 * A failure shrinks to a minimal trace; the message is fast-check's
 * counterexample (the trace text, generated traces print as their text) and
 * `formatReport`'s two-column table of the first differing step. Each
 * shrinking candidate is a harness run (~0.2 s, a second for one that makes
 * libssl hang), so shrinking has a budget of DIFF_SHRINK_RUNS runs per
 * property: past it, candidates are not run and count as passing, and the
 * counterexample printed is the smallest failure found so far. FC_SEED
 * replays it (properties/seed.setup.ts); the legal runs are split into lanes
 * seeded FC_SEED, FC_SEED+1, ... so that two harness processes run at once.
 *
 * This suite needs the harness: when it cannot be built (no gcc or
 * libssl-dev: scripts/ensure-libssl.sh installs them) it fails, it never skips.
 *
 * Long legal traces (`legalTrace({ maxCalls: 200 })`, DIFF_LONG_RUNS of them)
 * reach states short ones rarely do: a campaign of such traces found F60-F62
 * (properties/gen/FINDINGS.md) after tens of thousands of short ones found none.
 *
 * Environment: DIFF_RUNS (legal traces, default 300), DIFF_LONG_RUNS (long
 * legal traces, default 40), DIFF_MISUSE_RUNS (per
 * misuse kind, default 8), DIFF_JOBS (harness processes at once, default 2),
 * DIFF_SHRINK_RUNS (harness runs per property while shrinking, default 60).
 * With the defaults the work is 300 + 12 x 8 traces at ~0.15-0.3 s each, two
 * at a time: about a minute on the project's 2-core machine (66 s measured
 * while other suites shared it); the 2 x 150 legal runs are the critical path.
 */
import fc from 'fast-check';
import { afterAll, beforeAll, describe, it } from 'vitest';
import { conformTextAsync } from '../src/conform/conform-async.ts';
import { formatReport } from '../src/conform/format.ts';
import { ensureHarness } from '../src/conform/harness.ts';
import { limiter } from '../src/conform/pool.ts';
import { coverage, type CoverageInput, formatCoverage, type GeneratedTrace, legalTrace, MISUSE_KINDS, type MisuseTrace, misuseTrace } from './gen/index.ts';

/** A positive integer from the environment; a typo fails the run rather than silently using the default. */
function envCount(name: string, fallback: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 0) throw new Error(`${name} must be a non-negative integer, got ${JSON.stringify(raw)}`);
  return n;
}

const LEGAL_RUNS = envCount('DIFF_RUNS', 300);
const LONG_RUNS = envCount('DIFF_LONG_RUNS', 40);
/** The random part of a long legal trace, before its teardown. */
const LONG_CALLS = 200;
const MISUSE_RUNS = envCount('DIFF_MISUSE_RUNS', 8);
const JOBS = Math.max(1, envCount('DIFF_JOBS', 2));
const SHRINK_RUNS = envCount('DIFF_SHRINK_RUNS', 60);
/** One lane per harness slot: each lane is its own fc.assert, so its runs (and shrinking) stay sequential and replayable. */
const LANES = JOBS;
/**
 * The harness's per-statement watchdog. A statement takes milliseconds; the
 * misuse traces that make libssl loop in a flush (conformance/NOTES.md N3) end
 * only when it fires, so the default 5 s would spend most of the file waiting.
 */
const STEP_TIMEOUT_S = 1;

const baseSeed = fc.readConfigureGlobal().seed ?? 0;
const laneSeed = (lane: number) => (baseSeed + lane) | 0;
const harnessSlot = limiter(JOBS);

/** Every trace run, for the coverage summary (shrinking's candidates included: they ran too). */
const seen: CoverageInput[] = [];
const timing = { traces: 0, ms: 0 };

/** Runs one trace on both sides; throws the side-by-side report when they disagree. */
async function agrees(t: GeneratedTrace, file: string, note = ''): Promise<void> {
  const run = await harnessSlot(() => conformTextAsync(t.text, file, { stepTimeoutS: STEP_TIMEOUT_S }));
  seen.push({ text: t.text, branches: t.branches, result: run.model });
  timing.traces++;
  timing.ms += run.totalMs;
  if (!run.report.agree) throw new Error(`model and libssl differ${note}\n${formatReport(run.report)}`);
}

/**
 * One property's predicate with the shrink budget: after its first failure,
 * at most SHRINK_RUNS more traces run; later candidates pass unrun, so
 * fast-check stops shrinking at the smallest failure found by then.
 */
function withShrinkBudget<T>(check: (t: T) => Promise<void>): (t: T) => Promise<void> {
  let failed = false;
  let shrinkRuns = 0;
  return async (t) => {
    if (failed && ++shrinkRuns > SHRINK_RUNS) return;
    try {
      await check(t);
    } catch (e) {
      failed = true;
      throw e;
    }
  };
}

beforeAll(() => {
  console.log(
    `differential: seed ${baseSeed} (replay with FC_SEED=${baseSeed}), ${LEGAL_RUNS} legal traces in ${LANES} lane(s) seeded ${Array.from({ length: LANES }, (_, i) => laneSeed(i)).join(', ')}, ` +
      `${LONG_RUNS} long legal traces (${LONG_CALLS} calls) seeded ${laneSeed(LANES)}, ${MISUSE_RUNS} misuse traces per kind, ${JOBS} harness process(es) at once`,
  );
});

afterAll(() => {
  if (timing.traces === 0) return;
  console.log(`differential: ${timing.traces} traces run, ${(timing.ms / timing.traces).toFixed(0)} ms each on average (model, harness and compare)`);
  console.log(formatCoverage(coverage(seen)));
});

// A failing test rather than a failing hook, which vitest would report as skipped tests.
// (Without the harness every property below fails too: each run calls ensureHarness.)
it('the harness builds (conformance/build.sh; scripts/ensure-libssl.sh installs gcc and libssl-dev)', () => {
  ensureHarness();
}, 300_000);

describe.concurrent('(e) differential: the model against real libssl 3.0.19', () => {
  for (let lane = 0; lane < LANES; lane++) {
    const runs = Math.floor(LEGAL_RUNS / LANES) + (lane < LEGAL_RUNS % LANES ? 1 : 0);
    it.skipIf(runs === 0)(`legal traces agree step by step (lane ${lane + 1} of ${LANES}, seed ${laneSeed(lane)}, ${runs} runs)`, async () => {
      await fc.assert(
        fc.asyncProperty(
          legalTrace({ maxCalls: 40 }),
          withShrinkBudget((t: GeneratedTrace) => agrees(t, 'legal.trace')),
        ),
        { numRuns: runs, seed: laneSeed(lane) },
      );
    });
  }

  it.skipIf(LONG_RUNS === 0)(`long legal traces agree step by step (${LONG_CALLS} calls, seed ${laneSeed(LANES)}, ${LONG_RUNS} runs)`, async () => {
    await fc.assert(
      fc.asyncProperty(
        legalTrace({ maxCalls: LONG_CALLS }),
        withShrinkBudget((t: GeneratedTrace) => agrees(t, 'long.trace')),
      ),
      { numRuns: LONG_RUNS, seed: laneSeed(LANES) },
    );
  });

  for (const kind of MISUSE_KINDS) {
    it.skipIf(MISUSE_RUNS === 0)(`${kind}: agree up to the misuse, then libssl fails as predicted`, async () => {
      await fc.assert(
        fc.asyncProperty(
          misuseTrace(kind),
          withShrinkBudget((t: MisuseTrace) => agrees(t, `${kind}.trace`, ` (${kind} injected from line ${t.from}, reported at line ${t.line})`)),
        ),
        { numRuns: MISUSE_RUNS },
      );
    });
  }
});
