/**
 * Which objects a step touched, for state views that list only what changed (`sslsim conform`,
 * src/run/observe.ts `changes`). An object's view is made from its own machine's context alone, and
 * every change to a context is a step of that machine (World.send) or its creation, so an object no
 * step touched has the view it had: the view need not be built to know it. Without this, each step
 * built the view of every object ever made to find the few that changed (7 of the 23 s of a
 * 1,000-connection trace, bench/HISTORY.md session 13).
 *
 * The objects of a kind are given in creation order, the order the world's tables list them in.
 */
import type { ObjectKind } from './world.ts';

export class ChangedObjects {
  private readonly touched: Record<ObjectKind, Set<string>> = { session: new Set(), ssl: new Set(), ctx: new Set() };
  /** Each object's place in its kind's creation order. */
  private readonly order: Record<ObjectKind, Map<string, number>> = { session: new Map(), ssl: new Map(), ctx: new Map() };

  created(kind: ObjectKind, id: string): void {
    const order = this.order[kind];
    order.set(id, order.size);
    this.touched[kind].add(id);
  }

  touch(kind: ObjectKind, id: string): void {
    this.touched[kind].add(id);
  }

  /** The objects of `kind` touched since the last call, in creation order; forgets them. */
  take(kind: ObjectKind): string[] {
    const touched = this.touched[kind];
    if (touched.size === 0) return [];
    const order = this.order[kind];
    const ids = [...touched].sort((a, b) => order.get(a)! - order.get(b)!);
    touched.clear();
    return ids;
  }
}
