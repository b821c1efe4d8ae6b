/**
 * What the model refuses instead of answering wrongly: a server with more
 * TLS 1.3 tickets to write than the in-memory BIO pair surely holds stalls in
 * libssl, a state the model does not have (src/handshake/server.ts,
 * FINDINGS F29); an integer sum beyond 2^53 - 1, which C computes exactly in
 * 64 bits and a double cannot (src/run/values.ts). The refusal is bad input:
 * `file:line:col: message`, from the run and from the conformance compiler.
 */
import { describe, expect, it } from 'vitest';
import { compileTrace } from '../../src/conform/compile.ts';
import { runText } from '../../src/run/load.ts';
import { checkTrace } from '../../src/trace/check.ts';
import { TraceError } from '../../src/trace/errors.ts';
import { parseTrace } from '../../src/trace/parser.ts';

function trace(numTickets: string): string {
  return [
    'sctx = SSL_CTX_new(TLS_server_method())',
    `SSL_CTX_set_num_tickets(sctx, ${numTickets})`,
    'cctx = SSL_CTX_new(TLS_client_method())',
    'c = SSL_new(cctx)',
    's = SSL_new(sctx)',
    'connect(c, s)',
    'SSL_free(c)',
    'SSL_free(s)',
    'SSL_CTX_free(cctx)',
    'SSL_CTX_free(sctx)',
    '',
  ].join('\n');
}

function refusal(text: string, by: (text: string) => unknown = (t) => runText(t, 'limits.trace')): TraceError {
  try {
    by(text);
  } catch (e) {
    if (e instanceof TraceError) return e;
    throw e;
  }
  throw new Error('the trace ran');
}

describe('model limits', () => {
  it('runs a handshake with 59 tickets, the most that surely fit', () => {
    const result = runText(trace('59'), 'limits.trace');
    expect(result.records.find((r) => r.line === 6)?.ret).toBe(1);
    expect(result.unexpected).toEqual([]);
  });

  it('refuses 60 tickets at the connect, naming the limit', () => {
    const e = refusal(trace('60'));
    expect(`${e.file}:${e.line}:${e.col}`).toBe('limits.trace:6:1');
    expect(e.message).toContain('60 TLS 1.3 tickets');
    expect(e.message).toContain('more than the 59');
  });

  it('reads a negative count as the size_t it is, and refuses it at once instead of running for ever', () => {
    expect(refusal(trace('-1')).message).toContain('SIZE_MAX TLS 1.3 tickets');
    expect(refusal(trace('4294967297')).message).toContain('4294967297 TLS 1.3 tickets');
  });

  it('counts the tickets the client has not read when SSL_new_session_ticket asks for more', () => {
    const asked = (num: number): string =>
      [
        'sctx = SSL_CTX_new(TLS_server_method())',
        'SSL_CTX_set_num_tickets(sctx, 40)',
        'cctx = SSL_CTX_new(TLS_client_method())',
        'c = SSL_new(cctx)',
        's = SSL_new(sctx)',
        'handshake(c, s)',
        `SSL_set_num_tickets(s, ${num})`,
        'SSL_new_session_ticket(s)',
        'read(s)',
        '',
      ].join('\n');
    const e = refusal(asked(70));
    expect(`${e.file}:${e.line}:${e.col}`).toBe('limits.trace:9:1');
    expect(e.message).toContain('30 more TLS 1.3 tickets behind 40');
    // 40 unread and 19 more make 59: written, the server leaves init
    expect(runText(asked(59), 'limits.trace').records.find((r) => r.line === 9)?.ret).toBe(0);
  });

  it('lets a resumption through, which sends at most one ticket', () => {
    const text = [
      'sctx = SSL_CTX_new(TLS_server_method())',
      'cctx = SSL_CTX_new(TLS_client_method())',
      'c = SSL_new(cctx)',
      's = SSL_new(sctx)',
      'expect connect(c, s) == 1',
      'sess = SSL_get1_session(c)',
      'SSL_shutdown(c)',
      'SSL_shutdown(s)',
      'SSL_free(c)',
      'SSL_free(s)',
      'SSL_CTX_set_num_tickets(sctx, 100)',
      'c = SSL_new(cctx)',
      's = SSL_new(sctx)',
      'SSL_set_session(c, sess)',
      'expect connect(c, s) == 1',
      'expect SSL_session_reused(c) == 1',
      'SSL_shutdown(c)',
      'SSL_shutdown(s)',
      'SSL_free(c)',
      'SSL_free(s)',
      'SSL_SESSION_free(sess)',
      'SSL_CTX_free(cctx)',
      'SSL_CTX_free(sctx)',
      '',
    ].join('\n');
    const result = runText(text, 'limits.trace');
    expect(result.failedExpects).toEqual([]);
    expect(result.unexpected).toEqual([]);
  });

  describe('integers beyond 2^53 - 1', () => {
    const session = (expr: string) => ['x = SSL_SESSION_new()', `SSL_SESSION_set_time(x, ${expr})`, 'SSL_SESSION_free(x)', ''].join('\n');
    const compiled = (t: string) => compileTrace(checkTrace(parseTrace(t, 'limits.trace')));

    it('runs the largest exact sum and difference', () => {
      const result = runText(session('9007199254740990 + 1 - 0'), 'limits.trace');
      expect(result.unexpected).toEqual([]);
      expect(compiled(session('9007199254740990 + 1')).text).toContain('i:9007199254740991');
    });

    it('refuses a sum one past the limit at the expression, in the run and in the compiler', () => {
      for (const by of [undefined, compiled]) {
        const e = refusal(session('9007199254740991 + 2'), by);
        expect(`${e.file}:${e.line}:${e.col}`).toBe('limits.trace:2:25');
        expect(e.message).toContain('beyond the exact integers');
      }
    });

    it('refuses a run-time sum (the clock plus a large constant) and a negative one', () => {
      expect(refusal(session('time(NULL) + 9007199254740000')).message).toContain('beyond the exact integers');
      expect(refusal(session('0 - 9007199254740991 - 2')).message).toContain('beyond the exact integers');
    });
  });
});
