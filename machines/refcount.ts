/**
 * Reference counting with a ledger: the part every OpenSSL object shares.
 *
 * OpenSSL keeps one integer per object (`references`, spec §1.1). The model
 * keeps that integer (`refs`, what real libssl has) and beside it a ledger of
 * who believes they hold each reference (`holders`): the application (with
 * the trace line that acquired it), an SSL, a cache, a store, a callback.
 * While everyone plays by the rules the two agree (refs = holders.length). A
 * release by someone who holds nothing (`bad-free`, misuse P1/P2) still
 * decrements `refs`, as libssl does, so the object dies early and the holders
 * left in the ledger are exactly the pointers that now dangle.
 *
 * Events shared by the three machines:
 * - `UP_REF { who, line }`: `who` takes a reference (spec §2 SSL_SESSION_up_ref).
 * - `FREE { who, line }`: `who` releases one (spec §2 SSL_SESSION_free: at 0 it is destroyed).
 * - `ACCESS`: any other use of the object (a getter, a pointer argument); legal only while alive.
 */
import type { MachineEvent } from './kit/definition.ts';

/** One entry of the ledger. `who` is `app`, `ssl:c1`, `ssl:c1/ctx`, `cache:sctx`, `store:sctx`, `new_cb`, `lookup`. */
export interface Holder {
  readonly who: string;
  /** The trace line that took the reference (0 for references taken before the trace, never here). */
  readonly line: number;
}

export interface Counted {
  readonly refs: number;
  readonly holders: readonly Holder[];
}

export interface RefEvent {
  readonly type: 'UP_REF' | 'FREE';
  readonly who: string;
  readonly line: number;
}

/** Does the releasing party hold a reference on this object? */
export function holds(context: Counted, who: string): boolean {
  // A plain loop: a context's ledger can list hundreds of holders (every SSL of a ctx holds two).
  const holders = context.holders;
  for (let i = 0; i < holders.length; i++) if (holders[i]!.who === who) return true;
  return false;
}

/** Removes `who`'s entry: the one acquired at `line` if there is one, else its latest. */
export function withoutHolder(holders: readonly Holder[], who: string, line: number): readonly Holder[] {
  // One pass (a ctx's ledger is long and every SSL_free walks it): it ends at the first entry of `who`
  // at `line`, else it has seen the latest entry of `who`. toSpliced copies once.
  let index = -1;
  for (let i = 0; i < holders.length; i++) {
    const h = holders[i]!;
    if (h.who !== who) continue;
    index = i;
    if (h.line === line) break;
  }
  return index < 0 ? holders : holders.toSpliced(index, 1);
}

type Args = { readonly context: Counted; readonly event: MachineEvent };
const whoOf = (event: MachineEvent): string => String(event['who']);

/** Guards for FREE, named after who releases and what is left. */
export const refGuards = {
  /** The releaser holds a reference, it is the last one, and others still believe they hold one. */
  holderReleasesLastWhileHeld: ({ context, event }: Args) =>
    context.refs === 1 && holds(context, whoOf(event)) && context.holders.length > 1,
  holderReleasesLast: ({ context, event }: Args) => context.refs === 1 && holds(context, whoOf(event)),
  holderReleases: ({ context, event }: Args) => holds(context, whoOf(event)),
  /** Someone who holds nothing releases the last reference while others believe they hold one. */
  strangerReleasesLastWhileHeld: ({ context }: Args) => context.refs === 1 && context.holders.length > 0,
  strangerReleasesLast: ({ context }: Args) => context.refs === 1,
} as const;

/** Updates shared by the three machines. */
export const refUpdates = {
  addHolder: (context: Counted, event: MachineEvent) => ({
    refs: context.refs + 1,
    // toSpliced at the end appends with one copy, several times faster than a spread for a ctx's long ledger.
    holders: context.holders.toSpliced(context.holders.length, 0, { who: whoOf(event), line: Number(event['line'] ?? 0) }),
  }),
  dropHolder: (context: Counted, event: MachineEvent) => ({
    refs: context.refs - 1,
    holders: withoutHolder(context.holders, whoOf(event), Number(event['line'] ?? 0)),
  }),
  /** A release by someone who holds nothing: the count drops, the ledger cannot. */
  stealRef: (context: Counted) => ({ refs: context.refs - 1 }),
} as const;

/** The fault signal, with its kind; the world turns it into a diagnostic. */
export const fault = (kind: string) => ({ type: 'fault', params: { kind } }) as const;

/** The fault raised when the last reference goes while the ledger still lists holders. */
export const orphanFault = {
  type: 'fault',
  params: ({ context }: { context: Counted }) => ({
    kind: 'freed-while-held',
    orphans: context.holders.map((h) => h.who),
  }),
} as const;

/**
 * The FREE transitions of a live object, in guard order. `onDestroy` is what
 * happens when the count reaches 0 (the target state and the signals that
 * release what the object owned).
 */
export function freeTransitions(onDestroy: { readonly target: string; readonly actions: readonly unknown[] }): unknown[] {
  return [
    { guard: 'holderReleasesLastWhileHeld', target: onDestroy.target, actions: ['dropHolder', orphanFault, ...onDestroy.actions] },
    { guard: 'holderReleasesLast', target: onDestroy.target, actions: ['dropHolder', ...onDestroy.actions] },
    { guard: 'holderReleases', actions: ['dropHolder'] },
    { guard: 'strangerReleasesLastWhileHeld', target: onDestroy.target, actions: ['stealRef', fault('bad-free'), orphanFault, ...onDestroy.actions] },
    { guard: 'strangerReleasesLast', target: onDestroy.target, actions: ['stealRef', fault('bad-free'), ...onDestroy.actions] },
    { actions: ['stealRef', fault('bad-free')] },
  ];
}

/** What a destroyed object does with any event: every use is a use after free, a second free a double free. */
export const freedTransitions = {
  FREE: { actions: [fault('double-free')] },
  UP_REF: { actions: [fault('use-after-free')] },
  ACCESS: { actions: [fault('use-after-free')] },
} as const;
