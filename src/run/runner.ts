/**
 * Runs a checked trace on a fresh world, one step at a time, and records for
 * each step its return value, the callbacks fired, the diagnostics and the
 * state of every object (the `sslsim run --json` schema, docs/json-schema.md).
 *
 * The runner owns the application's side of the program: its variables, and
 * for each pointer whether it came with a reference (owned) or was borrowed
 * from an SSL (`SSL_get0_session`), which is what `stale-borrow` checks.
 */
import type { Expr } from '../trace/ast.ts';
import type { CheckedTrace, ExpectSide, Step } from '../trace/check.ts';
import { TraceError } from '../trace/errors.ts';
import type { Arg, Ret } from '../api/types.ts';
import type { EncodedSession } from '../../machines/ssl-session.ts';
import { isResumable } from '../../machines/ssl-session.ts';
import type { Diagnostic } from '../world/diagnostics.ts';
import type { CallbackEvent } from '../world/events.ts';
import { UsageError } from '../world/usage-error.ts';
import { type ObjectKind, type ObjectRef, World } from '../world/world.ts';
import { observeState, shownViews, type StateView, type ViewScope } from './observe.ts';
import { evalInt, IntRangeError, type IntEnv } from './values.ts';
import { type ArgPlan, type CallPlan, planCall, plansOf, sidePlanOf, type TracePlans, type Written } from './call-plan.ts';
import { checkBorrow, earlySessionWarning, leakDiagnostics } from './ownership.ts';
import { ObjectNames } from './object-names.ts';
import { Variables, type VariableTable } from './variables.ts';

/**
 * A variable of the running program. The runner makes them with the functions below the type, which give
 * every value the same fields in the same order (one hidden class, as for Ret in api/types.ts): the
 * runner reads `kind` on each argument, and values of four shapes made that read V8's megamorphic path.
 */
export type Variable =
  | {
      readonly kind: 'object';
      readonly objKind: ObjectKind;
      readonly id: string;
      readonly line: number;
      readonly owned: boolean;
      readonly borrowedFrom: string | null;
      /** The object itself, kept so that a call naming the variable hands it to the world without a lookup by id (World.recall). */
      readonly ref: ObjectRef;
    }
  | { readonly kind: 'null' }
  | { readonly kind: 'int'; readonly value: number }
  | { readonly kind: 'der'; readonly der: EncodedSession | null; readonly length: number };

/** Every Variable the runner makes, with all the fields any kind has (see Variable). */
function makeVariable(
  kind: Variable['kind'],
  objKind: ObjectKind | null,
  id: string | null,
  line: number,
  owned: boolean,
  borrowedFrom: string | null,
  value: number,
  der: EncodedSession | null,
  length: number,
  ref: ObjectRef | null,
): Variable {
  return { kind, objKind, id, line, owned, borrowedFrom, value, der, length, ref } as Variable;
}

const objectVariable = (objKind: ObjectKind, id: string, line: number, owned: boolean, borrowedFrom: string | null, ref: ObjectRef): Variable =>
  makeVariable('object', objKind, id, line, owned, borrowedFrom, 0, null, 0, ref);
const NULL_VARIABLE: Variable = makeVariable('null', null, null, 0, false, null, 0, null, 0, null);
const intVariable = (value: number): Variable => makeVariable('int', null, null, 0, false, null, value, null, 0, null);
const derVariable = (der: EncodedSession | null, length: number): Variable => makeVariable('der', null, null, 0, false, null, 0, der, length, null);

/** Both sides' SSL_session_reused after a connection, as its step record shows them. */
type Reused = { readonly client: number; readonly server: number };

export interface StepRecord {
  readonly line: number;
  readonly call: string;
  readonly ret: number | string | null;
  readonly events: readonly CallbackEvent[];
  readonly diagnostics: readonly Diagnostic[];
  readonly state: StateView;
  readonly undefined: boolean;
  readonly expect?: { readonly ok: boolean; readonly left: number | string | null; readonly right: number | string | null };
  readonly reused?: { readonly client: number; readonly server: number };
}

export interface RunResult {
  readonly file: string;
  readonly records: readonly StepRecord[];
  readonly diagnostics: readonly Diagnostic[];
  /** Diagnostics no `expect diagnostic` line accounted for. */
  readonly unexpected: readonly Diagnostic[];
  readonly failedExpects: readonly StepRecord[];
  readonly undefinedSince: number | null;
}

export interface RunnerOptions {
  /**
   * Each record's state view: every object made so far (`true`), the live ones only (`'live'`), those whose
   * view changed since the previous record (`'changes'`, what `sslsim conform` compares, observe.ts), none
   * (`false`), or every object on the records of `expect` lines only (`'expects'`, what emit-c reads).
   */
  readonly snapshots: boolean | 'live' | 'changes' | 'expects';
  /** Which step records the run keeps; `all` when absent. */
  readonly records?: 'all' | 'findings';
  /** The state views carry each ctx's session counters (what `sslsim conform` compares); off when absent. */
  readonly counters?: boolean;
  /**
   * Called with each record as it is made, state view included, in the order of `records`. The run then
   * keeps its records without their views: `sslsim run` writes each step as it goes, and a long trace's
   * views, each listing every object made so far, no longer add up in memory (25,000 calls needed over 4 GB).
   */
  readonly onRecord?: (record: StepRecord) => void;
}

export class Runner {
  readonly world = new World();
  /** The program's variables (variables.ts), by slot and by name. */
  readonly vars: Variables;
  private readonly records: StepRecord[] = [];
  private readonly matched = new Set<Diagnostic>();
  /** Which objects a record's view lists (observe.ts); a `changes` scope remembers each object's last view. */
  private readonly scope: ViewScope;

  /**
   * `snapshots: false` records every step without its state view. The view
   * lists every object ever created, so taking it at every step makes a run
   * quadratic in the trace's length; the bench and the property suites that
   * only read diagnostics do without it.
   *
   * `records: 'findings'` (a checker's mode) keeps only the records that carry
   * findings: a step's diagnostics, an `expect` line's result, and the end of
   * the trace. Every step still runs with the same effects, so the result's
   * `diagnostics`, `unexpected`, `failedExpects` and `undefinedSince` are those
   * of `records: 'all'` (the default, what `sslsim run` prints); what a
   * findings run lacks is the record of a quiet step (its return value and
   * callbacks).
   */
  constructor(
    private readonly checked: CheckedTrace,
    private readonly options: RunnerOptions = { snapshots: true },
  ) {
    this.scope = scopeOf(options.snapshots);
    // A view of what changed needs only the objects a step touched (world/changes.ts).
    if (this.scope.kind === 'changes') this.world.trackChanges();
    this.vars = new Variables(plansOf(checked).slots);
    this.objectNames = new ObjectNames(this.vars);
    this.intEnv = intEnvOf(this.world, this.vars);
    this.world.namer = (id, kind) => this.objectNames.describe(id, kind);
  }

  run(): RunResult {
    const steps = this.checked.steps;
    // Sized once: the list has one entry per step, and growing it step by step copied it over and over.
    const recordOfStep: (StepRecord | null)[] = new Array<StepRecord | null>(steps.length).fill(null);
    const plans = plansOf(this.checked);
    this.plans = plans;
    for (let i = 0; i < steps.length; i++) recordOfStep[i] = this.runStep(steps[i]!, i, plans, recordOfStep);
    this.finish();
    const diagnostics = [...this.records.flatMap((r) => r.diagnostics)];
    return {
      file: this.checked.file,
      records: this.records,
      diagnostics,
      unexpected: diagnostics.filter((d) => d.severity === 'error' && !this.matched.has(d)),
      failedExpects: this.records.filter((r) => r.expect && !r.expect.ok),
      undefinedSince: this.world.undefinedSince,
    };
  }

  private runStep(step: Step, index: number, plans: TracePlans, recordOfStep: readonly (StepRecord | null)[]): StepRecord | null {
    this.world.line = step.line;
    this.freshStepBuffers();
    const undefinedBefore = this.world.undefinedSince !== null;
    const text = step.text;
    try {
      if (step.kind === 'call') {
        const plan = (plans.calls[index] ??= planCall(step.statement.call, step.statement.assign?.name ?? null, plans.slots));
        const ret = this.call(plan);
        return this.push(step.line, text, ret, this.reusedByCall, undefinedBefore);
      }
      if (step.kind === 'expect') return this.expect(step, text, undefinedBefore);
      this.expectDiagnostic(step, recordOfStep);
      return null;
    } catch (e) {
      if (e instanceof IntRangeError) throw TraceError.at(this.checked.file, e.pos, e.message);
      if (e instanceof UsageError) {
        const call = step.kind === 'call' ? step.statement.call : null;
        const pos = call && e.arg !== null ? (call.args[e.arg]?.pos ?? step) : step;
        throw new TraceError(this.checked.file, pos.line, pos.col, e.message);
      }
      throw e;
    }
  }

  /**
   * Runs one call (its plan, call-plan.ts); binds the result to the plan's target.
   * Returns the C return value; a connection's `reused` is left in `reusedByCall`
   * (two results in fields, not in an object made for each call).
   */
  private call(plan: CallPlan): number | string | null {
    const { expr, handler, target } = plan;
    if (!handler) throw new TraceError(this.checked.file, expr.pos.line, expr.pos.col, `no model for ${expr.name}`);
    const argPlans = plan.args;
    const args = this.argList(argPlans.length);
    for (let i = 0; i < argPlans.length; i++) args[i] = this.arg(argPlans[i]!, expr.name, i);
    const frame = this.frame;
    frame.args = args;
    frame.target = target === null ? null : target.name;
    const ret = handler(frame);
    if (ret.kind === 'der' && plan.output !== null) this.setVar(plan.output, derVariable(ret.der, ret.length));
    if (target !== null) this.setVar(target, this.variableOf(ret, plan.returns));
    if (plan.readsSession) {
      const warning = earlySessionWarning(this.world, args[0]);
      if (warning) this.world.report(warning);
    }
    this.reusedByCall = plan.connection ? this.reused(args) : undefined;
    return retValue(ret);
  }

  /**
   * What a handler receives, one object for the run and one argument list per arity, refilled by every call:
   * calls never nest (a callback the model fires is not a trace call), and no handler keeps its Call or its
   * list (one that needs another list copies it, ctx-api.ts withInt). Two allocations a call fewer.
   */
  private readonly frame: { readonly world: World; args: Arg[]; target: string | null } = { world: this.world, args: [], target: null };
  private readonly argLists: Arg[][] = [];

  /** The argument list of `length` entries, made the first time a call of that arity runs. */
  private argList(length: number): Arg[] {
    const lists = this.argLists;
    while (lists.length <= length) lists.push(new Array<Arg>(lists.length));
    return lists[length]!;
  }

  /** `reused` of the last call, for a connection. */
  private reusedByCall: Reused | undefined;

  private reused(args: readonly Arg[]): Reused | undefined {
    const c = args[0];
    const s = args[1];
    if (c?.kind !== 'object' || s?.kind !== 'object') return undefined;
    return REUSED[this.hit(c.id)]![this.hit(s.id)];
  }

  /** SSL_session_reused of an SSL after a connection: 0 once it is freed. A method, not a closure made per call. */
  private hit(ssl: string): number {
    return this.world.isFreed('ssl', ssl) ? 0 : this.world.ssl(ssl).hit ? 1 : 0;
  }

  /** An argument's value now: a fixed one as planned, the others read from the variables and the clock. */
  private arg(plan: ArgPlan, fn: string, index: number): Arg {
    if (plan.kind === 'fixed') return plan.arg;
    if (plan.kind === 'addr') {
      const v = this.vars.at(plan.slot);
      return { kind: 'der', name: plan.name, der: v?.kind === 'der' ? v.der : null, length: v?.kind === 'der' ? v.length : 0 };
    }
    if (plan.kind === 'var') {
      const v = this.vars.at(plan.slot);
      if (v === undefined) return { kind: 'name', name: plan.name }; // a callback name
      if (v.kind === 'object') {
        // Most of a call's lookups by id are its first touch of each argument: the world is handed them now.
        this.world.recall(v.objKind, v.id, v.ref);
        const stale = checkBorrow(this.world, plan.name, v, fn, index);
        if (stale) this.world.report(stale);
      }
      return this.vars.argAt(plan.slot);
    }
    return { kind: 'int', value: this.intOf(plan.expr) };
  }

  private intOf(expr: Expr): number {
    return evalInt(expr, this.intEnv);
  }

  /** What integer expressions read: one object for the whole run, reading the clock when evaluated. */
  private readonly intEnv: IntEnv;

  private variableOf(ret: Ret, objKind: ObjectKind | undefined): Variable {
    if (ret.kind === 'object') {
      if (ret.id === null || objKind === undefined) return NULL_VARIABLE;
      return objectVariable(objKind, ret.id, this.world.line, ret.owned, ret.borrowedFrom, this.world.refOf(objKind, ret.id));
    }
    if (ret.kind === 'int') return intVariable(ret.value);
    if (ret.kind === 'der') return intVariable(ret.length);
    return intVariable(0);
  }

  private expect(step: Extract<Step, { kind: 'expect' }>, text: string, undefinedBefore: boolean): StepRecord | null {
    this.sideReused = undefined;
    const left = this.side(step.left);
    const right = this.side(step.right);
    const equal = left === right;
    const ok = step.statement.op === '==' ? equal : !equal;
    // `expect connect(c1, s1) == 1` is a handshake too: its record says what it reused, as a connect line does.
    const reused = this.sideReused;
    return this.push(step.line, text, null, reused, undefinedBefore, { ok, left, right });
  }

  /** `reused` of a connect/handshake made by a side of the current expect. */
  private sideReused: Reused | undefined;

  private side(side: ExpectSide): number | string | null {
    if (side.form === 'call') {
      const ret = this.call(sidePlanOf(side.expr, this.plans!.slots));
      if (this.reusedByCall) this.sideReused = this.reusedByCall;
      return ret;
    }
    if (side.form === 'observer') return this.observe(side.expr.name, side.expr.args);
    const e = side.expr;
    if (e.kind === 'null') return null;
    if (e.kind === 'var') {
      const v = this.vars.get(e.name);
      if (v?.kind === 'object') return v.id;
      if (v?.kind === 'null') return null;
    }
    return this.intOf(e);
  }

  /** The observers of `expect` lines: they read the model and change nothing. */
  private observe(name: string, args: readonly Expr[]): number | string | null {
    const objects = args.map((a) => {
      const v = a.kind === 'var' ? this.vars.get(a.name) : undefined;
      return v?.kind === 'object' ? v : null;
    });
    const first = objects[0];
    const b = objects[1]?.id ?? null;
    if (!first) return name === 'owner' ? null : 0;
    const a = first.id;
    const kind = first.objKind;
    const freed = this.world.isFreed(kind, a);
    switch (name) {
      case 'refcount':
        return freed ? 0 : (kind === 'session' ? this.world.session(a) : kind === 'ssl' ? this.world.ssl(a) : this.world.ctx(a)).refs;
      case 'freed':
        return freed ? 1 : 0;
      case 'resumable':
        return !freed && kind === 'session' && isResumable(this.world.session(a)) ? 1 : 0;
      case 'owner':
        return freed || kind !== 'session' ? null : this.world.session(a).owner;
      case 'cached':
        return b && kind === 'ctx' && this.world.ctx(a).list.holds(b) ? 1 : 0;
      case 'stored':
        return b && [...(this.world.stores.get(a)?.values() ?? [])].some((e) => e.sid === b) ? 1 : 0;
      default:
        return 0;
    }
  }

  private expectDiagnostic(step: Extract<Step, { kind: 'expect-diagnostic' }>, recordOfStep: readonly (StepRecord | null)[]): void {
    const target = recordOfStep[step.call];
    // The nearest step that made a call first, then (when that was an expect) the nearest call statement (F95).
    const before = step.fallback === null ? null : recordOfStep[step.fallback];
    const pool = [...(target?.diagnostics ?? []), ...(before?.diagnostics ?? [])];
    const found = pool.find((d) => d.kind === step.diagnostic && !this.matched.has(d));
    if (found) {
      this.matched.add(found);
      return;
    }
    // Leaks are found at the end of the trace, each at the line that acquired the reference: an expectation after
    // the last call is about any of them, one after an acquiring call about that call's line (FINDINGS F96).
    if (step.diagnostic === 'leak') {
      this.pendingLeakExpectations.push(step);
      return;
    }
    this.push(step.line, step.text, null, undefined, this.world.undefinedSince !== null, {
      ok: false,
      left: `no ${step.diagnostic} diagnostic`,
      right: step.diagnostic,
    });
  }

  private readonly pendingLeakExpectations: Extract<Step, { kind: 'expect-diagnostic' }>[] = [];

  /** End of trace: every reference the application still owns is a leak. */
  private finish(): StepRecord {
    this.freshStepBuffers();
    const lastLine = this.checked.trace.lines.length;
    this.world.line = lastLine;
    for (const d of leakDiagnostics(this.world)) this.world.report(d);
    const record = this.record(lastLine, '(end of trace)', null, undefined, this.world.undefinedSince !== null);
    const kept = this.keep(record);
    const steps = this.checked.steps;
    const atEnd = (step: Extract<Step, { kind: 'expect-diagnostic' }>) => step.call < 0 || steps.slice(step.call + 1).every((s) => s.kind !== 'call');
    const linesOf = (step: Extract<Step, { kind: 'expect-diagnostic' }>) => [steps[step.call]?.line, step.fallback === null ? undefined : steps[step.fallback]?.line];
    // The ones about a line first, so that an expectation at the end does not take their leak.
    const pending = [...this.pendingLeakExpectations.filter((s) => !atEnd(s)), ...this.pendingLeakExpectations.filter(atEnd)];
    for (const step of pending) {
      const lines = atEnd(step) ? null : linesOf(step);
      const leak = kept.diagnostics.find((d) => d.kind === 'leak' && !this.matched.has(d) && (lines === null || lines.includes(d.line)));
      if (leak) this.matched.add(leak);
      else this.keep({ ...record, line: step.line, call: step.text, diagnostics: [], events: [], expect: { ok: false, left: 'no leak diagnostic', right: 'leak' } });
    }
    return kept;
  }

  /** Records a step, or in `findings` mode only a step with diagnostics or an expect; returns the record kept, if any. */
  private push(
    line: number,
    call: string,
    ret: number | string | null,
    reused: Reused | undefined,
    undefinedBefore: boolean,
    expect?: StepRecord['expect'],
  ): StepRecord | null {
    if (this.options.records === 'findings' && expect === undefined && this.world.diagnostics.length === 0) return null;
    return this.keep(this.record(line, call, ret, reused, undefinedBefore, expect));
  }

  /** Adds a record to the run's; with an `onRecord` listener, hands it over first and keeps it without its state view. */
  private keep(record: StepRecord): StepRecord {
    const onRecord = this.options.onRecord;
    let kept = record;
    if (onRecord !== undefined) {
      onRecord(record);
      if (record.state !== NO_STATE) kept = { ...record, state: NO_STATE };
    }
    this.records.push(kept);
    return kept;
  }

  /** A step's record: its result, the callbacks and diagnostics of the step, and the state view if snapshots are on. */
  private record(
    line: number,
    call: string,
    ret: number | string | null,
    reused: Reused | undefined,
    undefinedBefore: boolean,
    expect?: StepRecord['expect'],
  ): StepRecord {
    const { events, diagnostics } = this.world;
    const record: Mutable<StepRecord> = {
      line,
      call,
      ret,
      // An empty list is the shared NONE, so the world can keep its (still empty) array for the next step.
      events: events.length > 0 ? events : NONE,
      diagnostics: diagnostics.length > 0 ? diagnostics : NONE,
      state: this.viewed(expect) ? observeState(this.world, this.vars, this.options.counters === true, this.scope) : NO_STATE,
      undefined: undefinedBefore,
    };
    // Added in this order, so records keep their key order (`expect` before `reused`) in JSON.
    if (expect) record.expect = expect;
    if (reused) record.reused = reused;
    return record;
  }

  /** Does a record (of an `expect` line when `expect` is given) carry a state view? */
  private viewed(expect: StepRecord['expect'] | undefined): boolean {
    const snapshots = this.options.snapshots;
    return snapshots === 'expects' ? expect !== undefined : snapshots !== false;
  }

  /**
   * Empty callback and diagnostic lists for a new step. A list a record took
   * (a non-empty one) is replaced; an empty one is kept: most steps fire no
   * callback and report nothing, and two arrays a step are garbage to collect.
   */
  private freshStepBuffers(): void {
    if (this.world.events.length > 0) this.world.events = [];
    if (this.world.diagnostics.length > 0) this.world.diagnostics = [];
  }

  /** How messages name objects (`s3 (sess)`). */
  private readonly objectNames: ObjectNames;

  /** The checked trace's plans, while it runs. */
  private plans: TracePlans | undefined;

  /** Assigns a variable; every write to `vars` goes through here to keep `objectNames` in step. */
  private setVar(written: Written, v: Variable): void {
    // Before the write: the names' index, when it exists, is kept in the order of `vars` (object-names.ts).
    this.objectNames.assign(written.name, this.vars.at(written.slot), v);
    this.vars.set(written, v);
  }
}

/** The four `reused` a record can show, by client then server: shared, as records never change them. */
const REUSED: readonly (readonly Reused[])[] = [0, 1].map((client) => [0, 1].map((server) => ({ client, server })));

const NO_STATE: StateView = { sessions: {}, ssl: {}, ctx: {}, handles: {} };
const NONE: readonly never[] = Object.freeze([]);

type Mutable<T> = { -readonly [K in keyof T]: T[K] };

function retValue(ret: Ret): number | string | null {
  if (ret.kind === 'int') return ret.value;
  if (ret.kind === 'object') return ret.id;
  if (ret.kind === 'der') return ret.length;
  return null;
}

/** Integer expressions read the clock when they are evaluated, and integer variables (0 for any other). */
function intEnvOf(world: World, vars: VariableTable): IntEnv {
  return {
    get now(): number {
      return world.now;
    },
    intVar(name) {
      const v = vars.get(name);
      return v?.kind === 'int' ? v.value : 0;
    },
  };
}

function scopeOf(snapshots: RunnerOptions['snapshots']): ViewScope {
  if (snapshots === 'live') return { kind: 'live' };
  if (snapshots === 'changes') return { kind: 'changes', shown: shownViews() };
  return { kind: 'all' };
}
