/**
 * `sslsim emit-c` end to end: every trace under examples/, docs/ and
 * conformance/probes/ becomes a C program that gcc compiles with -Wall
 * -Wextra -Werror and AddressSanitizer against the system libssl. The
 * programs of the traces the model finds clean (no error diagnostic, every
 * expect holds) run to exit status 0 without an ASan or LSan report; those
 * whose only errors are leaks make LeakSanitizer report one; those with no
 * error but a `libssl-leak` warning make it report libssl's own leak of a
 * peer chain (FINDINGS F105), and nothing else. The other misuse traces only
 * compile: what they do on real libssl is `sslsim conform`'s business (a
 * dangling cache entry may hang). About 4 CPU-minutes for 576 traces.
 *
 * Nothing is skipped: without gcc or libssl-dev the suite fails and says so
 * (scripts/test-all.sh installs them through scripts/ensure-libssl.sh).
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { emitC } from '../../src/trace/emit-c.ts';
import { compileProgram, type Exec, exec, type Expectation, expectationOf, LEAK_REPORT, pool, reportsPeerChainLeak, runEnv, SANITIZER_REPORT } from '../../scripts/emit-c-program.ts';
import { traceFiles } from '../../src/cli/trace-files.ts';

/**
 * The repository's traces, the kept probes (which found F105's leak inside libssl and a store that hid
 * leaks from LeakSanitizer), and this suite's own (test/conform/emit-c/: constructs no example has).
 */
const ROOTS = ['examples', 'docs', 'conformance/probes', 'test/conform/emit-c'];
const JOBS = Math.max(1, Math.min(2, cpus().length));
const RUN_TIMEOUT_MS = 60_000;

interface Outcome {
  readonly expectation: Expectation;
  readonly compile: Exec;
  readonly run: Exec | null;
}

const files = ROOTS.flatMap(traceFiles);
const tmp = mkdtempSync(join(tmpdir(), 'emit-c-'));
const outcomes = new Map<string, Outcome>();
let elapsedMs = 0;
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

/** Why the programs cannot be built here, or null. */
function toolchainProblem(): string | null {
  const gcc = spawnSync('gcc', ['--version'], { encoding: 'utf8' });
  if (gcc.error || gcc.status !== 0) return 'gcc is missing: run scripts/ensure-libssl.sh (apt-get install gcc libssl-dev), then the tests again';
  if (!existsSync('/usr/include/openssl/ssl.h')) return 'libssl-dev is missing (no /usr/include/openssl/ssl.h): run scripts/ensure-libssl.sh';
  return null;
}

let missing: string | null = null;

/** Every test fails, not skips, when the toolchain is missing. */
function requireToolchain(): void {
  if (missing !== null) throw new Error(missing);
}

beforeAll(async () => {
  missing = toolchainProblem();
  if (missing !== null) return;
  const start = Date.now();
  const items = files.map((file, i) => ({ file, base: join(tmp, `t${i}`) }));
  const results = await pool(items, JOBS, async ({ file, base }) => {
    writeFileSync(`${base}.c`, emitC(readFileSync(file, 'utf8'), file));
    const expectation = expectationOf(readFileSync(file, 'utf8'), file);
    const compile = await compileProgram(`${base}.c`, base, RUN_TIMEOUT_MS);
    const run = compile.status === 0 && expectation !== 'compile' ? await exec(base, [], RUN_TIMEOUT_MS, runEnv(expectation)) : null;
    return { expectation, compile, run } satisfies Outcome;
  });
  results.forEach((r, i) => outcomes.set(files[i]!, r));
  elapsedMs = Date.now() - start;
}, 1_200_000);

describe('emit-c: every example, doc and probe trace on real libssl', () => {
  it('has gcc and libssl-dev', () => {
    expect(missing).toBeNull();
  });

  it('covers every trace under examples/, docs/ and conformance/probes/', () => {
    requireToolchain();
    expect(files.filter((f) => !f.startsWith('test/')).length).toBeGreaterThan(100);
    expect(outcomes.size).toBe(files.length);
    console.log(`emit-c end to end: ${files.length} traces emitted, compiled and (when the model expects a result) run in ${(elapsedMs / 1000).toFixed(1)} s, ${JOBS} at a time`);
  });

  it('runs the constructs trace clean', () => {
    requireToolchain();
    expect(outcomes.get('test/conform/emit-c/constructs.trace')?.expectation).toBe('clean');
  });

  for (const file of files) {
    it(file, () => {
      requireToolchain();
      const o = outcomes.get(file)!;
      expect(o.compile.stderr, 'gcc -Wall -Wextra -Werror').toBe('');
      expect(o.compile.status).toBe(0);
      if (o.expectation === 'compile') return;
      const run = o.run!;
      expect(run.timedOut, 'the program did not finish').toBe(false);
      if (o.expectation === 'clean') {
        // A clean trace is a clean program: a report or a failed expect here is a model/libssl disagreement.
        expect(run.stderr).not.toMatch(SANITIZER_REPORT);
        expect(run.stderr).not.toMatch(/expect failed/);
        expect(run.status).toBe(0);
      } else if (o.expectation === 'libssl-leak') {
        // No misuse, but libssl's own leak of the peer chain it overwrote (FINDINGS F105), and nothing else.
        expect(reportsPeerChainLeak(run.stderr), run.stderr).toBe(true);
        expect(run.stderr).not.toMatch(/ERROR: AddressSanitizer/);
        expect(run.stderr).not.toMatch(/expect failed/);
      } else {
        expect(run.stderr).toMatch(LEAK_REPORT);
        expect(run.stderr).not.toMatch(/ERROR: AddressSanitizer/);
      }
    });
  }
});
