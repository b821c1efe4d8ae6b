/**
 * What one side of a comparison last showed of each object.
 *
 * Under the harness's `--changes` and the model's `changes` views
 * (conformance/PROTOCOL.md, src/run/observe.ts), a state lists only the
 * objects whose view differs from the one the last state listing them showed:
 * a long trace's states then grow with what its steps change, not with every
 * object it made. Each side notes its states in order; at a compared step,
 * the objects either side listed since the previous compared step are
 * compared as each side last showed them. An object neither side listed is
 * unchanged on both since they last agreed. A full state, which lists every
 * object, reads the same.
 */
import type { StateView } from '../run/observe.ts';
import type { RealState } from './harness.ts';

export type Table = 'sessions' | 'ssl' | 'ctx';
const TABLES: readonly Table[] = ['sessions', 'ssl', 'ctx'];

type AnyState = Pick<StateView, Table> | RealState;

export class LastShown {
  private readonly last: Readonly<Record<Table, Map<string, unknown>>> = { sessions: new Map(), ssl: new Map(), ctx: new Map() };
  private readonly listed: Readonly<Record<Table, Set<string>>> = { sessions: new Set(), ssl: new Set(), ctx: new Set() };

  /** Notes the objects `state` lists, in its order. */
  note(state: AnyState): void {
    for (const table of TABLES) {
      for (const [id, view] of Object.entries(state[table])) {
        this.last[table].set(id, view);
        this.listed[table].add(id);
      }
    }
  }

  /** The objects of `table` listed since the last `settle`, in the order first listed. */
  changed(table: Table): ReadonlySet<string> {
    return this.listed[table];
  }

  /** A compared step is done: what was listed so far is the common ground of the next. */
  settle(): void {
    for (const table of TABLES) this.listed[table].clear();
  }

  /** `id` of `table` as last shown, or undefined if never shown. */
  get<T>(table: Table, id: string): T | undefined {
    return this.last[table].get(id) as T | undefined;
  }

  /** Every object ever shown, as last shown: the full state this side's states add up to. */
  state<S extends AnyState>(): Pick<S, Table> {
    const out = { sessions: Object.fromEntries(this.last.sessions), ssl: Object.fromEntries(this.last.ssl), ctx: Object.fromEntries(this.last.ctx) };
    return out as unknown as Pick<S, Table>;
  }
}
