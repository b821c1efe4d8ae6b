/**
 * The C emitter's pieces (src/trace/emit-c.ts): C names for trace variables
 * and their kinds, string literals, integer expressions, comments, and the
 * program as a whole (placement of comments and diagnostics, determinism, bad
 * input). test/conform/emit-c-e2e.test.ts compiles and runs the programs.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseTrace } from '../../src/trace/parser.ts';
import { checkTrace } from '../../src/trace/check.ts';
import type { Expr } from '../../src/trace/ast.ts';
import { cIdentifier, CNames, definitionsOf } from '../../src/trace/c-names.ts';
import { cBytes, cIntArg, cIntExpr, commentText, cStringLiteral } from '../../src/trace/c-text.ts';
import { emitC, runtimeSources } from '../../src/trace/emit-c.ts';
import { CLOCK_START } from '../../src/world/world.ts';
import { CALLBACKS } from '../../src/trace/catalogue.ts';

const cli = (...args: string[]) => spawnSync(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', ...args], { encoding: 'utf8' });

/** The integer expression of `SSL_CTX_set_timeout(ctx, EXPR)` in a small trace. */
function intExpr(text: string, prelude = ''): Expr {
  const t = checkTrace(parseTrace(`ctx = SSL_CTX_new(TLS_method())\n${prelude}SSL_CTX_set_timeout(ctx, ${text})\n`, 't.trace'));
  const last = t.steps.at(-1)!;
  if (last.kind !== 'call') throw new Error('not a call');
  return last.statement.call.args[1]!;
}

const plain = (name: string) => name;

/** A comment wrapped over several lines, as one line. */
const unwrap = (c: string) => c.replace(/\n\s*\*(?!\/) /g, ' ').replace(/\n\s*\*\//g, ' */');

/** main() of the program for a trace text, its comments unwrapped. */
function mainOf(text: string): string {
  const program = emitC(text, 'dir/t.trace');
  return unwrap(program.slice(program.indexOf('int main(void)'), program.indexOf('\n}\n', program.indexOf('int main(void)')) + 3));
}

describe('C names', () => {
  it('keeps ordinary names and renames C keywords, the program\'s own identifiers and OpenSSL-like names', () => {
    expect(cIdentifier('c1')).toBe('c1');
    expect(cIdentifier('sess')).toBe('sess');
    for (const n of ['int', 'char', 'return', 'read', 'time', 'connect', 'main', 'free', 'stderr', 'errno', 'handshake']) expect(cIdentifier(n)).toBe(`${n}_`);
    expect(cIdentifier('SSL_CTX_new')).toBe('SSL_CTX_new_');
    expect(cIdentifier('TLS1_4_VERSION')).toBe('TLS1_4_VERSION_');
    expect(cIdentifier('sim_connect')).toBe('sim_connect_');
    expect(cIdentifier('EOF')).toBe('EOF_');
    expect(cIdentifier('__x')).toBe('v__x');
    expect(cIdentifier('_X')).toBe('v_X');
    expect(cIdentifier('_x')).toBe('_x');
    for (const name of Object.values(CALLBACKS).flatMap((s) => Object.keys(s))) expect(cIdentifier(name)).toBe(`${name}_`);
  });

  it('gives a re-assigned variable one C variable per kind: the line that re-assigns reads the old one', () => {
    const main = mainOf('x = SSL_CTX_new(TLS_method())\ny = SSL_new(x)\nx = SSL_CTX_get_timeout(x)\nSSL_free(y)\nexpect x == 7200\n');
    expect(main).toContain('SSL_CTX *x = NULL;');
    expect(main).toContain('long long x_int = 0;');
    expect(main).toContain('x_int = SSL_CTX_get_timeout(x);\n    x = NULL;  /* x is an integer from here on: x_int */');
    expect(main).toContain('SIM_EXPECT(5, "x == 7200", x_int == 7200);');
  });

  it('suffixes later kinds and keeps every C name unique', () => {
    const names = new CNames([
      { name: 'x', kind: 'ctx' },
      { name: 'x', kind: 'int' },
      { name: 'x_int', kind: 'session' },
      { name: 'x', kind: 'session' },
      { name: 'x', kind: 'int' },
      { name: 'read', kind: 'ssl' },
      { name: 'read_', kind: 'int' },
      { name: 'der', kind: 'der' },
      { name: 'der_len', kind: 'int' },
    ]);
    expect(names.of('x', 'ctx')).toBe('x');
    expect(names.of('x', 'int')).toBe('x_int');
    expect(names.of('x_int', 'session')).toBe('x_int_2');
    expect(names.of('x', 'session')).toBe('x_sess');
    expect(names.of('read', 'ssl')).toBe('read_');
    expect(names.of('read_', 'int')).toBe('read__2');
    expect(names.of('der', 'der')).toBe('der');
    expect(names.lengthOf('der')).toBe('der_len');
    expect(names.of('der_len', 'int')).toBe('der_len_2');
    expect(names.declarations.map((d) => d.name)).toEqual(['x', 'x_int', 'x_int_2', 'x_sess', 'read_', 'read__2', 'der', 'der_len_2']);
    expect(() => names.of('y', 'int')).toThrow(/no C variable/);
  });

  it('reads the definitions of a checked trace in order, with the `&der` outputs', () => {
    const t = checkTrace(parseTrace('s = SSL_SESSION_new()\nn = i2d_SSL_SESSION(s, &der)\ns = SSL_SESSION_get_time(s)\n', 't.trace'));
    expect(definitionsOf(t)).toEqual([
      { name: 's', kind: 'session' },
      { name: 'der', kind: 'der' },
      { name: 'n', kind: 'int' },
      { name: 's', kind: 'int' },
    ]);
  });
});

describe('C strings', () => {
  it('escapes quotes, backslashes and bytes that are not printable ASCII', () => {
    expect(cStringLiteral('abc')).toBe('"abc"');
    expect(cStringLiteral('a"b\\c')).toBe('"a\\"b\\\\c"');
    expect(cStringLiteral('\x00\x01\xff')).toBe('"\\x00\\x01\\xff"');
    expect(cStringLiteral('\n')).toBe('"\\x0a"');
  });

  it('ends the literal after a hex escape followed by a hex digit, and writes no trigraph', () => {
    expect(cStringLiteral('\x01a')).toBe('"\\x01" "a"');
    expect(cStringLiteral('\x01g')).toBe('"\\x01g"');
    expect(cStringLiteral('??=')).toBe('"?\\?="');
  });

  it('zero-pads to the length argument with a compound literal, else casts the literal', () => {
    expect(cBytes('abc', 3)).toBe('(const unsigned char *)"abc"');
    expect(cBytes('abc', 0)).toBe('(const unsigned char *)"abc"');
    expect(cBytes('abc', 32)).toBe('(const unsigned char[32]){"abc"}');
  });

  it('pads to the static length (at most 32, what libssl reads), or to 32 when only the run knows it', () => {
    const main = mainOf('s = SSL_SESSION_new()\nSSL_SESSION_set1_id(s, "ab", 5)\nSSL_SESSION_set1_id(s, "ab", 40)\nn = SSL_SESSION_get_timeout(s)\nSSL_SESSION_set1_id(s, "ab", n)\nSSL_SESSION_set1_id(s, NULL, 0)\nSSL_SESSION_free(s)\n');
    expect(main).toContain('SSL_SESSION_set1_id(s, (const unsigned char[5]){"ab"}, 5);');
    expect(main).toContain('SSL_SESSION_set1_id(s, (const unsigned char[32]){"ab"}, 40);');
    expect(main).toContain('SSL_SESSION_set1_id(s, (const unsigned char[32]){"ab"}, n);');
    expect(main).toContain('SSL_SESSION_set1_id(s, NULL, 0);');
  });
});

describe('C integer expressions', () => {
  it('writes literals as spelt, constants by name, time(NULL) and integer variables', () => {
    expect(cIntExpr(intExpr('0x200'), plain)).toBe('0x200');
    expect(cIntExpr(intExpr('-5'), plain)).toBe('-5');
    expect(cIntExpr(intExpr('SSL_SESS_CACHE_CLIENT | SSL_SESS_CACHE_NO_INTERNAL_STORE'), plain)).toBe('SSL_SESS_CACHE_CLIENT | SSL_SESS_CACHE_NO_INTERNAL_STORE');
    expect(cIntExpr(intExpr('time(NULL) + 5'), plain)).toBe('time(NULL) + 5');
    expect(cIntExpr(intExpr('n - 1', 'n = SSL_CTX_get_timeout(ctx)\n'), (n) => `${n}_int`)).toBe('n_int - 1');
  });

  it('keeps the trace\'s left-to-right order where C\'s precedence differs', () => {
    expect(cIntExpr(intExpr('1 | 2 + 3'), plain)).toBe('(1 | 2) + 3');
    expect(cIntExpr(intExpr('1 + 2 | 3'), plain)).toBe('1 + 2 | 3');
    expect(cIntExpr(intExpr('1 - 2 - 3'), plain)).toBe('1 - 2 - 3');
    expect(cIntExpr(intExpr('1 | 2 | 3 - 4'), plain)).toBe('(1 | 2 | 3) - 4');
  });

  it('makes large literals long long, so that a sum does not overflow int', () => {
    expect(cIntExpr(intExpr('2147483647 + 1'), plain)).toBe('2147483647LL + 1');
    expect(cIntExpr(intExpr('0xFFFFFFFF + 1'), plain)).toBe('0xFFFFFFFFLL + 1');
    expect(cIntExpr(intExpr('1000000'), plain)).toBe('1000000');
  });

  it('converts a constant its parameter cannot hold explicitly, as C would, without -Woverflow', () => {
    const t = checkTrace(parseTrace('s = SSL_SESSION_new()\nSSL_SESSION_set1_id(s, "abc", 4294967299)\nSSL_SESSION_set1_id(s, "abc", 3)\n', 't.trace'));
    const arg = (i: number) => {
      const s = t.steps[i]!;
      if (s.kind !== 'call') throw new Error('not a call');
      return s.statement.call.args[2]!;
    };
    expect(cIntArg(arg(1), 'SSL_SESSION_set1_id', 2, plain)).toBe('(unsigned int)(4294967299LL)');
    expect(cIntArg(arg(2), 'SSL_SESSION_set1_id', 2, plain)).toBe('3');
    expect(cIntArg(arg(1), 'SSL_SESSION_set_timeout', 1, plain)).toBe('4294967299LL');
  });
});

describe('comments', () => {
  it('cannot end early, nest, or hold a trigraph', () => {
    expect(commentText('a */ b /* c ??/')).toBe('a * / b / * c ? ?/');
  });
});

describe('the program', () => {
  const m02 = readFileSync('examples/misuse/m02-double-free.trace', 'utf8');

  it('declares the variables at the top of main with their C types, and starts the runtime', () => {
    const main = mainOf('cctx = SSL_CTX_new(TLS_client_method())\nc = SSL_new(cctx)\nn = i2d_SSL_SESSION(NULL, &der)\nx = SSL_CTX_get_timeout(cctx)\nx = SSL_get1_session(c)\n');
    expect(main).toMatch(
      /int main\(void\)\n\{\n {4}SSL_CTX \*cctx = NULL;\n {4}SSL \*c = NULL;\n {4}unsigned char \*der = NULL;\n {4}long long der_len = 0;\n {4}long long n = 0;\n {4}long long x = 0;\n {4}SSL_SESSION \*x_sess = NULL;\n/,
    );
    expect(main).toContain('sim_init("t.trace");');
    // Set and never read: -Wunused-but-set-variable would stop -Werror.
    expect(main).toContain('(void)n; (void)x; (void)x_sess;');
    expect(mainOf('s = SSL_SESSION_new()\ni2d_SSL_SESSION(s, &der)\nSSL_SESSION_free(s)\n')).toContain('(void)der_len;');
  });

  it('clears every handle at the end of main, and sim_finish empties the stores and scrubs the dead stack, so LeakSanitizer sees the leaks', () => {
    // scripts/emit-oracle.ts: a stale copy of a leaked pointer in main's frame (or a dead callee frame) hid the leak
    // (test/conform/emit-c/leak-behind-dead-stack.trace).
    const main = mainOf('cctx = SSL_CTX_new(TLS_client_method())\nc = SSL_new(cctx)\nn = i2d_SSL_SESSION(NULL, &der)\nx = SSL_CTX_get_timeout(cctx)\nx = SSL_get1_session(c)\n');
    expect(main).toMatch(/OPENSSL_free\(der\);\n {4}\/\* end of the trace: its handles go out of scope\. [^\n]*\*\/\n {4}cctx = NULL; c = NULL; x_sess = NULL;\n {4}return sim_finish\(\);\n\}\n$/);
    expect(mainOf('advance_time(10)\n')).not.toContain('end of the trace: its handles');
    // An integer that becomes a handle is not set to NULL (-Werror=int-conversion); a handle that becomes an integer is.
    const reused = mainOf('cctx = SSL_CTX_new(TLS_client_method())\nc = SSL_new(cctx)\nx = SSL_CTX_get_timeout(cctx)\nx = SSL_get1_session(c)\nc = SSL_CTX_get_timeout(cctx)\n');
    expect(reused).toContain('x_sess = SSL_get1_session(c);\n    /* t.trace:5');
    expect(reused).toContain('c_int = SSL_CTX_get_timeout(cctx);\n    c = NULL;');
    const expectC = runtimeSources().sources.find((s) => s.name === 'expect.c')!.text;
    expect(expectC).toMatch(/no_sanitize_address\)\) static void scrub_stack\(void\)/);
    // The external stores forget their pointers first (they are reachable from the registry): checker/118's leak.
    expect(expectC).toMatch(/int sim_finish\(void\)\n\{\n {4}sim_registry_forget_stores\(\);\n {4}scrub_stack\(\);/);
  });

  it('puts each line under a comment with the statement as written, and the calls as themselves', () => {
    const main = mainOf('cctx = SSL_CTX_new(TLS_client_method())  # the client\nSSL_CTX_sess_set_new_cb(cctx, new_cb_store)\nSSL_CTX_free(cctx);\n');
    expect(main).toContain('    /* t.trace:1: cctx = SSL_CTX_new(TLS_client_method())  # the client */\n    cctx = SSL_CTX_new(TLS_client_method());\n');
    expect(main).toContain('    /* t.trace:2: SSL_CTX_sess_set_new_cb(cctx, new_cb_store) */\n    SSL_CTX_sess_set_new_cb(cctx, new_cb_store);\n');
    expect(main).not.toContain('sim_use_certificate(cctx)'); // a client ctx gets no certificate
  });

  it('maps the pseudo-calls to the runtime, and gives every server-capable ctx the certificate', () => {
    const main = mainOf(
      'sctx = SSL_CTX_new(TLS_method())\ncctx = SSL_CTX_new(TLS_client_method())\nc = SSL_new(cctx)\ns = SSL_new(sctx)\nr = connect(c, s)\nr = handshake(c, s)\nr = read(c)\nadvance_time(10)\nt = time(NULL)\nSSL_CTX_set_timeout(sctx, time(NULL) + t)\nstore_free_all(cctx)\n',
    );
    expect(main).toContain('sctx = SSL_CTX_new(TLS_method());\n    sim_use_certificate(sctx);');
    for (const c of ['r = sim_connect(c, s);', 'r = sim_handshake(c, s);', 'r = sim_read(c);', 'sim_advance_time(10);', 't = time(NULL);', 'SSL_CTX_set_timeout(sctx, time(NULL) + t);', 'sim_store_free_all(cctx);']) {
      expect(main).toContain(c);
    }
  });

  it('writes i2d with a fresh buffer each time and d2i with a const cursor over a zero-padded copy, and frees the buffers at exit', () => {
    const main = mainOf('s = SSL_SESSION_new()\nn = i2d_SSL_SESSION(s, &der)\ncopy = d2i_SSL_SESSION(NULL, &der, n + 8)\nSSL_SESSION_free(copy)\nSSL_SESSION_free(s)\n');
    expect(main).toContain('OPENSSL_free(der);  /* a fresh buffer for each encoding */\n    der = NULL;\n    der_len = i2d_SSL_SESSION(s, &der);\n    n = der_len;');
    expect(main).toContain('unsigned char *sim_der = sim_der_copy(der, der_len, n + 8);');
    expect(main).toContain('const unsigned char *sim_cursor = sim_der;\n        copy = d2i_SSL_SESSION(NULL, &sim_cursor, n + 8);\n        free(sim_der);');
    expect(main).toMatch(/OPENSSL_free\(der\);\n {4}\/\* end of the trace: its handles [^\n]*\*\/\n {4}[^\n]*\n {4}return sim_finish\(\);\n\}/);
  });

  it('checks real calls, values and `stored`; observers libssl cannot answer become comments', () => {
    const main = mainOf(
      'cctx = SSL_CTX_new(TLS_client_method())\nSSL_CTX_sess_set_new_cb(cctx, new_cb_store)\ns = SSL_SESSION_new()\nexpect SSL_CTX_get_timeout(cctx) == 7200\nexpect refcount(s) == 1\nexpect stored(cctx, s) == 0\nexpect resumable(s) == 0\nexpect owner(s) == NULL\nSSL_SESSION_free(s)\nexpect resumable(s) == 0\nexpect SSL_CTX_set_options(cctx, 0) != -1\nexpect SSL_CTX_get_timeout(cctx) == SSL_CTX_set_timeout(cctx, 5)\nexpect SSL_CTX_add_session(cctx, s) == refcount(s)\n',
    );
    expect(main).toContain('SIM_EXPECT(4, "SSL_CTX_get_timeout(cctx) == 7200", SSL_CTX_get_timeout(cctx) == 7200);');
    expect(main).toContain('/* not checked: libssl has no public API for refcount; the model says it holds */');
    expect(main).toContain('SIM_EXPECT(6, "stored(cctx, s) == 0", sim_stored(cctx, s) == 0);');
    expect(main).toContain('SIM_EXPECT(7, "resumable(s) == 0", SSL_SESSION_is_resumable(s) == 0);');
    expect(main).toContain('/* not checked: libssl has no public API for owner; the model says it holds */');
    expect(main).toContain('/* not checked: the session is freed or NULL there, so SSL_SESSION_is_resumable cannot read it; the model says it holds */');
    // uint64_t against a signed value: both as long long, as the harness prints it.
    expect(main).toContain('(long long)(SSL_CTX_set_options(cctx, 0)) != (long long)(-1)');
    // Two calls: C would not sequence them, so left then right, as the model runs them.
    expect(main).toContain('{\n        long long sim_left = SSL_CTX_get_timeout(cctx);\n        long long sim_right = SSL_CTX_set_timeout(cctx, 5);\n        SIM_EXPECT(12,');
    // An unanswerable observer beside a call: the call still runs.
    expect(main).toContain('(void)SSL_CTX_add_session(cctx, s);');
  });

  it('parenthesizes a side joined by |, which C binds looser than == and !=', () => {
    const main = mainOf(
      'ctx = SSL_CTX_new(TLS_method())\nexpect SSL_CTX_get_options(ctx) == SSL_OP_NO_COMPRESSION | SSL_OP_ENABLE_MIDDLEBOX_COMPAT\nexpect 1 | 2 != SSL_CTX_get_timeout(ctx)\nexpect SSL_CTX_get_timeout(ctx) == 1 | 2 + 7197\n',
    );
    expect(main).toContain('SSL_CTX_get_options(ctx) == (SSL_OP_NO_COMPRESSION | SSL_OP_ENABLE_MIDDLEBOX_COMPAT));');
    expect(main).toContain('(1 | 2) != SSL_CTX_get_timeout(ctx));');
    // + binds tighter than == already; its | operand is parenthesized as before
    expect(main).toContain('SSL_CTX_get_timeout(ctx) == (1 | 2) + 7197);');
  });

  it('puts the checker\'s findings above the lines they concern, and marks where behaviour becomes undefined', () => {
    const program = unwrap(emitC(m02, 'examples/misuse/m02-double-free.trace'));
    const at = (s: string) => program.indexOf(s);
    const finding = at('/* sslsim: double-free: the application releases s1 (saved), which was already destroyed');
    expect(finding).toBeGreaterThan(0);
    expect(program).toMatch(/3\.0\.19: ASan reports attempting double-free/);
    expect(finding).toBeLessThan(at('/* m02-double-free.trace:30: SSL_SESSION_free(saved)'));
    expect(finding).toBeGreaterThan(at('/* m02-double-free.trace:29:'));
    expect(at('from line 30 on the model\'s behaviour is undefined')).toBeGreaterThan(finding);
    expect(program).toContain('/* the model reports double-free at line 30; libssl only shows its consequences */');
    // Lines after the undefined behaviour are still emitted.
    expect(program).toContain('SSL_CTX_free(sctx);');
  });

  it('puts the leaks found at the end of the trace before the exit', () => {
    const main = mainOf('s = SSL_SESSION_new()\n');
    expect(main).toMatch(/\/\* sslsim: leak: [^\n]*\*\/\n {4}\/\* end of the trace: its handles [^\n]*\*\/\n {4}s = NULL;\n {4}return sim_finish\(\);/);
  });

  it('inlines the runtime: the header before main, each file after it, without its own include', () => {
    const program = emitC(m02, 'm02.trace');
    const { sources } = runtimeSources();
    expect(sources.map((s) => s.name)).toEqual(['callbacks.c', 'cert.c', 'clock.c', 'conn.c', 'der.c', 'expect.c', 'registry.c', 'store.c', 'util.c']);
    expect(program.indexOf('#define SIM_CLOCK_START')).toBeLessThan(program.indexOf('int main(void)'));
    for (const s of sources) expect(program.indexOf(`/* ---- conformance/runtime/${s.name} ---- */`)).toBeGreaterThan(program.indexOf('int main(void)'));
    expect(program).not.toContain('#include "runtime.h"');
  });

  it('starts the clock where the model does', () => {
    expect(runtimeSources().header).toContain(`#define SIM_CLOCK_START ${CLOCK_START}\n`);
  });

  it('is deterministic', () => {
    expect(emitC(m02, 'examples/misuse/m02-double-free.trace')).toBe(emitC(m02, 'examples/misuse/m02-double-free.trace'));
  });
});

describe('sslsim emit-c', () => {
  it('writes the program to stdout, the same bytes each time', () => {
    const a = cli('emit-c', 'examples/misuse/m02-double-free.trace');
    expect(a.status).toBe(0);
    expect(a.stderr).toBe('');
    expect(a.stdout).toContain('int main(void)');
    expect(cli('emit-c', 'examples/misuse/m02-double-free.trace').stdout).toBe(a.stdout);
  });

  it('exits 2 for a file it cannot read, with nothing on stdout', () => {
    const r = cli('emit-c', 'no-such.trace');
    expect(r.status).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(/^no-such.trace: cannot read: ENOENT/);
  });

  it('reports a trace that does not check, or that the model refuses, as sslsim run does: file:line:col, exit 2, nothing on stdout', () => {
    const dir = mkdtempSync(join(tmpdir(), 'emit-c-unit-'));
    try {
      for (const [text, message] of [
        ['c = SSL_new(ctx)\n', 't.trace:1:13: unknown handle ctx'],
        ['ctx = SSL_CTX_new(TLS_method())\nc = SSL_new(ctx)\nconnect(c, c)\n', 't.trace:3:'],
      ] as const) {
        const file = join(dir, 't.trace');
        writeFileSync(file, text);
        const r = cli('emit-c', file);
        expect(r.status).toBe(2);
        expect(r.stdout).toBe('');
        expect(r.stderr).toContain(`${dir}/${message}`);
        expect(r.stderr).toBe(cli('run', file).stderr);
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('is in the usage', () => {
    expect(cli('--help').stdout).toContain('sslsim emit-c FILE');
  });
});
