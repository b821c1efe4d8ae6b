/**
 * The trace → harness protocol compiler. Every expected text is written by
 * hand from conformance/PROTOCOL.md (fields separated by one TAB; `h:` handles,
 * `i:` evaluated integers, `n:` NULL, `b:` hex bytes, `c:` callbacks, `m:`
 * methods, `o:`/`d:` DER variables, `v:` integers only the run knows).
 */
import { describe, expect, it } from 'vitest';
import { compileTrace } from '../../src/conform/compile.ts';
import { checkTrace } from '../../src/trace/check.ts';
import { TraceError } from '../../src/trace/errors.ts';
import { parseTrace } from '../../src/trace/parser.ts';

const compile = (text: string) => compileTrace(checkTrace(parseTrace(text, 't.trace'))).text;
/** Protocol lines written with spaces for readability; the protocol separates fields by one TAB. */
const proto = (...lines: string[]) => ['clock 1800000000', ...lines.map((l) => l.split(' ').join('\t'))].join('\n') + '\n';

describe('compileTrace', () => {
  it('starts with the clock and sends one line per call statement, with its line number and target', () => {
    const text = [
      '# a client context',
      'cctx = SSL_CTX_new(TLS_client_method())',
      'SSL_CTX_set_session_cache_mode(cctx, SSL_SESS_CACHE_CLIENT | SSL_SESS_CACHE_NO_INTERNAL_STORE)',
      '',
      'c1 = SSL_new(cctx)',
      'SSL_free(c1)',
    ].join('\n');
    expect(compile(text)).toBe(
      proto(
        '2 cctx SSL_CTX_new m:TLS_client_method',
        '3 - SSL_CTX_set_session_cache_mode h:cctx i:513', // 0x1 | 0x200
        '5 c1 SSL_new h:cctx',
        '6 - SSL_free h:c1',
      ),
    );
  });

  it('sends a call written on a side of an expect, and not observers or plain values', () => {
    const text = [
      'cctx = SSL_CTX_new(TLS_client_method())',
      'sctx = SSL_CTX_new(TLS_server_method())',
      'c1 = SSL_new(cctx)',
      's1 = SSL_new(sctx)',
      'expect connect(c1, s1) == 1',
      'expect refcount(c1) == 1',
      'expect 1 == SSL_session_reused(c1)',
      'expect SSL_CTX_sess_number(cctx) == SSL_CTX_sess_number(sctx)',
    ].join('\n');
    expect(compile(text)).toBe(
      proto(
        '1 cctx SSL_CTX_new m:TLS_client_method',
        '2 sctx SSL_CTX_new m:TLS_server_method',
        '3 c1 SSL_new h:cctx',
        '4 s1 SSL_new h:sctx',
        '5 - connect h:c1 h:s1',
        '7 - SSL_session_reused h:c1',
        '8 - SSL_CTX_sess_number h:cctx',
        '8 - SSL_CTX_sess_number h:sctx',
      ),
    );
  });

  it('writes byte strings in hex, NULL as n:, callbacks as c:, negative and hex integers evaluated', () => {
    const text = [
      'ctx = SSL_CTX_new(TLS_server_method())',
      'SSL_CTX_sess_set_new_cb(ctx, new_cb_store)',
      'SSL_CTX_sess_set_remove_cb(ctx, remove_cb_log)',
      'SSL_CTX_sess_set_get_cb(ctx, get_cb_miss)',
      's = SSL_SESSION_new()',
      'SSL_SESSION_set1_id(s, "app-1", 5)',
      'SSL_SESSION_set1_id_context(s, "", 0)',
      'SSL_SESSION_set1_id(s, "a\\x00\\"", 0x3)',
      'SSL_CTX_set_timeout(ctx, -5)',
      'SSL_SESSION_free(NULL)',
      'SSL_SESSION_free(s)',
    ].join('\n');
    expect(compile(text)).toBe(
      proto(
        '1 ctx SSL_CTX_new m:TLS_server_method',
        '2 - SSL_CTX_sess_set_new_cb h:ctx c:new_cb_store',
        '3 - SSL_CTX_sess_set_remove_cb h:ctx c:remove_cb_log',
        '4 - SSL_CTX_sess_set_get_cb h:ctx c:get_cb_miss',
        '5 s SSL_SESSION_new',
        '6 - SSL_SESSION_set1_id h:s b:6170702d31 i:5',
        '7 - SSL_SESSION_set1_id_context h:s b: i:0',
        '8 - SSL_SESSION_set1_id h:s b:610022 i:3',
        '9 - SSL_CTX_set_timeout h:ctx i:-5',
        '10 - SSL_SESSION_free n:',
        '11 - SSL_SESSION_free h:s',
      ),
    );
  });

  it('evaluates time(NULL) on the simulated clock, which only advance_time moves', () => {
    const text = [
      'ctx = SSL_CTX_new(TLS_server_method())',
      'now = time(NULL)',
      'advance_time(60)',
      'SSL_CTX_flush_sessions(ctx, time(NULL) + 10)',
      'SSL_CTX_flush_sessions(ctx, now + 1)',
      'advance_time(SSL_SESS_CACHE_SERVER | 1)',
      'later = time(NULL)',
      'SSL_CTX_flush_sessions(ctx, later - now - 3)',
    ].join('\n');
    expect(compile(text)).toBe(
      proto(
        '1 ctx SSL_CTX_new m:TLS_server_method',
        '2 now time n:',
        '3 - advance_time i:60',
        '4 - SSL_CTX_flush_sessions h:ctx i:1800000070',
        '5 - SSL_CTX_flush_sessions h:ctx i:1800000001',
        '6 - advance_time i:3',
        '7 later time n:',
        '8 - SSL_CTX_flush_sessions h:ctx i:60', // 1800000063 - 1800000000 - 3
      ),
    );
  });

  it('sends DER variables as o:/d: and an integer only the run knows as v:NAME, v:NAME+K, v:NAME-K', () => {
    const text = [
      's = SSL_SESSION_new()',
      'n = i2d_SSL_SESSION(s, &der)',
      'copy = d2i_SSL_SESSION(NULL, &der, n)',
      'copy2 = d2i_SSL_SESSION(NULL, &der, n + 10)',
      'copy3 = d2i_SSL_SESSION(NULL, &der, 1 + n)',
      't = SSL_SESSION_get_time(s)',
      'SSL_SESSION_set_time(s, t - 5)',
      'SSL_SESSION_set_time(s, t + 2 - 2)',
    ].join('\n');
    expect(compile(text)).toBe(
      proto(
        '1 s SSL_SESSION_new',
        '2 n i2d_SSL_SESSION h:s o:der',
        '3 copy d2i_SSL_SESSION n: d:der v:n',
        '4 copy2 d2i_SSL_SESSION n: d:der v:n+10',
        '5 copy3 d2i_SSL_SESSION n: d:der v:n+1',
        '6 t SSL_SESSION_get_time h:s',
        '7 - SSL_SESSION_set_time h:s v:t-5',
        '8 - SSL_SESSION_set_time h:s v:t',
      ),
    );
  });

  it('refuses, at the expression, an integer that depends on a run-time result in a way v: cannot carry', () => {
    const cases: [string, string][] = [
      ['s = SSL_SESSION_new()\nn = i2d_SSL_SESSION(s, &der)\nSSL_SESSION_set_timeout(s, n | 1)\n', 't.trace:3:28:'],
      ['s = SSL_SESSION_new()\nn = i2d_SSL_SESSION(s, &der)\nSSL_SESSION_set_timeout(s, 100 - n)\n', 't.trace:3:28:'],
      ['s = SSL_SESSION_new()\nn = i2d_SSL_SESSION(s, &der)\nSSL_SESSION_set_timeout(s, n + n)\n', 't.trace:3:28:'],
      ['s = SSL_SESSION_new()\nn = i2d_SSL_SESSION(s, &der)\nadvance_time(n)\n', 't.trace:3:14:'],
    ];
    for (const [text, where] of cases) {
      let error: unknown;
      try {
        compile(text);
      } catch (e) {
        error = e;
      }
      expect(error).toBeInstanceOf(TraceError);
      expect(String(error)).toMatch(new RegExp(`^${where.replace(/\./g, '\\.')} `));
    }
  });

  it('a variable reassigned from time(NULL) to a run-time result stops being static', () => {
    const text = ['ctx = SSL_CTX_new(TLS_method())', 'x = time(NULL)', 'SSL_CTX_set_timeout(ctx, x)', 'x = SSL_CTX_get_timeout(ctx)', 'SSL_CTX_set_timeout(ctx, x)'].join('\n');
    expect(compile(text)).toBe(
      proto('1 ctx SSL_CTX_new m:TLS_method', '2 x time n:', '3 - SSL_CTX_set_timeout h:ctx i:1800000000', '4 x SSL_CTX_get_timeout h:ctx', '5 - SSL_CTX_set_timeout h:ctx v:x'),
    );
  });
});
