/**
 * SSL_SESSION functions (spec §2). Each is a thin route: an event to the
 * session's machine, plus the re-sort in the owner's cache list that
 * set_time and set_timeout do.
 */
import { encode, freshSessionFields, isResumable, type SessionContext } from '../../machines/ssl-session.ts';
import { listAdd } from '../cache/list.ts';
import type { World } from '../world/world.ts';
import { derRet, type Handler, int, intArg, objectArg, objectRet, VOID } from './types.ts';
import { idBytes } from './id-bytes.ts';
import { ACCESS } from '../../machines/refcount.ts';

/** The application's reference on a session it passes to a free or up_ref call. */
const APP = 'app';

/** Reading a field of a session is a use of it: a destroyed one faults. */
function use(world: World, sid: string): void {
  world.sendSession(sid, ACCESS);
}

/** spec §2 set_time/set_timeout: if owner != NULL, re-sort within owner's list under its lock. */
function resortInOwner(world: World, sid: string): void {
  const owner = world.session(sid).owner;
  if (owner !== null && !world.isFreed('session', sid)) {
    world.within({ kind: 'cache', ctx: owner, op: 'add', describe: `the re-sort of ${owner}'s cache list` }, () => listAdd(world, owner, sid));
  }
}

export const sessionApi: Readonly<Record<string, Handler>> = {
  SSL_SESSION_new: ({ world }) => objectRet(world.createSession({ who: APP, line: world.line, fields: freshSessionFields(world.now) }), true),
  SSL_SESSION_dup: (call) => {
    const src = objectArg(call, 0) ?? '';
    use(call.world, src);
    // spec §2 SSL_SESSION_dup: memcpy, not_resumable copied, owner/links cleared, ticket and peer_chain copied.
    const s = call.world.session(src);
    const id = call.world.createSession({ who: APP, line: call.world.line, fields: encode(s), notResumable: s.notResumable, peerChain: s.peerChain });
    return objectRet(id, true);
  },
  SSL_SESSION_up_ref: (call) => {
    call.world.appUpRef('session', objectArg(call, 0) ?? '', call.world.line);
    return int(1);
  },
  SSL_SESSION_free: (call) => {
    const sid = objectArg(call, 0);
    if (sid !== null) call.world.appFree('session', sid, lineOfHandle(call));
    return VOID;
  },
  i2d_SSL_SESSION: (call) => {
    const sid = objectArg(call, 0) ?? '';
    use(call.world, sid);
    const s = call.world.session(sid);
    // spec §2 i2d: 0 for a session without a cipher (a bare SSL_SESSION_new).
    if (!s.cipher) return derRet(null, 0);
    return derRet(encode(s), derLength(s.sessionId));
  },
  d2i_SSL_SESSION: (call) => {
    const der = call.args[1];
    const len = intArg(call, 2);
    if (der?.kind !== 'der' || der.der === null || len < der.length) return objectRet(null, false);
    // spec §2 d2i: a new object, refcount 1, in no cache; not_resumable is not encoded (so it is 0).
    const fields = { ...der.der, timeout: der.der.timeout === 0 ? 3 : der.der.timeout, time: der.der.time === 0 ? call.world.now : der.der.time };
    return objectRet(call.world.createSession({ who: APP, line: call.world.line, fields }), true);
  },
  SSL_SESSION_is_resumable: (call) => {
    const sid = objectArg(call, 0) ?? '';
    use(call.world, sid);
    return int(isResumable(call.world.session(sid)) ? 1 : 0);
  },
  SSL_SESSION_set_timeout: (call) => {
    const sid = objectArg(call, 0) ?? '';
    const t = intArg(call, 1);
    use(call.world, sid);
    if (t < 0) return int(0);
    call.world.sendSession(sid, { type: 'SET_TIMEOUT', timeout: t });
    resortInOwner(call.world, sid);
    return int(1);
  },
  SSL_SESSION_get_timeout: (call) => read(call, (s) => s.timeout),
  SSL_SESSION_set_time: (call) => {
    const sid = objectArg(call, 0) ?? '';
    const t = intArg(call, 1);
    use(call.world, sid);
    call.world.sendSession(sid, { type: 'SET_TIME', time: t });
    resortInOwner(call.world, sid);
    return int(t); // spec §11.3: returns t, not 1
  },
  SSL_SESSION_get_time: (call) => read(call, (s) => s.time),
  SSL_SESSION_set1_id: (call) => setBytes(call, 'SET_ID'),
  SSL_SESSION_set1_id_context: (call) => setBytes(call, 'SET_SID_CTX'),
  // ssl_sess.c SSL_SESSION_get_protocol_version: s->ssl_version
  SSL_SESSION_get_protocol_version: (call) => read(call, (s) => s.version),
  // ssl_sess.c SSL_SESSION_has_ticket: s->ext.ticklen > 0 (a client's session with a ticket, spec §6.2, §6.3)
  SSL_SESSION_has_ticket: (call) => read(call, (s) => (s.ticket !== null ? 1 : 0)),
  // ssl_sess.c SSL_SESSION_get_ticket_lifetime_hint: s->ext.tick_lifetime_hint
  SSL_SESSION_get_ticket_lifetime_hint: (call) => read(call, (s) => s.tickLifetimeHint),
};

/** A getter of one field of the session: a use of it (a destroyed one faults, and its last value is read). */
function read(call: Parameters<Handler>[0], field: (s: SessionContext) => number): ReturnType<Handler> {
  const sid = objectArg(call, 0) ?? '';
  use(call.world, sid);
  return int(field(call.world.session(sid)));
}

/** set1_id / set1_id_context: at most 32 bytes (spec §2; unsigned length, F30; padding, F31); the cache is not re-keyed. */
function setBytes(call: Parameters<Handler>[0], type: 'SET_ID' | 'SET_SID_CTX'): ReturnType<Handler> {
  const sid = objectArg(call, 0) ?? '';
  use(call.world, sid);
  const hex = idBytes(call, type === 'SET_ID' ? 'SSL_SESSION_set1_id' : 'SSL_SESSION_set1_id_context', 1);
  if (hex === null) return int(0);
  call.world.sendSession(sid, type === 'SET_ID' ? { type, sessionId: hex } : { type, sidCtx: hex });
  return int(1);
}

/** The DER length is not observable beyond being non-zero; a plausible fixed size. */
function derLength(sessionId: string): number {
  return 100 + sessionId.length / 2;
}

/** The line where the application got the pointer it frees: which of its references it means. */
function lineOfHandle(call: Parameters<Handler>[0]): number {
  const a = call.args[0];
  return a?.kind === 'object' ? a.line : 0;
}
