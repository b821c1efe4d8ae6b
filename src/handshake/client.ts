/**
 * The client side of a handshake (spec §6.1, §6.2, §6.3).
 */
import { isResumable, type Ticket } from '../../machines/ssl-session.ts';
import { removeSession } from '../cache/remove-session.ts';
import { SESS_CACHE_CLIENT, updateCache } from '../cache/update-cache.ts';
import type { World } from '../world/world.ts';
import { makeDiagnostic } from '../world/diagnostics.ts';
import { newHandshakeSession, replaceWithDup, TLS1_3 } from './sessions.ts';
import type { ClientOffer, SslContext } from '../../machines/ssl.ts';
import { moveAcceptCount } from './server-name.ts';
import { clientMaxVersion, clientSupports, versionRange } from './versions.ts';
import { ACCESS } from '../../machines/refcount.ts';
import { SSL_OP_ENABLE_MIDDLEBOX_COMPAT, SSL_OP_NO_TICKET } from '../../machines/ssl-options.ts';

export type { ClientOffer };

/**
 * The 32 random bytes of a middlebox-compatible legacy session id, fresh in
 * every ClientHello (named after its client_random: both are new each time).
 * It can never equal a real id (those are hex), so every lookup of it misses.
 */
function randomLegacyId(random: number): string {
  return `random-${random}`;
}
const CACHE_CLIENT = 0x1;

/**
 * tls_construct_client_hello (spec §6.1): a session that is missing, of a
 * version the client no longer allows, or not resumable is replaced by a new
 * one, which releases the SSL's reference on the old one.
 */
export function clientHello(world: World, client: string): ClientOffer {
  const c = world.ssl(client);
  let sid = c.session;
  if (sid !== null) world.sendSession(sid, ACCESS);
  let created = false;
  if (sid === null || !clientSupports(c, world.session(sid).version) || !isResumable(world.session(sid))) {
    // ssl_set_client_hello_version set s->version to the top of the range first: the new session's
    // ssl_version, which it keeps if the handshake fails before a ServerHello (FINDINGS F61)
    sid = newHandshakeSession(world, client, { serverId: false, version: clientMaxVersion(c) });
    created = true;
  }
  const sess = world.session(sid);
  const sendsTicket = (c.config.options & SSL_OP_NO_TICKET) === 0;
  const tls13Session = sess.version === TLS1_3;
  const fresh = ticketOfferable(world.now, sess.time, sess.tickLifetimeHint);
  const random = world.nextClientRandom();
  const sessionId = created || tls13Session ? legacyIdOfNewOrTls13(c, random) : sess.sessionId;
  // s->s3.client_random, and s->tmp_session_id: set for the random id, and for a TLS <= 1.2 session's id under
  // a TLS 1.3 hello, even an empty one (tls_construct_client_hello copies session_id_length, 0 for a ticket
  // session whose id SSL_SESSION_set1_id emptied: FINDINGS F82); the empty id of a new or TLS 1.3 session
  // without middlebox compatibility leaves whatever an earlier handshake put there (FINDINGS F12).
  const keptOlderSession = !created && !tls13Session;
  const setsTmpId = (sessionId !== '' || keptOlderSession) && clientMaxVersion(c) === TLS1_3;
  // a new handshake writes plaintext until its ChangeCipherSpec (bio-pair.ts hasWriteKeys, FINDINGS F98)
  world.sendSsl(client, { type: 'CONNECTION', fields: setsTmpId ? { clientRandom: random, tmpSessionId: sessionId, clientWriteKeys: false } : { clientRandom: random, clientWriteKeys: false } });
  // tls_construct_ctos_early_data, in every ClientHello that may offer TLS 1.3: a client not writing early
  // data sets s->max_early_data to 0, so as a server later this SSL issues stateless tickets (checked
  // against 3.0.19: FINDINGS F15, examples/connection/client-then-server-early-data)
  if (clientMaxVersion(c) >= TLS1_3 && c.config.maxEarlyData !== 0) {
    world.sendSsl(client, { type: 'CONNECTION', fields: { config: { ...c.config, maxEarlyData: 0 } } });
  }
  return {
    sessionId,
    random,
    sendsTicketExtension: sendsTicket,
    ticket: !tls13Session && sendsTicket ? sess.ticket : null,
    psk: tls13Session && sess.ticket !== null && fresh ? sess.ticket : null,
    versions: versionRange(c),
  };
}

/**
 * tls_construct_client_hello (spec §6.1, FINDINGS F5, checked against
 * 3.0.19): for a new session (whose ssl_version is the hello version) or a
 * TLS 1.3 one, a client whose hello version is TLS 1.3 sends 32 random
 * bytes when SSL_OP_ENABLE_MIDDLEBOX_COMPAT is set (it is by default), else
 * an empty id. A server that then negotiates TLS 1.2 looks the random id up.
 */
function legacyIdOfNewOrTls13(c: SslContext, random: number): string {
  const helloVersion = clientMaxVersion(c);
  return helloVersion === TLS1_3 && (c.config.options & SSL_OP_ENABLE_MIDDLEBOX_COMPAT) !== 0 ? randomLegacyId(random) : '';
}

/**
 * tls_construct_ctos_psk (NOTES.md N5, checked against 3.0.19): the age is
 * an unsigned 32-bit number of seconds, lowered by one second ("better to
 * underestimate it"), and the ticket is skipped only when the hint is below
 * it. So a ticket is still offered at age = hint + 1, and a session whose
 * time lies in the future (a huge unsigned age) is never offered.
 */
export function ticketOfferable(now: number, time: number, hint: number): boolean {
  let age = (now - time) >>> 0;
  if (age > 0) age--;
  return hint >>> 0 >= age;
}

/** FINDINGS F99: a TLS 1.3 resumption whose session SSL_set_session replaced by one without a cipher. */
function cipherlessResumption(world: World, client: string): void {
  world.report(
    makeDiagnostic(
      'null-dereference',
      world.line,
      `${client} is in the middle of a TLS 1.3 resumption, but SSL_set_session gave it a session without a cipher after its ClientHello; reading the ServerHello dereferences s->session->cipher`,
      '3.0.19 reads address 0x40 inside libssl (set_client_ciphersuite): the process dies with SIGSEGV. Never call SSL_set_session on an SSL in the middle of a handshake.',
      null,
    ),
  );
}

/**
 * How processServerHello ended: accepted, refused (a fatal alert; the records after the ServerHello stay, or the
 * resumption taken for a full handshake fails at the next one, F19), or refused at its extensions.
 */
export type ServerHelloOutcome = 'accepted' | 'refused' | 'extensionRefused';

/**
 * tls_parse_stoc_session_ticket: a TLS <= 1.2 ServerHello's session_ticket extension is refused by a client that
 * set SSL_OP_NO_TICKET after its ClientHello offered tickets (tls_use_ticket reads s->options now; FINDINGS F125).
 */
function refusesTicketExtension(c: SslContext, version: number, ticketExtension: boolean): boolean {
  return version !== TLS1_3 && ticketExtension && (c.config.options & SSL_OP_NO_TICKET) !== 0;
}

/**
 * tls_process_server_hello (spec §6.2, §6.3), past ssl_choose_client_version (continue.ts clientReadsServerHello):
 * a hit keeps the session; a miss replaces a session that had an id, and a TLS ≤ 1.2 session takes the server's
 * id. 'refused' on the client's fatal alert: a hit with another session id context
 * (SSL_R_ATTEMPT_TO_REUSE_SESSION_IN_DIFFERENT_CONTEXT), or with a session of another version, or a TLS 1.3 one
 * without a cipher, which SSL_set_session gave after the ClientHello (FINDINGS F99). 'extensionRefused' when the
 * extensions are parsed, after the session is settled (refusesTicketExtension, FINDINGS F125).
 */
export function processServerHello(
  world: World,
  client: string,
  hit: boolean,
  echoedId: string,
  version: number,
  masterKey: string,
  ticketExtension: boolean,
): ServerHelloOutcome {
  const sid = world.ssl(client).session ?? '';
  // spec §6.2: hit iff the echoed id equals the session's non-empty id (an empty echo never resumes a TLS 1.2 client).
  const sameId = version === TLS1_3 || (echoedId !== '' && echoedId === world.session(sid).sessionId);
  // TLS 1.3 (spec §6.3): the echoed legacy id must be s->tmp_session_id, else SSL_R_INVALID_SESSION_ID (fatal); a random
  // id differs from every other ClientHello's (FINDINGS F73). The check comes before s->hit is reset: it stays.
  const legacyIdEchoed = version !== TLS1_3 || echoedId === world.ssl(client).tmpSessionId;
  world.sendSsl(client, { type: 'CONNECTION', fields: legacyIdEchoed ? { version, hit: hit && sameId } : { version } });
  if (!legacyIdEchoed) return 'refused';
  const c = world.ssl(client);
  if (hit && sameId) {
    // a resumption in another session id context: SSL_R_ATTEMPT_TO_REUSE_SESSION_IN_DIFFERENT_CONTEXT, before the extensions
    if (world.session(sid).sidCtx !== c.sidCtx) return 'refused';
    // The session a resumption meets here is the one offered, unless SSL_set_session replaced it after the
    // ClientHello (FINDINGS F99): tls_process_server_hello then requires s->version == s->session->ssl_version
    // (SSL_R_SSL_SESSION_VERSION_MISMATCH, fatal, the alert removes the session given), and set_client_ciphersuite
    // compares ciphers: a TLS 1.3 resumption of a session without one (cipher_id 0, not the server's) reads
    // s->session->cipher->algorithm2 through NULL (checked against 3.0.19: SIGSEGV at address 0x40).
    if (world.session(sid).version !== version) return 'refused';
    if (version === TLS1_3 && !world.session(sid).cipher) {
      cipherlessResumption(world, client);
      return 'refused';
    }
    // the extensions are parsed, then finalised
    if (refusesTicketExtension(c, version, ticketExtension)) return 'extensionRefused';
    if (version !== TLS1_3) moveAcceptCount(world, client); // the TLS 1.2 ServerHello's extensions are finalised
    return 'accepted';
  }
  if (world.session(sid).sessionId !== '') {
    world.sendCtx(c.sessionCtx, { type: 'COUNT', stat: 'misses' });
    newHandshakeSession(world, client, { serverId: false });
  }
  const current = world.ssl(client).session ?? '';
  // a full handshake: both ends derive the same master secret (FINDINGS F40). s->session->cipher is set by
  // tls13_setup_key_block at a TLS 1.3 ServerHello; a TLS 1.2 client sets it only when it writes its
  // ChangeCipherSpec, after the server's whole flight (statem_clnt.c TLS_ST_CW_CHANGE; checked against 3.0.19,
  // FINDINGS F89): continue.ts clientReadsServerHello. The Certificate that follows: processServerCertificate.
  world.sendSession(current, { type: 'FILL', fields: version === TLS1_3 ? { version, cipher: true, masterKey } : { version, masterKey } });
  if (version !== TLS1_3) world.sendSession(current, { type: 'SET_ID', sessionId: echoedId });
  if (refusesTicketExtension(world.ssl(client), version, ticketExtension)) return 'extensionRefused';
  if (version !== TLS1_3) moveAcceptCount(world, client); // the TLS 1.2 ServerHello's extensions are finalised
  // The server resumed anyway (it echoed an id that is not the client's): its ChangeCipherSpec comes where
  // the client expects a Certificate, a fatal unexpected_message (checked against 3.0.19, FINDINGS F19).
  if (hit) return 'refused';
  return 'accepted';
}

/**
 * tls_process_server_certificate and its post-processing: the client's
 * session takes the server's chain (`peer_chain`) and certificate (`peer`),
 * in whatever object s->session is: one the server holds too, if it was
 * given to the client (FINDINGS F101). `peer_chain` is assigned without
 * freeing a chain the session already holds, which it can only when a
 * session object meets a second full handshake: one offered with an empty id
 * is kept on a miss (processServerHello above, FINDINGS F82). The old chain
 * leaks (checked with LeakSanitizer against 3.0.19, FINDINGS F105).
 */
export function processServerCertificate(world: World, client: string): void {
  world.sendSession(world.ssl(client).session ?? '', { type: 'PEER_CERTIFICATE', line: world.line });
}

/**
 * A TLS 1.2 NewSessionTicket on the client (spec §6.2): a session with an id
 * is replaced by a copy (the old one removed from the client cache first in
 * CLIENT mode); then the ticket is stored and the id becomes its hash.
 */
export function processTls12Ticket(world: World, client: string, ticket: Ticket): void {
  const c = world.ssl(client);
  const old = c.session ?? '';
  if (world.session(old).sessionId !== '') {
    if ((world.ctx(c.sessionCtx).mode & CACHE_CLIENT) !== 0) removeSession(world, c.sessionCtx, old);
    replaceWithDup(world, client);
  }
  storeTicket(world, client, ticket);
}

/** A TLS 1.3 NewSessionTicket read by the client (spec §6.3): always a new session object. */
export function processTls13Ticket(world: World, client: string, ticket: Ticket): void {
  replaceWithDup(world, client);
  storeTicket(world, client, ticket);
  updateCache(world, client, SESS_CACHE_CLIENT);
}

function storeTicket(world: World, client: string, ticket: Ticket): void {
  const sid = world.ssl(client).session ?? '';
  world.sendSession(sid, { type: 'SET_TIME', time: world.now });
  world.sendSession(sid, { type: 'FILL', fields: { ticket, tickLifetimeHint: ticket.lifetimeHint } });
  // The id becomes SHA-256 of the ticket: unique per ticket.
  world.sendSession(sid, { type: 'SET_ID', sessionId: world.generateSessionId() });
  world.sendSession(sid, { type: 'MARK_RESUMABLE' });
}

/** tls_finish_handshake, client (spec §6.2, §6.3, statem_lib.c). */
export function finishClient(world: World, client: string): void {
  const c = world.ssl(client);
  if (c.version === TLS1_3) {
    // "We encourage applications to only use TLSv1.3 tickets once": the session used is removed.
    if ((world.ctx(c.sessionCtx).mode & CACHE_CLIENT) !== 0 && c.session !== null) removeSession(world, c.sessionCtx, c.session);
  } else {
    updateCache(world, client, SESS_CACHE_CLIENT);
  }
  if (c.hit) world.sendCtx(c.sessionCtx, { type: 'COUNT', stat: 'hits' });
  world.sendCtx(c.sessionCtx, { type: 'COUNT', stat: 'connect_good' });
}
