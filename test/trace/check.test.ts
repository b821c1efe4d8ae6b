import { describe, expect, it } from 'vitest';
import { CATALOGUE } from '../../src/trace/catalogue.ts';
import { checkTrace, type CheckedTrace } from '../../src/trace/check.ts';
import { TraceError } from '../../src/trace/errors.ts';
import { parseTrace } from '../../src/trace/parser.ts';

/** Four lines every case starts from: a ctx, an SSL, a session, an int and a DER encoding. */
const PRELUDE = [
  'cctx = SSL_CTX_new(TLS_client_method())', // line 1
  'c1 = SSL_new(cctx)', // line 2
  'sess = SSL_SESSION_new()', // line 3
  'n = i2d_SSL_SESSION(sess, &der)', // line 4
].join('\n');

const check = (body: string): CheckedTrace => checkTrace(parseTrace(`${PRELUDE}\n${body}`, 't.trace'));

/** The rendered TraceError for a body after the prelude; fails if it checks or throws anything else. */
function checkError(body: string): string {
  try {
    check(body);
  } catch (e) {
    expect(e).toBeInstanceOf(TraceError);
    return (e as TraceError).message;
  }
  throw new Error(`expected ${JSON.stringify(body)} to be rejected`);
}

describe('checkTrace: accepted traces', () => {
  it('types variables by the return kind of the call that assigns them', () => {
    const t = check('ctx2 = SSL_set_SSL_CTX(c1, NULL)\nr = SSL_session_reused(c1)\ncopy = d2i_SSL_SESSION(NULL, &der, n)');
    expect(Object.fromEntries([...t.variables].map(([k, v]) => [k, v.kind]))).toEqual({
      cctx: 'ctx',
      c1: 'ssl',
      sess: 'session',
      der: 'der',
      n: 'int',
      ctx2: 'ctx',
      r: 'int',
      copy: 'session',
    });
    expect(t.variables.get('copy')).toEqual({ kind: 'session', line: 7 });
  });

  it('lets a re-assignment change a variable\'s kind from the next statement on', () => {
    const t = check('x = SSL_new(cctx)\nSSL_free(x)\nx = SSL_get1_session(c1)\nSSL_SESSION_free(x)');
    expect(t.variables.get('x')).toEqual({ kind: 'session', line: 7 });
    expect(checkError('x = SSL_new(cctx)\nx = SSL_get1_session(c1)\nSSL_free(x)')).toBe(
      't.trace:7:10: argument 1 of SSL_free must be an SSL handle or NULL, but x is an SSL_SESSION (assigned at line 6)',
    );
  });

  it('uses the old kind on the right of a re-assignment', () => {
    expect(() => check('c1 = SSL_set_SSL_CTX(c1, cctx)\nSSL_CTX_free(c1)')).not.toThrow();
  });

  it('flattens statements into steps with their specs and definitions', () => {
    const t = check('# a comment\n\nexpect refcount(sess) == 1\nexpect diagnostic leak\nexpect SSL_get1_session(c1) != NULL');
    expect(t.file).toBe('t.trace');
    expect(t.steps.map((s) => [s.kind, s.line, s.col])).toEqual([
      ['call', 1, 1],
      ['call', 2, 1],
      ['call', 3, 1],
      ['call', 4, 1],
      ['expect', 7, 1],
      ['expect-diagnostic', 8, 1],
      ['expect', 9, 1],
    ]);
    const i2d = t.steps[3]!;
    expect(i2d.kind === 'call' && [i2d.spec, i2d.defines]).toEqual([CATALOGUE.get('i2d_SSL_SESSION'), [{ name: 'der', kind: 'der' }, { name: 'n', kind: 'int' }]]);
    const diag = t.steps[5]!;
    expect(diag.kind === 'expect-diagnostic' && [diag.diagnostic, diag.call]).toEqual(['leak', 3]);
    const observed = t.steps[4]!;
    expect(observed.kind === 'expect' && [observed.left.form, observed.left.type, observed.right.form, observed.right.type]).toEqual([
      'observer',
      'int',
      'value',
      'int',
    ]);
    const real = t.steps[6]!;
    expect(real.kind === 'expect' && real.left.form === 'call' && [real.left.spec.name, real.left.type, real.right.type]).toEqual([
      'SSL_get1_session',
      'session',
      'null',
    ]);
  });

  it('accepts every form of integer argument', () => {
    expect(() =>
      check(
        [
          'SSL_CTX_set_timeout(cctx, 60)',
          'SSL_CTX_set_timeout(cctx, -0x10)',
          'SSL_CTX_set_session_cache_mode(cctx, SSL_SESS_CACHE_CLIENT | SSL_SESS_CACHE_NO_INTERNAL_STORE)',
          'SSL_CTX_set_timeout(cctx, n)',
          'SSL_CTX_flush_sessions(cctx, time(NULL) + 2001 - n | 1)',
          'advance_time(3600)',
        ].join('\n'),
      ),
    ).not.toThrow();
  });

  it('accepts NULL for ctx? and session?, callbacks in their own slots, and observers in expect', () => {
    const t = check(
      [
        'SSL_set_session(c1, NULL)',
        'SSL_SESSION_free(NULL)',
        'SSL_CTX_sess_set_new_cb(cctx, new_cb_store)',
        'SSL_CTX_sess_set_remove_cb(cctx, remove_cb_free)',
        'SSL_CTX_sess_set_get_cb(cctx, get_cb_miss)',
        'expect owner(sess) == NULL',
        'expect owner(sess) != cctx',
        'expect cached(cctx, sess) != 0',
        'expect stored(cctx, sess) == 0',
        'expect freed(c1) == 0',
        'expect resumable(sess) == 0',
        'expect SSL_CTX_add_session(cctx, sess) == 1',
        'expect time(NULL) == 0',
        'expect SSL_CTX_get_session_cache_mode(cctx) == SSL_SESS_CACHE_CLIENT | SSL_SESS_CACHE_NO_INTERNAL_STORE',
      ].join('\n'),
    );
    expect(t.steps).toHaveLength(4 + 14);
    const owner = t.steps[9]!;
    expect(owner.kind === 'expect' && owner.left.type).toBe('ctx');
  });
});

describe('checkTrace: errors, each at its exact line:col', () => {
  it.each([
    // unknown functions, with a suggestion when one is close
    ['SSL_SESION_free(sess)', 't.trace:5:1: unknown function SSL_SESION_free; did you mean SSL_SESSION_free?'],
    ['ssl_new(cctx)', 't.trace:5:1: unknown function ssl_new; did you mean SSL_new?'],
    ['frobnicate(sess)', 't.trace:5:1: unknown function frobnicate'],
    ['x = SSL_CTX_set_timeout(cctx, SSL_CTX_get_timout(cctx))', 't.trace:5:31: unknown function SSL_CTX_get_timout; did you mean SSL_CTX_get_timeout?'],
    // argument counts
    ['SSL_new(cctx, cctx)', 't.trace:5:1: SSL_new takes 1 argument, got 2'],
    ['SSL_SESSION_new(1)', 't.trace:5:1: SSL_SESSION_new takes no arguments, got 1'],
    ['SSL_SESSION_set1_id(sess, "abc")', 't.trace:5:1: SSL_SESSION_set1_id takes 3 arguments, got 2'],
    ['SSL_CTX_set_timeout(cctx, time())', 't.trace:5:27: time takes 1 argument, got 0'],
    // unknown constants and variables
    ['SSL_CTX_set_session_cache_mode(cctx, SSL_SESS_CACHE_CLEINT)', 't.trace:5:38: unknown constant SSL_SESS_CACHE_CLEINT; did you mean SSL_SESS_CACHE_CLIENT?'],
    ['SSL_CTX_set_options(cctx, SSL_OP_FROB)', 't.trace:5:27: unknown constant SSL_OP_FROB'],
    ['SSL_free(c9)', 't.trace:5:10: unknown handle c9: no earlier line assigns it'],
    ['SSL_free(c9)\nc9 = SSL_new(cctx)', 't.trace:5:10: unknown handle c9: no earlier line assigns it (line 6 does, which is too late)'],
    ['SSL_CTX_set_timeout(cctx, m)', 't.trace:5:27: unknown variable m: no earlier line assigns it'],
    ['expect refcount(s2) == 1', 't.trace:5:17: unknown handle s2: no earlier line assigns it'],
    ['expect k == 1', 't.trace:5:8: unknown variable k: no earlier line assigns it'],
    // handles of the wrong kind
    ['SSL_free(sess)', 't.trace:5:10: argument 1 of SSL_free must be an SSL handle or NULL, but sess is an SSL_SESSION (assigned at line 3)'],
    ['SSL_new(c1)', 't.trace:5:9: argument 1 of SSL_new must be an SSL_CTX handle, but c1 is an SSL (assigned at line 2)'],
    ['SSL_set_session(c1, cctx)', 't.trace:5:21: argument 2 of SSL_set_session must be an SSL_SESSION handle or NULL, but cctx is an SSL_CTX (assigned at line 1)'],
    ['SSL_up_ref(NULL)', 't.trace:5:12: argument 1 of SSL_up_ref must be an SSL handle, but got NULL'],
    ['SSL_free(5)', 't.trace:5:10: argument 1 of SSL_free must be an SSL handle or NULL, but got the integer 5'],
    ['SSL_free(der)', 't.trace:5:10: argument 1 of SSL_free must be an SSL handle or NULL, but der is a DER encoding (assigned at line 4)'],
    ['SSL_CTX_set_timeout(cctx, sess)', 't.trace:5:27: argument 2 of SSL_CTX_set_timeout must be an integer, but sess is an SSL_SESSION (assigned at line 3)'],
    ['SSL_CTX_set_timeout(cctx, 1 | "x")', 't.trace:5:31: argument 2 of SSL_CTX_set_timeout must be an integer, but got a string'],
    ['SSL_CTX_set_timeout(cctx, NULL)', 't.trace:5:27: argument 2 of SSL_CTX_set_timeout must be an integer, but got NULL'],
    ['SSL_free(TLS1_VERSION)', 't.trace:5:10: argument 1 of SSL_free must be an SSL handle or NULL, but got the constant TLS1_VERSION'],
    ['SSL_free(c1 | 1)', 't.trace:5:10: argument 1 of SSL_free must be an SSL handle or NULL, but got an integer expression'],
    ['SSL_SESSION_set1_id(sess, 5, 3)', 't.trace:5:27: argument 2 of SSL_SESSION_set1_id must be a string such as "abc" or NULL, but got the integer 5'],
    // nested calls
    ['SSL_CTX_set_timeout(cctx, SSL_CTX_get_timeout(cctx))', 't.trace:5:27: SSL_CTX_get_timeout(...) cannot be nested in argument 2 of SSL_CTX_set_timeout: assign its result to a variable on an earlier line'],
    ['SSL_free(SSL_new(cctx))', 't.trace:5:10: SSL_new(...) cannot be nested in argument 1 of SSL_free: assign its result to a variable on an earlier line'],
    ['SSL_CTX_set_timeout(cctx, time(5))', 't.trace:5:32: argument 1 of time must be NULL, but got the integer 5'],
    // callbacks
    ['SSL_CTX_sess_set_new_cb(cctx, remove_cb_log)', 't.trace:5:31: argument 2 of SSL_CTX_sess_set_new_cb must be a new-session callback (new_cb_store, new_cb_ignore, new_cb_store_return0, new_cb_forget_return1), but remove_cb_log is a remove-session callback'],
    ['SSL_CTX_sess_set_new_cb(cctx, new_cb_stor)', 't.trace:5:31: unknown new-session callback new_cb_stor; did you mean new_cb_store?'],
    ['SSL_CTX_sess_set_get_cb(cctx, get_cb_store)', 't.trace:5:31: unknown get-session callback get_cb_store; did you mean get_cb_store_copy, get_cb_store_transfer or get_cb_store_nocopy?'],
    ['SSL_CTX_sess_set_remove_cb(cctx, NULL)', 't.trace:5:34: argument 2 of SSL_CTX_sess_set_remove_cb must be a remove-session callback (remove_cb_log, remove_cb_evict_store, remove_cb_free, remove_cb_remove), but got NULL'],
    ['SSL_CTX_sess_set_remove_cb(cctx, sess)', 't.trace:5:34: argument 2 of SSL_CTX_sess_set_remove_cb must be a remove-session callback (remove_cb_log, remove_cb_evict_store, remove_cb_free, remove_cb_remove), but sess is an SSL_SESSION (assigned at line 3)'],
    ['SSL_CTX_sess_set_get_cb(cctx, get_cb_hit)', 't.trace:5:31: unknown get-session callback get_cb_hit: the get-session callbacks are get_cb_store_copy, get_cb_store_transfer, get_cb_store_nocopy, get_cb_miss'],
    ['SSL_free(new_cb_store)', 't.trace:5:10: new_cb_store is a callback: it can only be passed to SSL_CTX_sess_set_new_cb'],
    // methods
    ['x = SSL_CTX_new(TLS_clent_method())', 't.trace:5:17: unknown method TLS_clent_method; did you mean TLS_client_method? (SSL_CTX_new takes TLS_method(), TLS_client_method() or TLS_server_method())'],
    ['x = SSL_CTX_new(DTLS_method())', 't.trace:5:17: unknown method DTLS_method; did you mean TLS_method? (SSL_CTX_new takes TLS_method(), TLS_client_method() or TLS_server_method())'],
    ['x = SSL_CTX_new(TLS_method)', 't.trace:5:17: TLS_method must be called: write TLS_method()'],
    ['x = SSL_CTX_new(TLS_method(1))', 't.trace:5:17: TLS_method takes no arguments, got 1'],
    ['x = SSL_CTX_new(cctx)', 't.trace:5:17: argument 1 of SSL_CTX_new must be a method: TLS_method(), TLS_client_method() or TLS_server_method(), but cctx is an SSL_CTX (assigned at line 1)'],
    ['SSL_CTX_set_timeout(cctx, TLS_method())', 't.trace:5:27: TLS_method() can only be the argument of SSL_CTX_new'],
    ['TLS_method()', 't.trace:5:1: TLS_method() can only be the argument of SSL_CTX_new'],
    // assignments
    ['x = SSL_free(c1)', 't.trace:5:1: cannot assign the result of SSL_free to x: SSL_free returns void'],
    ['SSL_SESS_CACHE_OFF = SSL_new(cctx)', 't.trace:5:1: cannot assign to SSL_SESS_CACHE_OFF: it is a constant'],
    ['NULL = SSL_new(cctx)', 't.trace:5:1: cannot assign to NULL: NULL is not a variable'],
    ['new_cb_store = SSL_new(cctx)', 't.trace:5:1: cannot assign to new_cb_store: it is a callback name'],
    ['SSL_new = SSL_new(cctx)', 't.trace:5:1: cannot assign to SSL_new: it is a function name'],
    ['TLS_method = SSL_new(cctx)', 't.trace:5:1: cannot assign to TLS_method: it is a method'],
    ['der = i2d_SSL_SESSION(sess, &der)', 't.trace:5:1: der cannot receive both the result and the DER output of i2d_SSL_SESSION'],
    // observers and expect
    ['refcount(sess)', 't.trace:5:1: refcount is an observer: it can only be used in expect, e.g. expect refcount(x) == 1'],
    ['expect refcont(sess) == 1', 't.trace:5:8: unknown function or observer refcont; did you mean refcount?'],
    ['expect refcount(n) == 1', 't.trace:5:17: argument 1 of refcount must be a handle (SSL_CTX, SSL or SSL_SESSION), but n is an integer (assigned at line 4)'],
    ['expect cached(sess, cctx) == 1', 't.trace:5:15: argument 1 of cached must be an SSL_CTX handle, but sess is an SSL_SESSION (assigned at line 3)'],
    ['expect refcount(sess, sess) == 1', 't.trace:5:8: refcount takes 1 argument, got 2'],
    ['expect 1 == refcount(sess) + 1', 't.trace:5:13: refcount is an observer: it can only be a whole side of an expect, e.g. expect refcount(x) == 1'],
    ['expect SSL_session_reused(c1) + SSL_session_reused(c1) == 1', 't.trace:5:8: SSL_session_reused(...) cannot be nested in the left side of expect: assign its result to a variable on an earlier line'],
    ['expect refcount(sess) == sess', 't.trace:5:26: cannot compare an integer with an SSL_SESSION'],
    ['expect owner(sess) == 1', 't.trace:5:23: cannot compare an SSL_CTX with an integer'],
    ['expect SSL_session_reused(c1) == NULL', 't.trace:5:34: cannot compare an integer with NULL'],
    ['expect SSL_free(c1) == 1', 't.trace:5:8: SSL_free returns void: there is no value to compare'],
    ['expect i2d_SSL_SESSION(sess, &d) == 1', 't.trace:5:8: i2d_SSL_SESSION fills &d, which expect cannot do: call it on its own line'],
    ['expect der == 1', 't.trace:5:8: cannot compare der: it is a DER encoding (assigned at line 4)'],
    ['expect "abc" == 1', 't.trace:5:8: cannot compare a string: expect compares integers and handles'],
    ['expect diagnostic leak', null],
    // &x where it does not belong, and d2i
    ['SSL_free(&der)', 't.trace:5:10: &der is only allowed as the DER argument of i2d_SSL_SESSION or d2i_SSL_SESSION'],
    ['expect &der == 1', 't.trace:5:8: &der is only allowed as the DER argument of i2d_SSL_SESSION or d2i_SSL_SESSION'],
    ['SSL_CTX_set_timeout(cctx, 1 + &der)', 't.trace:5:31: &der is only allowed as the DER argument of i2d_SSL_SESSION or d2i_SSL_SESSION'],
    ['d2i_SSL_SESSION(sess, &der, n)', 't.trace:5:17: argument 1 of d2i_SSL_SESSION must be NULL: the in-place form (reusing an existing SSL_SESSION) is not modelled'],
    ['d2i_SSL_SESSION(NULL, der, n)', 't.trace:5:23: argument 2 of d2i_SSL_SESSION must be &name of a DER encoding made by i2d_SSL_SESSION: write &der'],
    ['d2i_SSL_SESSION(NULL, &n, n)', 't.trace:5:23: argument 2 of d2i_SSL_SESSION must be &name of a DER encoding made by i2d_SSL_SESSION, but n is an integer (assigned at line 4)'],
    ['d2i_SSL_SESSION(NULL, &blob, n)', 't.trace:5:23: unknown variable blob: no earlier line assigns it (i2d_SSL_SESSION(s, &name) fills one)'],
    ['i2d_SSL_SESSION(sess, der)', 't.trace:5:23: argument 2 of i2d_SSL_SESSION must be &name, the variable that receives the DER encoding, but der is a DER encoding (assigned at line 4)'],
    ['i2d_SSL_SESSION(sess, &TLS1_VERSION)', 't.trace:5:23: cannot assign to TLS1_VERSION: it is a constant'],
  ])('%j', (body, message) => {
    if (message === null) return expect(() => check(body)).not.toThrow();
    expect(checkError(body)).toBe(message);
  });

  it('requires a call before expect diagnostic', () => {
    expect(() => checkTrace(parseTrace('# nothing yet\nexpect diagnostic leak', 'd.trace'))).toThrow(
      new TraceError('d.trace', 2, 1, 'expect diagnostic must follow a call: no earlier line makes one'),
    );
  });

  it('ties expect diagnostic to the nearest call before it, skipping expects', () => {
    const t = check('SSL_free(c1)\nexpect freed(c1) == 1\nexpect diagnostic use-after-free\nexpect diagnostic leak');
    expect(t.steps.slice(-2).map((s) => s.kind === 'expect-diagnostic' && s.call)).toEqual([4, 4]);
  });

  it('reports the first error in source order', () => {
    expect(checkError('SSL_free(sess)\nSSL_frees(c1)')).toMatch(/^t\.trace:5:10: /);
    expect(checkError('SSL_CTX_set_timeout(zz, yy)')).toBe('t.trace:5:21: unknown handle zz: no earlier line assigns it');
  });
});

describe('did-you-mean suggestions', () => {
  it('stays silent when nothing is close, or too many names share the prefix', () => {
    expect(checkError('SSL_CTX(cctx)')).toBe('t.trace:5:1: unknown function SSL_CTX');
    expect(checkError('xy(cctx)')).toBe('t.trace:5:1: unknown function xy');
  });

  it('counts a swapped pair of letters as one slip', () => {
    expect(checkError('SSL_fere(c1)')).toBe('t.trace:5:1: unknown function SSL_fere; did you mean SSL_free?');
  });
});
