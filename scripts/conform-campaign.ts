/**
 * `npm run conform`: a conformance campaign, many random traces through the
 * model and through real libssl (the C harness), compared step by step.
 *
 *   npm run conform -- --runs 20000 [--seed N] [--max-calls 40] [--jobs 2] [--misuse-share 0.2]
 *                      [--max-shrinks 10] [--shrink-runs 300] [--step-timeout 1] [--out conform-failures]
 *                      [--focus op=weight,...]
 *
 * Why a script under scripts/ run by tsx (as `npm run docs` is) and not a
 * module of src/: the traces come from the property suites' generator
 * (properties/gen), which is test code; src/ (the published `sslsim`) must not
 * depend on it. The engine is scripts/conform-campaign-engine.ts; this file is
 * the command line: arguments, progress, the report and the exit status.
 *
 * Progress goes to stderr: a cli-progress bar when stderr is a terminal,
 * otherwise a plain line every 5% (CI logs). The report goes to stdout: each
 * distinct difference shrunk to a minimal trace with the first differing step
 * side by side (also written to OUT/<n>.trace, which `sslsim conform` replays;
 * the directory's old *.trace files are removed first), then the summary. A
 * difference past --max-shrinks is written too, as the sweep's whole trace of
 * its first sequence, and the summary lists every sequence of each difference.
 *
 * Exit status: 0 no difference, 1 at least one (or a sequence the generator
 * could not make, counted apart), 2 bad arguments or a harness
 * that cannot be built.
 */
import { mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import cliProgress from 'cli-progress';
import { ensureHarness, HarnessError } from '../src/conform/harness.ts';
import { CATALOGUE } from '../src/trace/catalogue.ts';
import { type OpWeights, parseOpWeights } from '../properties/gen/index.ts';
import { type CampaignOptions, type CampaignResult, type DifferenceGroup, runCampaign, type Shrunk, traceOf } from './conform-campaign-engine.ts';

const USAGE = `usage: npm run conform -- [--runs N] [--seed N] [--max-calls N] [--jobs N] [--misuse-share P]
                          [--max-shrinks N] [--shrink-runs N] [--step-timeout S] [--out DIR] [--focus OP=W,...]
  --runs N           sequences to run (default 1000)
  --seed N           32-bit integer (a negative one as --seed=-N); the same seed runs the same sequences
                     (default: from the clock, printed)
  --max-calls N      calls of each trace's random part, before the teardown (default 40)
  --jobs N           harness processes at once (default 2)
  --misuse-share P   share of sequences with an injected misuse, 0 to 1 (default 0.2)
  --max-shrinks N    distinct differences to shrink to a minimal trace (default 10)
  --shrink-runs N    harness runs each shrink may make (default 300)
  --step-timeout S   the harness's per-statement watchdog in seconds (default 1)
  --out DIR          where the traces of the differences go (default conform-failures)
  --focus OP=W,...   give these generator ops these weights (0 to 1000) instead of their own, to make the
                     calls near a suspected bug frequent (ops and weights: properties/gen/plan.ts OPS),
                     e.g. --focus copySessionId=6,setSslCtx=6,sslDup=5`;

export class UsageError extends Error {}

interface Cli extends Omit<CampaignOptions, 'onProgress' | 'onShrink'> {
  readonly out: string;
  readonly seedGiven: boolean;
}

function integer(name: string, raw: string | undefined, fallback: number, min: number, max: number): number {
  if (raw === undefined) return fallback;
  if (!/^-?\d+$/.test(raw)) throw new UsageError(`--${name} must be an integer, got ${JSON.stringify(raw)}`);
  const n = Number(raw);
  if (n < min || n > max) throw new UsageError(`--${name} must be between ${min} and ${max}, got ${raw}`);
  return n;
}

function decimal(name: string, raw: string | undefined, fallback: number, min: number, max: number): number {
  if (raw === undefined) return fallback;
  const n = Number(raw);
  if (raw.trim() === '' || !Number.isFinite(n)) throw new UsageError(`--${name} must be a number, got ${JSON.stringify(raw)}`);
  if (n < min || n > max) throw new UsageError(`--${name} must be between ${min} and ${max}, got ${raw}`);
  return n;
}

/** The options, or a UsageError (`--help` is `null`). */
export function parseCli(argv: readonly string[]): Cli | null {
  let values;
  try {
    ({ values } = parseArgs({
      args: [...argv],
      strict: true,
      allowPositionals: false,
      options: {
        runs: { type: 'string' },
        seed: { type: 'string' },
        'max-calls': { type: 'string' },
        jobs: { type: 'string' },
        'misuse-share': { type: 'string' },
        'max-shrinks': { type: 'string' },
        'shrink-runs': { type: 'string' },
        'step-timeout': { type: 'string' },
        out: { type: 'string' },
        focus: { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
    }));
  } catch (e) {
    throw new UsageError((e as Error).message);
  }
  if (values.help) return null;
  const seedGiven = values.seed !== undefined;
  // Mixing in Math.random() keeps two campaigns started in the same millisecond apart.
  const clockSeed = (Date.now() ^ Math.floor(Math.random() * 0x1_0000_0000)) | 0;
  if (values.out === '') throw new UsageError('--out must name a directory');
  const focus = values.focus === undefined ? undefined : parseOpWeights(values.focus);
  if (typeof focus === 'string') throw new UsageError(`--focus: ${focus}`);
  return {
    runs: integer('runs', values.runs, 1000, 1, 10_000_000),
    seed: integer('seed', values.seed, clockSeed, -0x8000_0000, 0x7fff_ffff),
    maxCalls: integer('max-calls', values['max-calls'], 40, 1, 100_000),
    jobs: integer('jobs', values.jobs, 2, 1, 64),
    misuseShare: decimal('misuse-share', values['misuse-share'], 0.2, 0, 1),
    maxShrinks: integer('max-shrinks', values['max-shrinks'], 10, 0, 1000),
    shrinkRuns: integer('shrink-runs', values['shrink-runs'], 300, 0, 1_000_000),
    stepTimeoutS: decimal('step-timeout', values['step-timeout'], 1, 0.05, 600),
    out: values.out ?? 'conform-failures',
    ...(focus === undefined ? {} : { focus }),
    seedGiven,
  };
}

/** A progress display on stderr: a bar on a terminal, else a line every 5% (and at the end). */
function progress(total: number): { update: (done: number, differing: number) => void; stop: () => void } {
  const started = performance.now();
  const rate = (done: number) => (done / Math.max(1e-3, (performance.now() - started) / 1000)).toFixed(1);
  if (process.stderr.isTTY) {
    const bar = new cliProgress.SingleBar(
      { stream: process.stderr, format: 'conform [{bar}] {value}/{total} sequences | {differing} differing | {rate}/s | ETA {eta_formatted}', hideCursor: true },
      cliProgress.Presets.shades_classic,
    );
    bar.start(total, 0, { differing: 0, rate: '0.0' });
    return { update: (done, differing) => bar.update(done, { differing, rate: rate(done) }), stop: () => bar.stop() };
  }
  const step = Math.max(1, Math.ceil(total / 20));
  return {
    update: (done, differing) => {
      if (done % step === 0 || done === total) process.stderr.write(`conform: ${done}/${total} sequences, ${differing} differing, ${rate(done)}/s\n`);
    },
    stop: () => {},
  };
}

/** ` --focus op=w,...` as a replay needs it, or nothing for the generator's own weights. */
function focusArg(focus: OpWeights | undefined): string {
  if (focus === undefined) return '';
  return ` --focus ${Object.entries(focus).map(([op, w]) => `${op}=${w}`).join(',')}`;
}

function shrunkText(s: Shrunk): string {
  if (!s.reproduced) return 'not reproduced when shrinking: the unshrunk trace';
  return `shrunk ${s.shrinks} time(s)${s.limited ? ', stopped at the --shrink-runs limit' : ''}`;
}

/** Where a difference came from, as the first comment line of its trace file. */
function origin(r: CampaignResult, g: DifferenceGroup): string {
  const o = r.options;
  return `# npm run conform -- --seed ${o.seed} --max-calls ${o.maxCalls} --misuse-share ${o.misuseShare}${focusArg(o.focus)}: sequence ${g.first.index} (${g.first.kind}), ${g.count} sequence(s) with this difference: ${sequenceList(g)}`;
}

/** The sequences of a difference, the first twenty of them: enough to replay each on a fixed model. */
function sequenceList(g: DifferenceGroup): string {
  const shown = g.sequences.slice(0, 20).join(', ');
  return g.sequences.length > 20 ? `${shown} and ${g.sequences.length - 20} more` : shown;
}

/** The trace file of a shrunk difference: comments saying where it came from and what differed, then the trace. */
function traceFile(r: CampaignResult, g: DifferenceGroup): string {
  const s = g.shrunk!;
  const comment = (text: string) =>
    text
      .trimEnd()
      .split('\n')
      .map((l) => `# ${l}`.trimEnd());
  return [
    origin(r, g),
    `# ${g.signature}`,
    ...(s.misuse ? [`# misuse: ${s.misuse.kind} injected from line ${s.misuse.from}, reported at line ${s.misuse.line}`] : []),
    `# ${shrunkText(s)}; replay: sslsim conform <this file>`,
    ...comment(s.detail),
    s.text.trimEnd(),
    '',
  ].join('\n');
}

/**
 * The trace file of a difference left unshrunk (past --max-shrinks): its first sequence as the sweep ran it,
 * regenerated from the seed, so that it can be replayed, cut and shrunk by hand.
 */
function unshrunkFile(r: CampaignResult, g: DifferenceGroup): string {
  const { trace } = traceOf(r.options, g.first.index);
  return [
    origin(r, g),
    `# ${g.signature}`,
    `# not shrunk (--max-shrinks ${r.options.maxShrinks}): the sweep's trace, ${trace.calls} calls; replay: sslsim conform <this file>`,
    trace.text.trimEnd(),
    '',
  ].join('\n');
}

/**
 * Writes each difference's trace as OUT/1.trace, 2.trace, ... in the summary's order (old ones removed): the
 * minimal trace of a shrunk one, the sweep's trace of one past --max-shrinks. Returns each group's file.
 */
export function writeFailures(r: CampaignResult, out: string): Map<DifferenceGroup, string> {
  const files = new Map<DifferenceGroup, string>();
  mkdirSync(out, { recursive: true });
  for (const f of readdirSync(out)) if (f.endsWith('.trace')) rmSync(join(out, f));
  r.groups.forEach((g, i) => {
    const file = join(out, `${i + 1}.trace`);
    writeFileSync(file, g.shrunk ? traceFile(r, g) : unshrunkFile(r, g));
    files.set(g, file);
  });
  return files;
}

export function report(r: CampaignResult, files: ReadonlyMap<DifferenceGroup, string>): string {
  const out: string[] = [];
  for (const g of r.groups) {
    if (!g.shrunk) continue;
    const s = g.shrunk;
    out.push(`== ${files.get(g)}: ${g.signature} (${g.count} sequence(s); first: sequence ${g.first.index}, ${g.first.kind})`);
    out.push(`${s.reproduced && !s.limited ? 'minimal trace' : 'trace'} (${shrunkText(s)}):`);
    if (s.misuse) out.push(`# ${s.misuse.kind} injected from line ${s.misuse.from}, reported at line ${s.misuse.line}`);
    out.push(s.text.trimEnd(), s.detail.trimEnd(), '');
  }
  const o = r.options;
  const wall = (r.sweepMs + r.shrinkMs) / 1000;
  const misuseRun = r.sequences - r.legal;
  const c = r.coverage;
  out.push('== summary');
  out.push(`seed: ${o.seed} (replay with --seed ${o.seed}${focusArg(o.focus)}); at most ${o.maxCalls} calls before the teardown; misuse share ${o.misuseShare}; ${o.jobs} job(s)`);
  out.push(`sequences run: ${r.sequences} (${r.legal} legal, ${misuseRun} with a misuse)`);
  out.push(`steps compared: ${r.stepsCompared}`);
  out.push(`differences found: ${r.differing} sequence(s), ${r.groups.length} distinct`);
  for (const g of r.groups) {
    const shrunk = g.shrunk ? '' : ' (not shrunk)';
    out.push(`  ${String(g.count).padStart(6)}  ${g.signature}${files.has(g) ? `  -> ${files.get(g)}${shrunk}` : ''}`);
    out.push(`          sequence(s): ${sequenceList(g)}`);
  }
  if (r.generatorErrors.length > 0) {
    out.push(`generator errors (properties/gen bugs, not run): ${r.generatorErrors.reduce((n, g) => n + g.count, 0)} sequence(s)`);
    for (const g of r.generatorErrors) out.push(`  ${String(g.count).padStart(6)}  ${g.message} (first: sequence ${g.first})`);
  }
  const confirmed = [...r.misuse.values()].reduce((n, t) => n + t.confirmed, 0);
  out.push(`misuse outcomes confirmed: ${confirmed} of ${misuseRun}`);
  for (const [kind, t] of [...r.misuse].sort(([a], [b]) => a.localeCompare(b))) {
    const real = [...t.outcomes].sort(([a], [b]) => a.localeCompare(b)).map(([k, n]) => `${k} ${n}`).join(', ');
    out.push(`  ${kind}: ${t.confirmed}/${t.run}${real ? ` (libssl after the undefined behaviour: ${real})` : ''}`);
  }
  out.push(`calls covered: ${c.calls.size} of ${CATALOGUE.size} catalogue calls${c.missingCalls.length ? `; missing: ${c.missingCalls.join(', ')}` : ''}`);
  out.push(`branches covered: ${c.branches.size}: ${[...c.branches].map(([k, n]) => `${k} ${n}`).join(', ') || '-'}`);
  out.push(
    `wall time: ${wall.toFixed(1)} s (sweep ${(r.sweepMs / 1000).toFixed(1)} s, shrinking ${(r.shrinkMs / 1000).toFixed(1)} s); ` +
      `${(r.sequences / Math.max(1e-3, r.sweepMs / 1000)).toFixed(1)} sequences/s, ${(r.sweepMs / Math.max(1, r.sequences)).toFixed(0)} ms each with ${o.jobs} job(s)`,
  );
  return out.join('\n') + '\n';
}

async function main(argv: readonly string[]): Promise<number> {
  let cli: Cli | null;
  try {
    cli = parseCli(argv);
  } catch (e) {
    if (!(e instanceof UsageError)) throw e;
    process.stderr.write(`conform: ${e.message}\n${USAGE}\n`);
    return 2;
  }
  if (cli === null) {
    process.stdout.write(`${USAGE}\n`);
    return 0;
  }
  try {
    ensureHarness();
  } catch (e) {
    if (!(e instanceof HarnessError)) throw e;
    process.stderr.write(`conform: the harness cannot be built (scripts/ensure-libssl.sh installs gcc and libssl-dev): ${e.message}\n`);
    return 2;
  }
  if (!cli.seedGiven) process.stderr.write(`conform: seed ${cli.seed} (replay with --seed ${cli.seed})\n`);
  const bar = progress(cli.runs);
  let stopped = false;
  const result = await runCampaign({
    ...cli,
    onProgress: bar.update,
    onShrink: (nth, of, signature) => {
      if (!stopped) bar.stop();
      stopped = true;
      process.stderr.write(`conform: shrinking ${nth}/${of} (at most ${cli.shrinkRuns} runs): ${signature}\n`);
    },
  });
  if (!stopped) bar.stop();
  const files = writeFailures(result, cli.out);
  process.stdout.write(report(result, files));
  return result.differing > 0 || result.generatorErrors.length > 0 ? 1 : 0;
}

// Run only as the entry point: the tests import parseCli without starting a campaign.
if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) process.exitCode = await main(process.argv.slice(2));
