import { describe, expect, it } from 'vitest';
import type { Expr, Statement } from '../../src/trace/ast.ts';
import { TraceError } from '../../src/trace/errors.ts';
import { MAX_EXPR_DEPTH, parseTrace } from '../../src/trace/parser.ts';

/** The statement of a one-line trace. */
function statement(text: string): Statement {
  const s = parseTrace(text, 't.trace').lines[0]?.statement;
  if (s == null) throw new Error(`no statement in ${JSON.stringify(text)}`);
  return s;
}

/** The single argument of `f(<expr>)`. */
function expr(text: string): Expr {
  const s = statement(`f(${text})`);
  if (s.kind !== 'call') throw new Error('not a call');
  return s.call.args[0]!;
}

/** The rendered TraceError a text produces; fails the test if it parses or throws anything else. */
function parseError(text: string): string {
  try {
    parseTrace(text, 't.trace');
  } catch (e) {
    expect(e).toBeInstanceOf(TraceError);
    return (e as TraceError).message;
  }
  throw new Error(`expected ${JSON.stringify(text)} not to parse`);
}

describe('parseTrace: statements', () => {
  it('parses an assignment from a call with nested calls', () => {
    expect(statement('cctx = SSL_CTX_new(TLS_client_method())')).toEqual({
      kind: 'call',
      assign: { name: 'cctx', pos: { line: 1, col: 1 } },
      call: {
        kind: 'call',
        name: 'SSL_CTX_new',
        args: [{ kind: 'call', name: 'TLS_client_method', args: [], pos: { line: 1, col: 20 } }],
        pos: { line: 1, col: 8 },
      },
      pos: { line: 1, col: 1 },
    });
  });

  it('parses a bare call, positioned at its name', () => {
    const s = statement('   connect(c1, s1)');
    expect(s).toMatchObject({ kind: 'call', assign: null, pos: { line: 1, col: 4 } });
    expect(s.kind === 'call' && s.call.args.map((a) => a.pos.col)).toEqual([12, 16]);
  });

  it('parses expect with == and !=', () => {
    expect(statement('expect SSL_session_reused(c2) == 1')).toMatchObject({
      kind: 'expect',
      op: '==',
      left: { kind: 'call', name: 'SSL_session_reused', pos: { col: 8 } },
      right: { kind: 'int', value: 1, text: '1', pos: { col: 34 } },
      pos: { line: 1, col: 1 },
    });
    expect(statement('expect cached(sctx, sess) != 0')).toMatchObject({ kind: 'expect', op: '!=' });
    expect(statement('expect owner(sess) == NULL')).toMatchObject({ right: { kind: 'null' } });
  });

  it('parses expect diagnostic with a dashed kind', () => {
    expect(statement('expect   diagnostic   use-after-free')).toEqual({
      kind: 'expect-diagnostic',
      diagnostic: 'use-after-free',
      pos: { line: 1, col: 1 },
    });
  });

  it('treats expect only as a keyword at the start of a statement', () => {
    expect(statement('expect expect == 1')).toMatchObject({ left: { kind: 'var', name: 'expect' } });
    expect(statement('diagnostic = SSL_new(c)')).toMatchObject({ assign: { name: 'diagnostic' } });
  });
});

describe('parseTrace: expressions', () => {
  it('reads decimal, hex and negative integers, keeping the spelling', () => {
    expect(expr('42')).toMatchObject({ kind: 'int', value: 42, text: '42' });
    expect(expr('0x200')).toMatchObject({ kind: 'int', value: 512, text: '0x200' });
    expect(expr('0XfF')).toMatchObject({ kind: 'int', value: 255, text: '0XfF' });
    expect(expr('-7')).toMatchObject({ kind: 'int', value: -7, text: '-7', pos: { col: 3 } });
    expect(expr('-0x10')).toMatchObject({ kind: 'int', value: -16, text: '-0x10' });
    expect(expr('0')).toMatchObject({ value: 0, text: '0' });
    expect(Object.is((expr('-0') as { value: number }).value, 0)).toBe(true);
  });

  it('tells constants from variables by the catalogue', () => {
    expect(expr('SSL_SESS_CACHE_CLIENT')).toEqual({ kind: 'const', name: 'SSL_SESS_CACHE_CLIENT', pos: { line: 1, col: 3 } });
    expect(expr('sess')).toEqual({ kind: 'var', name: 'sess', pos: { line: 1, col: 3 } });
    expect(expr('SSL_SESS_CACHE_CLEINT')).toMatchObject({ kind: 'var' });
    expect(expr('new_cb_store')).toMatchObject({ kind: 'var', name: 'new_cb_store' });
  });

  it('reads NULL, &name and strings with escapes', () => {
    expect(expr('NULL')).toEqual({ kind: 'null', pos: { line: 1, col: 3 } });
    expect(expr('& der')).toEqual({ kind: 'addr', name: 'der', pos: { line: 1, col: 3 } });
    expect(expr('"a\\"b\\\\c\\x00\\xFF"')).toMatchObject({ kind: 'string', value: 'a"b\\c\x00\xff' });
    expect(expr('""')).toMatchObject({ kind: 'string', value: '' });
  });

  it('stores non-ASCII string text as its UTF-8 bytes', () => {
    expect(expr('"é€"')).toMatchObject({ value: '\xc3\xa9\xe2\x82\xac' });
    expect(expr('"😀"')).toMatchObject({ value: '\xf0\x9f\x98\x80' });
  });

  it('keeps # inside a string', () => {
    const t = parseTrace('f("a#b")  # real', 't.trace');
    expect(t.lines[0]).toMatchObject({ comment: 'real', statement: { call: { args: [{ value: 'a#b' }] } } });
  });

  it('chains | + - to the left at one precedence', () => {
    const e = expr('A | 2 + x - 1');
    expect(e).toMatchObject({
      kind: 'binary',
      op: '-',
      left: { kind: 'binary', op: '+', left: { kind: 'binary', op: '|', left: { kind: 'var', name: 'A' }, right: { value: 2 } }, right: { name: 'x' } },
      right: { value: 1 },
      pos: { col: 3 },
    });
  });

  it('reads a minus followed by a touching number after an operator as a negative literal', () => {
    expect(expr('x - -5')).toMatchObject({ op: '-', right: { kind: 'int', value: -5, text: '-5' } });
    expect(expr('x -5')).toMatchObject({ op: '-', right: { kind: 'int', value: 5 } });
    expect(expr('time(NULL)+2001')).toMatchObject({ op: '+', left: { kind: 'call', name: 'time', args: [{ kind: 'null' }] } });
  });
});

describe('parseTrace: lines', () => {
  it('keeps comments and blank lines, with line numbers', () => {
    const t = parseTrace('# client side\n\n  \t\nSSL_free(c)   #  two spaces  \nSSL_free(c)#x\n#\n', 'a.trace');
    expect(t.file).toBe('a.trace');
    expect(t.lines.map((l) => [l.line, l.statement?.kind ?? null, l.comment])).toEqual([
      [1, null, 'client side'],
      [2, null, null],
      [3, null, null],
      [4, 'call', ' two spaces'],
      [5, 'call', 'x'],
      [6, null, ''],
    ]);
  });

  it('accepts one semicolon after a statement, as in C, before a comment too', () => {
    const withSemicolons = parseTrace('c = SSL_new(ctx);\nSSL_free(c) ;  # done\nexpect refcount(c) == 0;\nexpect diagnostic leak;\n', 't.trace');
    const without = parseTrace('c = SSL_new(ctx)\nSSL_free(c)    # done\nexpect refcount(c) == 0\nexpect diagnostic leak\n', 't.trace');
    expect(withSemicolons.lines.map((l) => [l.statement?.kind ?? null, l.comment])).toEqual([
      ['call', null],
      ['call', 'done'],
      ['expect', null],
      ['expect-diagnostic', null],
    ]);
    expect(withSemicolons).toEqual(without);
  });

  it('accepts CRLF line endings and a byte-order mark', () => {
    const t = parseTrace('\uFEFFa = SSL_new(c)\r\n\r\nexpect refcount(a) == 1\r\n', 'a.trace');
    expect(t.lines).toHaveLength(3);
    expect(t.lines[0]!.statement).toMatchObject({ pos: { line: 1, col: 1 } });
    expect(t.lines[2]!.statement).toMatchObject({ kind: 'expect', right: { text: '1' } });
  });

  it('does not count a final newline as a line, but does count a final blank line', () => {
    expect(parseTrace('', 'a').lines).toHaveLength(0);
    expect(parseTrace('f()', 'a').lines).toHaveLength(1);
    expect(parseTrace('f()\n', 'a').lines).toHaveLength(1);
    expect(parseTrace('f()\n\n', 'a').lines).toHaveLength(2);
  });

  it('parses the example trace of the brief', () => {
    const text = [
      'cctx = SSL_CTX_new(TLS_client_method())',
      'SSL_CTX_set_session_cache_mode(cctx, SSL_SESS_CACHE_CLIENT | SSL_SESS_CACHE_NO_INTERNAL_STORE)',
      'n = i2d_SSL_SESSION(sess, &der)',
      'copy = d2i_SSL_SESSION(NULL, &der, n)',
      'SSL_CTX_flush_sessions(sctx, time(NULL) + 2001)',
      'SSL_SESSION_set1_id(sess, "abc", 3)',
      'expect diagnostic use-after-free',
    ].join('\n');
    expect(parseTrace(text, 'x').lines.map((l) => l.statement?.kind)).toEqual(['call', 'call', 'call', 'call', 'call', 'call', 'expect-diagnostic']);
  });
});

describe('parseTrace: errors at the exact line:col', () => {
  it.each([
    ['f() $', 't.trace:1:5: unexpected character \'$\''],
    ['f(\0)', 't.trace:1:3: unexpected character U+0000'],
    ['f()\rg()', 't.trace:1:4: unexpected character U+000D'],
    ['\n\n  x = ', 't.trace:3:7: expected a function call after \'=\', got end of line'],
    ['x = 5', 't.trace:1:5: expected a function call after \'=\', got \'5\''],
    ['x = y', 't.trace:1:6: expected \'(\' after y: only a function call can be assigned, got end of line'],
    ['foo', 't.trace:1:4: expected \'(\' or \'=\' after foo, got end of line'],
    ['5 = f()', 't.trace:1:1: expected a statement (NAME(...), name = NAME(...) or expect ...), got \'5\''],
    ['f(a b)', 't.trace:1:5: expected \',\' or \')\' in the arguments of f, got \'b\''],
    ['f(a,)', 't.trace:1:5: expected an expression, got \')\''],
    ['f(a', 't.trace:1:4: expected \',\' or \')\' in the arguments of f, got end of line'],
    ['f() g()', 't.trace:1:5: unexpected \'g\' after the end of the statement'],
    ['f() // C comment', 't.trace:1:5: unexpected character \'/\' (comments start with #)'],
    ['/* C comment */', 't.trace:1:1: unexpected character \'/\' (comments start with #)'],
    ['f(a / 2)', 't.trace:1:5: unexpected character \'/\''],
    ['f();;', 't.trace:1:5: unexpected \';\' after the end of the statement'],
    [';', 't.trace:1:1: expected a statement (NAME(...), name = NAME(...) or expect ...), got \';\''],
    ['f(a;)', 't.trace:1:4: expected \',\' or \')\' in the arguments of f, got \';\''],
    ['f(a) # x;\n;g()', 't.trace:2:1: expected a statement (NAME(...), name = NAME(...) or expect ...), got \';\''],
    ['f(&5)', 't.trace:1:4: expected a variable name after \'&\', got \'5\''],
    ['f(- 5)', 't.trace:1:3: expected an expression, got \'-\' (a negative number is written -5, with no space)'],
    ['f(x = 1)', 't.trace:1:5: expected \',\' or \')\' in the arguments of f, got \'=\''],
    ['f(!x)', 't.trace:1:3: unexpected character \'!\''],
    ['expect a = b', 't.trace:1:10: expected \'==\' or \'!=\' after the left side of expect, got \'=\''],
    ['expect a ==', 't.trace:1:12: expected an expression, got end of line'],
    ['expect == 1', 't.trace:1:8: expected an expression, got \'==\''],
    ['expect diagnostic', 't.trace:1:18: expected a diagnostic kind after \'expect diagnostic\' (e.g. use-after-free), got end of line'],
    ['expect diagnostic use_after_free', 't.trace:1:19: malformed diagnostic kind use_after_free: write lowercase words joined by dashes, e.g. use-after-free'],
    ['expect diagnostic use-after-fre', 't.trace:1:19: unknown diagnostic kind use-after-fre; did you mean use-after-free?'],
    ['expect diagnostic leak now', 't.trace:1:24: unexpected \'now\' after the end of the statement'],
    ['f(12ab)', 't.trace:1:3: malformed number 12ab'],
    ['f(0x)', 't.trace:1:3: malformed number 0x'],
    ['f(0xfg)', 't.trace:1:3: malformed number 0xfg'],
    ['f(010)', 't.trace:1:3: malformed number 010: leading zeros are not allowed (there are no octal numbers)'],
    ['f(9007199254740992)', 't.trace:1:3: integer 9007199254740992 is too large (the limit is 9007199254740991)'],
    ['f("abc)', 't.trace:1:3: unterminated string: missing closing "'],
    ['f("abc\\', 't.trace:1:7: unterminated string: missing closing "'],
    ['f("a\\q")', 't.trace:1:5: unknown escape \\q in a string: use \\", \\\\ or \\xHH'],
    ['f("a\\ ")', 't.trace:1:5: unknown escape backslash before U+0020 in a string: use \\", \\\\ or \\xHH'],
    ['f("\\x4")', 't.trace:1:4: \\x must be followed by two hex digits'],
    ['f("a\tb")', 't.trace:1:5: control character U+0009 in a string: write it as \\x09'],
    ['f("\ud800")', 't.trace:1:4: unpaired surrogate U+D800 in a string'],
  ])('%j', (text, message) => {
    expect(parseError(text)).toBe(message);
  });

  it('reports the first problem of a multi-line trace, counting CRLF lines', () => {
    expect(parseError('f()\r\n# ok\r\ng(,)\r\nh(,)')).toBe('t.trace:3:3: expected an expression, got \',\'');
  });

  it('bounds nesting, so hostile input cannot overflow the stack', () => {
    const ok = 'f(' + 'g('.repeat(MAX_EXPR_DEPTH - 1) + ')'.repeat(MAX_EXPR_DEPTH);
    expect(() => parseTrace(ok, 't')).not.toThrow();
    expect(parseError('f(' + 'g('.repeat(MAX_EXPR_DEPTH) + ')'.repeat(MAX_EXPR_DEPTH + 1))).toBe(
      `t.trace:1:${2 * MAX_EXPR_DEPTH + 1}: expression is too deeply nested (more than ${MAX_EXPR_DEPTH} levels of calls and operators)`,
    );
    expect(parseError('f(' + '1 | '.repeat(MAX_EXPR_DEPTH) + '1)')).toMatch(/^t\.trace:1:\d+: expression is too deeply nested/);
    expect(parseError('f(' + 'g('.repeat(100_000))).toMatch(/too deeply nested/);
  });

  it('renders as file:line:col: message, with the parts available', () => {
    try {
      parseTrace('ok()\n  @', 'dir/x.trace');
      expect.unreachable();
    } catch (e) {
      expect(e).toBeInstanceOf(TraceError);
      const err = e as TraceError;
      expect([err.file, err.line, err.col, err.reason]).toEqual(['dir/x.trace', 2, 3, "unexpected character '@'"]);
      expect(String(err)).toBe("dir/x.trace:2:3: unexpected character '@'");
    }
  });

  it('handles a long line in linear time', () => {
    const line = 'f(' + Array.from({ length: 50_000 }, (_, i) => `a${i}`).join(', ') + ')';
    const s = statement(line);
    expect(s.kind === 'call' && s.call.args).toHaveLength(50_000);
  });
});
