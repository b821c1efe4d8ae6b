/**
 * SSL_CTX_remove_session and its locked variant (spec §4 SSL_CTX_remove_session, §13 remove).
 *
 * Quirks modelled from the 3.0 code:
 * - an empty session id means nothing happens at all (no mark, no callback);
 * - the entry is found by the argument's key and may be a different object;
 * - the argument is marked not_resumable and passed to remove_cb whether or not
 *   anything was found; the found entry loses the cache's reference afterwards.
 */
import { cacheKey } from '../../machines/ssl-session.ts';
import type { CacheOp } from '../world/faults.ts';
import type { World } from '../world/world.ts';
import { callRemoveCb } from './callbacks.ts';
import { lhRetrieve } from './lhash.ts';
import { listRemove } from './list.ts';
import { ACCESS } from '../../machines/refcount.ts';

/** remove_session_lock(ctx, c, lck); returns 1 if an entry with c's key was removed. */
export function removeSession(world: World, ctx: string, sid: string, op: CacheOp = 'remove'): 0 | 1 {
  world.sendCtx(ctx, ACCESS);
  world.sendSession(sid, ACCESS); // reads c->session_id_length
  const c = world.session(sid);
  if (c.sessionId === '') return 0; // spec §4: empty id → 0, no mark, no callback
  const via = { kind: 'cache', ctx, op, describe: `${op === 'evict' ? 'eviction' : 'SSL_CTX_remove_session'} in ${ctx}` } as const;
  const found = world.within(via, () => {
    const r = lhRetrieve(world, ctx, cacheKey(c));
    if (r) {
      world.sendCtx(ctx, { type: 'LH_DELETE', key: r.key, sid: r.sid });
      listRemove(world, ctx, r.sid);
    }
    return r;
  });
  world.sendSession(sid, { type: 'MARK_NOT_RESUMABLE' }); // spec §4: c->not_resumable = 1 unconditionally
  // spec §4: remove_cb(ctx, c), even when nothing was found; after the unlock, except for an eviction (lck = 0, spec §5)
  callRemoveCb(world, ctx, sid, op === 'evict' ? 'the eviction in SSL_CTX_add_session' : null);
  if (found) world.within(via, () => world.sendSession(found.sid, { type: 'FREE', who: world.ctx(ctx).holderNames.cache, line: 0 }));
  return found ? 1 : 0;
}
