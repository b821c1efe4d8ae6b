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

type Op<C, E> =
  | { readonly update: Update<C, E> }
  | { readonly signal: string; readonly params: ParamsFn | Record<string, unknown> | undefined };

interface Row<C, E> {
  readonly guard: Guard<C, E> | undefined;
  readonly target: string | undefined;
  readonly ops: readonly Op<C, E>[];
}

const NO_SIGNALS: readonly Signal[] = Object.freeze([]);
const EMPTY_PARAMS: Readonly<Record<string, unknown>> = Object.freeze({});

/** Compiles a definition into the table engine. */
export function compileMachine<C extends object, E extends MachineEvent>(def: MachineDefinition<C, E>): Engine<C, E> {
  const machine = toXStateMachine(def);
  const table = buildTable(def, machine);
  const initialValue = String((def.config as { initial: string }).initial);
  return {
    id: def.id,
    initial: (input) => ({ value: initialValue, context: def.initialContext(input as never) }),
    step: (snapshot, event) => stepTable(table, snapshot, event),
  };
}

function buildTable<C extends object, E extends MachineEvent>(
  def: MachineDefinition<C, E>,
  machine: AnyStateMachine,
): Map<string, Map<string, readonly Row<C, E>[]>> {
  const table = new Map<string, Map<string, readonly Row<C, E>[]>>();
  for (const [key, node] of Object.entries(machine.root.states)) {
    if (Object.keys(node.states).length > 0) throw new Error(`${def.id}.${key}: nested states are not supported by the table engine`);
    const byEvent = new Map<string, readonly Row<C, E>[]>();
    for (const [eventType, transitions] of node.transitions) {
      byEvent.set(eventType, transitions.map((t) => compileRow(def, key, eventType, t)));
    }
    table.set(key, byEvent);
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
  return { guard, target, ops };
}

function compileOp<C extends object, E extends MachineEvent>(def: MachineDefinition<C, E>, where: string, action: unknown): Op<C, E> {
  const name = typeof action === 'string' ? action : (action as { type?: unknown }).type;
  if (typeof name !== 'string') throw new Error(`${where}: actions must be named`);
  const update = def.updates[name];
  if (update) return { update };
  if (!def.signals.includes(name)) throw new Error(`${where}: unknown action ${name}`);
  const params = typeof action === 'string' ? undefined : (action as { params?: ParamsFn | Record<string, unknown> }).params;
  return { signal: name, params };
}

function stepTable<C, E extends MachineEvent>(
  table: Map<string, Map<string, readonly Row<C, E>[]>>,
  snapshot: Snapshot<C>,
  event: E,
): readonly Signal[] {
  const byEvent = table.get(snapshot.value);
  if (!byEvent) return NO_SIGNALS;
  return tryRows(byEvent.get(event.type), snapshot, event) ?? tryRows(byEvent.get('*'), snapshot, event) ?? NO_SIGNALS;
}

function tryRows<C, E extends MachineEvent>(
  rows: readonly Row<C, E>[] | undefined,
  snapshot: Snapshot<C>,
  event: E,
): readonly Signal[] | undefined {
  if (!rows) return undefined;
  for (const row of rows) {
    if (row.guard && !row.guard({ context: snapshot.context, event })) continue;
    return applyRow(row, snapshot, event);
  }
  return undefined;
}

/**
 * Runs a row's actions in order, as xstate does: an update sees the context
 * the previous update left, a signal's params see it too.
 */
function applyRow<C, E extends MachineEvent>(row: Row<C, E>, snapshot: Snapshot<C>, event: E): readonly Signal[] {
  const context = snapshot.context;
  let signals: Signal[] | undefined;
  for (const op of row.ops) {
    if ('update' in op) {
      Object.assign(context as object, op.update(context, event));
    } else {
      const params = typeof op.params === 'function' ? op.params({ context, event }) : (op.params ?? EMPTY_PARAMS);
      (signals ??= []).push({ type: op.signal, params });
    }
  }
  if (row.target !== undefined) snapshot.value = row.target;
  return signals ?? NO_SIGNALS;
}
