/**
 * How messages name an object: its id with the variables that point at it,
 * `s3 (sess)`, in the order the variables were first assigned.
 *
 * A long trace has thousands of variables: scanning them all per message made
 * runs quadratic, so the variables of each id are indexed. The index is built
 * at the first message that names an object, and from then on kept in step
 * with every assignment; a clean run, which names nothing, never pays for it.
 */
import type { Variable } from './runner.ts';
import type { VariableTable } from './variables.ts';
import type { ObjectKind } from '../world/world.ts';

/** Per kind (an SSL and a session may share an id: SSL s1, session s1), the variables that point at each id. */
type NamesOfId = Readonly<Record<ObjectKind, Map<string, string[]>>>;

export class ObjectNames {
  /**
   * The variables that point at each object, in the order of `vars`; null until a message needs it. One Map per
   * kind rather than one keyed `kind:id`: a long trace assigns thousands of variables once the index exists, and
   * each concatenated key cost an allocation and a hash of the whole string.
   */
  private namesOfId: NamesOfId | null = null;

  /** @param vars the running program's variables, which this object reads and never changes */
  constructor(private readonly vars: VariableTable) {}

  /** Call before `vars` takes `v` as `name`'s value; `old` is its value until now (`vars.get(name)`, which the runner has at hand). */
  assign(name: string, old: Variable | undefined, v: Variable): void {
    const namesOfId = this.namesOfId;
    if (namesOfId === null) return;
    if (old !== undefined && old.kind === 'object') {
      const names = namesOfId[old.objKind].get(old.id);
      names?.splice(names.indexOf(name), 1);
    }
    if (v.kind === 'object') this.insertName(namesOfId[v.objKind], v.id, name);
  }

  /** `s3 (sess)`: an object's id with the variables that point at it (of that kind only). */
  describe(id: string, kind: ObjectKind): string {
    const names = this.index()[kind].get(id) ?? [];
    return names.length === 0 || (names.length === 1 && names[0] === id) ? id : `${id} (${names.filter((n) => n !== id).join(', ')})`;
  }

  private index(): NamesOfId {
    if (this.namesOfId !== null) return this.namesOfId;
    const namesOfId: NamesOfId = { session: new Map(), ssl: new Map(), ctx: new Map() };
    for (const [name, v] of this.vars) if (v.kind === 'object') this.insertName(namesOfId[v.objKind], v.id, name);
    return (this.namesOfId = namesOfId);
  }

  /** Adds `name` to the names of `id` (in the map of its kind), keeping them in the order of `vars`. */
  private insertName(namesOfId: Map<string, string[]>, id: string, name: string): void {
    const names = namesOfId.get(id);
    if (!names) {
      namesOfId.set(id, [name]);
      return;
    }
    // A sorted insert (names are unique in the list): it usually goes last, after older variables. A name
    // assigned for the first time has no rank yet (`assign` runs before the write): it is the newest of all.
    const rank = rankOrNewest(this.vars.rankOf(name));
    let at = names.length;
    while (at > 0 && rankOrNewest(this.vars.rankOf(names[at - 1]!)) > rank) at--;
    names.splice(at, 0, name);
  }
}

/** A variable's rank, the one about to be assigned for the first time (rank -1) after every other. */
function rankOrNewest(rank: number): number {
  return rank < 0 ? Number.MAX_SAFE_INTEGER : rank;
}
