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
 *   libssl-leak-not-seen model clean but for a libssl-leak warning; LSan does not report libssl's
 *                        direct leak of a peer chain, or the program reports something else
 *   gcc                  gcc -Wall -Wextra -Werror complains (an emitter bug)
 *   timeout              the program did not finish
 *   emit-throws          emitC threw
 * Mismatching traces and their stderr are written to --out (default .prof/oracle/).
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import fc from 'fast-check';
import { misuseTrace, sampleLegalTraces } from '../properties/gen/index.ts';
import type { DiagnosticKind } from '../src/world/diagnostics.ts';
import { emitC } from '../src/trace/emit-c.ts';
import { compileProgram, exec, type Expectation, expectationOf, LEAK_REPORT, pool, reportsPeerChainLeak, runEnv, SANITIZER_REPORT } from './emit-c-program.ts';

export interface Verdict { cls: string; expectation: Expectation; stderr: string }

export async function judge(text: string, dir: string, tag: string): Promise<Verdict> {
  const base = join(dir, tag);
  let expectation: Expectation;
  try {
    expectation = expectationOf(text, 'oracle.trace');
    writeFileSync(`${base}.c`, emitC(text, 'oracle.trace'));
  } catch (e) {
    return { cls: 'emit-throws', expectation: 'compile', stderr: String((e as Error).stack ?? e) };
  }
  const cc = await compileProgram(`${base}.c`, base, 120_000);
  if (cc.status !== 0 || cc.stderr !== '') return { cls: 'gcc', expectation, stderr: cc.stderr };
  if (expectation === 'compile') return { cls: 'ok', expectation, stderr: '' };
  const run = await exec(base, [], 60_000, runEnv(expectation));
  rmSync(base, { force: true });
  rmSync(`${base}.c`, { force: true });
  if (run.timedOut) return { cls: 'timeout', expectation, stderr: run.stderr };
  if (expectation === 'clean') {
    const bad = SANITIZER_REPORT.test(run.stderr) || /expect failed/.test(run.stderr) || run.status !== 0;
    return { cls: bad ? 'clean-but-report' : 'ok', expectation, stderr: run.stderr };
  }
  if (expectation === 'libssl-leak') {
    const bad = !reportsPeerChainLeak(run.stderr) || /ERROR: AddressSanitizer/.test(run.stderr) || /expect failed/.test(run.stderr);
    return { cls: bad ? 'libssl-leak-not-seen' : 'ok', expectation, stderr: run.stderr };
  }
  if (!LEAK_REPORT.test(run.stderr)) return { cls: 'leak-but-no-leak', expectation, stderr: run.stderr };
  if (/ERROR: AddressSanitizer/.test(run.stderr) || /expect failed/.test(run.stderr)) return { cls: 'leak-but-other', expectation, stderr: run.stderr };
  return { cls: 'ok', expectation, stderr: run.stderr };
}

function traceOfSeed(kind: string, seed: number, maxCalls: number): string {
  if (kind === 'legal') return sampleLegalTraces(1, { seed, maxCalls })[0]!.text;
  const mk = kind.slice('misuse:'.length) as DiagnosticKind;
  return fc.sample(misuseTrace(mk, { maxCalls }), { numRuns: 1, seed })[0]!.text;
}

async function main(): Promise<void> {
  const tmp = mkdtempSync(join(tmpdir(), 'oracle-'));
  const { values } = parseArgs({
    options: {
      file: { type: 'string', default: '' },
      stderr: { type: 'boolean', default: false },
      kind: { type: 'string', default: 'legal' },
      seed: { type: 'string', default: '1' },
      count: { type: 'string', default: '100' },
      'max-calls': { type: 'string', default: '60' },
      jobs: { type: 'string', default: '2' },
      out: { type: 'string', default: '.prof/oracle' },
    },
  });
  const out = values.out;
  mkdirSync(out, { recursive: true });
  const file = values.file;
  if (file !== '') {
    const v = await judge(readFileSync(file, 'utf8'), tmp, 'one');
    console.log(`${v.cls} (model: ${v.expectation})`);
    if (values.stderr) console.log(v.stderr);
    rmSync(tmp, { recursive: true, force: true });
    process.exitCode = v.cls === 'ok' ? 0 : 1;
    return;
  }
  const kind = values.kind;
  const seed0 = Number(values.seed);
  const count = Number(values.count);
  const maxCalls = Number(values['max-calls']);
  const jobs = Number(values.jobs);
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
