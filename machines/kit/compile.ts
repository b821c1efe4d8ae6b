/**
 * The derived engine: a flat transition table read mechanically from the
 * state nodes xstate itself parsed from a machine definition.
 *
 * Stepping xstate actors costs about 240k events/s here; one API call moves
 * several machines, so the simulator would miss its 500k calls/s bar. The
 * table engine runs the very same guards and updates (the functions of the
 * definition) without xstate's generic machinery. `properties/engine-agreement`
 * checks on random event sequences that it and xstate's pure `transition()`
 * agree on every state value, context and signal.
 *
 * Supported subset, checked at compile time: flat machines (no nested or
 * parallel states), named guards, named actions, static targets and `*` as
 * the only wildcard. As in xstate, an event's own rows are tried first and the
 * `*` rows when none of them is enabled.
 */
import type { AnyStateMachine } from 'xstate';
import type { Guard, MachineDefinition, MachineEvent, Signal, Update } from './definition.ts';
import { toXStateMachine } from './definition.ts';

/**
 * A machine's state: which state it is in and its context. The world keeps
 * one snapshot per object and an engine's `step` updates it in place, so a
 * call that moves many machines allocates only what changes (a context
 * update is `Object.assign` of the update's patch). Nothing keeps an old
 * snapshot: code that needs a value from before a step reads it first.
 */
export interface Snapshot<C> {
  value: string;
  context: C;
}

export interface Engine<C, E extends MachineEvent> {
  readonly id: string;
  initial(input: unknown): Snapshot<C>;
  /** Moves `snapshot` by `event` in place; returns the signals raised, in order. */
  step(snapshot: Snapshot<C>, event: E): readonly Signal[];
}

type ParamsFn = (args: { context: unknown; event: unknown }) => Record<string, unknown>;

/** One action of a row. `kind` is a discriminant so the step loop tests one field, not `in`. */
type Op<C, E> =
  | { readonly kind: 'update'; readonly update: Update<C, E> }
  | { readonly kind: 'signal'; readonly signal: string; readonly params: ParamsFn | Readonly<Record<string, unknown>> };

interface Row<C, E> {
  readonly guard: Guard<C, E> | undefined;
  readonly target: string | undefined;
  /** The rows of the target state, filled in once the whole table is built (undefined without a target). */
  targetRows: StateRows<C, E> | undefined;
  readonly ops: readonly Op<C, E>[];
  /** How many of `ops` are signals: a step's list of signals is made to that size. */
  readonly signalCount: number;
  /**
   * The row's signals made once, when none of them computes its params (a fault, `flushAll`): a step
   * returns this list instead of building an equal one. Undefined when a signal's params are computed.
   */
  readonly fixedSignals: readonly Signal[] | undefined;
}

/** The rows of one state for one event type, and the state's `*` rows tried when none of them is enabled. */
interface Entry<C, E> {
  readonly own: readonly Row<C, E>[];
  readonly wildcard: readonly Row<C, E>[] | undefined;
}

/** Per state: the entry of each event type with rows of its own, and the entry of any other type. */
interface StateRows<C, E> {
  readonly byEvent: ReadonlyMap<string, Entry<C, E>>;
  readonly otherwise: Entry<C, E>;
}

type Table<C, E> = ReadonlyMap<string, StateRows<C, E>>;

/**
 * A snapshot this engine made: it also keeps the rows of the state it is in, so a step finds them
 * without a Map lookup by the state's name (a run steps a hundred thousand events). Like the xstate
 * engine's `native`, an engine's own field, which the rest of the program never reads.
 */
interface TableSnapshot<C, E> extends Snapshot<C> {
  rows: StateRows<C, E>;
}

const NO_SIGNALS: readonly Signal[] = Object.freeze([]);
const EMPTY_PARAMS: Readonly<Record<string, unknown>> = Object.freeze({});

/** Compiles a definition into the table engine. */
export function compileMachine<C extends object, E extends MachineEvent>(def: MachineDefinition<C, E>): Engine<C, E> {
  const machine = toXStateMachine(def);
  const table = buildTable(def, machine);
  const initialValue = String((def.config as { initial: string }).initial);
  const initialRows = table.get(initialValue);
  if (!initialRows) throw new Error(`${def.id}: no initial state ${initialValue}`);
  // Guards take `{ context, event }` (xstate's signature). Guards are pure and keep nothing, so one
  // argument object per engine, refilled before each call, spares an allocation per guard call.
  const guardArgs: { context: C; event: E } = { context: undefined as never, event: undefined as never };
  return {
    id: def.id,
    initial: (input): TableSnapshot<C, E> => ({ value: initialValue, context: def.initialContext(input as never), rows: initialRows }),
    step: (snapshot, event) => stepTable(snapshot as TableSnapshot<C, E>, event, guardArgs),
  };
}

function buildTable<C extends object, E extends MachineEvent>(def: MachineDefinition<C, E>, machine: AnyStateMachine): Table<C, E> {
  const table = new Map<string, StateRows<C, E>>();
  for (const [key, node] of Object.entries(machine.root.states)) {
    if (Object.keys(node.states).length > 0) throw new Error(`${def.id}.${key}: nested states are not supported by the table engine`);
    const rows = new Map<string, readonly Row<C, E>[]>();
    for (const [eventType, transitions] of node.transitions) {
      rows.set(eventType, transitions.map((t) => compileRow(def, key, eventType, t)));
    }
    // One lookup per step: each event type's entry carries the `*` rows that back it up.
    const wildcard = rows.get('*');
    const byEvent = new Map<string, Entry<C, E>>();
    for (const [eventType, own] of rows) if (eventType !== '*') byEvent.set(eventType, { own, wildcard });
    table.set(key, { byEvent, otherwise: { own: wildcard ?? [], wildcard: undefined } });
  }
  // Every row's target is a state of the table (xstate resolved it), whose rows a transition then installs.
  for (const state of table.values()) {
    for (const entry of [...state.byEvent.values(), state.otherwise]) {
      for (const row of entry.own) if (row.target !== undefined) row.targetRows = table.get(row.target);
    }
  }
  return table;
}

interface ParsedTransition {
  readonly guard?: unknown;
  readonly target?: ReadonlyArray<{ readonly key: string; readonly parent?: unknown }> | undefined;
  readonly actions: readonly unknown[];
}

function compileRow<C extends object, E extends MachineEvent>(
  def: MachineDefinition<C, E>,
  state: string,
  eventType: string,
  t: ParsedTransition,
): Row<C, E> {
  const where = `${def.id}.${state} on ${eventType}`;
  let guard: Guard<C, E> | undefined;
  if (t.guard !== undefined) {
    if (typeof t.guard !== 'string' || !(t.guard in def.guards)) throw new Error(`${where}: guards must be named (${String(t.guard)})`);
    guard = def.guards[t.guard];
  }
  if (t.target && t.target.length > 1) throw new Error(`${where}: one target at most`);
  const target = t.target?.[0]?.key;
  const ops = t.actions.map((a) => compileOp(def, where, a));
  const signalOps = ops.filter((op) => op.kind === 'signal');
  // Fixed params are the same object at every step (frozen: no one may change what the next step returns).
  const fixed = signalOps.every((op) => typeof op.params !== 'function');
  const fixedSignals = fixed && signalOps.length > 0 ? Object.freeze(signalOps.map((op) => Object.freeze({ type: op.signal, params: op.params as Readonly<Record<string, unknown>> }))) : undefined;
  return { guard, target, targetRows: undefined, ops, signalCount: signalOps.length, fixedSignals };
}

function compileOp<C extends object, E extends MachineEvent>(def: MachineDefinition<C, E>, where: string, action: unknown): Op<C, E> {
  const name = typeof action === 'string' ? action : (action as { type?: unknown }).type;
  if (typeof name !== 'string') throw new Error(`${where}: actions must be named`);
  const update = def.updates[name];
  if (update) return { kind: 'update', update };
  if (!def.signals.includes(name)) throw new Error(`${where}: unknown action ${name}`);
  const params = typeof action === 'string' ? undefined : (action as { params?: ParamsFn | Record<string, unknown> }).params;
  return { kind: 'signal', signal: name, params: params ?? EMPTY_PARAMS };
}

function stepTable<C, E extends MachineEvent>(snapshot: TableSnapshot<C, E>, event: E, guardArgs: { context: C; event: E }): readonly Signal[] {
  const state = snapshot.rows;
  const entry = state.byEvent.get(event.type) ?? state.otherwise;
  const row = enabledRow(entry.own, snapshot.context, event, guardArgs) ?? (entry.wildcard && enabledRow(entry.wildcard, snapshot.context, event, guardArgs));
  return row ? applyRow(row, snapshot, event) : NO_SIGNALS;
}

/** The first row whose guard holds (or that has none). */
function enabledRow<C, E extends MachineEvent>(
  rows: readonly Row<C, E>[],
  context: C,
  event: E,
  guardArgs: { context: C; event: E },
): Row<C, E> | undefined {
  for (let i = 0; i < rows.length; i++) {
    const row = rows[i]!;
    if (row.guard === undefined) return row;
    guardArgs.context = context;
    guardArgs.event = event;
    if (row.guard(guardArgs)) return row;
  }
  return undefined;
}

/**
 * Runs a row's actions in order, as xstate does: an update sees the context
 * the previous update left, a signal's params see it too.
 */
function applyRow<C, E extends MachineEvent>(row: Row<C, E>, snapshot: TableSnapshot<C, E>, event: E): readonly Signal[] {
  const context = snapshot.context;
  const ops = row.ops;
  const fixedSignals = row.fixedSignals;
  // Sized once (a list grown by push starts with room for sixteen), and only when a signal computes its params.
  const signals: Signal[] | undefined = row.signalCount > 0 && fixedSignals === undefined ? new Array<Signal>(row.signalCount) : undefined;
  let next = 0;
  for (let i = 0; i < ops.length; i++) {
    const op = ops[i]!;
    if (op.kind === 'update') {
      Object.assign(context as object, op.update(context, event));
    } else if (signals !== undefined) {
      const params = typeof op.params === 'function' ? op.params({ context, event }) : op.params;
      signals[next++] = { type: op.signal, params };
    }
  }
  if (row.target !== undefined) {
    snapshot.value = row.target;
    snapshot.rows = row.targetRows!;
  }
  return signals ?? fixedSignals ?? NO_SIGNALS;
}
