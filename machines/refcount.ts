/**
 * Reference counting with a ledger: the part every OpenSSL object shares.
 *
 * OpenSSL keeps one integer per object (`references`, spec §1.1). The model
 * keeps that integer (`refs`, what real libssl has) and beside it a ledger of
 * who believes they hold each reference (`holders`): the application (with
 * the trace line that acquired it), an SSL, a cache, a store, a callback.
 * While everyone plays by the rules the two agree (refs = holders.size). A
 * release by someone who holds nothing (`bad-free`, misuse P1/P2) still
 * decrements `refs`, as libssl does, so the object dies early and the holders
 * left in the ledger are exactly the pointers that now dangle. The ledger
 * itself, indexed by holder, is machines/ledger.ts.
 *
 * Events shared by the three machines:
 * - `UP_REF { who, line }`: `who` takes a reference (spec §2 SSL_SESSION_up_ref).
 * - `FREE { who, line }`: `who` releases one (spec §2 SSL_SESSION_free: at 0 it is destroyed).
 * - `ACCESS`: any other use of the object (a getter, a pointer argument); legal only while alive.
 */
import type { MachineEvent } from './kit/definition.ts';
import type { Ledger } from './ledger.ts';

export interface Counted {
  readonly refs: number;
  readonly holders: Ledger;
}

export interface RefEvent {
  readonly type: 'UP_REF' | 'FREE';
  readonly who: string;
  readonly line: number;
}

/**
 * The ACCESS event, one object for every use: it carries nothing, machines never
 * change or keep an event, and it is a fifth of all the events a run sends.
 * Not frozen: the engine would meet events of two hidden classes (src/run/call-plan.ts `fixed`).
 */
export const ACCESS: { readonly type: 'ACCESS' } = { type: 'ACCESS' };

type Args = { readonly context: Counted; readonly event: MachineEvent };
// UP_REF and FREE carry `who: string` and `line: number` (RefEvent): read as they are, without a String() or
// Number() call on each of the hundred thousand guards and updates a run evaluates.
const whoOf = (event: MachineEvent): string => event['who'] as string;
const lineOf = (event: MachineEvent): number => (event['line'] as number | undefined) ?? 0;

/** Guards for FREE, named after who releases and what is left. */
export const refGuards = {
  /** The releaser holds a reference, it is the last one, and others still believe they hold one. */
  holderReleasesLastWhileHeld: ({ context, event }: Args) =>
    context.refs === 1 && context.holders.holds(whoOf(event)) && context.holders.size > 1,
  holderReleasesLast: ({ context, event }: Args) => context.refs === 1 && context.holders.holds(whoOf(event)),
  holderReleases: ({ context, event }: Args) => context.holders.holds(whoOf(event)),
  /** Someone who holds nothing releases the last reference while others believe they hold one. */
  strangerReleasesLastWhileHeld: ({ context }: Args) => context.refs === 1 && context.holders.size > 0,
  strangerReleasesLast: ({ context }: Args) => context.refs === 1,
} as const;

/** Updates shared by the three machines. The ledger changes in place (machines/ledger.ts says why); the count is returned. */
export const refUpdates = {
  addHolder: (context: Counted, event: MachineEvent) => {
    context.holders.add(whoOf(event), lineOf(event));
    return { refs: context.refs + 1 };
  },
  dropHolder: (context: Counted, event: MachineEvent) => {
    context.holders.drop(whoOf(event), lineOf(event));
    return { refs: context.refs - 1 };
  },
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
    orphans: context.holders.list().map((h) => h.who),
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
