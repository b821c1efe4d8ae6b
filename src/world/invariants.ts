/**
 * Invariants of the world between two calls: pure predicates that read a
 * World and change nothing, for the property suites, the CLI and the bench.
 *
 * What must hold after every call of a legal program (spec §1.2-§1.5, §4):
 * - `refcount-is-ledger`: a live object's count equals the number of holders
 *   in its ledger (machines/refcount.ts).
 * - `freed-iff-zero`: an object is destroyed exactly when its count is 0; no
 *   context is left half-destroyed between calls.
 * - `holders-are-real`: every ledger entry is a pointer that exists: `ssl:X`
 *   is SSL X's current session, `ssl:X/ctx` and `ssl:X/session_ctx` are its two
 *   context pointers, `cache:C` a node of C's hash table, `store:C` an owned
 *   entry of C's external store; the transient holders of a call (a lookup
 *   result, new_cb's extra reference, a ticket copy) are gone when it returns.
 * - `pointers-are-held`: conversely, every such pointer carries its holder.
 * - `cache-sorted`: each cache list is sorted by expiry, head latest (§1.5).
 * - `cache-keys-current`: each list entry sits under its session's current
 *   time + timeout (set_time and set_timeout re-sort, §2).
 * - `cache-owner`: a listed session is alive and its owner is that context;
 *   a live session with an owner is listed there (§1.1, §9).
 * - `cache-hash-matches-list`: hash table and list hold the same sessions,
 *   once each, under their current keys (§1.5).
 * - `capacity` (a property of a step, `checkCapacity`): a call never grows a
 *   cache of size N beyond N-1 sessions (1 for N = 1), §4 "Important
 *   consequence"; a shrunk size is applied only by the next add, and an
 *   empty-id tail stops the eviction loop (§4), so a cache may stay above.
 *
 * A misused program breaks some of these by design. An error diagnostic
 * (a bad free, a callback breaking its contract) makes the count and the
 * ledger disagree, or destroys an object some pointer still names: from then
 * on the first three (the ledger invariants) no longer hold, and
 * `CheckOptions.ledger: false` leaves them out. After undefined behaviour (a
 * dangling entry, a double free, a use after free, a cross-context add)
 * nothing is promised.
 */
import type { Counted } from '../../machines/refcount.ts';
import type { CtxContext } from '../../machines/ssl-ctx.ts';
import { cacheKey, expiryOf } from '../../machines/ssl-session.ts';
import { type Expiry, timeoutCmp } from '../../machines/session-timeout.ts';
import type { World } from './world.ts';

export type InvariantName =
  | 'refcount-is-ledger'
  | 'freed-iff-zero'
  | 'holders-are-real'
  | 'pointers-are-held'
  | 'cache-sorted'
  | 'cache-keys-current'
  | 'cache-owner'
  | 'cache-hash-matches-list'
  | 'capacity';

export interface Violation {
  readonly invariant: InvariantName;
  /** `session:s3`, `ssl:c1`, `ctx:sctx`. */
  readonly subject: string;
  readonly message: string;
}

export interface CheckOptions {
  /**
   * Check the ledger invariants `refcount-is-ledger`, `holders-are-real` and
   * `pointers-are-held` (default true); turn them off after an error diagnostic.
   */
  readonly ledger?: boolean;
}

/** Every invariant but `capacity`, which needs the state before the step. */
export function checkWorld(world: World, options: CheckOptions = {}): Violation[] {
  const ledger = options.ledger === false ? [] : [...refcountIsLedger(world), ...holdersAreReal(world), ...pointersAreHeld(world)];
  return [...ledger, ...freedIffZero(world), ...cacheStructure(world)];
}

type Kind = 'session' | 'ssl' | 'ctx';

function* objects(world: World): Generator<[Kind, string, { value: string; context: Counted }]> {
  for (const [id, s] of world.sessions) yield ['session', id, s];
  for (const [id, s] of world.ssls) yield ['ssl', id, s];
  for (const [id, s] of world.ctxs) yield ['ctx', id, s];
}

function isLive(world: World, kind: Kind, id: string): boolean {
  const table = kind === 'session' ? world.sessions : kind === 'ssl' ? world.ssls : world.ctxs;
  const s = table.get(id);
  return s !== undefined && s.value !== 'freed';
}

export function refcountIsLedger(world: World): Violation[] {
  const out: Violation[] = [];
  for (const [kind, id, snap] of objects(world)) {
    if (snap.value === 'freed') continue;
    const { refs, holders } = snap.context;
    if (refs !== holders.size) {
      out.push({ invariant: 'refcount-is-ledger', subject: `${kind}:${id}`, message: `refcount ${refs} but ${holders.size} holder(s): ${holders.list().map((h) => h.who).join(', ') || 'none'}` });
    }
  }
  return out;
}

export function freedIffZero(world: World): Violation[] {
  const out: Violation[] = [];
  for (const [kind, id, snap] of objects(world)) {
    const { refs } = snap.context;
    if (snap.value === 'destroying') out.push({ invariant: 'freed-iff-zero', subject: `${kind}:${id}`, message: 'still being destroyed between two calls' });
    else if (snap.value === 'freed' && refs !== 0) out.push({ invariant: 'freed-iff-zero', subject: `${kind}:${id}`, message: `destroyed with refcount ${refs}` });
    else if (snap.value !== 'freed' && refs <= 0) out.push({ invariant: 'freed-iff-zero', subject: `${kind}:${id}`, message: `alive with refcount ${refs}` });
  }
  return out;
}

/** Owned entries of ctx's external store that point at this session. */
function storeEntries(world: World, ctx: string, sid: string): number {
  return [...(world.stores.get(ctx)?.values() ?? [])].filter((e) => e.owned && e.sid === sid).length;
}

/** Is the ledger entry `who` on object `kind:id` a pointer that exists? */
function holderIsReal(world: World, kind: Kind, id: string, who: string): boolean {
  if (who === 'app') return true;
  const [tag, rest = ''] = who.split(':', 2) as [string, string?];
  if (kind === 'session') {
    if (tag === 'ssl') return isLive(world, 'ssl', rest) && world.ssl(rest).session === id;
    if (tag === 'cache') return isLive(world, 'ctx', rest) && world.ctx(rest).lhash.holds(id);
    if (tag === 'store') return storeEntries(world, rest, id) > 0;
    return false; // new_cb, lookup, ticket, get_cb, remove_cb: references that live only inside one call
  }
  if (kind === 'ctx' && tag === 'ssl') {
    const [ssl = '', field] = rest.split('/');
    if (!isLive(world, 'ssl', ssl)) return false;
    return field === 'ctx' ? world.ssl(ssl).ctx === id : field === 'session_ctx' && world.ssl(ssl).sessionCtx === id;
  }
  return false;
}

export function holdersAreReal(world: World): Violation[] {
  const out: Violation[] = [];
  for (const [kind, id, snap] of objects(world)) {
    if (snap.value === 'freed') continue;
    for (const h of snap.context.holders.list()) {
      if (!holderIsReal(world, kind, id, h.who)) out.push({ invariant: 'holders-are-real', subject: `${kind}:${id}`, message: `the ledger lists ${h.who}, which holds no such pointer` });
    }
  }
  return out;
}

function holderCount(world: World, kind: Kind, id: string, who: string): number {
  const table = kind === 'session' ? world.sessions : kind === 'ssl' ? world.ssls : world.ctxs;
  return table.get(id)?.context.holders.list().filter((h) => h.who === who).length ?? 0;
}

export function pointersAreHeld(world: World): Violation[] {
  const out: Violation[] = [];
  const expect = (kind: Kind, id: string, who: string, count: number, what: string) => {
    if (!isLive(world, kind, id)) out.push({ invariant: 'pointers-are-held', subject: `${kind}:${id}`, message: `${what} points at it, but it is destroyed` });
    else if (holderCount(world, kind, id, who) !== count) out.push({ invariant: 'pointers-are-held', subject: `${kind}:${id}`, message: `${what} points at it ${count} time(s), but the ledger has ${holderCount(world, kind, id, who)} ${who}` });
  };
  for (const [id, snap] of world.ssls) {
    if (snap.value === 'freed') continue;
    const s = snap.context;
    if (s.session !== null) expect('session', s.session, s.holderNames.session, 1, `SSL ${id}`);
    expect('ctx', s.ctx, s.holderNames.ctx, 1, `SSL ${id}'s ctx`);
    expect('ctx', s.sessionCtx, s.holderNames.sessionCtx, 1, `SSL ${id}'s session_ctx`);
  }
  for (const [ctx, snap] of world.ctxs) {
    if (snap.value === 'freed') continue;
    for (const n of snap.context.lhash.nodes()) expect('session', n.sid, snap.context.holderNames.cache, 1, `the hash table of ${ctx}`);
  }
  for (const [ctx, store] of world.stores) {
    for (const sid of new Set([...store.values()].filter((e) => e.owned).map((e) => e.sid))) {
      expect('session', sid, world.ctx(ctx).holderNames.store, storeEntries(world, ctx, sid), `the store of ${ctx}`);
    }
  }
  return out;
}

function cacheStructure(world: World): Violation[] {
  const out: Violation[] = [];
  for (const [ctx, snap] of world.ctxs) {
    if (snap.value === 'freed') continue;
    out.push(...cacheOf(world, ctx, snap.context));
  }
  // The converse of cache-owner: a session that names an owner is in that owner's list.
  for (const [sid, snap] of world.sessions) {
    const owner = snap.value === 'freed' ? null : snap.context.owner;
    if (owner === null) continue;
    const listed = isLive(world, 'ctx', owner) && world.ctx(owner).list.holds(sid);
    if (!listed) out.push({ invariant: 'cache-owner', subject: `session:${sid}`, message: `its owner is ${owner}, whose list does not link it` });
  }
  return out;
}

function cacheOf(world: World, ctx: string, c: CtxContext): Violation[] {
  const out: Violation[] = [];
  const v = (invariant: InvariantName, message: string) => out.push({ invariant, subject: `ctx:${ctx}`, message });
  const entries = c.list.entries();
  entries.forEach((e, i) => {
    const next = entries[i + 1];
    if (next && timeoutCmp(next.expiry, e.expiry) > 0) v('cache-sorted', `${next.sid} (expires ${show(next.expiry)}) follows ${e.sid} (expires ${show(e.expiry)}): the head must expire latest`);
    if (!isLive(world, 'session', e.sid)) {
      v('cache-owner', `its list links ${e.sid}, which is destroyed`);
      return;
    }
    const s = world.session(e.sid);
    if (s.owner !== ctx) v('cache-owner', `its list links ${e.sid}, whose owner is ${s.owner ?? 'NULL'}`);
    const now = expiryOf(s);
    if (timeoutCmp(now, e.expiry) !== 0) v('cache-keys-current', `${e.sid} is sorted by ${show(e.expiry)}, but its time + timeout is ${show(now)}`);
  });
  const listed = entries.map((e) => e.sid);
  const nodes = c.lhash.nodes();
  const hashed = nodes.map((n) => n.sid);
  if (new Set(listed).size !== listed.length) v('cache-hash-matches-list', `its list links a session twice: ${listed.join(' ')}`);
  if (new Set(hashed).size !== hashed.length) v('cache-hash-matches-list', `its hash table holds a session twice: ${hashed.join(' ')}`);
  const a = [...listed].sort().join(' ');
  const b = [...hashed].sort().join(' ');
  if (a !== b) v('cache-hash-matches-list', `list [${listed.join(' ')}] but hash table [${hashed.join(' ')}]`);
  for (const n of nodes) {
    if (isLive(world, 'session', n.sid) && cacheKey(world.session(n.sid)) !== n.key) v('cache-hash-matches-list', `${n.sid} is hashed under ${n.key}, but its key is now ${cacheKey(world.session(n.sid))}`);
  }
  return out;
}

/** What `checkCapacity` needs from the state before a step: each live context's sess_number. */
export type CacheCounts = ReadonlyMap<string, number>;

export function cacheCounts(world: World): CacheCounts {
  const out = new Map<string, number>();
  for (const [ctx, snap] of world.ctxs) if (snap.value !== 'freed') out.set(ctx, snap.context.lhash.size);
  return out;
}

/** spec §4: the most sessions a cache of size N keeps after an add (0 = unlimited). */
export function capacityOf(size: number): number {
  return size <= 0 ? Infinity : size === 1 ? 1 : size - 1;
}

/**
 * No step grows a cache past its capacity. An add evicts from the tail until
 * the count is below the size, so a cache can be above capacity only because
 * its size was lowered (evictions wait for the next add) or because its tail
 * has an empty id (remove_session_lock fails on it and the loop stops, §4).
 */
export function checkCapacity(before: CacheCounts, world: World): Violation[] {
  const out: Violation[] = [];
  for (const [ctx, snap] of world.ctxs) {
    const was = before.get(ctx);
    if (snap.value === 'freed' || was === undefined) continue;
    const c = snap.context;
    const count = c.lhash.size;
    const cap = capacityOf(c.cacheSize);
    if (count <= cap || count <= was) continue;
    const blocked = c.list.entries().some((e) => isLive(world, 'session', e.sid) && world.session(e.sid).sessionId === '');
    if (!blocked) out.push({ invariant: 'capacity', subject: `ctx:${ctx}`, message: `grew from ${was} to ${count} sessions with cache size ${c.cacheSize} (capacity ${cap})` });
  }
  return out;
}

/** An expiry for messages: its calc_timeout, and whether it overflowed. */
function show(e: Expiry): string {
  return e.ovf ? `${e.calc} (overflowed: never)` : String(e.calc);
}
