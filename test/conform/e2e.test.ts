/**
 * `sslsim conform` end to end: example traces through the model and through
 * real libssl 3.0.19 under ASan (the C harness, built on demand). Nothing is
 * skipped: gcc and libssl-dev are installed here and in CI (scripts/ensure-libssl.sh).
 */
import { spawn, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { compileTrace } from '../../src/conform/compile.ts';
import { conformText } from '../../src/conform/conform.ts';
import { ensureHarness, isFault, runHarness, type RealState } from '../../src/conform/harness.ts';
import { Runner } from '../../src/run/runner.ts';
import { sampleLegalTraces } from '../../properties/gen/index.ts';
import { checkTrace } from '../../src/trace/check.ts';
import { parseTrace } from '../../src/trace/parser.ts';

const conform = (file: string) => conformText(readFileSync(file, 'utf8'), file).report;
/** Source lines that make at least one call: the steps conform compares. */
const stepsOf = (file: string) => new Set(compileTrace(checkTrace(parseTrace(readFileSync(file, 'utf8'), file))).calls.map((c) => c.line)).size;
const cli = (...args: string[]) => spawnSync(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', ...args], { encoding: 'utf8' });

const tmp = mkdtempSync(join(tmpdir(), 'conform-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

describe('conform against real libssl', () => {
  it('builds the harness when needed', () => {
    expect(statSync(ensureHarness()).mode & 0o111).not.toBe(0);
  });

  for (const file of ['examples/vectors/v01-add-remove.trace', 'examples/vectors/v07-tls12-tickets.trace', 'examples/tls12-client-resumption.trace']) {
    it(`${file}: every step agrees, and the run is deterministic`, () => {
      const report = conform(file);
      expect(report.difference).toBeNull();
      expect(report).toMatchObject({ agree: true, outcome: null, compared: stepsOf(file), steps: stepsOf(file) });
      expect(conform(file)).toEqual(report);
    });
  }

  // bench/bench.ts's default workload (BENCH_SEED 6, BENCH_CALLS 20000): the figure the README reports is of
  // a sequence libssl runs the same way. Its step 6,889 found F113 (properties/gen/FINDINGS.md).
  it("the bench's long sequence: every one of its 25,000 steps agrees", () => {
    const [long] = sampleLegalTraces(1, { seed: 6, maxCalls: 20_000 });
    const report = conformText(long!.text, 'bench-long.trace').report;
    expect(report.difference).toBeNull();
    expect(report).toMatchObject({ agree: true, outcome: null });
    expect(report.compared).toBeGreaterThan(25_000);
  }, 600_000);

  it('--changes states are the objects whose view differs from the previous full state, in the harness and in the model', () => {
    const file = 'examples/tls12-client-resumption.trace';
    const checked = checkTrace(parseTrace(readFileSync(file, 'utf8'), file));
    const text = compileTrace(checked).text;
    const states = (run: ReturnType<typeof runHarness>) => run.records.map((r) => (isFault(r) ? null : r.state));
    const full = states(runHarness(text));
    const changes = states(runHarness(text, { changes: true }));
    const model = (snapshots: true | 'changes') => new Runner(checked, { snapshots, counters: true }).run().records.map((r) => r.state);
    const fullModel = model(true);
    const changesModel = model('changes');
    type Tables = Pick<RealState, 'sessions' | 'ssl' | 'ctx'>;
    // What a --changes state must be: the objects of the full state that the previous full state showed otherwise.
    const expected = (states: readonly (Tables | null)[], i: number): Tables => {
      const changed = <T,>(table: Readonly<Record<string, T>>, before: Readonly<Record<string, T>> | undefined) =>
        Object.fromEntries(Object.entries(table).filter(([id, view]) => JSON.stringify(before?.[id]) !== JSON.stringify(view)));
      const now = states[i]!;
      const before = i > 0 ? states[i - 1]! : null;
      return { sessions: changed(now.sessions, before?.sessions), ssl: changed(now.ssl, before?.ssl), ctx: changed(now.ctx, before?.ctx) };
    };
    expect(full.length).toBeGreaterThan(20);
    expect(changes.length).toBe(full.length);
    let left = 0;
    for (let i = 0; i < full.length; i++) {
      expect(changes[i]).toEqual(expected(full, i));
      left += Object.keys(full[i]!.sessions).length - Object.keys(changes[i]!.sessions).length;
    }
    expect(left).toBeGreaterThan(0); // some state did leave a session out
    for (let i = 0; i < fullModel.length; i++) {
      const { sessions, ssl, ctx } = changesModel[i]!;
      expect({ sessions, ssl, ctx }).toEqual(expected(fullModel, i));
    }
  });

  it('d2i_SSL_SESSION gets the real DER length (v:n), which the model cannot know', () => {
    const file = join(tmp, 'der.trace');
    writeFileSync(
      file,
      [
        'cctx = SSL_CTX_new(TLS_client_method())',
        'SSL_CTX_set_max_proto_version(cctx, TLS1_2_VERSION)',
        'sctx = SSL_CTX_new(TLS_server_method())',
        'c1 = SSL_new(cctx)',
        's1 = SSL_new(sctx)',
        'expect connect(c1, s1) == 1',
        'cs = SSL_get1_session(c1)',
        'n = i2d_SSL_SESSION(cs, &der)',
        'copy = d2i_SSL_SESSION(NULL, &der, n)',
        'expect SSL_SESSION_get_time(copy) == SSL_SESSION_get_time(cs)',
        'SSL_shutdown(c1)',
        'SSL_shutdown(s1)',
        'SSL_free(c1)',
        'SSL_free(s1)',
        'SSL_SESSION_free(copy)',
        'SSL_SESSION_free(cs)',
        'SSL_CTX_free(cctx)',
        'SSL_CTX_free(sctx)',
        '',
      ].join('\n'),
    );
    const report = conform(file);
    expect(report.difference).toBeNull();
    expect(report).toMatchObject({ agree: true, compared: 18 });
  });

  it("store_free_all of a freed context frees that context's store, though a newer context took its address", () => {
    // Without ASan's quarantine the contexts made after sctx's free reuse its address at once; the harness used
    // to look the store up by address and emptied the newest context's (seed 20261329's difference).
    const saved = process.env['ASAN_OPTIONS'];
    process.env['ASAN_OPTIONS'] = 'quarantine_size_mb=0';
    try {
      const report = conform('test/conform/traces/store-of-freed-ctx.trace');
      expect(report.difference).toBeNull();
      expect(report.agree).toBe(true);
    } finally {
      if (saved === undefined) delete process.env['ASAN_OPTIONS'];
      else process.env['ASAN_OPTIONS'] = saved;
    }
  });

  it('M2 double free: the model predicts what ASan reports, at the same step', () => {
    const report = conform('examples/misuse/m02-double-free.trace');
    expect(report.agree).toBe(true);
    expect(report.outcome).toMatchObject({ diagnostic: { kind: 'double-free', line: 30 }, real: { outcome: 'double-free', line: 30 }, ok: true });
  });

  it('M3 use after free: ASan sees it only at the next free of the block, a later step (NOTES.md N4)', () => {
    const report = conform('examples/misuse/m03-get-session-across-free.trace');
    expect(report.agree).toBe(true);
    expect(report.outcome).toMatchObject({ diagnostic: { kind: 'use-after-free', line: 28 }, real: { outcome: 'double-free', line: 31 }, ok: true });
  });
});

describe('the harness watchdog', () => {
  /**
   * A campaign reads the harness's output only between model runs, which take
   * seconds on long traces; meanwhile the harness blocks writing to us. That
   * time is not the worker's: the 1 s watchdog must not fire, and no half line
   * may come out (it did both before: a "hang" fault, or output that is not JSON).
   */
  it('does not count the time its reader stops reading against the step', async () => {
    const lines = ['ctx = SSL_CTX_new(TLS_method())'];
    for (let i = 0; i < 150; i++) lines.push('c = SSL_new(ctx)', 'SSL_free(c)');
    lines.push('SSL_CTX_free(ctx)', '');
    const protocol = compileTrace(checkTrace(parseTrace(lines.join('\n'), 'slow-reader.trace'))).text;
    const child = spawn(ensureHarness(), ['--timeout', '1'], { stdio: ['pipe', 'pipe', 'ignore'] });
    const chunks: Buffer[] = [];
    let pauses = 0;
    child.stdout.on('data', (b: Buffer) => {
      chunks.push(b);
      // The first chunks each stop the reader for longer than the watchdog's second.
      if (pauses++ < 3) {
        child.stdout.pause();
        setTimeout(() => child.stdout.resume(), 1500);
      }
    });
    const closed = new Promise<number | null>((done) => child.on('close', done));
    child.stdin.end(protocol);
    const status = await closed;
    const out = Buffer.concat(chunks).toString('utf8').split('\n').filter((l) => l.length > 0);
    expect(status).toBe(0);
    expect(out.map((l) => JSON.parse(l) as Record<string, unknown>).filter((r) => 'fault' in r)).toEqual([]);
    expect(out.at(-1)).toBe('{"end":true,"leaks":[]}');
    expect(out.length).toBe(302 + 1); // a result per call, and the end line
  }, 30_000);
});

describe('sslsim conform (CLI)', () => {
  it('prints "agree: N steps compared" and exits 0', () => {
    const r = cli('conform', 'examples/vectors/v01-add-remove.trace');
    expect(r.stdout).toBe(`agree: ${stepsOf('examples/vectors/v01-add-remove.trace')} steps compared\n`);
    expect(r.status).toBe(0);
  });

  it('exits 2 on bad input with file:line:col and prints nothing else', () => {
    const bad = join(tmp, 'bad.trace');
    writeFileSync(bad, 's = SSL_SESSION_new()\nn = i2d_SSL_SESSION(s, &der)\nadvance_time(n)\n');
    const r = cli('conform', bad);
    expect(r.status).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(new RegExp(`^${bad.replace(/[.\\/]/g, '\\$&')}:3:14: advance_time needs an amount known before the run`));
  });

  it('conform-all prints one line per trace, in name order', () => {
    const dir = join(tmp, 'all');
    mkdirSync(dir);
    writeFileSync(join(dir, 'a.trace'), 'ctx = SSL_CTX_new(TLS_method())\nSSL_CTX_free(ctx)\n');
    writeFileSync(join(dir, 'b.trace'), 'ctx = SSL_CTX_new(TLS_method())\nSSL_CTX_free(nope)\n');
    const r = cli('conform-all', dir);
    const lines = r.stdout.trimEnd().split('\n');
    expect(lines).toHaveLength(2);
    expect(lines[0]).toMatch(new RegExp(`^${join(dir, 'a.trace').replace(/[.\\/]/g, '\\$&')}: agree: 2 steps compared \\(\\d+ ms\\)$`));
    expect(lines[1]).toMatch(/b\.trace:2:14: unknown handle nope/);
    expect(r.status).toBe(2);
  });
});
