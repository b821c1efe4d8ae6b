import { describe, expect, it } from 'vitest';
import type { Expr, Trace } from '../../src/trace/ast.ts';
import { parseTrace } from '../../src/trace/parser.ts';
import { printExpr, printString, printTrace } from '../../src/trace/printer.ts';

/** A copy of any tree without `pos` fields or line numbers, to compare trees "modulo positions". */
function withoutPositions(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(withoutPositions);
  if (value === null || typeof value !== 'object') return value;
  return Object.fromEntries(Object.entries(value).filter(([k]) => k !== 'pos' && k !== 'line').map(([k, v]) => [k, withoutPositions(v)]));
}

const canon = (text: string): string => printTrace(parseTrace(text, 't.trace'));

describe('printTrace', () => {
  it('prints canonical spacing around = | + - == != and between arguments', () => {
    expect(canon('cctx=SSL_CTX_new( TLS_client_method( ) )')).toBe('cctx = SSL_CTX_new(TLS_client_method())\n');
    expect(canon('SSL_CTX_set_session_cache_mode(cctx,SSL_SESS_CACHE_CLIENT|SSL_SESS_CACHE_NO_INTERNAL_STORE)')).toBe(
      'SSL_CTX_set_session_cache_mode(cctx, SSL_SESS_CACHE_CLIENT | SSL_SESS_CACHE_NO_INTERNAL_STORE)\n',
    );
    expect(canon('SSL_CTX_flush_sessions(sctx,time(NULL)+2001-x)')).toBe('SSL_CTX_flush_sessions(sctx, time(NULL) + 2001 - x)\n');
    expect(canon('expect   refcount( sess )==2')).toBe('expect refcount(sess) == 2\n');
    expect(canon('expect cached(sctx,sess)!=0')).toBe('expect cached(sctx, sess) != 0\n');
    expect(canon('n=i2d_SSL_SESSION(sess,& der)')).toBe('n = i2d_SSL_SESSION(sess, &der)\n');
    expect(canon('expect   diagnostic    leak')).toBe('expect diagnostic leak\n');
  });

  it('keeps integer spellings, including hex and negative literals', () => {
    expect(canon('f(0x200, 0XAb, -3, x - -0x1)')).toBe('f(0x200, 0XAb, -3, x - -0x1)\n');
  });

  it('prints comments after statements with two spaces and alone at the start, and keeps blank lines', () => {
    expect(canon('# client side\n\n   \nSSL_free(c1)#gone\nSSL_free(c2)     #   indented  \n#\nf() #\n')).toBe(
      '# client side\n\n\nSSL_free(c1)  # gone\nSSL_free(c2)  #   indented\n#\nf()  #\n',
    );
  });

  it('normalises CRLF to LF and drops a byte-order mark', () => {
    expect(canon('\uFEFFf()\r\n\r\ng()\r\n')).toBe('f()\n\ng()\n');
  });

  it('prints strings as ASCII with canonical escapes', () => {
    expect(printString('abc')).toBe('"abc"');
    expect(printString('a"b\\c')).toBe('"a\\"b\\\\c"');
    expect(printString('\x00\x1f\x7f\x80\xff')).toBe('"\\x00\\x1f\\x7f\\x80\\xff"');
    expect(canon('f("\\x41")')).toBe('f("A")\n');
    expect(canon('f("é")')).toBe('f("\\xc3\\xa9")\n');
  });

  it('prints the empty trace as the empty string', () => {
    expect(printTrace({ file: 'x', lines: [] })).toBe('');
  });

  it('refuses a right-nested binary tree, which no text can express', () => {
    const pos = { line: 1, col: 1 };
    const one: Expr = { kind: 'int', value: 1, text: '1', pos };
    const nested: Expr = { kind: 'binary', op: '-', left: one, right: { kind: 'binary', op: '-', left: one, right: one, pos }, pos };
    expect(() => printExpr(nested)).toThrow(/right-nested/);
  });

  it('round-trips a realistic trace: same tree modulo positions, idempotent text', () => {
    const text = [
      '# client side',
      'cctx = SSL_CTX_new(TLS_client_method())',
      'SSL_CTX_set_session_cache_mode(cctx, SSL_SESS_CACHE_CLIENT | SSL_SESS_CACHE_NO_INTERNAL_STORE)',
      'SSL_CTX_sess_set_new_cb(cctx, new_cb_store)',
      'c1 = SSL_new(cctx)',
      'connect(c1, s1)            # pseudo-call',
      '',
      'sess = SSL_get1_session(c1)',
      'SSL_SESSION_set1_id(sess, "ab\\"c", 3)',
      'n = i2d_SSL_SESSION(sess, &der)',
      'copy = d2i_SSL_SESSION(NULL, &der, n)',
      'SSL_CTX_flush_sessions(sctx, time(NULL) + 2001)',
      'advance_time(3600)',
      'expect SSL_session_reused(c2) == 1',
      'expect owner(sess) == NULL',
      'expect diagnostic use-after-free',
    ].join('\n');
    const first = parseTrace(text, 't.trace');
    const printed = printTrace(first);
    const second = parseTrace(printed, 't.trace');
    expect(withoutPositions(second)).toEqual(withoutPositions(first));
    expect(printTrace(second)).toBe(printed);
    expect(printed.split('\n')[5]).toBe('connect(c1, s1)  # pseudo-call');
  });

  it('ignores line numbers, printing lines in order', () => {
    const t: Trace = { file: 'x', lines: [{ line: 9, statement: null, comment: 'b' }, { line: 1, statement: null, comment: 'a' }] };
    expect(printTrace(t)).toBe('# b\n# a\n');
  });
});
