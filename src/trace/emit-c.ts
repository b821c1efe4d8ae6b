/**
 * `sslsim emit-c`: a trace as one self-contained C11 program against the real
 * libssl, so that AddressSanitizer shows the misuse the checker names.
 *
 * main() has one block per trace line, each under a comment with the line as
 * written; real OpenSSL calls appear as themselves. What is not an OpenSSL
 * function (connect, handshake, read, advance_time, store_free_all, the named
 * callbacks, the simulated time()) is the runtime of conformance/runtime/,
 * which the conformance harness compiles too: the program inlines those files,
 * so the C a user reads is the C the harness runs.
 *
 * The model runs the trace first: its diagnostics become comments above the
 * lines they concern, and observers libssl cannot answer (refcount, freed,
 * cached, owner) become comments with the model's expectation.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import type { Expr } from './ast.ts';
import type { ArgKind } from './catalogue.ts';
import { CALLBACKS, CONSTANTS } from './catalogue.ts';
import { checkTrace, type CheckedTrace, type ExpectSide, type Step, type ValueKind } from './check.ts';
import { parseTrace } from './parser.ts';
import { Runner, type RunResult, type StepRecord } from '../run/runner.ts';
import { conformanceDir } from '../conform/harness.ts';
import type { Diagnostic } from '../world/diagnostics.ts';

type CallExpr = Extract<Expr, { kind: 'call' }>;
type HandleKind = 'ctx' | 'ssl' | 'session';

/** The C type of a variable of each kind. */
export const C_TYPES: Readonly<Record<ValueKind, string>> = {
  ctx: 'SSL_CTX *',
  ssl: 'SSL *',
  session: 'SSL_SESSION *',
  int: 'long long ',
  der: 'unsigned char *',
};

/** The suffix of a variable's C name for a kind other than its first (`x`, then `x_int`). */
const KIND_SUFFIX: Readonly<Record<ValueKind, string>> = { ctx: 'ctx', ssl: 'ssl', session: 'sess', int: 'int', der: 'der' };

/** A kind in a sentence. */
const KIND_NOUN: Readonly<Record<ValueKind, string>> = { ctx: 'an SSL_CTX', ssl: 'an SSL', session: 'an SSL_SESSION', int: 'an integer', der: 'a DER encoding' };

/** The pseudo-calls, as the runtime's functions (conformance/runtime/runtime.h). */
const PSEUDO_C: Readonly<Record<string, string>> = {
  connect: 'sim_connect',
  handshake: 'sim_handshake',
  read: 'sim_read',
  advance_time: 'sim_advance_time',
  time: 'time',
  store_free_all: 'sim_store_free_all',
};

const C_KEYWORDS = [
  'auto', 'break', 'case', 'char', 'const', 'continue', 'default', 'do', 'double', 'else', 'enum', 'extern', 'float', 'for', 'goto',
  'if', 'inline', 'int', 'long', 'register', 'restrict', 'return', 'short', 'signed', 'sizeof', 'static', 'struct', 'switch',
  'typedef', 'union', 'unsigned', 'void', 'volatile', 'while', '_Alignas', '_Alignof', '_Atomic', '_Bool', '_Complex', '_Generic',
  '_Imaginary', '_Noreturn', '_Static_assert', '_Thread_local',
  // Keywords of other dialects and the <stdbool.h>/<stdalign.h>/<stdnoreturn.h> macros a reader may add.
  'asm', 'typeof', 'bool', 'true', 'false', 'alignas', 'alignof', 'noreturn', 'static_assert', 'thread_local', 'complex', 'imaginary',
];

/**
 * Names main() uses or that the headers may define as macros: a trace
 * variable with one of these names is renamed (`read` becomes `read_`).
 */
const PROGRAM_NAMES = [
  'main', 'time', 'free', 'malloc', 'calloc', 'realloc', 'exit', 'abort', 'printf', 'fprintf', 'stdin', 'stdout', 'stderr', 'errno',
  'assert', 'offsetof', 'getc', 'putc', 'getchar', 'putchar', 'va_start', 'va_end', 'va_arg', 'va_copy', 'die', 'xmalloc', 'xrealloc',
  ...Object.keys(PSEUDO_C),
  ...Object.values(CALLBACKS).flatMap((slot) => Object.keys(slot)),
];

const RESERVED = new Set([...C_KEYWORDS, ...PROGRAM_NAMES]);

/**
 * Prefixes of OpenSSL's and the runtime's identifiers (functions, and macros
 * that a variable of the same name would break), and of the identifiers C
 * reserves (`__x`, `_X`); an all-capitals name may be a macro too.
 */
const RESERVED_PATTERN =
  /^(?:SSL|TLS|DTLS|OPENSSL|OSSL|ossl|X509|EVP|BIO|ERR|CRYPTO|ASN1|PEM|BN|RSA|EC|OBJ|RAND|sk|lh|sim|SIM|i2d|d2i)_|^(?:TLS|DTLS|SSL)\w*|^Sim[A-Z]|^__|^_[A-Z]|^[A-Z0-9_]+$/;

/** A trace variable's name as a C identifier that clashes with nothing the program uses. */
export function cIdentifier(name: string): string {
  if (/^_[A-Z_]/.test(name)) return `v${name}`;
  return RESERVED.has(name) || RESERVED_PATTERN.test(name) ? `${name}_` : name;
}

/**
 * The C variables of a trace: one per (trace variable, kind), the first kind
 * under the variable's own name, the others suffixed (`x`, `x_int`); a `der`
 * variable also gets its length (`der_len`). Every name is unique.
 */
export class CNames {
  private readonly byVar = new Map<string, Map<ValueKind, string>>();
  private readonly lengths = new Map<string, string>();
  /** The declarations in order of first definition: C name and kind. */
  readonly declarations: { readonly name: string; readonly kind: ValueKind }[] = [];
  private readonly used = new Set<string>();

  constructor(definitions: Iterable<{ readonly name: string; readonly kind: ValueKind }>) {
    for (const d of definitions) this.define(d.name, d.kind);
  }

  /** The C name of `name` while it has kind `kind`. */
  of(name: string, kind: ValueKind): string {
    const c = this.byVar.get(name)?.get(kind);
    if (c === undefined) throw new Error(`emit-c: no C variable for ${name} as ${kind}`);
    return c;
  }

  /** The length variable of a `der` variable's C name. */
  lengthOf(cName: string): string {
    return this.lengths.get(cName)!;
  }

  private define(name: string, kind: ValueKind): void {
    let kinds = this.byVar.get(name);
    if (kinds === undefined) this.byVar.set(name, (kinds = new Map()));
    if (kinds.has(kind)) return;
    const base = kinds.size === 0 ? cIdentifier(name) : `${cIdentifier(name)}_${KIND_SUFFIX[kind]}`;
    const free = (c: string) => !this.used.has(c) && (kind !== 'der' || !this.used.has(`${c}_len`));
    let c = base;
    for (let n = 2; !free(c); n++) c = `${base}_${n}`;
    this.used.add(c);
    kinds.set(kind, c);
    this.declarations.push({ name: c, kind });
    if (kind === 'der') {
      this.used.add(`${c}_len`);
      this.lengths.set(c, `${c}_len`);
    }
  }
}

/** Every (variable, kind) a trace defines, in order: the input of CNames. */
export function definitionsOf(checked: CheckedTrace): { name: string; kind: ValueKind }[] {
  return checked.steps.flatMap((s) => (s.kind === 'call' ? s.defines : []));
}

/** A C string literal for these bytes (one char per byte, as the lexer keeps them). */
export function cStringLiteral(bytes: string): string {
  let out = '"';
  let afterHex = false;
  for (let i = 0; i < bytes.length; i++) {
    const b = bytes.charCodeAt(i) & 0xff;
    const ch = String.fromCharCode(b);
    const isHexDigit = /[0-9A-Fa-f]/.test(ch);
    // A hex escape swallows every hex digit after it: end the literal there and start another.
    if (afterHex && isHexDigit) out += '" "';
    afterHex = false;
    if (ch === '"' || ch === '\\') out += `\\${ch}`;
    else if (ch === '?' && out.endsWith('?')) out += '\\?'; // no trigraphs (`??=`) under -std=c11
    else if (b >= 0x20 && b < 0x7f) out += ch;
    else {
      out += `\\x${b.toString(16).padStart(2, '0')}`;
      afterHex = true;
    }
  }
  return `${out}"`;
}

/**
 * A byte-string argument: the literal as `const unsigned char *`, zero-padded
 * to `padTo` bytes when that is longer (a compound literal of that size: C
 * fills the rest with zeros, as the model and the harness read them, F31).
 */
export function cBytes(bytes: string, padTo: number): string {
  const lit = cStringLiteral(bytes);
  return padTo > bytes.length ? `(const unsigned char[${padTo}]){${lit}}` : `(const unsigned char *)${lit}`;
}

/** Magnitudes from here on are written `LL`: a sum of two int literals may not overflow int as C computes it. */
const LONG_LITERAL = 2 ** 30;

/**
 * An integer expression of the trace in C. The trace's operators share one
 * precedence, left to right; C's `|` binds looser than `+` and `-`, so a `|`
 * on the left of `+`/`-` is parenthesised.
 */
export function cIntExpr(e: Expr, intVar: (name: string) => string): string {
  switch (e.kind) {
    case 'int':
      return Math.abs(e.value) >= LONG_LITERAL ? `${e.text}LL` : e.text;
    case 'const':
      return e.name;
    case 'var':
      return intVar(e.name);
    case 'call':
      return 'time(NULL)';
    case 'binary': {
      const left = cIntExpr(e.left, intVar);
      const l = e.left.kind === 'binary' && e.left.op === '|' && e.op !== '|' ? `(${left})` : left;
      return `${l} ${e.op} ${cIntExpr(e.right, intVar)}`;
    }
    default:
      throw new Error(`emit-c: ${e.kind} is not an integer expression`);
  }
}

/** Does the expression have an unsigned 64-bit C type (an SSL_OP_* constant, uint64_t)? */
function unsignedExpr(e: Expr): boolean {
  if (e.kind === 'const') return e.name.startsWith('SSL_OP_');
  if (e.kind === 'binary') return unsignedExpr(e.left) || unsignedExpr(e.right);
  return false;
}

/** The value of an integer expression when it needs no variable and no clock; else null. */
function staticInt(e: Expr): number | null {
  switch (e.kind) {
    case 'int':
      return e.value;
    case 'const':
      return CONSTANTS.get(e.name) ?? null;
    case 'binary': {
      const l = staticInt(e.left);
      const r = staticInt(e.right);
      if (l === null || r === null) return null;
      return e.op === '|' ? Number(BigInt(l) | BigInt(r)) : e.op === '+' ? l + r : l - r;
    }
    default:
      return null;
  }
}

/**
 * The C type of the integer parameters whose range is narrower than the
 * trace's integers (conformance/src/worker.c converts the same way): a
 * constant out of that range is converted explicitly, as C would implicitly,
 * without gcc's -Woverflow.
 */
const NARROW_PARAMS: Readonly<Record<string, Readonly<Record<number, string>>>> = {
  SSL_SESSION_set1_id: { 2: 'unsigned int' },
  SSL_SESSION_set1_id_context: { 2: 'unsigned int' },
  SSL_set_session_id_context: { 2: 'unsigned int' },
  SSL_CTX_set_session_id_context: { 2: 'unsigned int' },
  SSL_set_shutdown: { 1: 'int' },
  SSL_CTX_set_options: { 1: 'uint64_t' },
  SSL_CTX_clear_options: { 1: 'uint64_t' },
  SSL_CTX_set_num_tickets: { 1: 'size_t' },
  SSL_CTX_set_max_early_data: { 1: 'uint32_t' },
  SSL_CTX_set_min_proto_version: { 1: 'int' },
  SSL_CTX_set_max_proto_version: { 1: 'int' },
};

/** The range of each narrow parameter type. */
const RANGES: Readonly<Record<string, readonly [number, number]>> = {
  int: [-(2 ** 31), 2 ** 31 - 1],
  'unsigned int': [0, 2 ** 32 - 1],
  uint32_t: [0, 2 ** 32 - 1],
  uint64_t: [0, Number.MAX_SAFE_INTEGER],
  size_t: [0, Number.MAX_SAFE_INTEGER],
};

/** An integer argument, converted explicitly when it is a constant its parameter's type cannot hold. */
export function cIntArg(e: Expr, fn: string, index: number, intVar: (name: string) => string): string {
  const c = cIntExpr(e, intVar);
  const type = NARROW_PARAMS[fn]?.[index];
  const value = staticInt(e);
  if (type === undefined || value === null) return c;
  const [lo, hi] = RANGES[type]!;
  return value < lo || value > hi ? `(${type})(${c})` : c;
}

/** libssl reads at most this many bytes of an id or id context (it refuses a longer length). */
const MAX_ID = 32;

/** Text safe inside a C comment: no `*\/` or `/*`, no trigraphs. */
export function commentText(text: string): string {
  return text.replace(/\*\//g, '* /').replace(/\/\*/g, '/ *').replace(/\?\?/g, '? ?');
}

/** Text as a C string literal (ASCII; any other byte escaped). */
function cText(text: string): string {
  return cStringLiteral(Buffer.from(text, 'utf8').toString('latin1'));
}

/** A comment of one or more lines, wrapped at about 100 columns, at this indentation. */
function comment(text: string, indent: string): string[] {
  const safe = commentText(text).trimEnd();
  if (indent.length + 6 + safe.length <= 100 && !safe.includes('\n')) return [safe.trim() === '' ? `${indent}/* */` : `${indent}/* ${safe} */`];
  const words = safe.split(/\s+/).filter((w) => w !== '');
  const lines: string[] = [];
  let line = '';
  for (const w of words) {
    if (line !== '' && indent.length + 3 + line.length + 1 + w.length > 100) {
      lines.push(line);
      line = w;
    } else line = line === '' ? w : `${line} ${w}`;
  }
  lines.push(line);
  if (lines.length === 1) return [`${indent}/* ${lines[0]} */`];
  return [`${indent}/* ${lines[0]}`, ...lines.slice(1).map((l) => `${indent} * ${l}`), `${indent} */`];
}

/** The runtime's files as the program inlines them: the header first, then each .c (sorted), without their `#include "runtime.h"`. */
export function runtimeSources(dir = join(conformanceDir(), 'runtime')): { header: string; sources: { name: string; text: string }[] } {
  const strip = (text: string) => text.replace(/^#include "runtime\.h"\n/m, '');
  const header = readFileSync(join(dir, 'runtime.h'), 'utf8');
  const sources = readdirSync(dir)
    .filter((f) => f.endsWith('.c'))
    .sort()
    .map((name) => ({ name, text: strip(readFileSync(join(dir, name), 'utf8')) }));
  return { header, sources };
}

/** The result of one call in C: statements before it, the expression, statements after it. */
interface CCall {
  readonly pre: readonly string[];
  readonly expr: string;
  readonly post: readonly string[];
}

/**
 * Emits the C program for a trace's text.
 *
 * @throws TraceError when the trace does not parse, check or run (as `sslsim run` reports it).
 */
export function emitC(text: string, file: string): string {
  const checked = checkTrace(parseTrace(text, file));
  const result = new Runner(checked).run();
  return new Emitter(checked, result, runtimeSources()).program();
}

class Emitter {
  private readonly names: CNames;
  private readonly file: string;
  /** Each variable's kind at the step being emitted. */
  private readonly kinds = new Map<string, ValueKind>();
  /** C variables some line reads (the others get `(void)x;`, for -Wunused-but-set-variable). */
  private readonly read = new Set<string>();
  private readonly recordOf = new Map<number, StepRecord>();

  constructor(
    private readonly checked: CheckedTrace,
    private readonly result: RunResult,
    private readonly runtime: ReturnType<typeof runtimeSources>,
  ) {
    this.names = new CNames(definitionsOf(checked));
    this.file = basename(checked.file);
    const textOf = new Map(checked.steps.map((s) => [s.line, s.text]));
    for (const r of result.records) if (!this.recordOf.has(r.line) && textOf.get(r.line) === r.call) this.recordOf.set(r.line, r);
  }

  program(): string {
    const body = this.main();
    const decls = this.names.declarations.flatMap(({ name, kind }) => {
      const init = kind === 'int' ? '0' : 'NULL';
      const d = [`    ${C_TYPES[kind]}${name} = ${init};`];
      if (kind === 'der') d.push(`    long long ${this.names.lengthOf(name)} = 0;`);
      return d;
    });
    const declared = this.names.declarations.flatMap((d) => (d.kind === 'der' ? [d.name, this.names.lengthOf(d.name)] : [d.name]));
    const unread = declared.filter((name) => !this.read.has(name));
    const out = [
      ...comment(
        `Generated by \`sslsim emit-c ${this.file}\` (ssl-session-sim): the trace as a C11 program against the real libssl 3.0.` +
          ` Build and run: gcc -std=c11 -g -fsanitize=address t.c -lssl -lcrypto && ./a.out` +
          ` -- exit status 1 when an expect line fails; AddressSanitizer and LeakSanitizer report the misuse.` +
          ` main() follows the trace line by line; the runtime after it (conformance/runtime/, shared with the conformance harness)` +
          ` gives connect, handshake, read, the simulated clock, the server certificate, the named callbacks and their store.`,
        '',
      ),
      '',
      '/* ---- conformance/runtime/runtime.h ---- */',
      '',
      this.runtime.header.trimEnd(),
      '',
      'int main(void)',
      '{',
      ...decls,
      ...(unread.length > 0 ? ['', `    /* set by the trace, never read: */`, `    ${unread.map((n) => `(void)${n};`).join(' ')}`] : []),
      ...(decls.length > 0 ? [''] : []),
      `    sim_init(${cText(this.file)});`,
      ...body,
      '}',
      ...this.runtime.sources.flatMap((s) => ['', `/* ---- conformance/runtime/${s.name} ---- */`, '', s.text.trimEnd()]),
      '',
    ];
    return out.join('\n');
  }

  private main(): string[] {
    const out: string[] = [];
    const stepOf = new Map(this.checked.steps.map((s) => [s.line, s]));
    const ub = this.result.undefinedSince;
    let ubNoted = false;
    // The trace's comment lines, one C comment for each run of them, their lines kept.
    let notes: string[] = [];
    const flushNotes = () => {
      if (notes.length === 1) out.push(...comment(notes[0]!, '    '));
      else if (notes.length > 1) {
        const [first, ...rest] = notes.map((n) => commentText(n.trimEnd()));
        out.push(`    /* ${first}`, ...rest.map((n) => (n === '' ? '     *' : `     * ${n}`)), '     */');
      }
      notes = [];
    };
    for (const line of this.checked.trace.lines) {
      const step = stepOf.get(line.line);
      if (step === undefined) {
        if (line.comment !== null) notes.push(line.comment);
        else {
          flushNotes();
          out.push('');
        }
        continue;
      }
      flushNotes();
      if (ub !== null && !ubNoted && step.line > ub) {
        ubNoted = true;
        out.push(...comment(`sslsim: from line ${ub} on the model's behaviour is undefined: what follows may do anything on real libssl.`, '    '));
      }
      const record = this.recordOf.get(step.line);
      for (const d of record?.diagnostics ?? []) out.push(...comment(diagnosticText(d), '    '));
      const trailing = line.comment !== null ? `  # ${line.comment.trim()}` : '';
      out.push(...comment(`${this.file}:${step.line}: ${step.text}${trailing}`, '    '));
      out.push(...this.step(step, record).map((l) => `    ${l}`));
    }
    flushNotes();
    const end = this.result.records.find((r) => r.call === '(end of trace)');
    const ders = this.names.declarations.filter((d) => d.kind === 'der');
    out.push('');
    for (const d of end?.diagnostics ?? []) out.push(...comment(diagnosticText(d), '    '));
    if (ders.length > 0) {
      out.push(...comment('end of the trace: the DER buffers i2d_SSL_SESSION allocated (the trace cannot free them)', '    '));
      for (const d of ders) out.push(`    OPENSSL_free(${d.name});`);
    }
    out.push('    return sim_finish();');
    return out;
  }

  private step(step: Step, record: StepRecord | undefined): string[] {
    switch (step.kind) {
      case 'call':
        return this.callStatement(step);
      case 'expect':
        return this.expect(step, record);
      case 'expect-diagnostic': {
        const at = this.checked.steps[step.call]!;
        return comment(`the model reports ${step.diagnostic} at line ${at.line}; libssl only shows its consequences`, '');
      }
    }
  }

  private callStatement(step: Extract<Step, { kind: 'call' }>): string[] {
    const e = step.statement.call;
    const target = step.statement.assign;
    if (e.name === 'i2d_SSL_SESSION') {
      const session = this.arg(e.args[0]!, 'session?');
      const der = this.use(this.names.of((e.args[1] as { name: string }).name, 'der'));
      const len = this.names.lengthOf(der);
      const out = [
        `OPENSSL_free(${der});  /* a fresh buffer for each encoding */`,
        `${der} = NULL;`,
        `${len} = i2d_SSL_SESSION(${session}, &${der});`,
      ];
      const cleared = this.define(step);
      if (target !== null) out.push(`${this.names.of(target.name, 'int')} = ${this.use(len)};`);
      return [...out, ...cleared];
    }
    const call = this.call(e, step.spec.args);
    const cleared = this.define(step);
    if (target === null) return [...call.pre, `${call.expr};`, ...call.post];
    const c = this.names.of(target.name, step.spec.returns as ValueKind);
    const lines = [...call.pre, `${c} = ${call.expr};`, ...call.post];
    if (e.name === 'SSL_CTX_new' && serverCapable(e)) lines.push(`sim_use_certificate(${this.use(c)});  /* it may act as a server */`);
    return [...(call.pre.length > 0 ? ['{', ...lines.map((l) => `    ${l}`), '}'] : lines), ...cleared];
  }

  /**
   * Binds the step's definitions: later lines read the variables with their
   * new kinds. A handle variable that takes another kind is set to NULL: in
   * the trace its pointer is gone, so LeakSanitizer must not find it in main's
   * frame either. (A DER buffer stays, to be freed at exit.)
   */
  private define(step: Extract<Step, { kind: 'call' }>): string[] {
    const out: string[] = [];
    for (const d of step.defines) {
      const old = this.kinds.get(d.name);
      if (old !== undefined && old !== d.kind && old !== 'der') {
        const c = this.names.of(d.name, old);
        out.push(`${c} = NULL;  /* ${d.name} is ${KIND_NOUN[d.kind]} from here on: ${this.names.of(d.name, d.kind)} */`);
      }
      this.kinds.set(d.name, d.kind);
    }
    return out;
  }

  /** A call as C (its arguments read with the variables' current kinds); `sim_use_certificate` is the statement's business. */
  private call(e: CallExpr, kinds: readonly ArgKind[]): CCall {
    if (e.name === 'd2i_SSL_SESSION') {
      const der = this.use(this.names.of((e.args[1] as { name: string }).name, 'der'));
      const n = this.arg(e.args[2]!, 'int');
      return {
        pre: [
          `unsigned char *sim_der = sim_der_copy(${der}, ${this.use(this.names.lengthOf(der))}, ${n});  /* zeros past the encoding */`,
          'const unsigned char *sim_cursor = sim_der;',
        ],
        expr: `d2i_SSL_SESSION(NULL, &sim_cursor, ${n})`,
        post: ['free(sim_der);'],
      };
    }
    const args = e.args.map((a, i) => this.arg(a, kinds[i] ?? 'int', e.args, i, e.name));
    const expr = `${PSEUDO_C[e.name] ?? e.name}(${args.join(', ')})`;
    return { pre: [], expr, post: [] };
  }

  private arg(a: Expr, want: ArgKind, all: readonly Expr[] = [], index = 0, fn = ''): string {
    switch (want) {
      case 'int':
        return cIntArg(a, fn, index, (name) => this.use(this.names.of(name, 'int')));
      case 'bytes':
      case 'bytes?': {
        if (a.kind !== 'string') return 'NULL';
        const length = all[index + 1];
        const n = length === undefined ? null : staticInt(length);
        // Unknown until run time: pad to the most libssl reads.
        const pad = n === null ? MAX_ID : Math.min(Math.max(n, 0), MAX_ID);
        return cBytes(a.value, pad);
      }
      case 'method':
        return a.kind === 'call' ? `${a.name}()` : 'NULL';
      case 'new-cb':
      case 'remove-cb':
      case 'get-cb':
        return a.kind === 'var' ? a.name : 'NULL';
      case 'null':
        return 'NULL';
      default:
        if (a.kind === 'var') return this.use(this.names.of(a.name, this.kinds.get(a.name)!));
        return 'NULL';
    }
  }

  private use(c: string): string {
    this.read.add(c);
    return c;
  }

  private expect(step: Extract<Step, { kind: 'expect' }>, record: StepRecord | undefined): string[] {
    const model = record?.expect;
    const verdict = model === undefined ? 'the model does not get there' : model.ok ? 'the model says it holds' : `the model says it fails (${String(model.left)}, not ${String(model.right)})`;
    const sides = [step.left, step.right];
    const unanswerable = sides.find((s) => s.form === 'observer' && !this.observable(s, record));
    const calls = sides.filter((s) => s.form === 'call');
    if (unanswerable !== undefined) {
      const name = unanswerable.expr.kind === 'call' ? unanswerable.expr.name : '';
      const why =
        name === 'resumable'
          ? 'the session is freed or NULL there, so SSL_SESSION_is_resumable cannot read it'
          : `libssl has no public API for ${name}`;
      const note = comment(`not checked: ${why}; ${verdict}`, '');
      if (calls.length === 0) return note;
      // The call still runs, for its effects.
      return [...note, ...calls.flatMap((s) => this.sideStatements(s, null))];
    }
    const left = this.sideValue(step.left);
    const right = this.sideValue(step.right);
    const both = left.call !== null && right.call !== null;
    const statements = (left.call?.pre.length ?? 0) > 0 || (right.call?.pre.length ?? 0) > 0;
    if (!both && !statements) return [this.check(step, left.expr, right.expr, left.unsigned, right.unsigned)];
    // Two calls (C would not sequence them) or a d2i (it needs statements): each call into a variable first, left to right.
    const l = left.call !== null ? this.sideStatements(step.left, 'sim_left') : [];
    const r = right.call !== null ? this.sideStatements(step.right, 'sim_right') : [];
    const check = this.check(step, left.call !== null ? 'sim_left' : left.expr, right.call !== null ? 'sim_right' : right.expr, left.unsigned, right.unsigned);
    return ['{', ...[...l, ...r, check].map((x) => `    ${x}`), '}'];
  }

  /** `SIM_EXPECT(line, "text", left == right)`, with both sides as signed 64 bits when only one is unsigned. */
  private check(step: Extract<Step, { kind: 'expect' }>, left: string, right: string, lu: boolean, ru: boolean): string {
    const cast = lu !== ru;
    const l = cast ? `(long long)(${left})` : left;
    const r = cast ? `(long long)(${right})` : right;
    return `SIM_EXPECT(${step.line}, ${cText(step.text.replace(/^expect /, ''))}, ${l} ${step.statement.op} ${r});`;
  }

  /** Can the program check this observer? `stored` always (our store); `resumable` on a live session. */
  private observable(side: ExpectSide, record: StepRecord | undefined): boolean {
    if (side.form !== 'observer') return true;
    const name = side.expr.name;
    if (name === 'stored') return true;
    if (name !== 'resumable') return false;
    const arg = side.expr.args[0];
    const id = arg?.kind === 'var' ? record?.state.handles[arg.name] : undefined;
    return typeof id === 'string' && record?.state.sessions[id]?.freed === false;
  }

  /** One side of an expect as a C expression (a call's statements, if it has some, are in `call`). */
  private sideValue(side: ExpectSide): { expr: string; call: CCall | null; unsigned: boolean } {
    if (side.form === 'observer') {
      const args = side.expr.args.map((a) => this.arg(a, 'ctx'));
      const fn = side.expr.name === 'stored' ? 'sim_stored' : 'SSL_SESSION_is_resumable';
      return { expr: `${fn}(${args.join(', ')})`, call: null, unsigned: false };
    }
    if (side.form === 'call') {
      const call = this.call(side.expr, side.spec.args);
      const expr = side.expr.name === 'SSL_CTX_new' && serverCapable(side.expr) ? `sim_use_certificate(${call.expr})` : call.expr;
      const unsigned = side.expr.name === 'SSL_CTX_set_options' || side.expr.name === 'SSL_CTX_clear_options';
      return { expr, call: { ...call, expr }, unsigned };
    }
    const e = side.expr;
    if (e.kind === 'null') return { expr: 'NULL', call: null, unsigned: false };
    if (e.kind === 'var') {
      const kind = this.kinds.get(e.name)!;
      if (kind !== 'int') return { expr: this.use(this.names.of(e.name, kind)), call: null, unsigned: false };
    }
    return { expr: cIntExpr(e, (name) => this.use(this.names.of(name, 'int'))), call: null, unsigned: unsignedExpr(e) };
  }

  /** A call side's statements, its value in `into` (declared here) or dropped. */
  private sideStatements(side: ExpectSide, into: string | null): string[] {
    if (side.form !== 'call') return [];
    const v = this.sideValue(side);
    const call = v.call!;
    const type = side.type === 'int' || side.type === 'null' ? 'long long ' : C_TYPES[side.type as HandleKind];
    const bind = into === null ? `(void)${call.expr};` : `${type}${into} = ${call.expr};`;
    const lines = [...call.pre, bind, ...call.post];
    return call.pre.length > 0 && into === null ? ['{', ...lines.map((l) => `    ${l}`), '}'] : lines;
  }
}

/** A context made with TLS_method() or TLS_server_method() gets the certificate, as the harness gives it. */
function serverCapable(e: CallExpr): boolean {
  const m = e.args[0];
  return !(m?.kind === 'call' && m.name === 'TLS_client_method');
}

/** `sslsim: double-free: <message>. 3.0.19: <what happens later>` */
export function diagnosticText(d: Diagnostic): string {
  const kind = d.severity === 'warning' ? `${d.kind} (warning)` : d.kind;
  const cause = d.cause !== null ? ` (line ${d.cause.line}: ${d.cause.what})` : '';
  return `sslsim: ${kind}: ${d.message}${cause}. 3.0.19: ${d.consequence}`;
}

