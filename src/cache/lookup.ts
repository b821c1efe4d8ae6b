/**
 * lookup_sess_in_cache: the server's search for a session id (spec §7).
 *
 * Internal hash first (unless NO_INTERNAL_LOOKUP), then get_session_cb, in
 * any cache mode. The result carries one reference owned by the caller
 * (`lookup` in the ledger). No timeout check here, and an internal hit is not
 * checked for not_resumable: a marked session re-added by the application is
 * resumed (spec §7, §14 vector 14).
 */
import type { World } from '../world/world.ts';
import { addSession } from './add-session.ts';
import { callGetCb } from './callbacks.ts';
import { lhRetrieve } from './lhash.ts';

const NO_INTERNAL_LOOKUP = 0x100;
const NO_INTERNAL_STORE = 0x200;

export function lookupSession(world: World, ssl: string, sessionId: string): string | null {
  const { sessionCtx, version } = world.ssl(ssl);
  const mode = world.ctx(sessionCtx).mode;
  if ((mode & NO_INTERNAL_LOOKUP) === 0) {
    const via = { kind: 'cache', ctx: sessionCtx, op: 'lookup', describe: `the lookup of a session id in ${sessionCtx}` } as const;
    const hit = world.within(via, () => lhRetrieve(world, sessionCtx, `${version}:${sessionId}`));
    if (hit) {
      world.within(via, () => world.sendSession(hit.sid, { type: 'UP_REF', who: 'lookup', line: world.line }));
      return hit.sid;
    }
    world.sendCtx(sessionCtx, { type: 'COUNT', stat: 'misses' });
  }
  const got = callGetCb(world, ssl, sessionCtx, sessionId);
  if (!got || got.sid === null) return null;
  const sid = got.sid;
  if (world.isFreed('session', sid) || world.session(sid).notResumable) {
    // spec §5: a not_resumable result is ignored; with copy = 0 the library frees the reference it was given.
    if (got.copy === 0) world.sendSession(sid, { type: 'FREE', who: 'lookup', line: world.line });
    return null;
  }
  world.sendCtx(sessionCtx, { type: 'COUNT', stat: 'cb_hits' });
  if (got.copy === 1) world.sendSession(sid, { type: 'UP_REF', who: 'lookup', line: world.line });
  if ((mode & NO_INTERNAL_STORE) === 0) addSession(world, sessionCtx, sid); // return value ignored (spec §5)
  return sid;
}
