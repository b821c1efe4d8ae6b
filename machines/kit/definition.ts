/**
 * How a statechart of this project is written.
 *
 * A machine is plain data (an xstate config that names its guards and actions)
 * plus three tables of plain functions:
 * - `guards`: `({ context, event }) => boolean`;
 * - `updates`: `(context, event) => Partial<context>`, applied in order, like `assign`;
 * - `signals`: the names of actions that do not change the machine but tell
 *   the world something: a fault (`use-after-free`) or an effect on another
 *   object (`releaseSession`). Their params may be computed from the context
 *   as it stands after the updates before them in the same transition.
 *
 * The same definition feeds xstate (`toXStateMachine`) and the derived table
 * engine (`compileMachine`), so the statechart stays the single source of
 * truth while the simulator runs at millions of events a second.
 */
import { assign, setup, type AnyStateMachine } from 'xstate';

/** Every event carries a `type`; the rest is the event's payload. */
export interface MachineEvent {
  readonly type: string;
  readonly [key: string]: unknown;
}

export type Guard<C, E> = (args: { readonly context: C; readonly event: E }) => boolean;
export type Update<C, E> = (context: C, event: E) => Partial<C>;

/** A signal as both engines report it: the action's name and its resolved params. */
export interface Signal {
  readonly type: string;
  readonly params: Readonly<Record<string, unknown>>;
}

export interface MachineDefinition<C extends object, E extends MachineEvent> {
  readonly id: string;
  /** The xstate config (states, initial, transitions), without `context`. */
  readonly config: Record<string, unknown>;
  readonly guards: Readonly<Record<string, Guard<C, E>>>;
  readonly updates: Readonly<Record<string, Update<C, E>>>;
  readonly signals: readonly string[];
  /** Builds the initial context from the machine's input. */
  readonly initialContext: (input: never) => C;
}

/**
 * Defines a machine: a typed identity function, so each machine file reads as
 * one literal and TypeScript checks its guard and update signatures.
 */
export function defineMachine<C extends object, E extends MachineEvent, I>(def: {
  readonly id: string;
  readonly config: Record<string, unknown>;
  readonly guards: Readonly<Record<string, Guard<C, E>>>;
  readonly updates: Readonly<Record<string, Update<C, E>>>;
  readonly signals: readonly string[];
  readonly initialContext: (input: I) => C;
}): MachineDefinition<C, E> & { readonly initialContext: (input: I) => C } {
  return def as MachineDefinition<C, E> & { readonly initialContext: (input: I) => C };
}

/** Builds the xstate machine from a definition: updates become `assign`, signals no-ops. */
export function toXStateMachine<C extends object, E extends MachineEvent>(def: MachineDefinition<C, E>): AnyStateMachine {
  const actions: Record<string, unknown> = {};
  for (const [name, update] of Object.entries(def.updates)) {
    actions[name] = assign(({ context, event }: { context: C; event: E }) => update(context, event));
  }
  for (const name of def.signals) {
    // A signal has no effect inside the machine; xstate's pure transition() returns it.
    actions[name] = () => undefined;
  }
  const config = {
    ...def.config,
    id: def.id,
    context: ({ input }: { input: never }) => def.initialContext(input),
  };
  return setup({ guards: def.guards as never, actions: actions as never }).createMachine(config as never) as unknown as AnyStateMachine;
}
