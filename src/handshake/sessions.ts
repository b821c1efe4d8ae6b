/**
 * How the handshake makes sessions (spec §2 ssl_session_dup, §6.1, §6.5).
 *
 * Every object libssl creates internally is created here, in the order libssl
 * creates it, because session ids (`s1`, `s2`, …) follow creation order and
 * the conformance harness sees every creation.
 */
import { encode, type EncodedSession } from '../../machines/ssl-session.ts';
import type { World } from '../world/world.ts';
import { ACCESS } from '../../machines/refcount.ts';

export const TLS1_2 = 0x303;
export const TLS1_3 = 0x304;
/** SSL_get_default_timeout: 7200 s for TLS (spec §4 SSL_CTX_set_timeout). */
const DEFAULT_TIMEOUT = 7200;

/**
 * ssl_get_new_session(s, session) (spec §6.1, §6.5): a new session owned by
 * the SSL, replacing (and releasing) its current one. A server's TLS ≤ 1.2
 * session gets a fresh 32-byte id unless a ticket will be issued; a client's,
 * and any TLS 1.3 session, starts with an empty id.
 */
export function newHandshakeSession(world: World, ssl: string, opts: { readonly serverId: boolean; readonly version?: number }): string {
  const s = world.ssl(ssl);
  const timeout = world.ctx(s.sessionCtx).timeout;
  const fields: EncodedSession = {
    sessionId: opts.serverId ? world.generateSessionId() : '',
    sidCtx: s.sidCtx,
    version: opts.version ?? s.version, // ss->ssl_version = s->version
    time: world.now,
    timeout: timeout === 0 ? DEFAULT_TIMEOUT : timeout,
    cipher: false, // set with the key block: TLS 1.3 at the ServerHello, TLS 1.2 at the ChangeCipherSpec (FINDINGS F89)
    peer: false,
    ticket: null,
    tickLifetimeHint: 0,
    maxEarlyData: 0,
    masterKey: '', // set when the server chooses its cipher (server.ts serveClientHello), then from the ServerHello
  };
  const sid = world.createSession({ who: world.ssl(ssl).holderNames.session, line: world.line, fields });
  world.sendSsl(ssl, { type: 'INSTALL_SESSION', session: sid });
  return sid;
}

/**
 * ssl_session_dup(src, 0) installed as the SSL's session (spec §2, §6.3, §6.6):
 * a copy in no cache, not_resumable forced to 0, no ticket, the peer chain kept.
 */
export function replaceWithDup(world: World, ssl: string): string {
  const old = world.ssl(ssl).session;
  if (old === null) throw new Error(`replaceWithDup: ${ssl} has no session`);
  world.sendSession(old, ACCESS);
  const fields: EncodedSession = { ...encode(world.session(old)), ticket: null, tickLifetimeHint: 0 };
  const sid = world.createSession({ who: world.ssl(ssl).holderNames.session, line: world.line, fields, notResumable: false, peerChain: world.session(old).peerChain });
  world.sendSsl(ssl, { type: 'INSTALL_SESSION', session: sid });
  return sid;
}

/** A session decoded from a ticket or DER (spec §2 d2i: refcount 1, in no cache, resumable flag not encoded). */
export function decodeSession(world: World, who: string, state: EncodedSession): string {
  return world.createSession({ who, line: world.line, fields: state });
}

/**
 * construct_stateless_ticket's private copy (conformance/NOTES.md N2, found
 * against 3.0.19; the spec's §6.5/§6.6 do not mention it): the session is
 * encoded, decoded into a fresh object "not shared with other threads",
 * re-encoded and freed. The copy is born and destroyed inside the ticket's
 * construction, but it takes the next session id, so it must exist here.
 *
 * False when the construction fails there (checked against 3.0.19): the encoding leaves out a time or timeout of 0
 * (ZINT64), d2i gives the copy the time of day or a timeout of 3 instead, and the copy's encoding comes out longer
 * than the session's: SSLfatal(SSL_AD_INTERNAL_ERROR) ("shouldn't ever happen"). SSL_SESSION_set_timeout(s, 0)
 * on the server's session gets there.
 */
export function statelessTicketCopy(world: World, ssl: string): boolean {
  const current = world.ssl(ssl).session;
  if (current === null) return true;
  const state = encode(world.session(current));
  const copy = decodeSession(world, 'ticket', state);
  world.sendSession(copy, { type: 'FREE', who: 'ticket', line: world.line });
  return state.time !== 0 && state.timeout !== 0;
}
