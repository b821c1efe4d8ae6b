/**
 * C text for `sslsim emit-c` (emit-c.ts): string literals, integer
 * expressions and arguments, comments. Each keeps the trace's meaning where C
 * would read the same characters differently (precedence, int overflow,
 * hex escapes, trigraphs, `*\/` in a comment).
 */
import type { Expr } from './ast.ts';
import { CONSTANTS } from './catalogue.ts';

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
export function unsignedExpr(e: Expr): boolean {
  if (e.kind === 'const') return e.name.startsWith('SSL_OP_');
  if (e.kind === 'binary') return unsignedExpr(e.left) || unsignedExpr(e.right);
  return false;
}

/** The value of an integer expression when it needs no variable and no clock; else null. */
export function staticInt(e: Expr): number | null {
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
  SSL_set_options: { 1: 'uint64_t' },
  SSL_clear_options: { 1: 'uint64_t' },
  SSL_set_num_tickets: { 1: 'size_t' },
  SSL_set_max_early_data: { 1: 'uint32_t' },
  SSL_set_min_proto_version: { 1: 'int' },
  SSL_set_max_proto_version: { 1: 'int' },
  SSL_set_quiet_shutdown: { 1: 'int' },
  SSL_CTX_set_quiet_shutdown: { 1: 'int' },
};

/** Functions whose result is unsigned (uint64_t options, an unsigned long hint): an expect compares them as signed 64 bits. */
export const UNSIGNED_RESULTS: ReadonlySet<string> = new Set([
  'SSL_CTX_set_options',
  'SSL_CTX_clear_options',
  'SSL_CTX_get_options',
  'SSL_set_options',
  'SSL_clear_options',
  'SSL_get_options',
  'SSL_SESSION_get_ticket_lifetime_hint',
  'SSL_CTX_get_num_tickets',
  'SSL_get_num_tickets',
  'SSL_CTX_get_max_early_data',
  'SSL_get_max_early_data',
]);

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
export const MAX_ID = 32;

/** Text safe inside a C comment: no `*\/` or `/*`, no trigraphs. */
export function commentText(text: string): string {
  return text.replace(/\*\//g, '* /').replace(/\/\*/g, '/ *').replace(/\?\?/g, '? ?');
}

/** Text as a C string literal (ASCII; any other byte escaped). */
export function cText(text: string): string {
  return cStringLiteral(Buffer.from(text, 'utf8').toString('latin1'));
}

/** A comment of one or more lines, wrapped at about 100 columns, at this indentation. */
export function comment(text: string, indent: string): string[] {
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
