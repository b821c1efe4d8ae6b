/**
 * C names for the variables of a trace, for `sslsim emit-c` (emit-c.ts): a
 * trace variable keeps its name in C unless C or the program already uses it
 * (`read` becomes `read_`), and a variable re-assigned with another kind gets
 * one C variable per kind (`x`, then `x_int`), since C types are static.
 */
import type { ValueKind, CheckedTrace } from './check.ts';
import { CALLBACKS } from './catalogue.ts';

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

/** The pseudo-calls, as the runtime's functions (conformance/runtime/runtime.h). */
export const PSEUDO_C: Readonly<Record<string, string>> = {
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
