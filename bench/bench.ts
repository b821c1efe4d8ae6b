/**
 * npm run bench: how fast the model runs, as printed figures (never a timed test).
 *
 * Two workloads, both random legal traces from the property suites' generator
 * (properties/gen) with a fixed seed, so every run measures the same programs:
 *
 * - simulate: ONE long legal sequence, parsed and checked once outside the
 *   timing, then run again and again on fresh worlds, in a checker's mode:
 *   `{ snapshots: false, records: 'findings' }` (src/run/runner.ts). Every
 *   call runs through the model with all its effects (machines, cache,
 *   callbacks, diagnostics, the leak check at the end, expect results); the
 *   run does not take the per-step state view nor keep the record of a step
 *   that found nothing. The figure is simulated API calls per second.
 * - check: many short legal sequences (up to 40 calls each, plus teardown),
 *   each parsed, checked and run with snapshots, as `sslsim run` does minus
 *   printing. The figure is sequences per second.
 * - cache: one written trace whose caches grow to thousands of sessions (a
 *   server under load), in the simulate workload's mode: what one call costs
 *   when a cache is large. A cache operation that copied the cache made this
 *   figure fall with every session added (bench/HISTORY.md session 13). The
 *   figure is simulated API calls per second.
 *
 * Each workload first runs untimed for BENCH_WARMUP_MS, so that the figure is
 * the model's steady-state speed, not V8 compiling it: in a 20-second loop the
 * runs of the long sequence keep getting faster for about five seconds
 * (TurboFan, bench/HISTORY.md session 10). The first run's speed is printed
 * too, as `cold:`, for a one-shot `sslsim run`.
 *
 * Environment: BENCH_SEED (default 6), BENCH_CALLS (the long sequence's
 * random part, default 20000), BENCH_CONNECTIONS (the cache workload's
 * connections, default 2000), BENCH_MS (time budget of each workload, default 3000),
 * BENCH_WARMUP_MS (untimed runs before each workload, default 5000).
 */
import { sampleLegalTraces } from '../properties/gen/index.ts';
import { runText } from '../src/run/load.ts';
import { Runner, type RunResult, type RunnerOptions } from '../src/run/runner.ts';
import { checkTrace } from '../src/trace/check.ts';
import { parseTrace } from '../src/trace/parser.ts';

// Seed 6 gives a long sequence that uses its whole budget (many seeds give a short plan: fc.array's length is random).
const seed = Number(process.env.BENCH_SEED ?? 6);
const longCalls = Number(process.env.BENCH_CALLS ?? 20_000);
const budgetMs = Number(process.env.BENCH_MS ?? 3000);
const warmupMs = Number(process.env.BENCH_WARMUP_MS ?? 5000);
const cacheConnections = Number(process.env.BENCH_CONNECTIONS ?? 2000);
const SHORT_MAX_CALLS = 40;
const SHORT_COUNT = 500;
/** The simulate workload's mode: what a checker that reads diagnostics needs (see the header). */
const CHECKER: RunnerOptions = { snapshots: false, records: 'findings' };

/** Runs `body` until `ms` milliseconds have passed (at least once); returns the passes and the seconds they took. */
function repeat(body: () => void, ms: number): { passes: number; seconds: number } {
  let passes = 0;
  const start = process.hrtime.bigint();
  let elapsedMs = 0;
  while (passes === 0 || elapsedMs < ms) {
    body();
    passes++;
    elapsedMs = Number(process.hrtime.bigint() - start) / 1e6;
  }
  return { passes, seconds: elapsedMs / 1000 };
}

/** Untimed passes of `body` for `warmupMs`, then the timed ones for `budgetMs`. */
function timed(body: () => void): { warm: number; passes: number; seconds: number } {
  const warm = repeat(body, warmupMs).passes;
  return { warm, ...repeat(body, budgetMs) };
}

/** A generated legal trace that the model finds clean: anything else means the bench measures a broken run. */
function requireClean(file: string, result: ReturnType<typeof runText>): void {
  if (result.unexpected.length > 0 || result.failedExpects.length > 0) {
    throw new Error(`bench: the legal trace ${file} is not clean: ${result.unexpected[0]?.message ?? 'a failed expect'}`);
  }
}

function benchSimulate(): void {
  const [long] = sampleLegalTraces(1, { seed, maxCalls: longCalls });
  if (!long) throw new Error('bench: the generator gave no trace');
  const checked = checkTrace(parseTrace(long.text, 'long.trace'));
  const calls = checked.steps.filter((s) => s.kind === 'call').length;
  let first: RunResult | undefined;
  const cold = repeat(() => (first = new Runner(checked, CHECKER).run()), 0).seconds;
  requireClean('long.trace', first!);
  const { warm, passes, seconds } = timed(() => new Runner(checked, CHECKER).run());
  console.log(
    `workload: one legal sequence of ${calls} calls (seed ${seed}, maxCalls ${longCalls}, teardown included), checker mode (no snapshots, records of findings only); ${warm} untimed runs, then ${passes} runs in ${seconds.toFixed(2)} s`,
  );
  console.log(`cold: ${Math.round(calls / cold)} calls/s (the first run, V8 compiling as it goes)`);
  console.log(`simulate: ${Math.round((passes * calls) / seconds)} calls/s`);
}

function benchCheck(): void {
  const traces = sampleLegalTraces(SHORT_COUNT, { seed, maxCalls: SHORT_MAX_CALLS });
  const calls = traces.reduce((n, t) => n + t.calls, 0);
  traces.forEach((t, i) => requireClean(`short-${i}.trace`, runText(t.text, `short-${i}.trace`)));
  const { warm, passes, seconds } = timed(() => {
    for (const t of traces) runText(t.text, 'short.trace');
  });
  console.log(
    `workload: ${SHORT_COUNT} legal sequences (seed ${seed}, maxCalls ${SHORT_MAX_CALLS}, ${(calls / SHORT_COUNT).toFixed(1)} calls each with teardown), parse + check + run with snapshots; ${warm} untimed passes, then ${passes} passes in ${seconds.toFixed(2)} s`,
  );
  console.log(`check: ${Math.round((passes * SHORT_COUNT) / seconds)} sequences/s`);
}

/**
 * `connections` TLS 1.3 connections, a second apart, between fresh SSLs of one client and one server
 * context, and nothing flushed until the end: the client caches both tickets of each (client cache
 * mode), the server one stateful session each (SSL_OP_NO_TICKET).
 */
function growingCachesTrace(connections: number): string {
  const lines = [
    'cctx = SSL_CTX_new(TLS_client_method())',
    'SSL_CTX_set_session_cache_mode(cctx, SSL_SESS_CACHE_CLIENT)',
    'sctx = SSL_CTX_new(TLS_server_method())',
    'SSL_CTX_set_options(sctx, SSL_OP_NO_TICKET)',
  ];
  for (let i = 0; i < connections; i++) {
    lines.push('c = SSL_new(cctx)', 's = SSL_new(sctx)', 'connect(c, s)', 'SSL_shutdown(c)', 'SSL_shutdown(s)', 'SSL_free(c)', 'SSL_free(s)', 'advance_time(1)');
  }
  lines.push('SSL_CTX_flush_sessions(cctx, 0)', 'SSL_CTX_flush_sessions(sctx, 0)', 'SSL_CTX_free(sctx)', 'SSL_CTX_free(cctx)');
  return lines.join('\n') + '\n';
}

function benchCache(): void {
  const checked = checkTrace(parseTrace(growingCachesTrace(cacheConnections), 'cache.trace'));
  const calls = checked.steps.filter((s) => s.kind === 'call').length;
  let first: RunResult | undefined;
  repeat(() => (first = new Runner(checked, CHECKER).run()), 0);
  requireClean('cache.trace', first!);
  const { warm, passes, seconds } = timed(() => new Runner(checked, CHECKER).run());
  console.log(
    `workload: ${cacheConnections} TLS 1.3 connections on fresh SSLs, caches flushed only at the end (client: two tickets each, server: one stateful session each), ${calls} calls, checker mode; ${warm} untimed runs, then ${passes} runs in ${seconds.toFixed(2)} s`,
  );
  console.log(`cache: ${Math.round((passes * calls) / seconds)} calls/s`);
}

benchSimulate();
benchCheck();
benchCache();
