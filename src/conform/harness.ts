/**
 * The C harness (conformance/): built on demand, run once per trace.
 *
 * `runHarness` feeds the protocol text to `conformance/build/harness` (which
 * supervises a worker under AddressSanitizer) and parses its JSON Lines: one
 * record per protocol line, a `fault` record instead when a statement ends the
 * worker abnormally, then `{"end":true,"leaks":[...]}` (conformance/PROTOCOL.md).
 * One trace, one process, output in input order. `runHarness` blocks until the
 * process ends; `runHarnessAsync` does the same without blocking, so a caller
 * (the differential suite, `npm run conform`) can keep several harness
 * processes running at once.
 */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { CallbackEvent } from '../world/events.ts';
import type { CtxView } from '../run/observe.ts';

/**
 * How real libssl's objects look after a step: the model's StateView without the model-only fields. With
 * `changes`, only the objects that changed are listed (src/conform/last-shown.ts).
 */
export interface RealState {
  readonly sessions: Readonly<Record<string, { refs: number; freed: boolean; resumable: 0 | 1 | null }>>;
  readonly ssl: Readonly<Record<string, { refs: number; freed: boolean; session: string | null }>>;
  readonly ctx: Readonly<Record<string, CtxView>>;
}

export type FaultKind = 'use-after-free' | 'double-free' | 'heap-corruption' | 'crash' | 'hang';

export interface RealStep {
  readonly line: number;
  readonly call: string;
  readonly ret: number | string | null;
  readonly reused?: { readonly client: number; readonly server: number };
  readonly events: readonly CallbackEvent[];
  readonly state: RealState;
}

export interface RealFault {
  readonly line: number;
  readonly call: string;
  readonly fault: { readonly kind: FaultKind; readonly detail: string };
}

export interface HarnessRun {
  /** One record per protocol line, in order, until the first fault (which is the last record). */
  readonly records: readonly (RealStep | RealFault)[];
  /** The end line, absent after a fault. */
  readonly end: { readonly leaks: readonly string[] } | null;
  /** The harness's `@@note` lines (list/lhash disagreements, LeakSanitizer's findings). */
  readonly notes: readonly string[];
  readonly ms: number;
}

/** The harness could not run the trace: build failure, protocol error, timeout, unreadable output. */
export class HarnessError extends Error {
  override readonly name = 'HarnessError';
}

export function isFault(r: RealStep | RealFault): r is RealFault {
  return 'fault' in r;
}

/** The repository's conformance/ directory, found from this module (src/ under tsx, dist/src/ when built). */
export function conformanceDir(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    if (existsSync(join(dir, 'conformance', 'build.sh'))) return join(dir, 'conformance');
    const up = dirname(dir);
    if (up === dir) throw new HarnessError('cannot find conformance/build.sh above ' + fileURLToPath(import.meta.url));
    dir = up;
  }
}

/** The harness binary, built first if it is missing or older than any of its sources (as fixtures.test.sh does). */
export function ensureHarness(): string {
  const dir = conformanceDir();
  const binary = join(dir, 'build', 'harness');
  const sources = [join(dir, 'harness.c'), join(dir, 'build.sh'), ...['src', 'runtime'].flatMap((sub) => readdirSync(join(dir, sub)).map((f) => join(dir, sub, f)))];
  const built = existsSync(binary) ? statSync(binary).mtimeMs : -1;
  if (built < 0 || sources.some((f) => statSync(f).mtimeMs > built)) {
    const r = spawnSync('bash', [join(dir, 'build.sh')], { encoding: 'utf8', timeout: 300_000 });
    if (r.status !== 0) throw new HarnessError(`conformance/build.sh failed (${r.error?.message ?? `status ${String(r.status)}`}):\n${r.stderr}`);
  }
  return binary;
}

export interface HarnessOptions {
  /** The whole run's limit, in milliseconds. */
  readonly timeoutMs?: number;
  /** The harness's per-statement watchdog (`--timeout`), in seconds. */
  readonly stepTimeoutS?: number;
  /**
   * `--changes`: a state lists only the objects that differ from how the last state listing them showed
   * them (PROTOCOL.md), so a long trace's output grows with what it changes; off when absent (every
   * object in every state).
   */
  readonly changes?: boolean;
}

/** Runs one protocol text through the harness. */
export function runHarness(protocol: string, options: HarnessOptions = {}): HarnessRun {
  const binary = ensureHarness();
  const started = performance.now();
  const r = spawnSync(binary, harnessArgs(options), {
    input: protocol,
    encoding: 'utf8',
    env: harnessEnv(),
    timeout: options.timeoutMs ?? 300_000,
    maxBuffer: 1 << 30,
  });
  const ms = performance.now() - started;
  if (r.error) throw new HarnessError(`harness did not finish: ${r.error.message}`);
  return parseHarnessOutput(r.stdout, r.stderr, r.status, r.signal, ms);
}

/**
 * `runHarness` without blocking the event loop: the same process, arguments,
 * environment, limits and parsing, and the same HarnessError (as a rejection).
 * The binary is checked (and built if stale) synchronously on each call, as
 * `runHarness` does, so concurrent calls never start a build twice.
 */
export function runHarnessAsync(protocol: string, options: HarnessOptions = {}): Promise<HarnessRun> {
  const binary = ensureHarness();
  const limitMs = options.timeoutMs ?? 300_000;
  const started = performance.now();
  return new Promise<HarnessRun>((resolve, reject) => {
    const child = spawn(binary, harnessArgs(options), { env: harnessEnv(), stdio: ['pipe', 'pipe', 'pipe'] });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    let failed: Error | null = null;
    const timer = setTimeout(() => {
      failed = new Error(`spawn ${binary} ETIMEDOUT after ${limitMs} ms`);
      child.kill('SIGKILL');
    }, limitMs);
    child.stdout.on('data', (b: Buffer) => out.push(b));
    child.stderr.on('data', (b: Buffer) => err.push(b));
    // A harness that exits before reading all its input closes the pipe: its output says why, not the EPIPE.
    child.stdin.on('error', () => {});
    child.on('error', (e) => (failed ??= e));
    child.on('close', (status, signal) => {
      clearTimeout(timer);
      const ms = performance.now() - started;
      if (failed) return reject(new HarnessError(`harness did not finish: ${failed.message}`));
      try {
        resolve(parseHarnessOutput(Buffer.concat(out).toString('utf8'), Buffer.concat(err).toString('utf8'), status, signal, ms));
      } catch (e) {
        reject(e instanceof Error ? e : new HarnessError(String(e)));
      }
    });
    child.stdin.end(protocol);
  });
}

function harnessArgs(options: HarnessOptions): string[] {
  return ['--timeout', String(options.stepTimeoutS ?? 5), ...(options.changes === true ? ['--changes'] : [])];
}

function harnessEnv(): NodeJS.ProcessEnv {
  const env = { ...process.env };
  // The marker and object-tracing switches only add stderr; keep the run the same whoever starts it.
  delete env['HARNESS_VERBOSE'];
  delete env['HARNESS_TRACE_OBJECTS'];
  delete env['HARNESS_STEP_TIMEOUT'];
  return env;
}

/** The harness's JSON Lines and `@@note` lines as a HarnessRun; a refusal or a bad exit is a HarnessError. */
function parseHarnessOutput(stdout: string, stderr: string, status: number | null, signal: NodeJS.Signals | null, ms: number): HarnessRun {
  const lines = stdout.split('\n').filter((l) => l.length > 0);
  const parsed = lines.map((l) => {
    try {
      return JSON.parse(l) as Record<string, unknown>;
    } catch {
      throw new HarnessError(`harness printed a line that is not JSON: ${l.slice(0, 200)}`);
    }
  });
  const refused = parsed.find((p) => typeof p['error'] === 'string');
  if (refused) throw new HarnessError(`harness refused line ${String(refused['line'])} (${String(refused['call'])}): ${String(refused['error'])}`);
  if (status !== 0) throw new HarnessError(`harness exited with status ${String(status ?? signal)}:\n${stderr.slice(-2000)}`);
  const records: (RealStep | RealFault)[] = [];
  let end: HarnessRun['end'] = null;
  for (const p of parsed) {
    if (p['end'] === true) end = { leaks: (p['leaks'] as string[] | undefined) ?? [] };
    else records.push(p as unknown as RealStep | RealFault);
  }
  const notes = stderr.split('\n').filter((l) => l.startsWith('@@note '));
  return { records, end, notes: notes.map((l) => l.slice('@@note '.length)), ms };
}
