/**
 * The trace language's parser: text to {@link Trace}.
 *
 * Grammar (one statement per line; see docs/trace-language.md):
 *
 *   line       = [ statement ] [ comment ]
 *   statement  = [ IDENT "=" ] call
 *              | "expect" expr ( "==" | "!=" ) expr
 *              | "expect" "diagnostic" KIND
 *   expr       = term { ( "|" | "+" | "-" ) term }      (left-associative)
 *   term       = INT | "-" INT | "NULL" | STRING | "&" IDENT | call | IDENT
 *   call       = IDENT "(" [ expr { "," expr } ] ")"
 *
 * The parser only checks shape; names and kinds are the checker's job, except
 * that an identifier listed in CONSTANTS becomes a `const` node and that the
 * word after `expect diagnostic` must be one of DIAGNOSTIC_KINDS. Every problem
 * is a {@link TraceError} at the first offending line:col, and nothing else may
 * escape, whatever the input: deep nesting is bounded so no stack can overflow.
 */

import type { Expr, Line, Pos, Statement, Trace } from './ast.ts';
import { CONSTANTS, DIAGNOSTIC_KINDS } from './catalogue.ts';
import { didYouMean, TraceError } from './errors.ts';
import { describeToken, LineLexer, type Token } from './lexer.ts';
import { Names } from './names.ts';

/**
 * How deep an expression tree may be (nested calls plus chained operators).
 * Real traces need a handful of levels; the bound keeps the parser, printer
 * and checker, which all recurse, far from the stack limit on hostile input.
 */
export const MAX_EXPR_DEPTH = 100;

type CallExpr = Extract<Expr, { kind: 'call' }>;

/**
 * Parses a whole trace. Lines may end in LF or CRLF; a leading byte-order mark
 * is ignored. Blank lines and comments are kept so the printer can give them back.
 *
 * @param text the trace's source
 * @param file the name to put in error messages
 * @throws TraceError at the first problem, and never anything else
 */
export function parseTrace(text: string, file: string): Trace {
  const body = text.startsWith('\uFEFF') ? text.slice(1) : text;
  const raw = body.split('\n');
  // A final newline ends the last line; it does not start another one.
  if (raw.length > 0 && raw[raw.length - 1] === '') raw.pop();
  const names = new Names();
  const lines = raw.map((r, i) => parseLine(r.endsWith('\r') ? r.slice(0, -1) : r, file, i + 1, names));
  return { file, lines };
}

/** Parses one line (without its terminator). */
function parseLine(text: string, file: string, line: number, names: Names): Line {
  return new LineParser(new LineLexer(text, file, line, names), line).line();
}

class LineParser {
  private peeked: Token | null = null;
  /** Tree depth of each expression built so far, to enforce {@link MAX_EXPR_DEPTH}. */
  private readonly depths = new WeakMap<Expr, number>();

  constructor(
    private readonly lexer: LineLexer,
    private readonly lineNo: number,
  ) {}

  line(): Line {
    const first = this.peek();
    if (first.kind === 'eol') return { line: this.lineNo, statement: null, comment: null };
    if (first.kind === 'comment') return { line: this.lineNo, statement: null, comment: first.text };
    const statement = this.statement();
    // C code pasted in keeps its semicolons: one may end a statement (the printer leaves it out).
    let after = this.next();
    if (after.kind === 'punct' && after.text === ';') after = this.next();
    if (after.kind === 'comment') return { line: this.lineNo, statement, comment: after.text };
    if (after.kind !== 'eol') throw this.error(after, `unexpected ${describeToken(after)} after the end of the statement`);
    return { line: this.lineNo, statement, comment: null };
  }

  private statement(): Statement {
    const first = this.next();
    if (first.kind !== 'ident') {
      throw this.error(first, `expected a statement (NAME(...), name = NAME(...) or expect ...), got ${describeToken(first)}`);
    }
    if (first.text === 'expect') return this.expect(first);
    const after = this.peek();
    if (after.kind === 'punct' && after.text === '(') {
      const call = this.call(first, 0);
      return { kind: 'call', assign: null, call, pos: call.pos };
    }
    if (after.kind === 'punct' && after.text === '=') {
      this.next();
      const callee = this.next();
      if (callee.kind !== 'ident') throw this.error(callee, `expected a function call after '=', got ${describeToken(callee)}`);
      const paren = this.peek();
      if (!(paren.kind === 'punct' && paren.text === '(')) {
        throw this.error(paren, `expected '(' after ${callee.text}: only a function call can be assigned, got ${describeToken(paren)}`);
      }
      const assign = { name: first.text, pos: this.pos(first) };
      return { kind: 'call', assign, call: this.call(callee, 0), pos: assign.pos };
    }
    throw this.error(after, `expected '(' or '=' after ${first.text}, got ${describeToken(after)}`);
  }

  /** After the `expect` keyword. `diagnostic` right after it is always the keyword. */
  private expect(keyword: Token): Statement {
    const pos = this.pos(keyword);
    const next = this.peek();
    if (next.kind === 'ident' && next.text === 'diagnostic') {
      this.next();
      const kind = this.lexer.diagnosticKind();
      if (kind === null) {
        const missing = this.peek();
        throw this.error(missing, `expected a diagnostic kind after 'expect diagnostic' (e.g. use-after-free), got ${describeToken(missing)}`);
      }
      // Checked here, where the word's column is known: the tree keeps only the statement's.
      if (!(DIAGNOSTIC_KINDS as readonly string[]).includes(kind.text)) {
        throw this.lexer.error(kind.col - 1, `unknown diagnostic kind ${kind.text}${didYouMean(kind.text, DIAGNOSTIC_KINDS)}`);
      }
      return { kind: 'expect-diagnostic', diagnostic: kind.text, pos };
    }
    const left = this.expr(0);
    const op = this.next();
    if (!(op.kind === 'punct' && (op.text === '==' || op.text === '!='))) {
      throw this.error(op, `expected '==' or '!=' after the left side of expect, got ${describeToken(op)}`);
    }
    const right = this.expr(0);
    return { kind: 'expect', left, op: op.text, right, pos };
  }

  /** `term { op term }`, built left-associatively; `depth` counts enclosing calls. */
  private expr(depth: number): Expr {
    let left = this.term(depth);
    for (;;) {
      const op = this.peek();
      if (!(op.kind === 'punct' && (op.text === '|' || op.text === '+' || op.text === '-'))) return left;
      this.next();
      const right = this.term(depth);
      left = this.sized({ kind: 'binary', op: op.text, left, right, pos: left.pos }, 1 + Math.max(this.depthOf(left), this.depthOf(right)), op);
    }
  }

  private term(depth: number): Expr {
    const t = this.next();
    const pos = this.pos(t);
    switch (t.kind) {
      case 'int':
        return { kind: 'int', value: t.value, text: t.text, pos };
      case 'string':
        return { kind: 'string', value: t.value, pos };
      case 'ident':
        return this.named(t, depth);
      case 'punct':
        if (t.text === '-') return this.negative(t);
        if (t.text === '&') return this.address(t);
        break;
      case 'comment':
      case 'eol':
        break;
    }
    throw this.error(t, `expected an expression, got ${describeToken(t)}`);
  }

  /** `-5`: a negative literal only when the minus touches the digits, otherwise `a - 5` would be ambiguous to the eye. */
  private negative(minus: Token): Expr {
    const digits = this.peek();
    if (digits.kind !== 'int' || digits.col !== minus.end) {
      throw this.error(minus, `expected an expression, got '-' (a negative number is written -5, with no space)`);
    }
    this.next();
    // `|| 0` keeps -0 out of the tree: it would print as "-0" but compare unequal to 0.
    return { kind: 'int', value: -digits.value || 0, text: '-' + digits.text, pos: this.pos(minus) };
  }

  private address(amp: Token): Expr {
    const name = this.next();
    if (name.kind !== 'ident') throw this.error(name, `expected a variable name after '&', got ${describeToken(name)}`);
    return { kind: 'addr', name: name.text, pos: this.pos(amp) };
  }

  /** An identifier in an expression: NULL, a call, a constant or a variable. */
  private named(t: Extract<Token, { kind: 'ident' }>, depth: number): Expr {
    const pos = this.pos(t);
    const after = this.peek();
    if (after.kind === 'punct' && after.text === '(') return this.call(t, depth);
    if (t.text === 'NULL') return { kind: 'null', pos };
    if (CONSTANTS.has(t.text)) return { kind: 'const', name: t.text, pos };
    return { kind: 'var', name: t.text, pos };
  }

  /** `NAME(args)`, with the name already read and `(` next. */
  private call(name: Token & { kind: 'ident' }, depth: number): CallExpr {
    if (depth >= MAX_EXPR_DEPTH) throw this.error(name, tooDeep());
    this.next(); // '('
    const args: Expr[] = [];
    const close = this.peek();
    if (close.kind === 'punct' && close.text === ')') {
      this.next();
    } else {
      for (;;) {
        args.push(this.expr(depth + 1));
        const sep = this.next();
        if (sep.kind === 'punct' && sep.text === ')') break;
        if (!(sep.kind === 'punct' && sep.text === ',')) {
          throw this.error(sep, `expected ',' or ')' in the arguments of ${name.text}, got ${describeToken(sep)}`);
        }
      }
    }
    const node: CallExpr = { kind: 'call', name: name.text, args, pos: this.pos(name) };
    // A loop, not Math.max(...spread): a line may hold more arguments than a call's argument limit.
    const deepest = args.reduce((d, a) => Math.max(d, this.depthOf(a)), 0);
    return this.sized(node, 1 + deepest, name);
  }

  /** Records a node's depth, refusing trees deeper than {@link MAX_EXPR_DEPTH}. */
  private sized<E extends Expr>(node: E, depth: number, at: Token): E {
    if (depth > MAX_EXPR_DEPTH) throw this.error(at, tooDeep());
    this.depths.set(node, depth);
    return node;
  }

  private depthOf(e: Expr): number {
    return this.depths.get(e) ?? 1;
  }

  private peek(): Token {
    this.peeked ??= this.lexer.next();
    return this.peeked;
  }

  private next(): Token {
    const t = this.peek();
    this.peeked = null;
    return t;
  }

  private pos(t: Token): Pos {
    return { line: this.lineNo, col: t.col };
  }

  private error(t: Token, reason: string): TraceError {
    return this.lexer.error(t.col - 1, reason);
  }
}

function tooDeep(): string {
  return `expression is too deeply nested (more than ${MAX_EXPR_DEPTH} levels of calls and operators)`;
}
