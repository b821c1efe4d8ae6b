/**
 * Static checking of a parsed trace, before anything runs.
 *
 * Names are resolved against the catalogue and every variable gets the static
 * kind of whatever last assigned it (`c1 = SSL_new(...)` makes `c1` an SSL
 * until it is assigned again), so that a handle of the wrong kind, a typo in a
 * function, constant or callback name, or an observer used outside `expect` is
 * reported at its exact line:col with a sentence a C programmer recognises,
 * instead of surfacing as a puzzling simulation result.
 *
 * What the checker leaves alone is runtime semantics: string lengths, NULL
 * returns, refcounts. The world decides those while running the steps.
 */

import type { Expr, Pos, Statement, Trace } from './ast.ts';
import {
  CALLBACKS,
  CATALOGUE,
  CONSTANTS,
  type ArgKind,
  type CallSpec,
  type DiagnosticKind,
  METHODS,
  OBSERVER_RETURNS,
  OBSERVERS,
} from './catalogue.ts';
import { didYouMean, TraceError } from './errors.ts';
import { printStatement } from './printer.ts';

/** The static kind of a variable: a handle, an integer, or a DER encoding (filled by `i2d_SSL_SESSION(s, &der)`). */
export type ValueKind = 'ctx' | 'ssl' | 'session' | 'int' | 'der';

/** A variable as the checker knows it at some point of the trace. */
export interface VariableInfo {
  readonly kind: ValueKind;
  /** The line of the assignment that gave it this kind. */
  readonly line: number;
}

/** A variable a call step (re)defines, with the kind it has from then on. */
export interface Definition {
  readonly name: string;
  readonly kind: ValueKind;
}

/** What one side of an `expect` compares: a value kind, or NULL. */
export type SideType = 'ctx' | 'ssl' | 'session' | 'int' | 'null';

type CallExpr = Extract<Expr, { kind: 'call' }>;
type CallStatement = Extract<Statement, { kind: 'call' }>;
type ExpectStatement = Extract<Statement, { kind: 'expect' }>;
type DiagnosticStatement = Extract<Statement, { kind: 'expect-diagnostic' }>;

/**
 * One side of an `expect`, classified so the world knows how to evaluate it:
 * - `observer`: a pseudo-function of OBSERVERS reading the model (`refcount(s)`);
 * - `call`: a real catalogue call, made for its result (it has its usual effects);
 * - `value`: an expression without effects (integers, constants, `|`/`+`/`-`,
 *   `time(NULL)`, a variable, `NULL`).
 */
export type ExpectSide =
  | { readonly form: 'observer'; readonly expr: CallExpr; readonly type: SideType }
  | { readonly form: 'call'; readonly expr: CallExpr; readonly spec: CallSpec; readonly type: SideType }
  | { readonly form: 'value'; readonly expr: Expr; readonly type: SideType };

/**
 * One statement of a checked trace, in source order. `line`/`col` are where the
 * statement starts (for the world's own diagnostics).
 *
 * - `call`: run `statement.call` (its name is in CATALOGUE: `spec`), then
 *   bind `defines` (the assigned variable and any `&der` output). A callback
 *   argument is a `var` whose name is a key of `CALLBACKS[spec.args[i]]`; a
 *   method argument is a zero-argument `call` named in METHODS.
 * - `expect`: evaluate both sides and compare with `statement.op`.
 * - `expect-diagnostic`: the call step at index `call` of `steps` must have
 *   reported a diagnostic of kind `diagnostic`.
 *
 * `text` is the statement printed canonically (printStatement), as every step
 * record shows it: printed once here, not again on every run of the trace.
 */
export type Step =
  | {
      readonly kind: 'call';
      readonly line: number;
      readonly col: number;
      readonly text: string;
      readonly statement: CallStatement;
      readonly spec: CallSpec;
      readonly defines: readonly Definition[];
    }
  | {
      readonly kind: 'expect';
      readonly line: number;
      readonly col: number;
      readonly text: string;
      readonly statement: ExpectStatement;
      readonly left: ExpectSide;
      readonly right: ExpectSide;
    }
  | {
      readonly kind: 'expect-diagnostic';
      readonly line: number;
      readonly col: number;
      readonly text: string;
      readonly statement: DiagnosticStatement;
      readonly diagnostic: DiagnosticKind;
      /**
       * Index in `steps` of the step this expectation is about: the nearest one before it that makes a call, a call
       * statement or an `expect` with a real call on a side (FINDINGS F95).
       */
      readonly call: number;
      /** When `call` is an `expect`: the nearest call statement before it, also searched (the rule before F95), else null. */
      readonly fallback: number | null;
    };

/** A trace that passed {@link checkTrace}: its steps, ready for the world to run. */
export interface CheckedTrace {
  readonly file: string;
  readonly trace: Trace;
  readonly steps: readonly Step[];
  /**
   * Every variable with the kind it has at the end of the trace. A variable
   * re-assigned with another kind changes kind mid-trace; the `defines` of
   * each call step are the authoritative, step-by-step account.
   */
  readonly variables: ReadonlyMap<string, VariableInfo>;
}

/**
 * Checks a parsed trace and flattens it into steps.
 *
 * @throws TraceError at the first problem, in source order.
 */
export function checkTrace(trace: Trace): CheckedTrace {
  return new Checker(trace).run();
}

/** `TLS_method(), TLS_client_method() or TLS_server_method()`. */
const METHOD_LIST = METHODS.map((m) => `${m}()`)
  .join(', ')
  .replace(/, ([^,]*)$/, ' or $1');

/** How each argument kind is named in "must be ..." messages. */
const WANTED: Record<ArgKind, string> = {
  ctx: 'an SSL_CTX handle',
  ssl: 'an SSL handle',
  session: 'an SSL_SESSION handle',
  'ctx?': 'an SSL_CTX handle or NULL',
  'session?': 'an SSL_SESSION handle or NULL',
  'ssl?': 'an SSL handle or NULL',
  int: 'an integer',
  method: `a method: ${METHOD_LIST}`,
  bytes: 'a string such as "abc"',
  'bytes?': 'a string such as "abc" or NULL',
  'new-cb': `a new-session callback (${Object.keys(CALLBACKS['new-cb']).join(', ')})`,
  'remove-cb': `a remove-session callback (${Object.keys(CALLBACKS['remove-cb']).join(', ')})`,
  'get-cb': `a get-session callback (${Object.keys(CALLBACKS['get-cb']).join(', ')})`,
  'der-out': '&name, the variable that receives the DER encoding',
  'der-in': '&name of a DER encoding made by i2d_SSL_SESSION',
  null: 'NULL',
  handle: 'a handle (SSL_CTX, SSL or SSL_SESSION)',
};

/** How a value of each kind is named in "but x is ..." messages. */
const NOUN: Record<ValueKind | 'null', string> = {
  ctx: 'an SSL_CTX',
  ssl: 'an SSL',
  session: 'an SSL_SESSION',
  int: 'an integer',
  der: 'a DER encoding',
  null: 'NULL',
};

const CALLBACK_SLOTS = ['new-cb', 'remove-cb', 'get-cb'] as const;
type CallbackSlot = (typeof CALLBACK_SLOTS)[number];
const SLOT_NOUN: Record<CallbackSlot, string> = {
  'new-cb': 'a new-session callback',
  'remove-cb': 'a remove-session callback',
  'get-cb': 'a get-session callback',
};

/** The function each callback slot belongs to, to tell where a stray callback name can go. */
const SLOT_SETTER: Record<CallbackSlot, string> = {
  'new-cb': 'SSL_CTX_sess_set_new_cb',
  'remove-cb': 'SSL_CTX_sess_set_remove_cb',
  'get-cb': 'SSL_CTX_sess_set_get_cb',
};

/** An unknown upper-case name with an underscore reads as a misspelt constant rather than a variable. */
const CONSTANT_LIKE = /^[A-Z][A-Z0-9]*_[A-Z0-9_]*$/;

const isMethod = (name: string): boolean => (METHODS as readonly string[]).includes(name);
const isHandleKind = (k: ValueKind | 'null'): k is 'ctx' | 'ssl' | 'session' => k === 'ctx' || k === 'ssl' || k === 'session';

/** The slot a callback name belongs to, if it is one. */
function callbackSlot(name: string): CallbackSlot | null {
  return CALLBACK_SLOTS.find((slot) => Object.hasOwn(CALLBACKS[slot], name)) ?? null;
}

/** `takes 1 argument, got 2` with the plural right. */
function arity(name: string, want: number, got: number): string {
  const takes = want === 0 ? 'no arguments' : want === 1 ? '1 argument' : `${want} arguments`;
  return `${name} takes ${takes}, got ${got}`;
}

class Checker {
  private readonly vars = new Map<string, VariableInfo>();
  private readonly steps: Step[] = [];
  /** Index in `steps` of the most recent step that makes a call (a call statement, or an expect with a real call), for `expect diagnostic`. */
  private lastCall: number | null = null;
  /** Index in `steps` of the most recent call statement. */
  private lastCallStatement: number | null = null;
  /** The first line assigning each name, to say "line 12 does, later" when a name is used too early. */
  private readonly firstAssigned: Map<string, number>;

  constructor(private readonly trace: Trace) {
    this.firstAssigned = firstAssignments(trace);
  }

  run(): CheckedTrace {
    for (const line of this.trace.lines) {
      if (line.statement !== null) this.statement(line.statement);
    }
    return { file: this.trace.file, trace: this.trace, steps: this.steps, variables: this.vars };
  }

  private statement(s: Statement): void {
    switch (s.kind) {
      case 'call':
        return this.callStatement(s);
      case 'expect':
        return this.expect(s);
      case 'expect-diagnostic':
        return this.expectDiagnostic(s);
    }
  }

  private callStatement(s: CallStatement): void {
    if (s.assign !== null) this.assignable(s.assign.name, s.assign.pos);
    const { spec, defines } = this.call(s.call, 'statement');
    if (s.assign !== null) {
      const target = s.assign.name;
      if (spec.returns === 'void') {
        throw this.error(s.assign.pos, `cannot assign the result of ${spec.name} to ${target}: ${spec.name} returns void`);
      }
      if (defines.some((d) => d.name === target)) {
        throw this.error(s.assign.pos, `${target} cannot receive both the result and the DER output of ${spec.name}`);
      }
      defines.push({ name: target, kind: spec.returns });
    }
    // Bound only after the whole call is checked: `c = SSL_new(c)` uses the old `c`.
    for (const d of defines) this.vars.set(d.name, { kind: d.kind, line: s.pos.line });
    this.lastCall = this.steps.length;
    this.lastCallStatement = this.steps.length;
    this.steps.push({ kind: 'call', line: s.pos.line, col: s.pos.col, text: printStatement(s), statement: s, spec, defines });
  }

  private expect(s: ExpectStatement): void {
    const left = this.side(s.left, 'left');
    const right = this.side(s.right, 'right');
    const comparable = left.type === right.type || (left.type === 'null' && isHandleKind(right.type)) || (right.type === 'null' && isHandleKind(left.type));
    if (!comparable) throw this.error(s.right.pos, `cannot compare ${NOUN[left.type]} with ${NOUN[right.type]}`);
    // A real call on a side has its usual effects, diagnostics included: `expect diagnostic` can be about it (F95).
    if (left.form === 'call' || right.form === 'call') this.lastCall = this.steps.length;
    this.steps.push({ kind: 'expect', line: s.pos.line, col: s.pos.col, text: printStatement(s), statement: s, left, right });
  }

  private expectDiagnostic(s: DiagnosticStatement): void {
    if (this.lastCall === null) throw this.error(s.pos, 'expect diagnostic must follow a call: no earlier line makes one');
    // The parser admits only DIAGNOSTIC_KINDS here.
    const diagnostic = s.diagnostic as DiagnosticKind;
    const fallback = this.lastCallStatement !== null && this.lastCallStatement !== this.lastCall ? this.lastCallStatement : null;
    this.steps.push({ kind: 'expect-diagnostic', line: s.pos.line, col: s.pos.col, text: printStatement(s), statement: s, diagnostic, call: this.lastCall, fallback });
  }

  /** One side of an `expect`: an observer, a real call, or a plain value. */
  private side(e: Expr, which: 'left' | 'right'): ExpectSide {
    if (e.kind === 'call' && e.name !== 'time' && !isMethod(e.name)) {
      const observer = OBSERVERS.get(e.name);
      if (observer !== undefined) {
        if (e.args.length !== observer.args.length) throw this.error(e.pos, arity(e.name, observer.args.length, e.args.length));
        e.args.forEach((a, i) => this.arg(a, observer.args[i]!, e.name, i));
        return { form: 'observer', expr: e, type: OBSERVER_RETURNS.get(e.name) ?? 'int' };
      }
      const { spec, defines } = this.call(e, 'expect');
      if (defines.length > 0) throw this.error(e.pos, `${e.name} fills &${defines[0]!.name}, which expect cannot do: call it on its own line`);
      if (spec.returns === 'void') throw this.error(e.pos, `${e.name} returns void: there is no value to compare`);
      return { form: 'call', expr: e, spec, type: spec.returns };
    }
    return { form: 'value', expr: e, type: this.value(e, `the ${which} side of expect`) };
  }

  /** The type of an effect-free expect side. */
  private value(e: Expr, where: string): SideType {
    switch (e.kind) {
      case 'null':
        return 'null';
      case 'int':
      case 'const':
      case 'binary':
      case 'call':
        this.int(e, where);
        return 'int';
      case 'string':
        throw this.error(e.pos, 'cannot compare a string: expect compares integers and handles');
      case 'addr':
        throw this.addrMisplaced(e);
      case 'var': {
        const v = this.known(e.name, e.pos, 'variable');
        if (v.kind === 'der') throw this.error(e.pos, `cannot compare ${e.name}: it is a DER encoding (assigned at line ${v.line})`);
        return v.kind;
      }
    }
  }

  /**
   * A catalogue call, as a statement or as a side of expect: name, arity and
   * every argument. Returns the spec and the `&der` outputs it would define.
   */
  private call(e: CallExpr, context: 'statement' | 'expect'): { spec: CallSpec; defines: Definition[] } {
    const spec = CATALOGUE.get(e.name);
    if (spec === undefined) {
      if (OBSERVERS.has(e.name)) {
        throw this.error(e.pos, `${e.name} is an observer: it can only be used in expect, e.g. expect ${e.name}(x) == 1`);
      }
      if (isMethod(e.name)) throw this.error(e.pos, `${e.name}() can only be the argument of SSL_CTX_new`);
      const names = context === 'expect' ? [...CATALOGUE.keys(), ...OBSERVERS.keys()] : [...CATALOGUE.keys()];
      const what = context === 'expect' ? 'function or observer' : 'function';
      throw this.error(e.pos, `unknown ${what} ${e.name}${didYouMean(e.name, names)}`);
    }
    if (e.args.length !== spec.args.length) throw this.error(e.pos, arity(e.name, spec.args.length, e.args.length));
    const defines: Definition[] = [];
    e.args.forEach((a, i) => {
      const d = this.arg(a, spec.args[i]!, e.name, i);
      if (d !== null) defines.push(d);
    });
    return { spec, defines };
  }

  /** Checks argument `index` of `fn` against its kind; returns the variable it defines, for `der-out`. */
  private arg(e: Expr, want: ArgKind, fn: string, index: number): Definition | null {
    const where = `argument ${index + 1} of ${fn}`;
    if (e.kind === 'addr' && want !== 'der-in' && want !== 'der-out') throw this.addrMisplaced(e);
    if (e.kind === 'call') this.nestedCall(e, want, where);
    if (e.kind === 'var') this.strayName(e.name, e.pos, want);
    switch (want) {
      case 'ctx':
      case 'ssl':
      case 'session':
      case 'ctx?':
      case 'session?':
      case 'ssl?':
      case 'handle':
        this.handle(e, want, where);
        return null;
      case 'int':
        this.int(e, where);
        return null;
      case 'method':
        if (!(e.kind === 'call' && isMethod(e.name))) throw this.mismatch(e, want, where);
        return null;
      case 'bytes':
        if (e.kind !== 'string') throw this.mismatch(e, want, where);
        return null;
      case 'bytes?':
        // NULL is legal C (memcpy of 0 bytes); with a length > 0 the model reports the NULL dereference when it runs.
        if (e.kind !== 'string' && e.kind !== 'null') throw this.mismatch(e, want, where);
        return null;
      case 'new-cb':
      case 'remove-cb':
      case 'get-cb':
        this.callback(e, want, where);
        return null;
      case 'der-out':
        if (e.kind !== 'addr') throw this.mismatch(e, want, where);
        this.assignable(e.name, e.pos);
        return { name: e.name, kind: 'der' };
      case 'der-in':
        this.derIn(e, where);
        return null;
      case 'null':
        if (e.kind === 'null') return null;
        if (fn === 'd2i_SSL_SESSION') {
          throw this.error(e.pos, `${where} must be NULL: the in-place form (reusing an existing SSL_SESSION) is not modelled`);
        }
        throw this.mismatch(e, want, where);
    }
  }

  /**
   * A call inside an argument. Only `time(NULL)` (an integer) and the methods
   * (for SSL_CTX_new) may nest: any other call would hide an object, and its
   * reference, from the trace's variables.
   */
  private nestedCall(e: CallExpr, want: ArgKind, where: string): void {
    if (isMethod(e.name)) {
      if (want !== 'method') throw this.error(e.pos, `${e.name}() can only be the argument of SSL_CTX_new`);
      if (e.args.length !== 0) throw this.error(e.pos, arity(e.name, 0, e.args.length));
      return;
    }
    if (e.name === 'time') return this.time(e);
    if (OBSERVERS.has(e.name)) {
      throw this.error(e.pos, `${e.name} is an observer: it can only be a whole side of an expect, e.g. expect ${e.name}(x) == 1`);
    }
    if (CATALOGUE.has(e.name)) {
      throw this.error(e.pos, `${e.name}(...) cannot be nested in ${where}: assign its result to a variable on an earlier line`);
    }
    if (want === 'method') {
      throw this.error(e.pos, `unknown method ${e.name}${didYouMean(e.name, METHODS)} (SSL_CTX_new takes ${METHOD_LIST})`);
    }
    throw this.error(e.pos, `unknown function ${e.name}${didYouMean(e.name, [...CATALOGUE.keys(), ...METHODS])}`);
  }

  /** `time(NULL)`, checked against the catalogue's entry for `time`. */
  private time(e: CallExpr): void {
    const spec = CATALOGUE.get('time')!;
    if (e.args.length !== spec.args.length) throw this.error(e.pos, arity('time', spec.args.length, e.args.length));
    e.args.forEach((a, i) => this.arg(a, spec.args[i]!, 'time', i));
  }

  /** A callback or method name written where neither belongs. */
  private strayName(name: string, pos: Pos, want: ArgKind): void {
    if (isMethod(name)) throw this.error(pos, `${name} must be called: write ${name}()`);
    const slot = callbackSlot(name);
    if (slot !== null && !(CALLBACK_SLOTS as readonly ArgKind[]).includes(want)) {
      throw this.error(pos, `${name} is a callback: it can only be passed to ${SLOT_SETTER[slot]}`);
    }
  }

  private handle(e: Expr, want: ArgKind, where: string): void {
    if (e.kind === 'null' && (want === 'ctx?' || want === 'session?' || want === 'ssl?')) return;
    if (e.kind !== 'var') throw this.mismatch(e, want, where);
    const v = this.known(e.name, e.pos, 'handle');
    const ok = want === 'handle' ? isHandleKind(v.kind) : v.kind === want.replace('?', '');
    if (!ok) throw this.mismatch(e, want, where);
  }

  /** An integer expression: literals, constants, integer variables, `time(NULL)`, and `|`, `+`, `-` of those. */
  private int(e: Expr, where: string): void {
    switch (e.kind) {
      case 'int':
      case 'const':
        return;
      case 'binary':
        this.int(e.left, where);
        this.int(e.right, where);
        return;
      case 'call':
        if (e.name === 'time') return this.time(e);
        this.nestedCall(e, 'int', where);
        throw this.mismatch(e, 'int', where);
      case 'var':
        this.strayName(e.name, e.pos, 'int');
        if (this.known(e.name, e.pos, 'variable').kind !== 'int') throw this.mismatch(e, 'int', where);
        return;
      case 'addr':
        throw this.addrMisplaced(e);
      case 'null':
      case 'string':
        throw this.mismatch(e, 'int', where);
    }
  }

  private callback(e: Expr, slot: CallbackSlot, where: string): void {
    if (e.kind !== 'var') throw this.mismatch(e, slot, where);
    if (Object.hasOwn(CALLBACKS[slot], e.name)) return;
    const other = callbackSlot(e.name);
    if (other !== null) throw this.error(e.pos, `${where} must be ${WANTED[slot]}, but ${e.name} is ${SLOT_NOUN[other]}`);
    if (this.vars.has(e.name)) throw this.mismatch(e, slot, where);
    const names = Object.keys(CALLBACKS[slot]);
    const hint = didYouMean(e.name, names) || `: the ${SLOT_NOUN[slot].slice(2)}s are ${names.join(', ')}`;
    throw this.error(e.pos, `unknown ${SLOT_NOUN[slot].slice(2)} ${e.name}${hint}`);
  }

  private derIn(e: Expr, where: string): void {
    if (e.kind === 'var' && this.vars.get(e.name)?.kind === 'der') {
      throw this.error(e.pos, `${where} must be ${WANTED['der-in']}: write &${e.name}`);
    }
    if (e.kind !== 'addr') throw this.mismatch(e, 'der-in', where);
    const v = this.known(e.name, e.pos, 'variable', ' (i2d_SSL_SESSION(s, &name) fills one)');
    if (v.kind !== 'der') throw this.error(e.pos, `${where} must be ${WANTED['der-in']}, but ${e.name} is ${NOUN[v.kind]} (assigned at line ${v.line})`);
  }

  /** A variable that must already exist; otherwise an "unknown handle/variable/constant" error. */
  private known(name: string, pos: Pos, role: 'handle' | 'variable', hint = ''): VariableInfo {
    const v = this.vars.get(name);
    if (v !== undefined) return v;
    if (role === 'variable' && CONSTANT_LIKE.test(name)) {
      throw this.error(pos, `unknown constant ${name}${didYouMean(name, CONSTANTS.keys())}`);
    }
    const later = this.firstAssigned.get(name);
    const tooLate = later !== undefined && later > pos.line ? ` (line ${later} does, which is too late)` : '';
    throw this.error(pos, `unknown ${role} ${name}: no earlier line assigns it${tooLate}${hint}`);
  }

  /** Refuses to bind names that already mean something else. */
  private assignable(name: string, pos: Pos): void {
    let what: string | null = null;
    if (name === 'NULL') what = 'NULL is not a variable';
    else if (name === 'expect') what = 'it is a keyword';
    else if (CONSTANTS.has(name)) what = 'it is a constant';
    else if (callbackSlot(name) !== null) what = 'it is a callback name';
    else if (isMethod(name)) what = 'it is a method';
    else if (CATALOGUE.has(name) || OBSERVERS.has(name)) what = 'it is a function name';
    if (what !== null) throw this.error(pos, `cannot assign to ${name}: ${what}`);
  }

  /** "`where` must be X, but Y" for an expression of the wrong kind. */
  private mismatch(e: Expr, want: ArgKind, where: string): TraceError {
    return this.error(e.pos, `${where} must be ${WANTED[want]}, but ${this.describe(e)}`);
  }

  /** What an expression is, for the "but ..." half of a mismatch. */
  private describe(e: Expr): string {
    switch (e.kind) {
      case 'var': {
        const v = this.vars.get(e.name);
        return v === undefined ? `got ${e.name}` : `${e.name} is ${NOUN[v.kind]} (assigned at line ${v.line})`;
      }
      case 'null':
        return 'got NULL';
      case 'int':
        return `got the integer ${e.text}`;
      case 'const':
        return `got the constant ${e.name}`;
      case 'string':
        return 'got a string';
      case 'addr':
        return `got &${e.name}`;
      case 'call':
        return `got a call to ${e.name}`;
      case 'binary':
        return `got an integer expression`;
    }
  }

  private addrMisplaced(e: Extract<Expr, { kind: 'addr' }>): TraceError {
    return this.error(e.pos, `&${e.name} is only allowed as the DER argument of i2d_SSL_SESSION or d2i_SSL_SESSION`);
  }

  private error(pos: Pos, reason: string): TraceError {
    return TraceError.at(this.trace.file, pos, reason);
  }
}

/** The first line on which each name is assigned (by `=` or as a `&name` output), for "too late" hints. */
function firstAssignments(trace: Trace): Map<string, number> {
  const first = new Map<string, number>();
  const note = (name: string, line: number): void => {
    if (!first.has(name)) first.set(name, line);
  };
  for (const { statement } of trace.lines) {
    if (statement?.kind !== 'call') continue;
    if (statement.assign !== null) note(statement.assign.name, statement.pos.line);
    for (const a of statement.call.args) if (a.kind === 'addr') note(a.name, statement.pos.line);
  }
  return first;
}
