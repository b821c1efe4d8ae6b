/**
 * The in-memory connection between two SSLs: one BIO pair, as the conformance
 * harness attaches it (conformance/runtime/conn.c), what waits in each end's
 * read buffer, and the records each end writes into its peer's. Reading them is
 * record-layer.ts; failing, with or without an alert, fatal.ts.
 *
 * Found against 3.0.19 (properties/gen/FINDINGS.md F2, F6, F9), none of it in
 * the spec: a pair lives until either end is freed or attached to a new pair;
 * data written into it is lost with it; writing to a destroyed pair fails and
 * reading from it finds nothing; and an SSL whose method SSL_set_session reset
 * cannot read the connection's records any more (a fatal error), nor can its
 * peer read what it writes afterwards.
 */
import { type AlertSeal, type ClientOffer, type ConnectionFields, type SslContext, UNKNOWN_RECORDS, NO_ALERTS, NO_TICKETS, NO_TICKETS_BEHIND, NO_RECORDS } from '../../machines/ssl.ts';
import type { World } from '../world/world.ts';
import { stateFunc } from './handshake-func.ts';
import { TLS1_3 } from './sessions.ts';

/**
 * attach() of the harness: a fresh pair for both ends (SSL_set_bio frees the
 * old ones, so their former peers lose their connection). The link number is
 * the line of the call, unique per attach. An end still `before` gets
 * SSL_set_connect_state / SSL_set_accept_state, which clear s->shutdown.
 */
export function attachPair(world: World, client: string, server: string): void {
  attachEnd(world, client, 'client', server);
  attachEnd(world, server, 'server', client);
}

/** One end of the fresh pair: nothing waits in it; an end in before gets its role and handshake function. */
function attachEnd(world: World, ssl: string, role: 'client' | 'server', peer: string): void {
  const fields = emptyEnd(world.line, peer, world.ssl(ssl));
  if (inBefore(world, ssl)) {
    world.sendSsl(ssl, { type: 'SET_SHUTDOWN', flags: 0 });
    fields.role = role;
    fields.handshakeFunc = stateFunc(world.ssl(ssl).method, role);
  }
  // Otherwise it keeps its handshake function and s->server, and a ClientHello its state machine could
  // not write stays pending: it goes into the new pair (F21).
  world.sendSsl(ssl, { type: 'CONNECTION', fields });
}

export type Fields = { -readonly [K in keyof ConnectionFields]?: ConnectionFields[K] };

/** Nothing waits in the read buffer: the part of a new pair's end and of the error state alike. A new object each time (it is the patch). */
export function nothingWaiting(): Fields {
  return {
    pendingTickets: NO_TICKETS,
    closeNotifiesPending: 0,
    ticketsBehindCloseNotify: NO_TICKETS_BEHIND,
    undecryptablePending: 0,
    alertPending: null,
    alertsBehind: NO_ALERTS,
    flightAfterAlert: false,
    clientHelloPending: null,
    recordsAfterHello: NO_RECORDS,
    peerFlight: null,
  };
}

/** Each field nothingWaiting sets already says nothing waits (an empty list is as good as the shared one: lists are replaced, never changed). */
function waitsNothing(s: SslContext): boolean {
  return (
    s.pendingTickets.length === 0 &&
    s.closeNotifiesPending === 0 &&
    s.ticketsBehindCloseNotify.length === 0 &&
    s.undecryptablePending === 0 &&
    s.alertPending === null &&
    s.alertsBehind.length === 0 &&
    !s.flightAfterAlert &&
    s.clientHelloPending === null &&
    s.recordsAfterHello.length === 0 &&
    s.peerFlight === null
  );
}

/**
 * The fields of an end of a new pair: its link and peer, nothing waiting, no retry flag. The eight fields of
 * nothingWaiting go only to an end where something waits: most ends attached are fresh SSLs, whose buffer
 * fields already say nothing waits, and each field a patch names is one more store into the context.
 */
function emptyEnd(link: number, peer: string, s: SslContext): Fields {
  const fields = waitsNothing(s) ? {} : nothingWaiting();
  // a short leftover still in the old BIO goes with it; one already in the read buffer stays (SslContext.shortLeftover)
  if (s.shortLeftover === 'bio') fields.shortLeftover = null;
  fields.link = link;
  fields.readBlocked = false;
  fields.peer = peer;
  return fields;
}

/**
 * SSL_in_before: the state machine never ran. An SSL whose handshake function
 * is ssl_undefined_function stays there however often it is called; one that
 * ran its accept function and waits for a ClientHello has left it.
 */
export function inBefore(world: World, ssl: string): boolean {
  return world.stateOf('ssl', ssl) === 'before' && !world.ssl(ssl).accepting;
}

/**
 * SSL_in_init (s->statem.in_init): set by SSL_new and SSL_clear until a handshake finishes, again by a fatal error,
 * and by SSL_new_session_ticket until the tickets it asked for are written (machines/ssl.ts `ticketInit`). What
 * SSL_shutdown and the bad-session rule ask (spec §3 ssl_clear_bad_session); SSL_do_handshake returns 1 only when
 * it is clear.
 */
export function inInit(world: World, ssl: string): boolean {
  const state = world.stateOf('ssl', ssl);
  return !(state === 'connected' || state === 'closed') || world.ssl(ssl).ticketInit;
}

/** The SSL's BIO pair still has its other end: not freed and not attached elsewhere since. */
export function pairAlive(world: World, ssl: string): boolean {
  const { peer, link } = world.ssl(ssl);
  return peer !== null && link !== 0 && !world.isFreed('ssl', peer) && world.ssl(peer).link === link;
}

/** A version's own method (`VERSION:ROLE`), not one of the three generic ones. */
export function isVersionMethod(method: string): boolean {
  return method.includes(':');
}

/**
 * Can the SSL write a record after its s3 state was thrown away? Not with
 * TLS 1.3's own method (SSL_copy_session_id from a connected TLS 1.3 SSL),
 * nor on a TLS 1.3 connection that holds a session: its first SSL_shutdown
 * fails to write (-1). Otherwise (a TLS 1.2 connection with a generic or TLS
 * 1.2 method, or no session) the close_notify is written, unreadable for the
 * peer. Observed with 3.0.19 (each combination). The failure is tls13_enc's:
 * ssl3_new left no s3.tmp.new_cipher, so it calls SSLfatal (an internal
 * error), and the SSL is in the error state after the write (FINDINGS F62).
 * Only a record sealed with write keys gets that far: without them (an SSL
 * still in init that has not switched its write state, such as a client
 * waiting for its ServerHello when SSL_copy_session_id gave it a connected TLS
 * 1.3 SSL's method) tls13_enc and tls1_enc copy the record as plaintext
 * (`ctx == NULL`, ssl3_record_tls13.c tls13_enc), so its fatal alert is
 * written and reaches the peer (checked against 3.0.19, FINDINGS F98).
 */
export function canWrite(world: World, ssl: string): boolean {
  const s = world.ssl(ssl);
  const tls13Method = s.method.startsWith(`${TLS1_3}:`);
  return !(s.methodReset && hasWriteKeys(world, ssl) && (tls13Method || (s.version === TLS1_3 && s.session !== null)));
}

/**
 * s->enc_write_ctx is set: the SSL switched its write state. Connected, yes; in
 * init, a server that wrote a TLS 1.3 first flight or a TLS 1.2 resumption's
 * (ossl_statem_server_post_work, as alertSeal), and a TLS 1.2 client that wrote
 * its ChangeCipherSpec and Finished and waits for the server's last flight
 * (ossl_statem_client_post_work, TLS_ST_CW_CHANGE). A client waiting for its
 * ServerHello, and a server waiting for a ClientHello or in a TLS 1.2 full
 * handshake, still write plaintext (FINDINGS F98).
 */
export function hasWriteKeys(world: World, ssl: string): boolean {
  const state = world.stateOf('ssl', ssl);
  if (state === 'connected' || state === 'closed') return true;
  if (state !== 'handshaking') return false;
  const s = world.ssl(ssl);
  return s.role === 'server' ? s.version === TLS1_3 || s.hit : s.clientWriteKeys;
}

/** Records `ssl` writes after the handshake reach its peer: readable, unless `ssl`'s method was reset. */
export function writeCloseNotify(world: World, ssl: string): void {
  const { peer, methodReset } = world.ssl(ssl);
  world.sendSsl(ssl, { type: 'CONNECTION', fields: { readBlocked: false } }); // bio_write clears the retry flags
  if (peer === null) return;
  const fields = methodReset ? { undecryptablePending: oneUnreadableRecord(world, peer) } : { closeNotifiesPending: world.ssl(peer).closeNotifiesPending + 1 };
  world.sendSsl(peer, { type: 'CONNECTION', fields });
}

/** Records wait in the pair for `ssl` (a handshake that begins now reads them as garbage, FINDINGS F9). */
export function hasIncoming(world: World, ssl: string): boolean {
  const s = world.ssl(ssl);
  return (
    s.pendingTickets.length > 0 ||
    s.closeNotifiesPending > 0 ||
    s.undecryptablePending > 0 ||
    s.alertPending !== null ||
    s.clientHelloPending !== null ||
    s.recordsAfterHello.length > 0 ||
    s.peerFlight !== null
  );
}

/** The peer's ClientHello, when it is the first thing waiting in a live pair (it follows anything else written). */
export function waitingClientHello(world: World, ssl: string): ClientOffer | null {
  const s = world.ssl(ssl);
  // an alert comes before a ClientHello its sender wrote once cleared
  if (!pairAlive(world, ssl) || s.pendingTickets.length > 0 || s.closeNotifiesPending > 0 || s.undecryptablePending > 0 || s.alertPending !== null || s.peerFlight !== null) {
    return null;
  }
  return s.clientHelloPending;
}

/**
 * A fatal alert arrives in `reader`'s read buffer: after a ClientHello that
 * waits there (the one writer of a pair writes in order; a client in init
 * writes it in plaintext), else as the last record its sender wrote. An
 * unreadable seal (null) is a record the reader cannot use.
 */
export function writeAlert(world: World, reader: string, seal: AlertSeal | null, afterServerHello = false): void {
  const r = world.ssl(reader);
  if (r.clientHelloPending !== null) {
    // a client that read a ServerHello (of a flight for an earlier ClientHello, F73) is past
    // TLS_ST_CW_CLNT_HELLO: its alert has the version it read, no longer TLS1_VERSION (FINDINGS F91)
    const alert = afterServerHello ? 'versionedAlert' : 'alert';
    world.sendSsl(reader, { type: 'CONNECTION', fields: { recordsAfterHello: [...r.recordsAfterHello, alert] } });
    return;
  }
  // right behind the peer's pending alert (nothing written in between), it is read after that one (FINDINGS F126)
  if (seal !== null && r.alertPending !== null && !r.flightAfterAlert && r.undecryptablePending === 0) {
    world.sendSsl(reader, { type: 'CONNECTION', fields: { alertsBehind: [...r.alertsBehind, seal] } });
    return;
  }
  // behind something the reader already cannot use, it is never read
  if (r.undecryptablePending > 0 || r.alertPending !== null) return;
  world.sendSsl(reader, { type: 'CONNECTION', fields: seal === null ? { undecryptablePending: oneUnreadableRecord(world, reader) } : { alertPending: seal } });
}

/**
 * The count of unreadable records once a peer whose method was reset writes one more (a close_notify, an
 * alert). Reading one is a fatal error that marks s->session (spec §8). How it is read is decided when it is
 * read (record-layer.ts consumeFirstRecord): the reader may be cleared in between.
 */
function oneUnreadableRecord(world: World, reader: string): number {
  const r = world.ssl(reader);
  return r.undecryptablePending === UNKNOWN_RECORDS ? UNKNOWN_RECORDS : r.undecryptablePending + 1;
}

/** Writes `offer` into `client`'s live pair: a second ClientHello is garbage behind the first. */
export function writeClientHello(world: World, client: string, offer: ClientOffer): void {
  const p = world.ssl(world.ssl(client).peer ?? '');
  const fields = p.clientHelloPending === null ? { clientHelloPending: offer } : { recordsAfterHello: [...p.recordsAfterHello, offer] };
  world.sendSsl(p.id, { type: 'CONNECTION', fields });
}
