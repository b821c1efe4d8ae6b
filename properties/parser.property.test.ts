/**
 * Properties of the trace language's front end (parser, printer, checker).
 *
 * (a) No input makes the parser or checker throw anything but a TraceError,
 *     and that error points inside the input.
 * (b) Printing is a faithful, canonical inverse of parsing: for generated
 *     trees, print → parse gives the tree back (modulo positions) and printing
 *     again gives the same text.
 * (c) Traces generated well-typed from the catalogue pass the checker with the
 *     variable kinds the generator expects.
 *
 * The seed comes from properties/seed.setup.ts (FC_SEED to replay).
 */

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { Expr, Line, Statement, Trace } from '../src/trace/ast.ts';
import { type ArgKind, CALLBACKS, CATALOGUE, type CallSpec, CONSTANTS, DIAGNOSTIC_KINDS, METHODS, OBSERVER_RETURNS, OBSERVERS } from '../src/trace/catalogue.ts';
import { checkTrace, type ValueKind } from '../src/trace/check.ts';
import { TraceError } from '../src/trace/errors.ts';
import { parseTrace } from '../src/trace/parser.ts';
import { printTrace } from '../src/trace/printer.ts';

const RUNS = 1000;
const FILE = 'gen.trace';
const NOWHERE = { line: 0, col: 0 };
const CALLBACK_NAMES = Object.values(CALLBACKS).flatMap((slot) => Object.keys(slot));

/** A copy of any tree without `pos` fields or line numbers, to compare trees "modulo positions". */
function withoutPositions(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(withoutPositions);
  if (value === null || typeof value !== 'object') return value;
  return Object.fromEntries(Object.entries(value).filter(([k]) => k !== 'pos' && k !== 'line').map(([k, v]) => [k, withoutPositions(v)]));
}

/** The lines of a text as the parser sees them, to check that an error points inside the input. */
function sourceLines(text: string): string[] {
  const lines = (text.startsWith('\uFEFF') ? text.slice(1) : text).split('\n');
  if (lines[lines.length - 1] === '') lines.pop();
  return lines.map((l) => (l.endsWith('\r') ? l.slice(0, -1) : l));
}

/**
 * Parses (and, if that succeeds, checks and re-prints) any text, asserting
 * that the only failure is a one-line TraceError located inside the text.
 */
function frontEndOn(text: string): void {
  let trace: Trace;
  try {
    trace = parseTrace(text, FILE);
    checkTrace(trace);
  } catch (e) {
    expect(e).toBeInstanceOf(TraceError);
    const err = e as TraceError;
    const lines = sourceLines(text);
    expect(err.file).toBe(FILE);
    expect(err.line).toBeGreaterThanOrEqual(1);
    expect(err.line).toBeLessThanOrEqual(Math.max(1, lines.length));
    expect(err.col).toBeGreaterThanOrEqual(1);
    expect(err.col).toBeLessThanOrEqual((lines[err.line - 1] ?? '').length + 1);
    expect(err.message).toBe(`${FILE}:${err.line}:${err.col}: ${err.reason}`);
    // One line, no control characters: the CLI prints it as is.
    expect(err.message).not.toMatch(/[\x00-\x1f\x7f]/);
    return;
  }
  // Whatever parsed must print canonically and read back the same.
  const printed = printTrace(trace);
  const again = parseTrace(printed, FILE);
  expect(withoutPositions(again)).toEqual(withoutPositions(trace));
  expect(printTrace(again)).toBe(printed);
}

// ---------------------------------------------------------------------------
// (a) arbitrary input

/** Words of the language: names from the catalogue and a few variables. */
const WORDS = [
  ...CATALOGUE.keys(),
  ...OBSERVERS.keys(),
  ...METHODS,
  ...CONSTANTS.keys(),
  ...CALLBACK_NAMES,
  ...DIAGNOSTIC_KINDS,
  'expect', 'diagnostic', 'NULL', 'sess', 'c1', 'cctx', 'der', 'n', 'x',
];

/** Punctuation, literals and the pieces of the error paths, so random soup often gets deep into the lexer. */
const PUNCTUATION = [
  '(', ')', ',', '=', '==', '!=', '|', '+', '-', '&', '#', '"', '\\', '\\"', '\\x', '\\x4', '\\x41',
  '0', '7', '-5', '010', '0x', '0x1f', '0XAB', '12ab', '9007199254740993',
  ' ', '  ', '\t', '\n', '\r\n', '\r', '\0', '\uFEFF', '\ud800', 'é', '😀', '"abc"', 'use_after_free',
  'expect diagnostic ', 'expect refcount(sess) == ', 'x = ', 'SSL_new(cctx)', '(((((', ')))))',
];

const junk = fc.string({ unit: 'binary', maxLength: 4 });
const piece = fc.oneof(
  { arbitrary: fc.constantFrom(...WORDS), weight: 3 },
  { arbitrary: fc.constantFrom(...PUNCTUATION), weight: 4 },
  { arbitrary: junk, weight: 1 },
);
// Short lines, so that the states a line can end in (inside a string, after an
// escape, after an operator...) are all reached often.
const soupLine = fc.array(piece, { maxLength: 8 }).map((parts) => parts.join(''));
const soup = fc
  .tuple(fc.array(soupLine, { maxLength: 8 }), fc.constantFrom('\n', '\r\n'))
  .map(([lines, eol]) => lines.join(eol));

describe('(a) the front end fails only with a located TraceError', () => {
  it('on arbitrary strings', () => {
    fc.assert(
      fc.property(fc.oneof(fc.string({ unit: 'binary', maxLength: 300 }), fc.string({ unit: 'grapheme-ascii', maxLength: 300 })), frontEndOn),
      { numRuns: RUNS },
    );
  });

  it('on strings made of the language\'s own tokens mixed with junk', () => {
    // Cheap runs, and the richest source of lexer corner cases: take more of them.
    fc.assert(fc.property(soup, frontEndOn), { numRuns: 3 * RUNS });
  });

  it('on well-formed traces with one character changed', () => {
    fc.assert(
      fc.property(wellFormedTrace, fc.nat(), fc.string({ unit: 'binary', maxLength: 2 }), (trace, at, replacement) => {
        const text = printTrace(trace);
        const i = text.length === 0 ? 0 : at % text.length;
        frontEndOn(text.slice(0, i) + replacement + text.slice(i + 1));
      }),
      { numRuns: RUNS },
    );
  });
});

// ---------------------------------------------------------------------------
// (b) syntactic round trip

/** Words the parser gives a meaning of their own, kept out of generated names. */
const KEYWORDS = new Set(['NULL', 'expect', 'diagnostic']);

const identifier = fc
  .oneof(
    fc.constantFrom(...CATALOGUE.keys(), ...OBSERVERS.keys(), ...METHODS, ...CALLBACK_NAMES, 'sess', 'c1', 'cctx', 'der', 'n'),
    fc.stringMatching(/^[A-Za-z_][A-Za-z0-9_]{0,12}$/),
  )
  .filter((n) => !KEYWORDS.has(n) && !CONSTANTS.has(n));

/** An integer literal whose text and value agree, in any spelling the lexer accepts. */
const intLiteral: fc.Arbitrary<Expr> = fc
  .record({
    abs: fc.oneof(fc.nat(300), fc.maxSafeNat()),
    negative: fc.boolean(),
    hex: fc.boolean(),
    upperX: fc.boolean(),
    upperDigits: fc.boolean(),
  })
  .map(({ abs, negative, hex, upperX, upperDigits }) => {
    const digits = hex ? `0${upperX ? 'X' : 'x'}${upperDigits ? abs.toString(16).toUpperCase() : abs.toString(16)}` : String(abs);
    return { kind: 'int', value: negative ? -abs || 0 : abs, text: (negative ? '-' : '') + digits, pos: NOWHERE };
  });

/** Any bytes (one char per byte), as the parser stores strings. */
const byteString = fc.array(fc.integer({ min: 0, max: 255 }), { maxLength: 16 }).map((bytes) => String.fromCharCode(...bytes));

const op = fc.constantFrom('|' as const, '+' as const, '-' as const);

/** `first op t1 op t2 ...` built to the left, as the parser builds it. */
function chain(first: Expr, rest: readonly (readonly ['|' | '+' | '-', Expr])[]): Expr {
  return rest.reduce<Expr>((left, [o, right]) => ({ kind: 'binary', op: o, left, right, pos: NOWHERE }), first);
}

const exprs = fc.letrec<{ term: Expr; call: Extract<Expr, { kind: 'call' }>; expr: Expr }>((tie) => ({
  term: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    intLiteral,
    fc.constantFrom(...CONSTANTS.keys()).map((name): Expr => ({ kind: 'const', name, pos: NOWHERE })),
    fc.constant<Expr>({ kind: 'null', pos: NOWHERE }),
    identifier.map((name): Expr => ({ kind: 'var', name, pos: NOWHERE })),
    identifier.map((name): Expr => ({ kind: 'addr', name, pos: NOWHERE })),
    byteString.map((value): Expr => ({ kind: 'string', value, pos: NOWHERE })),
    tie('call'),
  ),
  call: fc.record({ name: identifier, args: fc.array(tie('expr'), { maxLength: 3 }) }).map(({ name, args }) => ({ kind: 'call' as const, name, args, pos: NOWHERE })),
  expr: fc.record({ first: tie('term'), rest: fc.array(fc.tuple(op, tie('term')), { maxLength: 3 }) }).map(({ first, rest }) => chain(first, rest)),
}));

const statement: fc.Arbitrary<Statement> = fc.oneof(
  fc.record({ assign: fc.option(identifier, { nil: null }), call: exprs.call }).map(({ assign, call }): Statement => ({
    kind: 'call',
    assign: assign === null ? null : { name: assign, pos: NOWHERE },
    call,
    pos: NOWHERE,
  })),
  fc.record({ left: exprs.expr, op: fc.constantFrom('==' as const, '!=' as const), right: exprs.expr }).map((s): Statement => ({ kind: 'expect', ...s, pos: NOWHERE })),
  fc.constantFrom(...DIAGNOSTIC_KINDS).map((diagnostic): Statement => ({ kind: 'expect-diagnostic', diagnostic, pos: NOWHERE })),
);

/** Comment text as the parser keeps it: one line, no trailing whitespace. */
const commentText = fc.string({ unit: 'binary', maxLength: 24 }).map((s) => s.replace(/\n/g, ' ').trimEnd());

/** Numbers lines 1..n, as the parser does. */
const toTrace = (lines: readonly Omit<Line, 'line'>[]): Trace => ({ file: FILE, lines: lines.map((l, i) => ({ line: i + 1, ...l })) });

const wellFormedTrace: fc.Arbitrary<Trace> = fc
  .array(fc.record({ statement: fc.option(statement, { nil: null }), comment: fc.option(commentText, { nil: null }) }), { maxLength: 25 })
  .map(toTrace);

/** Asserts print → parse → print is faithful for a generated tree. */
function roundTrips(trace: Trace): void {
  const printed = printTrace(trace);
  const parsed = parseTrace(printed, FILE);
  expect(withoutPositions(parsed), printed).toEqual(withoutPositions(trace));
  expect(printTrace(parsed)).toBe(printed);
  expect(parsed.lines.map((l) => l.line)).toEqual(trace.lines.map((_, i) => i + 1));
}

describe('(b) print and parse are inverse on well-formed trees', () => {
  it('gives back the generated tree and the same text', () => {
    fc.assert(fc.property(wellFormedTrace, roundTrips), { numRuns: RUNS });
  });
});

// ---------------------------------------------------------------------------
// (c) well-typed traces from the catalogue

/** Names that mean something already; the checker refuses to assign them. */
const TAKEN = new Set<string>([...KEYWORDS, ...CONSTANTS.keys(), ...CATALOGUE.keys(), ...OBSERVERS.keys(), ...METHODS, ...CALLBACK_NAMES]);
const freshName = fc.stringMatching(/^[a-z][a-z0-9_]{0,5}$/).filter((n) => !TAKEN.has(n));

type Env = Map<string, ValueKind>;
type Handle = 'ctx' | 'ssl' | 'session';
const CALLBACK_SLOTS = ['new-cb', 'remove-cb', 'get-cb'] as const;

const named = (name: string): Expr => ({ kind: 'var', name, pos: NOWHERE });
const NULL_EXPR: Expr = { kind: 'null', pos: NOWHERE };

/** Builds one well-typed trace with `g`, tracking each variable's kind as the checker should. */
class WellTyped {
  readonly env: Env = new Map();
  private calls = 0;

  constructor(private readonly g: fc.GeneratorValue) {}

  trace(): Trace {
    const count = this.g(fc.integer, { min: 0, max: 25 });
    const lines: Omit<Line, 'line'>[] = [];
    for (let i = 0; i < count; i++) {
      const comment = this.g(fc.option, commentText, { nil: null });
      lines.push({ statement: this.statement(), comment });
    }
    return toTrace(lines);
  }

  private statement(): Statement | null {
    const roll = this.g(fc.integer, { min: 0, max: 9 });
    if (roll < 6) return this.callStatement();
    if (roll < 8) return this.expect();
    if (roll < 9 && this.calls > 0) return { kind: 'expect-diagnostic', diagnostic: this.g(fc.constantFrom, ...DIAGNOSTIC_KINDS), pos: NOWHERE };
    return null;
  }

  private callStatement(): Statement {
    const spec = this.pick([...CATALOGUE.values()].filter((s) => s.args.every((a) => this.canFill(a))));
    const outputs: string[] = [];
    const args = spec.args.map((kind) => {
      const arg = this.arg(kind);
      if (kind === 'der-out' && arg.kind === 'addr') outputs.push(arg.name);
      return arg;
    });
    let assign: { name: string; pos: typeof NOWHERE } | null = null;
    if (spec.returns !== 'void' && this.g(fc.boolean)) {
      const name = this.name();
      if (!outputs.includes(name)) assign = { name, pos: NOWHERE };
    }
    for (const out of outputs) this.env.set(out, 'der');
    if (assign !== null && spec.returns !== 'void') this.env.set(assign.name, spec.returns);
    this.calls++;
    return { kind: 'call', assign, call: { kind: 'call', name: spec.name, args, pos: NOWHERE }, pos: NOWHERE };
  }

  private expect(): Statement {
    const [left, type] = this.side();
    const same = type === 'int' ? [] : this.vars(type);
    const right = type === 'int' ? this.intExpr() : same.length === 0 || this.g(fc.boolean) ? NULL_EXPR : named(this.pick(same));
    const swap = this.g(fc.boolean);
    const op = this.g(fc.constantFrom, '==' as const, '!=' as const);
    return { kind: 'expect', left: swap ? right : left, op, right: swap ? left : right, pos: NOWHERE };
  }

  /** An observer, a real call with a value, or an integer expression, with its type. */
  private side(): [Expr, 'int' | Handle] {
    const observers = [...OBSERVERS].filter(([, o]) => o.args.every((a) => this.canFill(a)));
    const calls = [...CATALOGUE.values()].filter((s) => s.returns !== 'void' && !s.args.includes('der-out') && s.args.every((a) => this.canFill(a)));
    const form = this.g(fc.integer, { min: 0, max: 2 });
    if (form === 0 && observers.length > 0) {
      const [name, o] = this.pick(observers);
      return [{ kind: 'call', name, args: o.args.map((a) => this.arg(a)), pos: NOWHERE }, OBSERVER_RETURNS.get(name) ?? 'int'];
    }
    if (form === 1 && calls.length > 0) {
      const spec: CallSpec = this.pick(calls);
      return [{ kind: 'call', name: spec.name, args: spec.args.map((a) => this.arg(a)), pos: NOWHERE }, spec.returns as 'int' | Handle];
    }
    return [this.intExpr(), 'int'];
  }

  private canFill(kind: ArgKind): boolean {
    switch (kind) {
      case 'ctx':
      case 'ssl':
      case 'session':
        return this.vars(kind).length > 0;
      case 'handle':
        return this.vars('ctx', 'ssl', 'session').length > 0;
      case 'der-in':
        return this.vars('der').length > 0;
      default:
        return true;
    }
  }

  private arg(kind: ArgKind): Expr {
    switch (kind) {
      case 'ctx':
      case 'ssl':
      case 'session':
        return named(this.pick(this.vars(kind)));
      case 'handle':
        return named(this.pick(this.vars('ctx', 'ssl', 'session')));
      case 'ctx?':
      case 'session?':
      case 'ssl?': {
        const known = this.vars(kind === 'ctx?' ? 'ctx' : kind === 'ssl?' ? 'ssl' : 'session');
        return known.length === 0 || this.g(fc.boolean) ? NULL_EXPR : named(this.pick(known));
      }
      case 'int':
        return this.intExpr();
      case 'method':
        return { kind: 'call', name: this.g(fc.constantFrom, ...METHODS), args: [], pos: NOWHERE };
      case 'bytes':
        return { kind: 'string', value: this.g(() => byteString), pos: NOWHERE };
      case 'bytes?':
        return this.g(fc.boolean) ? NULL_EXPR : { kind: 'string', value: this.g(() => byteString), pos: NOWHERE };
      case 'der-out':
        return { kind: 'addr', name: this.name(), pos: NOWHERE };
      case 'der-in':
        return { kind: 'addr', name: this.pick(this.vars('der')), pos: NOWHERE };
      case 'null':
        return NULL_EXPR;
    }
    const slot = CALLBACK_SLOTS.find((s) => s === kind)!;
    return named(this.g(fc.constantFrom, ...Object.keys(CALLBACKS[slot])));
  }

  /** `leaf { op leaf }`: literals, constants, integer variables and time(NULL). */
  private intExpr(): Expr {
    const ints = this.vars('int');
    const leaf = (): Expr => {
      const which = this.g(fc.integer, { min: 0, max: 3 });
      if (which === 0) return this.g(() => intLiteral);
      if (which === 1) return { kind: 'const', name: this.g(fc.constantFrom, ...CONSTANTS.keys()), pos: NOWHERE };
      if (which === 2 && ints.length > 0) return named(this.pick(ints));
      return { kind: 'call', name: 'time', args: [NULL_EXPR], pos: NOWHERE };
    };
    const length = this.g(fc.integer, { min: 0, max: 3 });
    const rest = Array.from({ length }, () => [this.g(() => op), leaf()] as const);
    return chain(leaf(), rest);
  }

  /** A new name, or an existing one to re-assign (its kind then changes). */
  private name(): string {
    const existing = [...this.env.keys()];
    return existing.length > 0 && this.g(fc.boolean) ? this.pick(existing) : this.g(() => freshName);
  }

  private vars(...kinds: ValueKind[]): string[] {
    return [...this.env].filter(([, k]) => kinds.includes(k)).map(([n]) => n);
  }

  private pick<T>(items: readonly T[]): T {
    return items[this.g(fc.integer, { min: 0, max: items.length - 1 })]!;
  }
}

describe('(c) the checker accepts well-typed traces built from the catalogue', () => {
  it('with the variable kinds of the last assignments, one step per statement', () => {
    fc.assert(
      fc.property(fc.gen(), (g) => {
        const builder = new WellTyped(g);
        const trace = builder.trace();
        roundTrips(trace);
        const checked = checkTrace(parseTrace(printTrace(trace), FILE));
        expect(new Map([...checked.variables].map(([n, v]) => [n, v.kind]))).toEqual(builder.env);
        expect(checked.steps).toHaveLength(trace.lines.filter((l) => l.statement !== null).length);
        expect(checked.steps.map((s) => s.kind)).toEqual(trace.lines.flatMap((l) => (l.statement === null ? [] : [l.statement.kind])));
      }),
      { numRuns: RUNS },
    );
  });
});
