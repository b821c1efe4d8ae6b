/**
 * What `sslsim emit-c` programs are expected to do on the real libssl, and
 * how to build and run one: shared by the end-to-end test (every repository
 * trace, test/conform/emit-c-e2e.test.ts) and the oracle over generated
 * traces (scripts/emit-oracle.ts).
 */
import { spawn } from 'node:child_process';
import { runText } from '../src/run/load.ts';

/**
 * What the model says the program must do: run clean (no error diagnostic,
 * every expect holds), make LeakSanitizer report a leak (its only errors are
 * leaks), make LeakSanitizer report libssl's own leak of a peer chain (no
 * error, a `libssl-leak` warning: FINDINGS F105), or only compile (any other
 * misuse: what it does on libssl is `sslsim conform`'s business; a dangling
 * cache entry may hang).
 */
export type Expectation = 'clean' | 'leak' | 'libssl-leak' | 'compile';

export function expectationOf(text: string, file: string): Expectation {
  const r = runText(text, file);
  const errors = r.diagnostics.filter((d) => d.severity === 'error');
  if (errors.length === 0 && r.failedExpects.length === 0) return r.diagnostics.some((d) => d.kind === 'libssl-leak') ? 'libssl-leak' : 'clean';
  if (r.failedExpects.length === 0 && errors.every((d) => d.kind === 'leak')) return 'leak';
  return 'compile';
}

/**
 * The environment a program of `expectation` runs in. LeakSanitizer's fast
 * unwinder stops in libcrypto (built without frame pointers); the slow one
 * reaches the allocating call, which `reportsPeerChainLeak` needs.
 */
export function runEnv(expectation: Expectation): NodeJS.ProcessEnv {
  const slowUnwind = expectation === 'libssl-leak' ? ':fast_unwind_on_malloc=0' : '';
  return { ...process.env, ASAN_OPTIONS: `${process.env.ASAN_OPTIONS ?? 'detect_leaks=1'}${slowUnwind}` };
}

/**
 * Does LeakSanitizer report libssl's leaked peer chain: a direct leak of a
 * STACK allocated inside libssl? The chain was made by the handshake that read
 * the Certificate (sk_X509_new_null, OPENSSL_sk_new_reserve) or by the
 * ssl_session_dup that copied it (X509_chain_up_ref, OPENSSL_sk_dup). An
 * application's leaked session shows its chain as an indirect leak only.
 */
export function reportsPeerChainLeak(stderr: string): boolean {
  const stackFromLibssl = /OPENSSL_sk_(new_reserve|dup) [^\n]*\n(?:[^\n]*X509_chain_up_ref[^\n]*\n)?[^\n]*libssl\.so/;
  return stderr.split(/\n\s*\n/).some((block) => block.includes('Direct leak') && stackFromLibssl.test(block));
}

export interface Exec {
  readonly status: number | null;
  readonly signal: string | null;
  readonly stderr: string;
  readonly timedOut: boolean;
}

/** Runs a command to its end (killed after `timeoutMs`), keeping its stderr. */
export function exec(cmd: string, args: readonly string[], timeoutMs: number, env: NodeJS.ProcessEnv = process.env): Promise<Exec> {
  return new Promise((resolve) => {
    const child = spawn(cmd, [...args], { stdio: ['ignore', 'ignore', 'pipe'], env });
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

/** gcc with every warning an error and AddressSanitizer, against the system libssl: `source` to the binary `out`. */
export function compileProgram(source: string, out: string, timeoutMs: number): Promise<Exec> {
  return exec('gcc', ['-std=c11', '-Wall', '-Wextra', '-Werror', '-fsanitize=address', '-o', out, source, '-lssl', '-lcrypto'], timeoutMs);
}

/** Runs `items` through `work`, `jobs` at a time; the results in the items' order. */
export async function pool<T, R>(items: readonly T[], jobs: number, work: (item: T) => Promise<R>): Promise<R[]> {
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

export const SANITIZER_REPORT = /ERROR: (AddressSanitizer|LeakSanitizer)/;
export const LEAK_REPORT = /ERROR: LeakSanitizer: detected memory leaks/;
