/**
 * The trace language's syntax tree.
 *
 * A trace is one statement per line, written as a C programmer would write the
 * call: `sess = SSL_get1_session(c1)`. The tree keeps every name as written
 * (constants, flags joined by `|`, `time(NULL) + 60`) so that the printer can
 * give the text back unchanged; evaluation to integers happens later, in the
 * world, where the simulated clock is known.
 */

/** A position in the trace file, both 1-based. */
export interface Pos {
  readonly line: number;
  readonly col: number;
}

export type Expr =
  /** A decimal or 0x hexadecimal integer literal, possibly negative. */
  | { readonly kind: 'int'; readonly value: number; readonly text: string; readonly pos: Pos }
  /** A named constant such as `SSL_SESS_CACHE_CLIENT` or `TLS1_3_VERSION`. */
  | { readonly kind: 'const'; readonly name: string; readonly pos: Pos }
  /** `NULL`. */
  | { readonly kind: 'null'; readonly pos: Pos }
  /** A variable holding a handle (`c1`, `sess`) or an integer (`n`). */
  | { readonly kind: 'var'; readonly name: string; readonly pos: Pos }
  /** `&der`: the address of a variable, for `i2d_SSL_SESSION(s, &der)` and `d2i_SSL_SESSION(NULL, &der, n)`. */
  | { readonly kind: 'addr'; readonly name: string; readonly pos: Pos }
  /** A double-quoted byte string, for ids and id contexts: `"app-1"`. */
  | { readonly kind: 'string'; readonly value: string; readonly pos: Pos }
  /** A nested call: `TLS_client_method()`, `time(NULL)`. */
  | { readonly kind: 'call'; readonly name: string; readonly args: readonly Expr[]; readonly pos: Pos }
  /** `a | b`, `a + b`, `a - b`. */
  | {
      readonly kind: 'binary';
      readonly op: '|' | '+' | '-';
      readonly left: Expr;
      readonly right: Expr;
      readonly pos: Pos;
    };

export type Statement =
  /** `name = CALL(...)` or a bare `CALL(...)`. */
  | {
      readonly kind: 'call';
      readonly assign: { readonly name: string; readonly pos: Pos } | null;
      readonly call: Extract<Expr, { kind: 'call' }>;
      readonly pos: Pos;
    }
  /** `expect LEFT == RIGHT` or `expect LEFT != RIGHT`. */
  | {
      readonly kind: 'expect';
      readonly left: Expr;
      readonly op: '==' | '!=';
      readonly right: Expr;
      readonly pos: Pos;
    }
  /** `expect diagnostic KIND`: the previous call statement reported a diagnostic of this kind. */
  | { readonly kind: 'expect-diagnostic'; readonly diagnostic: string; readonly pos: Pos };

/** One source line: a statement, a comment, or nothing. Comments and blank lines are kept for the printer. */
export interface Line {
  readonly line: number;
  readonly statement: Statement | null;
  /** The `# ...` comment on this line, without the `#`, or null. */
  readonly comment: string | null;
}

export interface Trace {
  readonly file: string;
  readonly lines: readonly Line[];
}
