/**
 * The objects one side of a comparison has shown destroyed so far.
 *
 * Under the harness's `--freed-once` and the model's `freed-once` views
 * (conformance/PROTOCOL.md, src/run/observe.ts), a state leaves out every
 * object an earlier state showed destroyed: a long trace's states then grow
 * with its live objects, not with every object it ever made. To compare two
 * states, an object one side leaves out reads as that side last showed it:
 * destroyed. A full state, which lists every object, reads the same.
 */
import type { CtxView, StateView } from '../run/observe.ts';
import type { RealState } from './harness.ts';

export type Table = 'sessions' | 'ssl' | 'ctx';

/** How a destroyed object looks in a state (PROTOCOL.md): no references, nothing held. */
export const FREED_VIEWS = {
  sessions: { refs: 0, freed: true, resumable: null },
  ssl: { refs: 0, freed: true, session: null },
  ctx: { refs: 0, freed: true, cache: [], sess_number: 0, stats: null } satisfies CtxView,
} as const;

type AnyState = Pick<StateView, Table> | RealState;

export class FreedSoFar {
  private readonly ids: Readonly<Record<Table, Set<string>>> = { sessions: new Set(), ssl: new Set(), ctx: new Set() };

  /** Notes the objects `state` shows destroyed. */
  note(state: AnyState): void {
    for (const table of ['sessions', 'ssl', 'ctx'] as const) {
      for (const [id, o] of Object.entries(state[table])) if (o.freed) this.ids[table].add(id);
    }
  }

  /** `id` of `table` in `state`, or its destroyed view if an earlier state showed it destroyed, else undefined. */
  lookup<T>(table: Table, state: Readonly<Record<string, T>>, id: string): T | undefined {
    if (Object.hasOwn(state, id)) return state[id];
    return this.ids[table].has(id) ? (FREED_VIEWS[table] as unknown as T) : undefined;
  }
}
