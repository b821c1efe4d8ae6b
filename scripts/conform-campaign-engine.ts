/**
 * The engine of `npm run conform` (scripts/conform-campaign.ts prints what it
 * finds): random traces through the model and real libssl, many at once.
 *
 * Determinism. Sequence i of a campaign depends only on (seed, i): a hash of
 * them picks legal or a misuse kind (with probability `misuseShare`, the kind
 * uniformly) and the fast-check seed its trace is sampled with
 * (`fc.sample(arb, { seed, numRuns: 1 })`). So the sequences, the tallies and
 * the summary do not depend on `jobs` or on the order runs finish in; only the
 * timings do.
 *
 * Differences are grouped by a signature (the call and fields of the first
 * differing step, the predicted and real outcome of a misuse, or the error a
 * side threw), because one model bug shows up in hundreds of random traces.
 * After the sweep, the first sequence (lowest index) of each of the first
 * `maxShrinks` signatures is shrunk: `fc.check` on the same arbitrary with the
 * same seed and one run regenerates that very trace, and its predicate
 * "fails" only on a run showing the same difference (`sameDifference`), so
 * fast-check shrinks towards a minimal trace of that difference rather than
 * of whichever difference is easiest to reach. Each shrink is capped at
 * `shrinkRuns` harness runs (past it candidates pass unrun, keeping the
 * smallest so far); up to `jobs` shrinks run at once.
 */
import fc from 'fast-check';
import { conformTextAsync } from '../src/conform/conform-async.ts';
import type { ConformReport } from '../src/conform/compare.ts';
import { formatReport } from '../src/conform/format.ts';
import { limiter } from '../src/conform/pool.ts';
import type { RunResult } from '../src/run/runner.ts';
import type { DiagnosticKind, Outcome } from '../src/world/diagnostics.ts';
import { coverage, type CoverageReport, type GeneratedTrace, legalTrace, MISUSE_KINDS, type MisuseTrace, misuseTrace, type OpWeights } from '../properties/gen/index.ts';

export type CaseKind = 'legal' | DiagnosticKind;

export interface CampaignOptions {
  readonly runs: number;
  readonly seed: number;
  readonly maxCalls: number;
  /** Weights replacing some of the generator's op weights (`--focus`); the generator's own when absent. */
  readonly focus?: OpWeights;
  /** Harness processes at once (and sequences in flight). */
  readonly jobs: number;
  /** Probability in [0, 1] that a sequence is a misuse trace. */
  readonly misuseShare: number;
  /** How many distinct differences to shrink. */
  readonly maxShrinks: number;
  /** Harness runs one shrink may make (~0.15 s each). */
  readonly shrinkRuns: number;
  /** The harness's per-statement watchdog, in seconds. */
  readonly stepTimeoutS: number;
  /** Called after each sequence of the sweep, for progress. */
  readonly onProgress?: (done: number, differing: number) => void;
  /** Called as each shrink starts. */
  readonly onShrink?: (nth: number, of: number, signature: string) => void;
}

/** One sequence's outcome. */
interface CaseResult {
  readonly signature: string | null;
  /** formatReport's text, or the error. */
  readonly detail: string;
  readonly compared: number;
  /** For a misuse trace whose model run has undefined behaviour: what libssl did. */
  readonly realOutcome: Outcome | null;
  readonly model: RunResult | null;
}

export interface DifferenceGroup {
  readonly signature: string;
  readonly count: number;
  /** The first sequence (lowest index) with this signature. */
  readonly first: { readonly index: number; readonly kind: CaseKind; readonly seed: number };
  /**
   * Every sequence with this signature, in increasing order. One signature (where and in which field the
   * first difference is) can hide several causes: a fix for the first sequence's cause is checked on all.
   */
  readonly sequences: readonly number[];
  /** Set when it was shrunk. */
  readonly shrunk?: Shrunk;
}

export interface Shrunk {
  readonly text: string;
  readonly detail: string;
  /** For a misuse trace: the injected kind and where the model must report it. */
  readonly misuse: { readonly kind: DiagnosticKind; readonly from: number; readonly line: number } | null;
  readonly shrinks: number;
  /** True when shrinking stopped at the `shrinkRuns` limit, so a smaller trace may exist. */
  readonly limited: boolean;
  /** False when fast-check could not regenerate the failure (then `text` is the sweep's unshrunk trace). */
  readonly reproduced: boolean;
}

export interface KindTally {
  run: number;
  confirmed: number;
  /** What libssl did after the model's first undefined behaviour, by outcome. */
  readonly outcomes: Map<string, number>;
}

export interface CampaignResult {
  readonly options: CampaignOptions;
  /** Sequences run on both sides (generator errors excluded). */
  readonly sequences: number;
  readonly legal: number;
  readonly stepsCompared: number;
  readonly differing: number;
  /** By signature, most frequent first (ties: first seen first). */
  readonly groups: readonly DifferenceGroup[];
  /** Sequences the generator could not make (its own bugs), by message: they fail the campaign too. */
  readonly generatorErrors: readonly { readonly message: string; readonly count: number; readonly first: number }[];
  readonly misuse: ReadonlyMap<DiagnosticKind, KindTally>;
  readonly coverage: CoverageReport;
  readonly sweepMs: number;
  readonly shrinkMs: number;
}

/** A 32-bit hash of (seed, index, salt): splitmix32's finaliser over a mixed word. */
function mix(seed: number, index: number, salt: number): number {
  let z = (seed ^ Math.imul(index + 1, 0x9e3779b9) ^ Math.imul(salt, 0x85ebca6b)) >>> 0;
  z = Math.imul(z ^ (z >>> 16), 0x21f0aaad) >>> 0;
  z = Math.imul(z ^ (z >>> 15), 0x735a2d97) >>> 0;
  return (z ^ (z >>> 15)) >>> 0;
}

/** What sequence `index` of a campaign is: its kind and the fast-check seed of its trace. */
export function caseOf(o: Pick<CampaignOptions, 'seed' | 'misuseShare'>, index: number): { kind: CaseKind; seed: number } {
  const misuse = mix(o.seed, index, 1) / 0x1_0000_0000 < o.misuseShare;
  const kind: CaseKind = misuse ? MISUSE_KINDS[mix(o.seed, index, 2) % MISUSE_KINDS.length]! : 'legal';
  return { kind, seed: mix(o.seed, index, 3) | 0 };
}

const arbitraries = new Map<string, fc.Arbitrary<GeneratedTrace>>();
function arbitraryOf(kind: CaseKind, maxCalls: number, weights: OpWeights | undefined): fc.Arbitrary<GeneratedTrace> {
  const key = `${kind}/${maxCalls}/${JSON.stringify(weights ?? {})}`;
  let arb = arbitraries.get(key);
  if (!arb) {
    arb = kind === 'legal' ? legalTrace({ maxCalls, weights }) : misuseTrace(kind, { maxCalls, weights });
    arbitraries.set(key, arb);
  }
  return arb;
}

/** The trace of sequence `index`. */
export function traceOf(o: Pick<CampaignOptions, 'seed' | 'misuseShare' | 'maxCalls' | 'focus'>, index: number): { kind: CaseKind; seed: number; trace: GeneratedTrace } {
  const c = caseOf(o, index);
  return { ...c, trace: fc.sample(arbitraryOf(c.kind, o.maxCalls, o.focus), { seed: c.seed, numRuns: 1 })[0]! };
}

/** The callee of a statement as printed: `x = SSL_get1_session(c1)` and `expect connect(c1, s1) == 1` give the function's name. */
function callName(source: string): string {
  return /([A-Za-z_]\w*)\(/.exec(source.replace(/^\w+ = /, '').replace(/^expect /, ''))?.[1] ?? source;
}

/** Object names in paths and messages (`state.sessions.s3.refs`, `c1 has no session`) made generic, so one bug gives one signature. */
function generic(text: string): string {
  return text.replace(/^(state\.\w+)\.[^.]+/, '$1.*').replace(/\b([A-Za-z_]+?)\d+\b/g, '$1#');
}

/** What a difference is about, the same for every trace that shows the same model bug. */
export function signatureOf(report: ConformReport): string | null {
  if (report.agree) return null;
  if (report.difference) {
    const d = report.difference;
    const fields = [
      ...new Set(d.diffs.map((f) => (f.path.startsWith('ret') ? `${f.path} ${JSON.stringify(f.model)}≠${JSON.stringify(f.real)}` : generic(f.path)))),
    ];
    return `at ${d.step === 0 ? '(end of trace)' : callName(d.source)}: ${fields.join(', ')}`;
  }
  const o = report.outcome!;
  return `${o.diagnostic.kind}: libssl ${o.real.outcome}${o.real.call ? ` in ${o.real.call}` : ''}, predicted ${o.predicted.join('|') || 'nothing'}`;
}

const STEP_SIGNATURE = /^at (.+?): (.*)$/;

/**
 * Does a shrinking candidate show the target difference? The same signature,
 * or, for a step difference, the same call with at least one field in common:
 * removing calls often changes which other fields differ (a cache list and
 * its count go with a session's refcount), and demanding them all stops
 * shrinking early.
 */
export function sameDifference(target: string, candidate: string): boolean {
  if (target === candidate) return true;
  const t = STEP_SIGNATURE.exec(target);
  const c = STEP_SIGNATURE.exec(candidate);
  if (!t || !c || t[1] !== c[1]) return false;
  const fields = new Set(t[2]!.split(', '));
  return c[2]!.split(', ').some((f) => fields.has(f));
}

/** One sequence on both sides; never throws (an error either side throws is that sequence's difference). */
async function runCase(text: string, file: string, stepTimeoutS: number): Promise<CaseResult> {
  try {
    const run = await conformTextAsync(text, file, { stepTimeoutS });
    return {
      signature: signatureOf(run.report),
      detail: formatReport(run.report),
      compared: run.report.compared,
      realOutcome: run.report.outcome?.real.outcome ?? null,
      model: run.model,
    };
  } catch (e) {
    const err = e instanceof Error ? e : new Error(String(e));
    const first = err.message.split('\n')[0] ?? '';
    return { signature: `${err.name}: ${generic(first)}`, detail: `${err.name}: ${err.message}\n`, compared: 0, realOutcome: null, model: null };
  }
}

/** Coverage reports summed: counts are numbers of traces, so per-trace reports add up exactly. */
function addCoverage(into: CoverageReport | null, r: CoverageReport): CoverageReport {
  if (into === null) return r;
  const sum = (a: ReadonlyMap<string, number>, b: ReadonlyMap<string, number>) => {
    const m = new Map(a);
    for (const [k, n] of b) m.set(k, (m.get(k) ?? 0) + n);
    return new Map([...m].sort(([x], [y]) => x.localeCompare(y)));
  };
  const calls = sum(into.calls, r.calls);
  const constants = sum(into.constants, r.constants);
  const diagnostics = sum(into.diagnostics, r.diagnostics);
  return {
    traces: into.traces + r.traces,
    calls,
    missingCalls: into.missingCalls.filter((c) => !calls.has(c)),
    constants,
    missingConstants: into.missingConstants.filter((c) => !constants.has(c)),
    callbacks: sum(into.callbacks, r.callbacks),
    diagnostics,
    missingDiagnostics: into.missingDiagnostics.filter((k) => !diagnostics.has(k)),
    branches: sum(into.branches, r.branches),
  };
}

function misuseOf(t: GeneratedTrace): Shrunk['misuse'] {
  return 'kind' in t ? { kind: (t as MisuseTrace).kind, from: (t as MisuseTrace).from, line: (t as MisuseTrace).line } : null;
}

/** Shrinks sequence `first` towards a minimal trace with the same signature. */
async function shrink(o: CampaignOptions, group: DifferenceGroup): Promise<Shrunk> {
  const { kind, seed, index } = group.first;
  let runs = 0;
  // The last failing candidate is fast-check's final counterexample: a passing one never replaces it.
  const found: { last: Omit<Shrunk, 'shrinks' | 'reproduced' | 'limited'> | null } = { last: null };
  let check: fc.RunDetails<[GeneratedTrace]> | null = null;
  try {
    check = await fc.check(
      fc.asyncProperty(arbitraryOf(kind, o.maxCalls, o.focus), async (t) => {
        if (found.last !== null && ++runs > o.shrinkRuns) return true;
        const r = await runCase(t.text, `${index}.trace`, o.stepTimeoutS);
        if (r.signature === null || !sameDifference(group.signature, r.signature)) return true;
        found.last = { text: t.text, detail: r.detail, misuse: misuseOf(t) };
        return false;
      }),
      { seed, numRuns: 1 },
    );
  } catch {
    // The generator threw on a shrinking candidate (its own bug): fall back to the sweep's trace below.
  }
  if (check?.failed && found.last !== null) return { ...found.last, shrinks: check.numShrinks, limited: runs > o.shrinkRuns, reproduced: true };
  // Not reproduced (a harness run that went another way this time, or a generator error): keep the sweep's own trace.
  const again = traceOf(o, index);
  const r = await runCase(again.trace.text, `${index}.trace`, o.stepTimeoutS);
  return { text: again.trace.text, detail: r.detail, misuse: misuseOf(again.trace), shrinks: 0, limited: false, reproduced: false };
}

export async function runCampaign(o: CampaignOptions): Promise<CampaignResult> {
  const started = performance.now();
  const bySignature = new Map<string, { signature: string; count: number; first: DifferenceGroup['first']; sequences: number[] }>();
  const misuse = new Map<DiagnosticKind, KindTally>();
  const generatorErrors = new Map<string, { count: number; first: number }>();
  let cov: CoverageReport | null = null;
  let next = 0;
  let done = 0;
  let differing = 0;
  let stepsCompared = 0;
  let legal = 0;

  const lane = async () => {
    while (next < o.runs) {
      const index = next++;
      let generated: ReturnType<typeof traceOf>;
      try {
        generated = traceOf(o, index);
      } catch (e) {
        // A bug of properties/gen, not a difference: counted apart, and it fails the campaign too.
        const message = e instanceof Error ? e.message.split('\n')[0]! : String(e);
        const g = generatorErrors.get(message);
        if (!g) generatorErrors.set(message, { count: 1, first: index });
        else (g.count++, (g.first = Math.min(g.first, index)));
        done++;
        o.onProgress?.(done, differing);
        continue;
      }
      const { kind, seed, trace } = generated;
      const r = await runCase(trace.text, `${index}.trace`, o.stepTimeoutS);
      stepsCompared += r.compared;
      if (kind === 'legal') legal++;
      else {
        const tally = misuse.get(kind) ?? { run: 0, confirmed: 0, outcomes: new Map<string, number>() };
        misuse.set(kind, tally);
        tally.run++;
        if (r.signature === null) tally.confirmed++;
        if (r.realOutcome !== null) tally.outcomes.set(r.realOutcome, (tally.outcomes.get(r.realOutcome) ?? 0) + 1);
      }
      if (r.signature !== null) {
        differing++;
        const g = bySignature.get(r.signature);
        if (!g) bySignature.set(r.signature, { signature: r.signature, count: 1, first: { index, kind, seed }, sequences: [index] });
        else {
          g.count++;
          g.sequences.push(index);
          if (index < g.first.index) g.first = { index, kind, seed };
        }
      }
      if (r.model !== null) cov = addCoverage(cov, coverage([{ text: trace.text, branches: trace.branches, result: r.model }]));
      done++;
      o.onProgress?.(done, differing);
    }
  };
  await Promise.all(Array.from({ length: Math.min(o.jobs, o.runs) }, lane));
  const sweepMs = performance.now() - started;

  // the lanes finish sequences out of order
  for (const g of bySignature.values()) g.sequences.sort((a, b) => a - b);
  const sorted = [...bySignature.values()].sort((a, b) => b.count - a.count || a.first.index - b.first.index);
  const shrinking = Math.min(o.maxShrinks, sorted.length);
  const slot = limiter(o.jobs);
  const groups: DifferenceGroup[] = await Promise.all(
    sorted.map((g, i) =>
      i >= shrinking
        ? g
        : slot(async () => {
            o.onShrink?.(i + 1, shrinking, g.signature);
            return { ...g, shrunk: await shrink(o, g) };
          }),
    ),
  );
  return {
    options: o,
    sequences: done - [...generatorErrors.values()].reduce((n, g) => n + g.count, 0),
    legal,
    stepsCompared,
    differing,
    groups,
    generatorErrors: [...generatorErrors].map(([message, g]) => ({ message, ...g })).sort((a, b) => a.first - b.first),
    misuse,
    coverage: cov ?? coverage([]),
    sweepMs,
    shrinkMs: performance.now() - started - sweepMs,
  };
}

