/**
 * emit-c as an oracle: generated traces (legal, and misuse of the warning and
 * leak kinds, whose programs end) become C programs run against the real
 * libssl under AddressSanitizer; the model's verdict is compared with the
 * program's.
 *
 *   npx tsx scripts/emit-oracle.ts --kind legal --seed 1000 --count 300 --max-calls 60 [--jobs 2] [--out DIR]
 *   npx tsx scripts/emit-oracle.ts --kind misuse:leak --seed 1 --count 50
 *   npx tsx scripts/emit-oracle.ts --file t.trace            (one trace, verdict only)
 *
 * Sample i has seed `seed + i` (one fast-check sample per seed), printed with
 * its class. Classes:
 *   ok                   the program did what the model says
 *   clean-but-report     model clean; the program reports ASan/LSan, a failed expect, or a bad exit
 *   leak-but-no-leak     model reports only leaks; LSan reports none
 *   leak-but-other       model reports only leaks; the program also reports something else
 *   gcc                  gcc -Wall -Wextra -Werror complains (an emitter bug)
 *   timeout              the program did not finish
 *   emit-throws          emitC threw
 * Mismatching traces and their stderr are written to --out (default .prof/oracle/).
 */
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { misuseTrace, sampleLegalTraces } from '../properties/gen/index.ts';
import type { DiagnosticKind } from '../src/world/diagnostics.ts';
import { emitC } from '../src/trace/emit-c.ts';
import { runText } from '../src/run/load.ts';

type Expectation = 'clean' | 'leak' | 'compile';

export function expectationOf(text: string): Expectation {
  const r = runText(text, 'oracle.trace');
  const errors = r.diagnostics.filter((d) => d.severity === 'error');
  if (errors.length === 0 && r.failedExpects.length === 0) return 'clean';
  if (r.failedExpects.length === 0 && errors.every((d) => d.kind === 'leak')) return 'leak';
  return 'compile';
}

interface Exec { status: number | null; signal: string | null; stderr: string; timedOut: boolean }

function exec(cmd: string, args: string[], timeoutMs: number, env?: NodeJS.ProcessEnv): Promise<Exec> {
  return new Promise((resolve) => {
    const child = spawn(cmd, args, { stdio: ['ignore', 'ignore', 'pipe'], env: env ?? process.env });
    const err: Buffer[] = [];
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill('SIGKILL');
    }, timeoutMs);
    child.stderr.on('data', (b: Buffer) => err.push(b));
    child.on('close', (status, signal) => {
      clearTimeout(timer);
      resolve({ status, signal, stderr: Buffer.concat(err).toString('utf8'), timedOut });
    });
  });
}

const SANITIZER = /ERROR: (AddressSanitizer|LeakSanitizer)/;
const LEAK = /ERROR: LeakSanitizer: detected memory leaks/;

export interface Verdict { cls: string; expectation: Expectation; stderr: string }

export async function judge(text: string, dir: string, tag: string): Promise<Verdict> {
  const base = join(dir, tag);
  let expectation: Expectation;
  try {
    expectation = expectationOf(text);
    writeFileSync(`${base}.c`, emitC(text, 'oracle.trace'));
  } catch (e) {
    return { cls: 'emit-throws', expectation: 'compile', stderr: String((e as Error).stack ?? e) };
  }
  const cc = await exec('gcc', ['-std=c11', '-Wall', '-Wextra', '-Werror', '-fsanitize=address', '-o', base, `${base}.c`, '-lssl', '-lcrypto'], 120_000);
  if (cc.status !== 0 || cc.stderr !== '') return { cls: 'gcc', expectation, stderr: cc.stderr };
  if (expectation === 'compile') return { cls: 'ok', expectation, stderr: '' };
  const run = await exec(base, [], 60_000, { ...process.env, ASAN_OPTIONS: process.env.ASAN_OPTIONS ?? 'detect_leaks=1' });
  rmSync(base, { force: true });
  rmSync(`${base}.c`, { force: true });
  if (run.timedOut) return { cls: 'timeout', expectation, stderr: run.stderr };
  if (expectation === 'clean') {
    const bad = SANITIZER.test(run.stderr) || /expect failed/.test(run.stderr) || run.status !== 0;
    return { cls: bad ? 'clean-but-report' : 'ok', expectation, stderr: run.stderr };
  }
  if (!LEAK.test(run.stderr)) return { cls: 'leak-but-no-leak', expectation, stderr: run.stderr };
  if (/ERROR: AddressSanitizer/.test(run.stderr) || /expect failed/.test(run.stderr)) return { cls: 'leak-but-other', expectation, stderr: run.stderr };
  return { cls: 'ok', expectation, stderr: run.stderr };
}

async function pool<T>(items: readonly T[], jobs: number, work: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < items.length) await work(items[next++]!);
  };
  await Promise.all(Array.from({ length: jobs }, worker));
}

function arg(name: string, dflt: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1]! : dflt;
}

function traceOfSeed(kind: string, seed: number, maxCalls: number): string {
  if (kind === 'legal') return sampleLegalTraces(1, { seed, maxCalls })[0]!.text;
  const mk = kind.slice('misuse:'.length) as DiagnosticKind;
  return fc.sample(misuseTrace(mk, { maxCalls }), { numRuns: 1, seed })[0]!.text;
}

async function main(): Promise<void> {
  const tmp = mkdtempSync(join(tmpdir(), 'oracle-'));
  const out = arg('out', '.prof/oracle');
  mkdirSync(out, { recursive: true });
  const file = arg('file', '');
  if (file !== '') {
    const v = await judge(readFileSync(file, 'utf8'), tmp, 'one');
    console.log(`${v.cls} (model: ${v.expectation})`);
    if (process.argv.includes('--stderr')) console.log(v.stderr);
    rmSync(tmp, { recursive: true, force: true });
    process.exitCode = v.cls === 'ok' ? 0 : 1;
    return;
  }
  const kind = arg('kind', 'legal');
  const seed0 = Number(arg('seed', '1'));
  const count = Number(arg('count', '100'));
  const maxCalls = Number(arg('max-calls', '60'));
  const jobs = Number(arg('jobs', '2'));
  const counts = new Map<string, number>();
  const seeds = Array.from({ length: count }, (_, i) => seed0 + i);
  const start = Date.now();
  await pool(seeds, jobs, async (seed) => {
    const text = traceOfSeed(kind, seed, maxCalls);
    const v = await judge(text, tmp, `s${seed}`);
    counts.set(v.cls, (counts.get(v.cls) ?? 0) + 1);
    console.log(`seed ${seed} ${kind} maxCalls=${maxCalls} model=${v.expectation} ${v.cls}`);
    if (v.cls !== 'ok') {
      const name = `${kind.replace(':', '-')}-m${maxCalls}-s${seed}`;
      writeFileSync(join(out, `${name}.trace`), text);
      writeFileSync(join(out, `${name}.stderr`), v.stderr);
    }
  });
  rmSync(tmp, { recursive: true, force: true });
  const summary = [...counts].map(([k, n]) => `${k}=${n}`).join(' ');
  console.log(`SUMMARY kind=${kind} seeds=${seed0}..${seed0 + count - 1} maxCalls=${maxCalls} ${summary} in ${((Date.now() - start) / 1000).toFixed(0)} s`);
}

if (process.argv[1]?.endsWith('emit-oracle.ts')) await main();
