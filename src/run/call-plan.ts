/**
 * A call of a checked trace, compiled once for the runner: its handler, the
 * kind of object it returns, and for each argument either the `Arg` itself
 * (when nothing the program does can change it: a string, NULL, a method or
 * callback name, an integer expression of literals and constants) or what the
 * runner must read when the call runs (a variable, `&der`, an integer
 * expression with variables or `time(NULL)`).
 *
 * The bench runs one checked trace again and again; walking each call's
 * expression tree, hashing its function name into the handler table and
 * hex-encoding its strings on every run was a quarter of the runner's time.
 * Plans are kept per checked trace (which never changes once checked), so a
 * trace run once pays what it paid before, and a trace run again pays nothing.
 *
 * Each variable a plan names gets a slot number, the same for every plan of
 * the trace: the runner keeps each variable's value in an array by slot beside
 * its Map by name, and an argument reads the array (a long trace has thousands
 * of variables, and a lookup in a Map that size was one of a call's costliest reads).
 */
import type { Expr } from '../trace/ast.ts';
import { CATALOGUE } from '../trace/catalogue.ts';
import type { CheckedTrace } from '../trace/check.ts';
import { API } from '../api/index.ts';
import type { Arg, Handler } from '../api/types.ts';
import type { ObjectKind } from '../world/world.ts';
import { bytesHex, evalInt, type IntEnv } from './values.ts';

type CallExpr = Extract<Expr, { kind: 'call' }>;

/** One argument: the value itself, or what to read when the call runs (the runner's `arg` says how). */
export type ArgPlan =
  | { readonly kind: 'fixed'; readonly arg: Arg }
  | { readonly kind: 'var'; readonly name: string; readonly slot: number }
  | { readonly kind: 'addr'; readonly name: string; readonly slot: number }
  | { readonly kind: 'int'; readonly expr: Expr };

/** The slot numbers of one trace's variables (0, 1, … in the order plans first name them). */
export class VarSlots {
  private readonly slots = new Map<string, number>();

  /** `name`'s slot, given now if it has none yet. */
  of(name: string): number {
    let slot = this.slots.get(name);
    if (slot === undefined) this.slots.set(name, (slot = this.slots.size));
    return slot;
  }

  /** `name`'s slot, or undefined if no plan has named it (then no call has assigned it either). */
  peek(name: string): number | undefined {
    return this.slots.get(name);
  }
}

/** A variable a call writes, and its slot. */
export interface Written {
  readonly name: string;
  readonly slot: number;
}

export interface CallPlan {
  readonly expr: CallExpr;
  /** Undefined for a function the model lacks: the runner says so when (and only if) the call runs. */
  readonly handler: Handler | undefined;
  /** The kind of object a pointer-returning call yields. */
  readonly returns: ObjectKind | undefined;
  readonly args: readonly ArgPlan[];
  /** The variable the result is assigned to (`x = call(...)`), if any. */
  readonly target: Written | null;
  /** The variable of the first `&der` argument, which a DER result fills (i2d_SSL_SESSION). */
  readonly output: Written | null;
  /** SSL_get0_session, SSL_get_session, SSL_get1_session: the TLS 1.3 early-session check follows. */
  readonly readsSession: boolean;
  /** connect and handshake: the step records both sides' SSL_session_reused. */
  readonly connection: boolean;
}

/** The kind of object each pointer-returning call yields. */
const API_RETURNS: ReadonlyMap<string, ObjectKind> = new Map(
  [...CATALOGUE.values()].flatMap((c) => (c.returns === 'ctx' || c.returns === 'ssl' || c.returns === 'session' ? [[c.name, c.returns] as const] : [])),
);

/** A checked trace's plans: its call steps', by step index, made as the steps first run, and its variables' slots. */
export interface TracePlans {
  readonly calls: (CallPlan | undefined)[];
  readonly slots: VarSlots;
}

const PLANS = new WeakMap<CheckedTrace, TracePlans>();
/** The plans of calls made by `expect` sides, by expression (an expression belongs to one trace, so to one VarSlots). */
const SIDE_PLANS = new WeakMap<CallExpr, CallPlan>();

/** The plans of a checked trace, one place per step. */
export function plansOf(checked: CheckedTrace): TracePlans {
  let plans = PLANS.get(checked);
  if (plans === undefined) {
    plans = { calls: new Array<CallPlan | undefined>(checked.steps.length).fill(undefined), slots: new VarSlots() };
    PLANS.set(checked, plans);
  }
  return plans;
}

/** The plan of a call an `expect` side makes (its result is assigned to nothing). */
export function sidePlanOf(expr: CallExpr, slots: VarSlots): CallPlan {
  let plan = SIDE_PLANS.get(expr);
  if (plan === undefined) {
    plan = planCall(expr, null, slots);
    SIDE_PLANS.set(expr, plan);
  }
  return plan;
}

export function planCall(expr: CallExpr, target: string | null, slots: VarSlots): CallPlan {
  const name = expr.name;
  const output = expr.args.find((a) => a.kind === 'addr');
  return {
    expr,
    handler: API.get(name),
    returns: API_RETURNS.get(name),
    args: expr.args.map((a) => planArg(a, slots)),
    target: target === null ? null : { name: target, slot: slots.of(target) },
    output: output?.kind === 'addr' ? { name: output.name, slot: slots.of(output.name) } : null,
    readsSession: name === 'SSL_get0_session' || name === 'SSL_get_session' || name === 'SSL_get1_session',
    connection: name === 'connect' || name === 'handshake',
  };
}

/** In the order the runner's `arg` tests the expression's forms, so a plan gives the Arg it would. */
function planArg(expr: Expr, slots: VarSlots): ArgPlan {
  if (expr.kind === 'string') return fixed({ kind: 'bytes', hex: bytesHex(expr.value) });
  if (expr.kind === 'null') return fixed({ kind: 'null' });
  if (expr.kind === 'call' && expr.args.length === 0 && expr.name !== 'time') return fixed({ kind: 'name', name: expr.name });
  if (expr.kind === 'addr') return { kind: 'addr', name: expr.name, slot: slots.of(expr.name) };
  if (expr.kind === 'var') return { kind: 'var', name: expr.name, slot: slots.of(expr.name) };
  if (isStatic(expr)) return fixed({ kind: 'int', value: evalInt(expr, NO_ENV) });
  return { kind: 'int', expr };
}

/**
 * A fixed argument, shared by every run of the call. Its type keeps it unchanged; it is not frozen, as a
 * frozen object has a hidden class of its own and the handlers reading `kind` would meet two shapes of Arg.
 */
function fixed(arg: Arg): ArgPlan {
  return { kind: 'fixed', arg };
}

/** An integer expression whose value does not depend on the run: literals, constants and `|`, `+`, `-` of them. */
function isStatic(expr: Expr): boolean {
  if (expr.kind === 'int' || expr.kind === 'const') return true;
  if (expr.kind === 'binary') return isStatic(expr.left) && isStatic(expr.right);
  return false;
}

/** What a static expression reads: nothing (isStatic admits no variable and no clock). */
const NO_ENV: IntEnv = {
  get now(): number {
    throw new Error('a static integer expression read the clock');
  },
  intVar(name) {
    throw new Error(`a static integer expression read ${name}`);
  },
};
