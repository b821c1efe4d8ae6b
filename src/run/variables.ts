/**
 * The running program's variables: each one's value, kept by the slot number
 * its trace's plans gave it (call-plan.ts VarSlots), and the names in the
 * order they were first assigned, which is the order `sslsim run --json`
 * lists handles and messages list the names of an object.
 *
 * A long trace has thousands of variables, most assigned once. A Map by name
 * grew with each of them, rehashing as it went, and was one of a run's
 * costliest writes; the slot array holds the same values, and the names are
 * looked up (rarely: expect lines, integer variables) through the trace's
 * VarSlots, which is built once per trace, not once per run.
 *
 * Each value also keeps the `Arg` a call receives when it names the variable,
 * made once when the variable is assigned instead of at every use.
 */
import type { Arg } from '../api/types.ts';
import type { VarSlots, Written } from './call-plan.ts';
import type { Variable } from './runner.ts';

/** What reads the variables by name: the state view (observe.ts), object names in messages (object-names.ts). */
export interface VariableTable {
  get(name: string): Variable | undefined;
  /** The position of `name` in the order of first assignment; -1 before it is assigned. */
  rankOf(name: string): number;
  /** Every assigned variable with its value, in the order of first assignment. */
  [Symbol.iterator](): IterableIterator<[string, Variable]>;
}

export class Variables implements VariableTable {
  private readonly values: (Variable | undefined)[] = [];
  private readonly args: (Arg | undefined)[] = [];
  /** Slots in the order of their first assignment. */
  private readonly order: number[] = [];
  /** Each slot's position in `order`. */
  private readonly ranks: number[] = [];
  private readonly names: string[] = [];

  constructor(private readonly slots: VarSlots) {}

  /** The value of the variable in `slot`, undefined before its first assignment. */
  at(slot: number): Variable | undefined {
    return this.values[slot];
  }

  /** The Arg a call receives for the variable in `slot` (its value must be defined). */
  argAt(slot: number): Arg {
    return this.args[slot]!;
  }

  get(name: string): Variable | undefined {
    const slot = this.slots.peek(name);
    return slot === undefined ? undefined : this.values[slot];
  }

  /** The position of `name` in the order of first assignment (0 for the first variable assigned); -1 before it is assigned. */
  rankOf(name: string): number {
    const slot = this.slots.peek(name);
    return slot === undefined ? -1 : (this.ranks[slot] ?? -1);
  }

  /** Assigns `written`; returns its value until now. */
  set(written: Written, v: Variable): Variable | undefined {
    const slot = written.slot;
    const values = this.values;
    // Filled up to the slot first: the arrays stay packed, never sparse, however slots are first written.
    while (values.length <= slot) {
      values.push(undefined);
      this.args.push(undefined);
      this.names.push('');
      this.ranks.push(-1);
    }
    const old = values[slot];
    if (old === undefined) {
      this.ranks[slot] = this.order.length;
      this.order.push(slot);
      this.names[slot] = written.name;
    }
    values[slot] = v;
    this.args[slot] = argOf(written.name, v);
    return old;
  }

  *[Symbol.iterator](): IterableIterator<[string, Variable]> {
    for (const slot of this.order) yield [this.names[slot]!, this.values[slot]!];
  }
}

const NULL_ARG: Arg = { kind: 'null' };

/** The Arg of a variable named `name` holding `v`. */
function argOf(name: string, v: Variable): Arg {
  if (v.kind === 'object') return { kind: 'object', id: v.id, handle: name, line: v.line };
  if (v.kind === 'null') return NULL_ARG;
  if (v.kind === 'der') return { kind: 'der', name, der: v.der, length: v.length };
  return { kind: 'int', value: v.value };
}
