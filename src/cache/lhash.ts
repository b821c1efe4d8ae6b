/**
 * The cache's hash table as libssl searches it (spec §1.5, §2 SSL_SESSION_set1_id).
 *
 * A node remembers the key its session had when it was inserted. OpenSSL's
 * lhash finds a node only when both its stored hash and the session's current
 * key match, so a session whose id was changed after caching leaves a node no
 * key can find: `SSL_CTX_remove_session` misses it, a flush's delete misses it,
 * and it still counts in `SSL_CTX_sess_number`. The stored hash is
 * `ssl_session_hash` of the old id, its first four bytes only, so a new id
 * that keeps them finds the node again (FINDINGS F50). The nodes are walked
 * in chain order (machines/lhash.ts), so of two nodes that match one key the
 * one first in its bucket's chain is found (F51, F53). Comparing a probe with
 * a node reads the node's session, so a destroyed session met on the way is a
 * fault.
 */
import type { HashNode } from '../../machines/ssl-ctx.ts';
import { keyHash } from '../../machines/lhash.ts';
import { cacheKey } from '../../machines/ssl-session.ts';
import type { World } from '../world/world.ts';
import { ACCESS } from '../../machines/refcount.ts';

/** The key ssl_session_cmp reads from a destroyed session's zeroed block. */
const ZEROED_KEY = cacheKey({ version: 0, sessionId: '' });

/** lh_SSL_SESSION_retrieve (getrn): the node whose stored hash is `key`'s and whose session's current key is `key`. */
export function lhRetrieve(world: World, ctx: string, key: string): HashNode | undefined {
  const hash = keyHash(key);
  for (const node of world.ctx(ctx).lhash.chain(hash)) {
    if (node.hash !== hash) continue;
    // The comparison function reads the session: a destroyed one is a use of freed memory, which
    // OPENSSL_clear_free zeroed: version 0 and an empty id (FINDINGS F52).
    world.sendSession(node.sid, ACCESS);
    const current = world.isFreed('session', node.sid) ? ZEROED_KEY : cacheKey(world.session(node.sid));
    if (current === key) return node;
  }
  return undefined;
}

/** lh_SSL_SESSION_delete(sessions, s) in SSL_CTX_flush_sessions: deletes the node found by s's current key, if any. */
export function lhDeleteByKeyOf(world: World, ctx: string, sid: string): void {
  const node = lhRetrieve(world, ctx, cacheKey(world.session(sid)));
  // the flush sets the table's down-load to 0 for its walk (machines/lhash.ts)
  if (node) world.sendCtx(ctx, { type: 'LH_DELETE', key: node.key, sid: node.sid, flushing: true });
}
