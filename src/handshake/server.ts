/**
 * The server side of a handshake (spec §6.5, §6.6, §7).
 */
import type { Ticket } from '../../machines/ssl-session.ts';
import { encode, expiryOf } from '../../machines/ssl-session.ts';
import { sessTimedOut } from '../../machines/session-timeout.ts';
import { removeSession } from '../cache/remove-session.ts';
import { lookupSession } from '../cache/lookup.ts';
import { SESS_CACHE_SERVER, updateCache } from '../cache/update-cache.ts';
import type { World } from '../world/world.ts';
import { UsageError } from '../world/usage-error.ts';
import { moveAcceptCount } from './server-name.ts';
import { deliver } from './outcome.ts';
import { fatal } from './fatal.ts';
import type { ClientOffer } from './client.ts';
import { decodeSession, newHandshakeSession, replaceWithDup, statelessTicketCopy, TLS1_2, TLS1_3 } from './sessions.ts';
import { clientMaxVersion, negotiate } from './versions.ts';
import { SSL_OP_NO_ANTI_REPLAY, SSL_OP_NO_TICKET } from '../../machines/ssl-options.ts';


/** What processing the ClientHello decided. */
export interface ServerDecision {
  readonly hit: boolean;
  /** The session id the ServerHello carries (TLS ≤ 1.2): echoed on a hit, else the new session's. */
  readonly echoedId: string;
  /** A TLS 1.2 NewSessionTicket will be sent. */
  readonly ticketExpected: boolean;
}

/** tls_use_ticket: the server issues and accepts TLS 1.2 tickets unless SSL_OP_NO_TICKET. */
function usesTickets(world: World, server: string): boolean {
  return (world.ssl(server).config.options & SSL_OP_NO_TICKET) === 0;
}

/** TLS 1.3 stateful tickets: SSL_OP_NO_TICKET, or early data with anti-replay (spec §6.6). */
export function statefulTickets(world: World, server: string): boolean {
  const { options, maxEarlyData } = world.ssl(server).config;
  return (options & SSL_OP_NO_TICKET) !== 0 || (maxEarlyData > 0 && (options & SSL_OP_NO_ANTI_REPLAY) === 0);
}

/** ssl_get_prev_session, then ssl_get_new_session(s, 1) on a miss (spec §6.5, §6.6, §7). */
export function processClientHello(world: World, server: string, offer: ClientOffer): ServerDecision {
  const version = world.ssl(server).version;
  if (version === TLS1_3) {
    // tls_early_post_process_client_hello keeps the client's legacy id to echo it (FINDINGS F12)
    world.sendSsl(server, { type: 'CONNECTION', fields: { tmpSessionId: offer.sessionId } });
    // spec §6.6: the current session is dropped before the psk extension is parsed
    world.sendSsl(server, { type: 'INSTALL_SESSION', session: null });
    const hit = resumeTls13(world, server, offer);
    if (!hit) newHandshakeSession(world, server, { serverId: false });
    return { hit, echoedId: offer.sessionId, ticketExpected: false };
  }
  const { candidate, fromCache, ticketExpected } = findTls12Candidate(world, server, offer);
  const hit = candidate !== null && acceptCandidate(world, server, candidate, fromCache);
  let expected = ticketExpected;
  if (candidate !== null && !hit && !fromCache) expected = true; // a failed ticket: issue a new one
  if (hit && candidate !== null) {
    world.sendSession(candidate, { type: 'TRANSFER', from: 'lookup', to: world.ssl(server).holderNames.session, line: world.line });
    world.sendSsl(server, { type: 'INSTALL_SESSION', session: candidate });
    // The ServerHello echoes s->session's own id: a ticket's session takes the offered id (tls_decrypt_ticket),
    // a cached or get_cb one keeps its own, which SSL_SESSION_set1_id may have changed (checked against 3.0.19, FINDINGS F19).
    const echoedId = fromCache ? world.session(candidate).sessionId : offer.sessionId;
    return { hit: true, echoedId, ticketExpected: expected };
  }
  // ssl_get_new_session(s, 1): ssl_generate_session_id gives a 32-byte id unless a ticket is expected; a
  // ServerHello without SSL_SESS_CACHE_SERVER cuts it later (serverHelloSessionId), not here (FINDINGS F60)
  const sid = newHandshakeSession(world, server, { serverId: !expected });
  return { hit: false, echoedId: world.session(sid).sessionId, ticketExpected: expected };
}

/**
 * The session id a TLS ≤ 1.2 ServerHello carries, as tls_construct_server_hello
 * leaves it: without SSL_SESS_CACHE_SERVER a new session's id is cut to zero
 * length there, after the cipher was chosen. A handshake that fails before
 * (no usable cipher, no certificate) keeps the 32-byte id, so its fatal alert's
 * SSL_CTX_remove_session marks it and calls remove_cb (checked against 3.0.19, FINDINGS F60).
 */
function serverHelloSessionId(world: World, server: string, decision: ServerDecision): ServerDecision {
  if (decision.hit || cachesServerSessions(world, server)) return decision;
  const sid = world.ssl(server).session;
  if (sid !== null && world.session(sid).sessionId !== '') world.sendSession(sid, { type: 'SET_ID', sessionId: '' });
  return { ...decision, echoedId: '' };
}

/**
 * tls_construct_server_hello (FINDINGS F8, checked against 3.0.19; the spec's
 * §6.5 omits it): "if we want the new session to be single-use, we send back
 * a 0-length session ID": without SSL_SESS_CACHE_SERVER in s->ctx's mode (not
 * session_ctx's), a new session's id is cut to zero length, so without a
 * ticket neither side's session is resumable.
 */
function cachesServerSessions(world: World, server: string): boolean {
  return (world.ctx(world.ssl(server).ctx).mode & SESS_CACHE_SERVER) !== 0;
}

/** tls_get_ticket_from_client and the session-id lookup (spec §6.5, §7). */
function findTls12Candidate(
  world: World,
  server: string,
  offer: ClientOffer,
): { candidate: string | null; fromCache: boolean; ticketExpected: boolean } {
  if (usesTickets(world, server) && offer.sendsTicketExtension) {
    const ticket = offer.ticket;
    if (ticket === null) {
      // SSL_TICKET_EMPTY: a ticket will be sent; the session id is still looked up
      const found = offer.sessionId !== '' ? lookupSession(world, server, offer.sessionId) : null;
      return { candidate: found, fromCache: offer.sessionId !== '', ticketExpected: true };
    }
    if (!decrypts(world, server, ticket, false)) return { candidate: null, fromCache: false, ticketExpected: true };
    // tls_decrypt_ticket: d2i, then the client's session id is copied in
    const sid = decodeSession(world, 'lookup', { ...ticket.state, sessionId: offer.sessionId });
    return { candidate: sid, fromCache: false, ticketExpected: false };
  }
  const found = offer.sessionId !== '' ? lookupSession(world, server, offer.sessionId) : null;
  return { candidate: found, fromCache: offer.sessionId !== '', ticketExpected: false };
}

/** Could this server open the ticket? Its session_ctx's keys, and the right kind (spec §6.6). */
function decrypts(world: World, server: string, ticket: Ticket, stateful: boolean): boolean {
  return ticket.issuer === world.ssl(server).sessionCtx && ticket.stateful === stateful;
}

/**
 * The checks of ssl_get_prev_session on a candidate the server owns a
 * reference to (spec §7): version, sid_ctx, expiry (an expired cache entry
 * is removed). On failure the reference is released.
 */
function acceptCandidate(world: World, server: string, sid: string, fromCache: boolean): boolean {
  const s = world.ssl(server);
  const sess = world.session(sid);
  let ok = sess.version === s.version && sess.sidCtx === s.sidCtx;
  if (ok && sessTimedOut(world.now, expiryOf(sess))) {
    world.sendCtx(s.sessionCtx, { type: 'COUNT', stat: 'timeouts' });
    if (fromCache) removeSession(world, s.sessionCtx, sid);
    ok = false;
  }
  if (ok) {
    world.sendCtx(s.sessionCtx, { type: 'COUNT', stat: 'hits' });
    return true;
  }
  world.sendSession(sid, { type: 'FREE', who: 'lookup', line: world.line });
  return false;
}

/** tls_parse_ctos_psk for a resumption ticket, then ssl_get_prev_session's checks (spec §6.6). */
function resumeTls13(world: World, server: string, offer: ClientOffer): boolean {
  const ticket = offer.psk;
  if (ticket === null) return false;
  const stateful = statefulTickets(world, server);
  // tls_get_stateful_ticket looks up any 32-byte identity (a stateful ticket of any server: its session id);
  // tls_decrypt_ticket needs this session_ctx's keys and a real ticket.
  if (stateful ? !ticket.stateful : !decrypts(world, server, ticket, false)) return false;
  let sid: string | null;
  if (stateful) {
    sid = lookupSession(world, server, ticket.state.sessionId);
    if (sid === null) return false;
    const { config, sessionCtx } = world.ssl(server);
    // Anti-replay: the ticket must be removed from the internal cache, else it is ignored (spec §6.6).
    if (config.maxEarlyData > 0 && (config.options & SSL_OP_NO_ANTI_REPLAY) === 0 && !removeSession(world, sessionCtx, sid)) {
      world.sendSession(sid, { type: 'FREE', who: 'lookup', line: world.line });
      return false;
    }
  } else {
    sid = decodeSession(world, 'lookup', ticket.state);
  }
  world.sendSession(sid, { type: 'TRANSFER', from: 'lookup', to: world.ssl(server).holderNames.session, line: world.line });
  world.sendSsl(server, { type: 'INSTALL_SESSION', session: sid });
  const s = world.ssl(server);
  const sess = world.session(sid);
  // ssl_get_prev_session checks version and sid_ctx first: only a session that passes them counts as timed out
  // (found by comparing the counters with libssl 3.0.19, FINDINGS F81)
  const matches = sess.version === s.version && sess.sidCtx === s.sidCtx;
  const expired = matches && sessTimedOut(world.now, expiryOf(sess));
  if (matches && !expired) {
    world.sendCtx(s.sessionCtx, { type: 'COUNT', stat: 'hits' });
    return true;
  }
  if (expired) world.sendCtx(s.sessionCtx, { type: 'COUNT', stat: 'timeouts' });
  // ssl_get_prev_session err: the candidate is freed and s->session set to NULL (not removed from a cache).
  world.sendSsl(server, { type: 'INSTALL_SESSION', session: null });
  return false;
}

/** TLS ≤ 1.2 server: tls_finish_handshake (spec §6.5): update the cache, then count on s->ctx. */
export function finishTls12(world: World, server: string): void {
  updateCache(world, server, SESS_CACHE_SERVER);
  world.sendCtx(world.ssl(server).ctx, { type: 'COUNT', stat: 'accept_good' });
}

/**
 * The TLS 1.2 NewSessionTicket: it carries the server's session, encoded
 * (spec §6.5); TLS 1.2 tickets are always stateless (NOTES.md N2).
 */
export function makeTls12Ticket(world: World, server: string, hit: boolean): Ticket | null {
  if (!statelessTicketCopy(world, server)) return null; // SSLfatal: a time or timeout of 0 (FINDINGS F128)
  const s = world.ssl(server);
  const sess = world.session(s.session ?? '');
  // spec §4 SSL_CTX_set_timeout (create_ticket_prequel): the session's timeout as a uint32_t, 0 on a resumed handshake
  return { issuer: s.sessionCtx, stateful: false, state: encode(sess), lifetimeHint: hit ? 0 : sess.timeout >>> 0 };
}

/**
 * The ticket in a TLS 1.2 resumption's first flight: ServerHello,
 * NewSessionTicket, ChangeCipherSpec, Finished are written together, so the
 * ticket (and construct_stateless_ticket's temporary session copy) exists
 * before the client reads the ServerHello, and perhaps refuses it (checked
 * against 3.0.19, FINDINGS F22). A full handshake's ticket comes in the
 * server's second flight instead, after the client's Finished. 'failed': the
 * ticket could not be made (FINDINGS F128), after the ServerHello was.
 */
export function resumptionTicket(world: World, server: string, version: number, hit: boolean, ticketExpected: boolean): Ticket | null | 'failed' {
  if (version >= TLS1_3 || !hit || !ticketExpected) return null;
  return makeTls12Ticket(world, server, true) ?? 'failed';
}

/**
 * The TLS 1.3 tickets that surely fit into the in-memory connection: the
 * harness's BIO pair holds 17 KB each way (BIO_new_bio_pair's default), and
 * the largest ticket the model makes (stateless, a 32-byte sid_ctx, the
 * early_data extension) fits 59 times, measured against 3.0.19 (FINDINGS F29).
 * A server with more to write stalls in SSL_ERROR_WANT_WRITE until the client
 * reads: a state the model does not have, so it refuses the trace instead of
 * answering wrongly (or running for ever: num_tickets is a size_t).
 */
export const PAIR_TICKET_CAPACITY = 59;

/** s->num_tickets is a size_t: a negative argument is a huge count. */
function ticketsWanted(numTickets: number): number {
  return numTickets < 0 ? Number.POSITIVE_INFINITY : numTickets;
}

function tooManyTickets(count: number): string {
  const n = Number.isFinite(count) ? String(count) : 'SIZE_MAX';
  return (
    `the server would write ${n} TLS 1.3 tickets (SSL_CTX_set_num_tickets), more than the ${PAIR_TICKET_CAPACITY} ` +
    'sure to fit into the in-memory BIO pair (17 KB, as in the harness); libssl then stalls waiting to write, which sslsim does not model'
  );
}

/**
 * How many NewSessionTickets one run of TLS_ST_SW_SESSION_TICKET writes (statem_srvr.c write transitions): one,
 * then more while tickets SSL_new_session_ticket asked for remain (`extra`), and after a full handshake until
 * s->sent_tickets reaches num_tickets. A resumption's one ticket is the rule's other end (spec §6.6).
 */
export function ticketsToWrite(numTickets: number, hit: boolean, sent: number, extra: number): number {
  return Math.max(1, extra, hit ? 0 : ticketsWanted(numTickets) - sent);
}

/**
 * TLS 1.3 server after its Finished (spec §6.6): counted as done, then the
 * tickets, each from a fresh copy except the first of a full handshake, each
 * with a new id, each through ssl_update_cache. Tickets SSL_new_session_ticket asked for before an SSL_clear
 * (s->ext.extra_tickets_expected survives it) add to them, and then the handshake is not finished before the
 * first ticket: s->ext.ticket_expected is still set, so each ticket's session gets an empty id
 * (ssl_generate_session_id), and ssl_update_cache neither caches it nor calls new_cb (checked against 3.0.19).
 */
export function finishTls13(world: World, server: string, client: string): void {
  const s = world.ssl(server);
  world.sendCtx(s.ctx, { type: 'COUNT', stat: 'accept_good' });
  // TLS_ST_SR_FINISHED: tickets only if num_tickets > sent_tickets (0)
  const count = ticketsWanted(s.config.numTickets) > 0 ? ticketsToWrite(s.config.numTickets, s.hit, 0, s.extraTickets) : 0;
  if (count > PAIR_TICKET_CAPACITY) throw new UsageError(tooManyTickets(count));
  writeTls13Tickets(world, server, client, count, s.extraTickets > 0);
}

/**
 * `count` NewSessionTickets from s->sent_tickets on, written to `client` in order; s->sent_tickets and the requests
 * left are counted. A ticket whose construction fails (sendTls13Ticket) ends it: the tickets before it are
 * written, then the fatal alert. True when all were written.
 */
export function writeTls13Tickets(world: World, server: string, client: string, count: number, emptyIds = false): boolean {
  const { sentTickets, extraTickets } = world.ssl(server);
  const tickets: Ticket[] = [];
  for (let i = 0; i < count; i++) {
    const ticket = sendTls13Ticket(world, server, sentTickets + i, emptyIds);
    if (ticket === null) break;
    tickets.push(ticket);
  }
  const made = tickets.length;
  if (made > 0) world.sendSsl(server, { type: 'CONNECTION', fields: { sentTickets: sentTickets + made, extraTickets: Math.max(0, extraTickets - made) } });
  deliver(world, client, tickets);
  if (made === count) return true;
  fatal(world, server, 0);
  return false;
}

/**
 * One NewSessionTicket (tls_construct_new_session_ticket): after the first ticket (`sent`, s->sent_tickets) or a
 * resumption, a copy of the session replaces it; a new id (empty while s->ext.ticket_expected is still set), the
 * time, the lifetime hint, the ticket, then ssl_update_cache.
 */
export function sendTls13Ticket(world: World, server: string, sent: number, emptyId = false): Ticket | null {
  if (sent !== 0 || world.ssl(server).hit) replaceWithDup(world, server);
  const sid = world.ssl(server).session ?? '';
  world.sendSession(sid, { type: 'SET_ID', sessionId: emptyId ? '' : world.generateSessionId() });
  world.sendSession(sid, { type: 'SET_TIME', time: world.now });
  // spec §4 SSL_CTX_set_timeout: the lifetime hint is min(timeout, 7 days), a uint32_t (create_ticket_prequel)
  const lifetimeHint = Math.min(world.session(sid).timeout, 604800) >>> 0;
  const stateful = statefulTickets(world, server);
  // NOTES.md N2: after the per-ticket dup, before new_cb; it may fail (a timeout of 0), before the cache sees it
  if (!stateful && !statelessTicketCopy(world, server)) return null;
  const ticket: Ticket = { issuer: world.ssl(server).sessionCtx, stateful, state: encode(world.session(sid)), lifetimeHint };
  updateCache(world, server, SESS_CACHE_SERVER);
  return ticket;
}

/**
 * The server reads the ClientHello and answers it (spec §6.5, §6.6): version
 * negotiation, then the session lookup or a new session, then the cipher.
 * Null when the server sends a fatal alert instead (the caller lets both
 * sides or the server alone fail).
 */
export function serveClientHello(world: World, server: string, client: string, offer: ClientOffer): { version: number; decision: ServerDecision } | null {
  // from the hello as written: the client's settings may have changed since (FINDINGS F125)
  const version = negotiate(offer.versions, world.ssl(server));
  if (version === 0) return null; // the server's protocol_version alert
  // ssl_choose_server_version / ssl_choose_client_version install the version's own method. When the
  // client sent supported_versions (it allows TLS 1.3), the server takes it from ssl_version_supported,
  // which hands back the table's *client* method (ssl_accept undefined, ssl_connect defined), whatever
  // the version chosen; for a legacy ClientHello it is the server method (checked against 3.0.19).
  const serverMethod = offer.versions[1] >= TLS1_3 ? `${version}:client` : `${version}:server`;
  world.sendSsl(server, { type: 'CONNECTION', fields: { version, method: serverMethod } });
  const decision = processClientHello(world, server, offer);
  moveAcceptCount(world, server); // the ClientHello's extensions are finalised after the session lookup
  // Found against 3.0.19 (conformance/NOTES.md N8): at the default security level 1, 3.0 allows no SHA-1
  // signature, which TLS 1.0 and 1.1 need, so the server finds no usable cipher after it has made its
  // session, and sends a fatal handshake_failure alert. TLS 1.0/1.1 never complete.
  if (version < TLS1_2) return null;
  // The server's certificate: without one (SSL_copy_session_id gave it a client's cert) the server is not
  // TLS 1.3 capable (negotiate), and a full handshake ends in its fatal alert; a TLS 1.2 resumption needs
  // none (checked against 3.0.19).
  if (!decision.hit && !world.ssl(server).cert) return null;
  // the cipher is chosen; a full handshake makes a new master secret, named after the session it belongs to
  // (FINDINGS F40). s->session->cipher (i2d_SSL_SESSION encodes nothing without one, spec §2) is set by
  // tls13_setup_key_block when a TLS 1.3 server writes its ServerHello, but a TLS 1.2 one's new session gets it
  // only with the key block, when the server reads the client's ChangeCipherSpec (ssl3_do_change_cipher_spec;
  // checked against 3.0.19, FINDINGS F89): serverReadsClientFinished. A resumed session has its own.
  const sid = world.ssl(server).session ?? '';
  const full = version === TLS1_3 ? { cipher: true, masterKey: sid } : { masterKey: sid };
  world.sendSession(sid, { type: 'FILL', fields: decision.hit ? { cipher: true } : full });
  world.sendSsl(server, { type: 'CONNECTION', fields: { hit: decision.hit } });
  return { version, decision: version === TLS1_3 ? decision : serverHelloSessionId(world, server, decision) };
}
