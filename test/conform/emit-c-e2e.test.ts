/**
 * `sslsim emit-c` end to end: every trace under examples/ and docs/ becomes a
 * C program that gcc compiles with -Wall -Wextra -Werror and AddressSanitizer
 * against the system libssl. The programs of the traces the model finds clean
 * (no error diagnostic, every expect holds) run to exit status 0 without an
 * ASan or LSan report; those whose only errors are leaks make LeakSanitizer
 * report one. The other misuse traces only compile: what they do on real
 * libssl is `sslsim conform`'s business (a dangling cache entry may hang).
 *
 * Nothing is skipped: without gcc or libssl-dev the suite fails and says so
 * (scripts/test-all.sh installs them through scripts/ensure-libssl.sh).
 */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { emitC } from '../../src/trace/emit-c.ts';
import { runText } from '../../src/run/load.ts';
import { traceFiles } from '../../src/cli/trace-files.ts';

/** The repository's traces, and this suite's own (test/conform/emit-c/: constructs no example has). */
const ROOTS = ['examples', 'docs', 'test/conform/emit-c'];
const JOBS = Math.max(1, Math.min(2, cpus().length));
const RUN_TIMEOUT_MS = 60_000;

type Expectation = 'clean' | 'leak' | 'compile';

/** What the model says the program must do on real libssl. */
function expectationOf(file: string): Expectation {
  const r = runText(readFileSync(file, 'utf8'), file);
  const errors = r.diagnostics.filter((d) => d.severity === 'error');
  if (errors.length === 0 && r.failedExpects.length === 0) return 'clean';
  if (r.failedExpects.length === 0 && errors.every((d) => d.kind === 'leak')) return 'leak';
  return 'compile';
}

interface Outcome {
  readonly expectation: Expectation;
  readonly compile: { status: number | null; stderr: string };
  readonly run: { status: number | null; signal: string | null; stderr: string; timedOut: boolean } | null;
}

function exec(cmd: string, args: string[], timeoutMs: number): Promise<{ status: number | null; signal: string | null; stderr: string; timedOut: boolean }> {
  return new Promise((resolve) => {
    const child = spawn(cmd, args, { stdio: ['ignore', 'ignore', 'pipe'] });
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

/** Runs `work` over `items`, `jobs` at a time. */
async function pool<T, R>(items: readonly T[], jobs: number, work: (item: T) => Promise<R>): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      results[i] = await work(items[i]!);
    }
  };
  await Promise.all(Array.from({ length: jobs }, worker));
  return results;
}

const SANITIZER_REPORT = /ERROR: (AddressSanitizer|LeakSanitizer)/;

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
    const expectation = expectationOf(file);
    const compile = await exec('gcc', ['-std=c11', '-Wall', '-Wextra', '-Werror', '-fsanitize=address', '-o', base, `${base}.c`, '-lssl', '-lcrypto'], RUN_TIMEOUT_MS);
    const run = compile.status === 0 && expectation !== 'compile' ? await exec(base, [], RUN_TIMEOUT_MS) : null;
    return { expectation, compile, run } satisfies Outcome;
  });
  results.forEach((r, i) => outcomes.set(files[i]!, r));
  elapsedMs = Date.now() - start;
}, 600_000);

describe('emit-c: every example and doc trace on real libssl', () => {
  it('has gcc and libssl-dev', () => {
    expect(missing).toBeNull();
  });

  it('covers every trace under examples/ and docs/', () => {
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
      } else {
        expect(run.stderr).toMatch(/ERROR: LeakSanitizer: detected memory leaks/);
        expect(run.stderr).not.toMatch(/ERROR: AddressSanitizer/);
      }
    });
  }
});
