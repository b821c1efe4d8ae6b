/**
 * `sslsim run` writes each step as the trace runs (src/cli/main.ts runOne), so a long trace's output no
 * longer waits in memory: 25,000 calls took over 4 GB and died before. What must hold:
 * - the output is the one the whole run's records give (formatText, formatJson);
 * - bad input found only when the trace runs still leaves stdout empty (the trace is checked by a
 *   first run before the first step is written);
 * - a reader that stops early ends the process quietly, as SIGPIPE ends a C program (status 141);
 * - the records a run keeps after handing them to `onRecord` carry no state view, `'live'` views hold
 *   exactly the live objects of the full ones, and `'expects'` views (emit-c's, which also ran out of
 *   memory on 25,000 calls) exist on expect lines only.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { formatJson } from '../../src/cli/format-json.ts';
import { formatText } from '../../src/cli/format-text.ts';
import { runText } from '../../src/run/load.ts';
import { Runner, type StepRecord } from '../../src/run/runner.ts';
import { checkTrace } from '../../src/trace/check.ts';
import { parseTrace } from '../../src/trace/parser.ts';

const cli = (...args: string[]) => spawnSync(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', ...args], { encoding: 'utf8', maxBuffer: 1 << 26 });

const dir = mkdtempSync(join(tmpdir(), 'sslsim-stream-'));
function traceFile(name: string, lines: readonly string[]): string {
  const file = join(dir, name);
  writeFileSync(file, lines.join('\n') + '\n');
  return file;
}

/** A trace with a connection, a misuse the trace announces, expects, and freed objects. */
const EXAMPLE = 'examples/misuse/m02-double-free.trace';

describe('sslsim run writes as it goes', () => {
  it.each([[false], [true]])('its output is the whole run formatted (json: %s)', (json) => {
    const r = json ? cli('run', '--json', EXAMPLE) : cli('run', EXAMPLE);
    const result = runText(readFileSync(EXAMPLE, 'utf8'), EXAMPLE);
    expect(r.stdout).toBe(json ? formatJson(result) : formatText(result));
    expect(r.stdout).toMatch(/double-free/);
    expect(r.status).toBe(0); // its diagnostics are all announced by `expect diagnostic` lines
  });

  it.each([[false], [true]])('bad input found only when the trace runs leaves stdout empty (json: %s)', (json) => {
    const file = traceFile('late-bad.trace', ['ctx = SSL_CTX_new(TLS_method())', 'c1 = SSL_new(ctx)', 'SSL_up_ref(c1)', 'connect(c1, c1)']);
    const r = json ? cli('run', '--json', file) : cli('run', file);
    expect(r.status).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toBe(`${file}:4:13: a connection needs two different SSLs\n`);
  });

  it('a reader that stops early ends it with status 141 and nothing on stderr', () => {
    // Far more output than a pipe holds (64 KB), so the writer meets the closed pipe.
    const lines = ['ctx = SSL_CTX_new(TLS_method())'];
    for (let i = 0; i < 3000; i++) lines.push(`c${i} = SSL_new(ctx)`);
    const file = traceFile('long.trace', lines);
    const r = spawnSync('bash', ['-c', `"${process.execPath}" --import tsx src/cli/main.ts run "${file}" 2>"${dir}/err" | head -c 100 >/dev/null; echo "\${PIPESTATUS[0]}"`], { encoding: 'utf8' });
    expect(r.stdout.trim()).toBe('141');
    expect(readFileSync(join(dir, 'err'), 'utf8')).toBe('');
  });
});

describe('Runner onRecord and live views', () => {
  const checked = () => checkTrace(parseTrace(readFileSync(EXAMPLE, 'utf8'), EXAMPLE));

  it('hands over every record with its view, in order, and keeps them without', () => {
    const given: StepRecord[] = [];
    const streamed = new Runner(checked(), { snapshots: true, onRecord: (r) => given.push(r) }).run();
    const whole = new Runner(checked(), { snapshots: true }).run();
    expect(formatJson({ ...whole, records: given })).toBe(formatJson(whole));
    expect(streamed.records).toHaveLength(whole.records.length);
    expect(streamed.records.every((r) => Object.keys(r.state.sessions).length === 0 && Object.keys(r.state.handles).length === 0)).toBe(true);
    expect(streamed.diagnostics).toEqual(whole.diagnostics);
    expect(streamed.failedExpects.length).toBe(whole.failedExpects.length);
  });

  it("'live' views hold the live objects of the full views, and no handles", () => {
    const live = new Runner(checked(), { snapshots: 'live' }).run().records;
    const full = new Runner(checked(), { snapshots: true }).run().records;
    const alive = <T extends { freed: boolean }>(o: Record<string, T>) => Object.fromEntries(Object.entries(o).filter(([, v]) => !v.freed));
    let freedSeen = 0;
    full.forEach((f, i) => {
      const l = live[i]!.state;
      expect(l.sessions).toEqual(alive(f.state.sessions));
      expect(l.ssl).toEqual(alive(f.state.ssl));
      expect(l.ctx).toEqual(alive(f.state.ctx));
      expect(l.handles).toEqual({});
      freedSeen += Object.values(f.state.sessions).filter((s) => s.freed).length;
    });
    expect(freedSeen).toBeGreaterThan(0); // the example frees sessions, so the views do differ
  });

  it("'expects' views (emit-c's) are the full views on expect lines and empty elsewhere", () => {
    const some = new Runner(checked(), { snapshots: 'expects' }).run().records;
    const full = new Runner(checked(), { snapshots: true }).run().records;
    expect(some.filter((r) => r.expect).length).toBeGreaterThan(0);
    full.forEach((f, i) => {
      const s = some[i]!;
      if (s.expect) expect(s.state).toEqual(f.state);
      else expect([s.state.sessions, s.state.ssl, s.state.ctx, s.state.handles]).toEqual([{}, {}, {}, {}]);
    });
  });
});
