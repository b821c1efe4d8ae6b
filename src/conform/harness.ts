/**
 * The C harness (conformance/): built on demand, run once per trace.
 *
 * `runHarness` feeds the protocol text to `conformance/build/harness` (which
 * supervises a worker under AddressSanitizer) and parses its JSON Lines: one
 * record per protocol line, a `fault` record instead when a statement ends the
 * worker abnormally, then `{"end":true,"leaks":[...]}` (conformance/PROTOCOL.md).
 * Everything is synchronous: one trace, one process, output in input order.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { CallbackEvent } from '../world/events.ts';

/** How real libssl's objects look after a step: the model's StateView without the model-only fields. */
export interface RealState {
  readonly sessions: Readonly<Record<string, { refs: number; freed: boolean; resumable: 0 | 1 | null }>>;
  readonly ssl: Readonly<Record<string, { refs: number; freed: boolean; session: string | null }>>;
  readonly ctx: Readonly<Record<string, { refs: number; freed: boolean; cache: readonly string[]; sess_number: number }>>;
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
  const sources = [join(dir, 'harness.c'), join(dir, 'build.sh'), ...readdirSync(join(dir, 'src')).map((f) => join(dir, 'src', f))];
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
}

/** Runs one protocol text through the harness. */
export function runHarness(protocol: string, options: HarnessOptions = {}): HarnessRun {
  const binary = ensureHarness();
  const env = { ...process.env };
  // The marker and object-tracing switches only add stderr; keep the run the same whoever starts it.
  delete env['HARNESS_VERBOSE'];
  delete env['HARNESS_TRACE_OBJECTS'];
  delete env['HARNESS_STEP_TIMEOUT'];
  const started = performance.now();
  const r = spawnSync(binary, ['--timeout', String(options.stepTimeoutS ?? 5)], {
    input: protocol,
    encoding: 'utf8',
    env,
    timeout: options.timeoutMs ?? 300_000,
    maxBuffer: 1 << 30,
  });
  const ms = performance.now() - started;
  if (r.error) throw new HarnessError(`harness did not finish: ${r.error.message}`);
  const lines = r.stdout.split('\n').filter((l) => l.length > 0);
  const parsed = lines.map((l) => {
    try {
      return JSON.parse(l) as Record<string, unknown>;
    } catch {
      throw new HarnessError(`harness printed a line that is not JSON: ${l.slice(0, 200)}`);
    }
  });
  const refused = parsed.find((p) => typeof p['error'] === 'string');
  if (refused) throw new HarnessError(`harness refused line ${String(refused['line'])} (${String(refused['call'])}): ${String(refused['error'])}`);
  if (r.status !== 0) throw new HarnessError(`harness exited with status ${String(r.status ?? r.signal)}:\n${r.stderr.slice(-2000)}`);
  const records: (RealStep | RealFault)[] = [];
  let end: HarnessRun['end'] = null;
  for (const p of parsed) {
    if (p['end'] === true) end = { leaks: (p['leaks'] as string[] | undefined) ?? [] };
    else records.push(p as unknown as RealStep | RealFault);
  }
  const notes = r.stderr.split('\n').filter((l) => l.startsWith('@@note '));
  return { records, end, notes: notes.map((l) => l.slice('@@note '.length)), ms };
}
