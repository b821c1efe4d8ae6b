/**
 * SSL_CTX_add_session (spec §4 SSL_CTX_add_session steps 1-7, §13 add).
 *
 * The 3.0.19 order matters and is kept: take the reference, insert into the
 * hash (which replaces an entry with the same key), refresh the time under
 * UPDATE_TIME, evict from the tail *before* linking while the hash count,
 * which already includes the new session, is at the size (so a cache of
 * size N holds N-1), link into the sorted list, and give the extra reference
 * back for a re-add.
 */
import { cacheKey } from '../../machines/ssl-session.ts';
import { makeDiagnostic } from '../world/diagnostics.ts';
import type { World } from '../world/world.ts';
import { lhRetrieve } from './lhash.ts';
import { listAdd, listRemove } from './list.ts';
import { removeSession } from './remove-session.ts';
import { ACCESS } from '../../machines/refcount.ts';

const UPDATE_TIME = 0x400;

export function addSession(world: World, ctx: string, sid: string): 0 | 1 {
  world.sendCtx(ctx, ACCESS);
  const who = world.ctx(ctx).holderNames.cache;
  const via = { kind: 'cache', ctx, op: 'add', describe: `SSL_CTX_add_session(${ctx})` } as const;
  world.sendSession(sid, { type: 'UP_REF', who, line: world.line }); // step 1
  const isNew = world.within(via, () => insertIntoHash(world, ctx, sid));
  if (world.ctx(ctx).mode & UPDATE_TIME) world.sendSession(sid, { type: 'SET_TIME', time: world.now }); // step 4
  if (isNew) evictForRoom(world, ctx, sid); // step 5
  world.within(via, () => listAdd(world, ctx, sid)); // step 6
  if (!isNew) world.sendSession(sid, { type: 'FREE', who, line: world.line }); // a re-add gives the extra reference back
  return isNew ? 1 : 0;
}

/**
 * Steps 2-3: lh_insert; a different object under the same key takes over its
 * node (the node keeps its place, which decides which of two nodes matching a
 * key is found first, FINDINGS F51), is unlinked and loses its reference.
 */
function insertIntoHash(world: World, ctx: string, sid: string): boolean {
  const key = cacheKey(world.session(sid));
  const old = lhRetrieve(world, ctx, key);
  if (old && old.sid === sid) return false;
  if (old) {
    world.sendCtx(ctx, { type: 'LH_REPLACE', key: old.key, sid: old.sid, by: sid });
    listRemove(world, ctx, old.sid); // no mark, no remove_cb (spec §4 case b)
    world.sendSession(old.sid, { type: 'FREE', who: world.ctx(ctx).holderNames.cache, line: 0 });
  } else {
    world.sendCtx(ctx, { type: 'LH_INSERT', key, sid });
  }
  return true;
}

/** Step 5: while sess_number >= size, remove the list's tail; stop when removal fails. */
function evictForRoom(world: World, ctx: string, sid: string): void {
  const size = world.ctx(ctx).cacheSize;
  if (size <= 0) return; // 0 means unlimited
  const before = world.ctx(ctx).lhash.size - 1; // sessions held before this add
  const evicted: string[] = [];
  while (world.ctx(ctx).lhash.size >= size) {
    const tail = world.ctx(ctx).list.last();
    if (!tail) break;
    // remove_session_lock(ctx, tail, 0): fails (and stops the loop) for an empty id or a stale key.
    if (!removeSession(world, ctx, tail.sid, 'evict')) break;
    world.sendCtx(ctx, { type: 'COUNT', stat: 'cache_full' });
    evicted.push(tail.sid);
  }
  if (evicted.length > 0 && before < size) reportCapacity(world, ctx, sid, size, before, evicted);
}

function reportCapacity(world: World, ctx: string, sid: string, size: number, before: number, evicted: readonly string[]): void {
  world.report(
    makeDiagnostic(
      'capacity',
      world.line,
      `adding ${world.describe(sid)} to ${ctx} (cache size ${size}, holding ${before}) evicted ${evicted.map((e) => world.describe(e)).join(', ')}`,
      `The cache keeps at most ${size === 1 ? 1 : size - 1} session${size === 2 ? '' : 's'}, not ${size}; the evicted sessions were marked not resumable` +
        (world.ctx(ctx).removeCb === null ? '.' : ' and passed to remove_session_cb.'),
      null,
    ),
  );
}
