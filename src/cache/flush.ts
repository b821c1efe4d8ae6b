/**
 * SSL_CTX_flush_sessions (spec §4 SSL_CTX_flush_sessions, §13 flush).
 *
 * Walks from the list tail (soonest expiry) and stops at the first session
 * that has not expired: t == 0 or t > calc_timeout (strict; an overflowed
 * timeout never expires, session-timeout.ts). Each removed
 * session is deleted from the hash by its current key, unlinked, marked not
 * resumable and passed to remove_cb while the cache still holds it; the
 * cache's references are dropped only after the walk.
 */
import { expiryOf } from '../../machines/ssl-session.ts';
import { sessTimedOut } from '../../machines/session-timeout.ts';
import type { World } from '../world/world.ts';
import { callRemoveCb } from './callbacks.ts';
import { lhDeleteByKeyOf } from './lhash.ts';
import { listRemove } from './list.ts';
import { ACCESS } from '../../machines/refcount.ts';

export function flushSessions(world: World, ctx: string, t: number): void {
  world.sendCtx(ctx, ACCESS);
  const op = world.stateOf('ctx', ctx) === 'destroying' ? 'ctx-free' : 'flush';
  const via = { kind: 'cache', ctx, op, describe: op === 'ctx-free' ? `SSL_CTX_free(${ctx}) flushing its cache` : `SSL_CTX_flush_sessions(${ctx})` } as const;
  const removed: string[] = [];
  world.within(via, () => {
    for (;;) {
      const tail = world.ctx(ctx).list.last();
      if (!tail) break;
      world.sendSession(tail.sid, ACCESS); // reads calc_timeout: freed memory if dangling
      if (t !== 0 && !sessTimedOut(t, expiryOf(world.session(tail.sid)))) break;
      // The delete compares the key with every node under its stored hash: a stale node may be a destroyed session's (F52).
      world.within({ ...via, op: 'flush-compare' }, () => lhDeleteByKeyOf(world, ctx, tail.sid));
      listRemove(world, ctx, tail.sid);
      // The model itself must end even where a corrupted list would make 3.0.19 spin (NOTES.md N3).
      if (world.ctx(ctx).list.last() === tail) break;
      world.sendSession(tail.sid, { type: 'MARK_NOT_RESUMABLE' });
      callRemoveCb(world, ctx, tail.sid, op === 'ctx-free' ? `SSL_CTX_free's flush` : 'SSL_CTX_flush_sessions'); // spec §5: within the lock
      removed.push(tail.sid);
    }
    const who = world.ctx(ctx).holderNames.cache;
    for (const sid of removed) world.sendSession(sid, { type: 'FREE', who, line: 0 });
  });
}
