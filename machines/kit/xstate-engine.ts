/**
 * The reference engine: steps a machine with xstate's own pure `transition()`.
 * Slow (about 50k events/s) but it is xstate; the agreement property suite runs
 * random event sequences through it and through the table engine and requires
 * identical snapshots and signals.
 */
import { initialTransition, transition, type AnyMachineSnapshot } from 'xstate';
import type { Engine, Snapshot } from './compile.ts';
import type { MachineDefinition, MachineEvent, Signal } from './definition.ts';
import { toXStateMachine } from './definition.ts';

interface XSnapshot<C> extends Snapshot<C> {
  /** The xstate snapshot behind this one, needed for the next transition. */
  native: AnyMachineSnapshot;
}

export function xstateEngine<C extends object, E extends MachineEvent>(def: MachineDefinition<C, E>): Engine<C, E> {
  const machine = toXStateMachine(def);
  const wrap = (native: AnyMachineSnapshot): XSnapshot<C> => ({
    value: String(native.value),
    context: native.context as C,
    native,
  });
  const signalsOf = (actions: readonly { type: string; params?: unknown }[]): Signal[] =>
    actions
      .filter((a) => def.signals.includes(a.type))
      .map((a) => ({ type: a.type, params: (a.params ?? {}) as Record<string, unknown> }));
  return {
    id: def.id,
    initial(input) {
      const [native] = initialTransition(machine, input as never);
      return wrap(native as AnyMachineSnapshot);
    },
    step(snapshot, event) {
      const holder = snapshot as XSnapshot<C>;
      if (!holder.native) throw new Error('xstateEngine.step needs a snapshot it produced');
      const [next, actions] = transition(machine, holder.native as never, event as never);
      // xstate's snapshots are immutable; the engine contract is an in-place update of the holder.
      Object.assign(holder, wrap(next as AnyMachineSnapshot));
      return signalsOf(actions as never);
    },
  };
}
