/**
 * Reading records from the BIO pair (rec_layer_s3.c ssl3_read_bytes, ssl3_record.c ssl3_get_record): what an
 * SSL_read or a handshake step takes from what waits (bio-pair.ts), in order, and what it makes of each record: a
 * ticket or close_notify read, a peer's alert received, a record refused on its header with its body left behind,
 * a record read whole and found unusable, a record thrown away under SSL_RECEIVED_SHUTDOWN. None of it is in the
 * spec; each rule was found against 3.0.19 (properties/gen/FINDINGS.md F2, F6, F23, F67-F75, F88, F100, F113,
 * F116-F123).
 */
import { removeSession } from '../cache/remove-session.ts';
import { type AlertSeal, type PeerFlight, type PendingTicket, type SslContext, type ThrownAwayRecord, UNKNOWN_RECORDS, NO_ALERTS, NO_TICKETS, NO_RECORDS } from '../../machines/ssl.ts';
import type { World } from '../world/world.ts';
import { processTls13Ticket } from './client.ts';
import { TLS1_2, TLS1_3 } from './sessions.ts';
import { type Fields, hasIncoming, hasWriteKeys, isVersionMethod, nothingWaiting, pairAlive, waitingClientHello } from './bio-pair.ts';
import { errorStateLeavingBuffer, failLeavingBuffer, fatal } from './fatal.ts';

const RECEIVED = 2;

/**
 * SSL_read on a connection (the `read` pseudo-call, the second SSL_shutdown):
 * pending TLS 1.3 tickets, then a pending close_notify. Returns the tickets
 * read; a record that cannot be read is a fatal error.
 */
export function readRecords(world: World, ssl: string): number {
  // A destroyed pair: bio_read_intern returns -1 on the uninitialised half before it clears the retry
  // flags, so a read after a blocked read looks like "retry later"; otherwise BIO_eof says EOF, and
  // ssl3_read_n's unexpected EOF is fatal (checked against 3.0.19, FINDINGS F6).
  if (!pairAlive(world, ssl)) return world.ssl(ssl).readBlocked ? 0 : fatal(world, ssl, 0);
  settleLeftover(world, ssl);
  const s = world.ssl(ssl);
  const anything = hasIncoming(world, ssl);
  if (s.methodReset) {
    // Refused on its header, the body left (rejectHeader): anything with a generic method (F109); a ClientHello
    // first whatever the method, as on a connection never reset (below): its record version, TLS1_VERSION, is not a
    // TLS 1.2 method's s->version, and a TLS 1.3 method with the connection's read keys allows no plaintext
    // handshake record (F119); and anything a TLS 1.2 peer wrote, for TLS 1.3's method (F123). Checked against 3.0.19.
    if (anything && (rejectsOnHeader(s) || waitingClientHello(world, ssl) !== null || refusesTls12Records(s))) {
      rejectHeader(world, ssl);
      return failLeavingBuffer(world, ssl, 0);
    }
    if (anything) return readFailed(world, ssl, 0);
    world.sendSsl(ssl, { type: 'CONNECTION', fields: { readBlocked: true } });
    return 0;
  }
  const tickets = s.pendingTickets;
  world.sendSsl(ssl, { type: 'CONNECTION', fields: { pendingTickets: NO_TICKETS } });
  for (let i = 0; i < tickets.length; i++) {
    if (emptyTicket(tickets[i]!)) {
      // tls_process_new_session_ticket: a TLS 1.3 ticket of length 0 is SSLfatal(SSL_AD_DECODE_ERROR) before any
      // session is made; the records behind it stay (checked against 3.0.19, FINDINGS F127)
      world.sendSsl(ssl, { type: 'CONNECTION', fields: { pendingTickets: tickets.slice(i + 1) } });
      return failLeavingBuffer(world, ssl, i + 1);
    }
    processTls13Ticket(world, ssl, tickets[i]!);
  }
  // A close_notify always comes before anything unreadable (after it the peer writes nothing but an
  // implicit ClientHello), and SSL_read stops at it.
  // A ClientHello is a plaintext handshake record: unexpected on a connection, so unreadable too.
  const after = world.ssl(ssl);
  if (after.closeNotifiesPending === 0 && waitingClientHello(world, ssl) !== null) {
    // A ClientHello's record version is TLS1_VERSION (do_ssl3_write), and ssl3_get_record rejects it on its
    // header on a connection (TLS 1.2: not s->version, with write keys: SSLfatal(SSL_AD_PROTOCOL_VERSION);
    // TLS 1.3: a handshake record in plaintext, SSL_R_BAD_RECORD_TYPE): the alert is sent, and the body stays
    // behind, garbage for the SSL's next reads once cleared (rejectHeader, F72; checked against 3.0.19,
    // FINDINGS F90)
    rejectHeader(world, ssl);
    return failLeavingBuffer(world, ssl, tickets.length);
  }
  if (after.closeNotifiesPending === 0 && (after.undecryptablePending > 0 || after.alertPending !== null || after.clientHelloPending !== null)) {
    return readGarbage(world, ssl, tickets.length);
  }
  const closeNotifies = world.ssl(ssl).closeNotifiesPending;
  if (closeNotifies > 0) {
    // SSL_read stops at the (first) close_notify: the last BIO read succeeded
    world.sendSsl(ssl, { type: 'CONNECTION', fields: { ...closeNotifyRead(world.ssl(ssl)), readBlocked: false } });
    world.sendSsl(ssl, { type: 'SET_SHUTDOWN', flags: world.ssl(ssl).shutdown | RECEIVED });
  } else {
    world.sendSsl(ssl, { type: 'CONNECTION', fields: { readBlocked: true } }); // read until it would block
  }
  return tickets.length;
}

/**
 * A stateful TLS 1.3 ticket is its session's id (construct_stateful_ticket), which is empty when the server made
 * the session while s->ext.ticket_expected was still set (server.ts finishTls13): the ticket has length 0.
 */
function emptyTicket(ticket: PendingTicket): boolean {
  return ticket.stateful && ticket.state.sessionId === '';
}

/**
 * One close_notify is read or thrown away: one fewer waits, and the tickets written behind it come one closer; those
 * with none ahead now wait first, for the next read (SslContext.ticketsBehindCloseNotify).
 */
function closeNotifyRead(s: SslContext): Fields {
  const fields: Fields = { closeNotifiesPending: s.closeNotifiesPending - 1 };
  if (s.ticketsBehindCloseNotify.length === 0) return fields;
  const closer = s.ticketsBehindCloseNotify.map((t) => ({ ticket: t.ticket, ahead: t.ahead - 1 }));
  fields.pendingTickets = [...s.pendingTickets, ...closer.filter((t) => t.ahead === 0).map((t) => t.ticket)];
  fields.ticketsBehindCloseNotify = closer.filter((t) => t.ahead > 0);
  return fields;
}

/** A read while the SSL expects a handshake message: anything waiting is garbage to it, a fatal error. */
export function readRecordsInInit(world: World, ssl: string): number {
  settleLeftover(world, ssl);
  // state_machine sets s->server; the usual case, a read that would block, is one event
  if (pairAlive(world, ssl) && !hasIncoming(world, ssl)) {
    world.sendSsl(ssl, { type: 'CONNECTION', fields: { accepting: true, role: 'server', readBlocked: true } });
    return 0;
  }
  world.sendSsl(ssl, { type: 'CONNECTION', fields: { accepting: true, role: 'server' } });
  if (!pairAlive(world, ssl)) return world.ssl(ssl).readBlocked ? 0 : fatal(world, ssl, 0);
  return readGarbage(world, ssl, 0);
}

/**
 * Can `reader` read an alert of this seal as an alert? In init it reads
 * plaintext (a TLS 1.3 server mid-handshake reads with handshake keys but
 * tolerates a plaintext alert: ENC_READ_STATE_ALLOW_PLAIN_ALERTS,
 * ssl3_record.c ssl3_get_record); connected, the connection's keys. A sealed
 * alert is read by the peer of the same handshake once it has the keys too
 * (it reads the flight before it first).
 *
 * A method reset (ssl_free + ssl_new: s3 thrown away) does not change how a plaintext alert is read in init:
 * ssl3_get_record and the alert branch of ssl3_read_bytes work on the record layer, s->version, s->method and
 * the read keys (none in init, the TLS 1.3 server's aside), not on s3. Before them, a record-version check can
 * refuse it (checksRecordVersion, asked first by readGarbage; s->first_packet, set while a flow waits for its
 * first message, skips it), and a server with a generic method refuses any record but a handshake one
 * (versionUndecided). So a client waiting for its ServerHello, and a server with a version's method whose
 * state machine waits for a ClientHello, receive it: the error state, no alert back, s->session removed
 * whatever s->shutdown (checked against 3.0.19, FINDINGS F116). A sealed alert needs the connection's keys and
 * s3's cipher state, which the reset lost.
 */
function readsAlert(world: World, reader: string, seal: AlertSeal): boolean {
  const state = world.stateOf('ssl', reader);
  if (seal === 'plain') {
    if (state === 'connected' || state === 'closed') return tolerantTls13Reader(world.ssl(reader));
    return (state === 'before' || state === 'handshaking') && !versionUndecided(world.ssl(reader));
  }
  return !world.ssl(reader).methodReset && (state === 'connected' || state === 'closed');
}

/**
 * A connected SSL with TLS 1.3's method (SSL_IS_TLS13) and the connection's read keys refuses a plaintext
 * record on its header unless s->statem.enc_read_state still allows plaintext alerts (ssl3_record.c), which
 * only a TLS 1.3 server's unfinished handshake leaves behind (SslContext.plainAlertsAllowed); tls13_enc then
 * copies the alert as it is (checked against 3.0.19, FINDINGS F121).
 */
function tolerantTls13Reader(s: SslContext): boolean {
  return s.plainAlertsAllowed && s.method.startsWith(`${TLS1_3}:`);
}

/**
 * A server whose method is still a generic one (TLS_ANY_VERSION: it has chosen no version, or a method reset
 * gave it the generic one back) expects nothing but a ClientHello: ssl3_read_bytes takes any other record, an
 * alert included, for an unexpected message ("this must be a client side alert", rec_layer_s3.c) before its
 * alert branch, SSLfatal(SSL_AD_UNEXPECTED_MESSAGE): an alert of its own, which removes s->session unless
 * SSL_SENT_SHUTDOWN is set (spec §8). A client reads the alert (checked against 3.0.19, FINDINGS F117).
 */
function versionUndecided(s: SslContext): boolean {
  return s.role === 'server' && !isVersionMethod(s.method);
}

/**
 * A record read and found unusable (ssl3_get_record, ssl3_read_bytes): the
 * fatal error with its alert, as `fatal`, but only that record was read; the
 * records behind it stay in the BIO, for the reads of an SSL_clear'ed SSL on
 * the same pair (checked against 3.0.19, FINDINGS F67).
 */
export function readFailed(world: World, ssl: string, ret: number): number {
  consumeFirstRecord(world, ssl);
  return failLeavingBuffer(world, ssl, ret);
}

/**
 * A fatal alert received (rec_layer_s3.c ssl3_read_bytes): SSLfatal_data(s,
 * SSL_AD_NO_ALERT, ...) puts the SSL in the error state with no alert sent
 * back; s->shutdown |= SSL_RECEIVED_SHUTDOWN; SSL_CTX_remove_session(
 * s->session_ctx, s->session), whatever s->shutdown was (FINDINGS F25).
 */
export function receiveAlert(world: World, ssl: string, ret: number): number {
  // Only the alert record was read (spec §8, "Receiving a fatal alert"): what its sender wrote after it (a
  // ClientHello once cleared) stays in the BIO, for the reads of an SSL_clear'ed SSL on the same pair
  // (checked against 3.0.19, FINDINGS F71).
  consumeFirstRecord(world, ssl);
  errorStateLeavingBuffer(world, ssl, ret);
  world.sendSsl(ssl, { type: 'SET_SHUTDOWN', flags: world.ssl(ssl).shutdown | RECEIVED });
  const { session, sessionCtx } = world.ssl(ssl);
  if (session !== null) removeSession(world, sessionCtx, session);
  return ret;
}

/**
 * A read meets records the SSL cannot use as what it expects. The first of
 * them decides: the peer's alert, if nothing unreadable precedes it and the
 * reader's read state matches it, is received (receiveAlert); anything else
 * is a fatal error that sends an alert (fatal).
 */
export function readGarbage(world: World, ssl: string, ret: number): number {
  const s = world.ssl(ssl);
  const alertFirst = s.alertPending !== null && s.pendingTickets.length === 0 && s.closeNotifiesPending === 0 && s.undecryptablePending === 0 && s.peerFlight === null;
  if (alertFirst && s.alertPending === 'plain' && checksRecordVersion(world, ssl)) return alertAfterMethodReset(world, ssl, ret);
  if (alertFirst && readsAlert(world, ssl, s.alertPending ?? 'plain')) return receiveAlert(world, ssl, ret);
  if (alertFirst && s.alertPending === 'plain' && refusesPlaintextOnHeader(world, ssl)) {
    rejectHeader(world, ssl);
    return failLeavingBuffer(world, ssl, ret);
  }
  return readFailed(world, ssl, ret);
}

/**
 * A connected SSL with TLS 1.3's method and the connection's read keys takes no plaintext record but the alerts
 * tolerantTls13Reader allows: ssl3_get_record refuses the record on its header, SSLfatal(SSL_AD_UNEXPECTED_MESSAGE,
 * SSL_R_BAD_RECORD_TYPE), before it reads the body, which stays in the BIO (F72; checked against 3.0.19: the
 * alert's 2-byte body, FINDINGS F122).
 */
function refusesPlaintextOnHeader(world: World, reader: string): boolean {
  const state = world.stateOf('ssl', reader);
  return (state === 'connected' || state === 'closed') && world.ssl(reader).method.startsWith(`${TLS1_3}:`);
}

/**
 * An SSL whose method was reset in the middle of a handshake (methodReset: SSL_set_session on a server past
 * version negotiation, SSL_copy_session_id) and that is past its first packet (a server, or a TLS 1.2 client
 * past its ChangeCipherSpec; a client waiting for its ServerHello reads the whole record) checks the record
 * version against s->version in ssl3_get_record, unless its method is TLS 1.3's own (SSL_IS_TLS13).
 */
function checksRecordVersion(world: World, ssl: string): boolean {
  const s = world.ssl(ssl);
  if (!s.methodReset || world.stateOf('ssl', ssl) !== 'handshaking' || s.method.startsWith(`${TLS1_3}:`)) return false;
  return s.role === 'server' || s.clientWriteKeys;
}

/**
 * The peer's plaintext alert read by such an SSL (FINDINGS F100). ssl3_new ran tls1_clear, which set
 * s->version to the new method's version, TLS_MAX_VERSION_INTERNAL (TLS1_3_VERSION) for a generic one; every
 * alert after a ClientHello is written with record version TLS1_2_VERSION (do_ssl3_write maps TLS1_3_VERSION
 * to it). Equal (a TLS 1.2 method), the alert is received. Otherwise ssl3_get_record rejects the record on its
 * header: an alert record of the same major version on an SSL without write keys is SSLfatal(SSL_AD_NO_ALERT)
 * (the error state only, no alert, s->session left alone), else SSLfatal(SSL_AD_PROTOCOL_VERSION), whose alert
 * removes and marks s->session (spec §8). Either way the alert's body stays in the BIO (F72). Checked against
 * 3.0.19: "ssl3_get_record: wrong version number", the server's session still resumable.
 */
function alertAfterMethodReset(world: World, ssl: string, ret: number): number {
  const { method } = world.ssl(ssl);
  const readerVersion = isVersionMethod(method) ? Number(method.split(':')[0]) : TLS1_3;
  if (readerVersion === TLS1_2) return receiveAlert(world, ssl, ret);
  rejectHeader(world, ssl);
  return hasWriteKeys(world, ssl) ? failLeavingBuffer(world, ssl, ret) : errorStateLeavingBuffer(world, ssl, ret);
}

/**
 * Does `reader` refuse the next unreadable record on its header, out of step with what follows from then on? A
 * connected reader with TLS 1.3's method does (SSL_IS_TLS13 asks s->method, with the connection's read keys:
 * ssl3_get_record allows no record type but application data, SSL_R_BAD_RECORD_TYPE, and the body stays; seen in
 * F75's probes). An unreadable record is never of that type: a peer whose method was reset writes with a TLS 1.2
 * or generic method (with TLS 1.3's it cannot write, bio-pair.ts canWrite), so its close_notify or alert goes out
 * as an alert record. So does a TLS 1.2 connection's SSL that SSL_copy_session_id gave a TLS 1.3 SSL's method
 * (checked against 3.0.19, FINDINGS F123). A reader with another method reads the whole record and fails on it,
 * so what the writer sends once cleared is read after it (FINDINGS F75), and so does a reader that was
 * SSL_clear'ed meanwhile: a generic method, no keys, and a flow waiting for its first message (s->first_packet)
 * check neither type nor version (checked against 3.0.19, FINDINGS F118).
 */
function refusesUnreadableOnHeader(world: World, reader: string): boolean {
  const state = world.stateOf('ssl', reader);
  return (state === 'connected' || state === 'closed') && world.ssl(reader).method.startsWith(`${TLS1_3}:`);
}

/** SSL_RECEIVED_SHUTDOWN is set: ssl3_read_bytes throws away every record it reads (consumeFirstRecord). */
export function receivedShutdown(world: World, ssl: string): boolean {
  return (world.ssl(ssl).shutdown & RECEIVED) !== 0;
}

/**
 * The type of the first record waiting, in consumeFirstRecord's order: a handshake record (a flight's first, a
 * ClientHello; a TLS 1.2 resumption's client flight starts with a ChangeCipherSpec, which a handshake read takes
 * as well), or another (a TLS 1.3 ticket or close_notify is application data, a TLS 1.2 close_notify and any
 * alert are alerts). An unreadable record counts as another: the count does not say what each record is, but
 * only records that arrive after the reader began to wait can be thrown away (an SSL in before gets a new pair
 * from connect and handshake, and SSL_read with the flag set returns at once), and those are what a peer whose
 * method was reset writes, close_notify records and alerts. The rest of a failed flight (handshake records) is
 * written with the flight's first record, which its reader failed on before it could wait again.
 */
export function firstRecordType(world: World, ssl: string): ThrownAwayRecord {
  const s = world.ssl(ssl);
  if (s.pendingTickets.length > 0 || s.closeNotifiesPending > 0 || s.undecryptablePending > 0) return 'other';
  if (s.peerFlight !== null) return 'handshake';
  return s.alertPending !== null ? 'other' : 'handshake';
}

/**
 * One record is read and gone, the first waiting: a ticket, the close_notify,
 * the first record of a flight (the rest of it stays, out of step with any
 * handshake: unreadable), the alert, or a ClientHello (what followed it is now
 * first). The read leaves no retry flag. Two reads end this way:
 * - with SSL_RECEIVED_SHUTDOWN set, ssl3_read_bytes throws the record away
 *   ("If the other end has shut down, throw anything we read away",
 *   rec_layer_s3.c), returns 0, and the state machine returns -1 with no alert
 *   and no error state (checked against 3.0.19, FINDINGS F23). A TLS 1.3
 *   client's last flight leaves nothing: its ChangeCipherSpec is skipped as an
 *   empty record (ssl3_get_record), so the record thrown away is its Finished;
 * - a record found unusable is the only one read before the fatal error
 *   (readFailed, FINDINGS F67).
 */
export function consumeFirstRecord(world: World, ssl: string): void {
  const s = world.ssl(ssl);
  const fields: Fields = { readBlocked: false }; // the read succeeded: no retry flag
  if (s.pendingTickets.length > 0) fields.pendingTickets = s.pendingTickets.slice(1);
  else if (s.closeNotifiesPending > 0) Object.assign(fields, closeNotifyRead(s));
  else if (s.undecryptablePending > 0) {
    // one of the unreadable records goes, unless the reader refuses it on its header
    fields.undecryptablePending = refusesUnreadableOnHeader(world, ssl) ? UNKNOWN_RECORDS : recordsLeftOf(s.undecryptablePending, 1);
  } else if (s.peerFlight !== null) {
    fields.peerFlight = null;
    fields.undecryptablePending = recordsLeft(world, ssl, s.peerFlight);
  } else if (s.alertPending !== null) {
    // the alert is read (or thrown away before ssl3_read_bytes looks at its type); an alert written right
    // behind it is now first (FINDINGS F126)
    const [next, ...rest] = s.alertsBehind;
    fields.alertPending = next ?? null;
    if (next !== undefined) fields.alertsBehind = rest;
    // a flight written behind the last alert is now first, out of step with any handshake (FINDINGS F71)
    else if (s.flightAfterAlert) Object.assign(fields, { flightAfterAlert: false, undecryptablePending: UNKNOWN_RECORDS });
  } else if (s.clientHelloPending !== null) {
    // a ClientHello is one record; what followed it is now first: another ClientHello, to be served,
    // or the client's plaintext alerts, now waiting as such
    const [next, ...rest] = s.recordsAfterHello;
    if (next === 'alert' || next === 'versionedAlert') {
      // the client's plaintext alert, now first, the alerts right behind it (FINDINGS F126), and a ClientHello
      // it wrote once cleared behind them (FINDINGS F71)
      let i = 0;
      while (rest[i] === 'alert' || rest[i] === 'versionedAlert') i++;
      fields.alertPending = 'plain';
      fields.alertsBehind = i === 0 ? NO_ALERTS : rest.slice(0, i).map(() => 'plain' as const);
      const hello = rest[i];
      fields.clientHelloPending = hello === undefined || hello === 'alert' || hello === 'versionedAlert' ? null : hello;
      fields.recordsAfterHello = hello === undefined ? NO_RECORDS : rest.slice(i + 1);
    } else {
      fields.clientHelloPending = next ?? null;
      fields.recordsAfterHello = next === undefined ? NO_RECORDS : rest;
    }
  }
  world.sendSsl(ssl, { type: 'CONNECTION', fields });
}

/**
 * After a method reset, does ssl3_get_record refuse the next record on its header? The reset's ssl_new ends
 * in tls1_clear, which sets s->version to the new method's version, or to TLS1_3_VERSION for a generic method
 * (the one SSL_set_session installs). A record of the connection carries 0x0303 (TLS 1.2, and TLS 1.3's legacy
 * version), so with a generic method the version check fails on the header: the fatal protocol_version error,
 * and the body is left in the BIO. A TLS 1.3 method skips the check (SSL_IS_TLS13), and a TLS 1.2 one passes
 * it: the whole record is read and fails (SSL_copy_session_id from a connected SSL gives its version's method).
 * Checked against 3.0.19, TLS 1.2 and 1.3, both ways (FINDINGS F109).
 */
function rejectsOnHeader(s: SslContext): boolean {
  return !isVersionMethod(s.method);
}

/**
 * A connection of TLS 1.2 whose reader SSL_copy_session_id gave TLS 1.3's method (SSL_IS_TLS13 asks s->method):
 * with the connection's read keys ssl3_get_record allows no record type but application data, and the peer, a TLS
 * 1.2 SSL, has none waiting: its close_notify and alerts are alert records, its ClientHello a handshake one. Each
 * is refused on its header, SSL_R_BAD_RECORD_TYPE, and its body stays (checked against 3.0.19: a close_notify's
 * 26-byte body, FINDINGS F123).
 */
function refusesTls12Records(s: SslContext): boolean {
  return s.version !== TLS1_3 && s.method.startsWith(`${TLS1_3}:`);
}

/**
 * ssl3_get_record rejects a record on its header alone (a record version it
 * does not expect, a record type TLS 1.3 does not allow in plaintext) before
 * it reads the body: the header is consumed, the body stays in the BIO, and
 * whatever the reader reads next starts inside it: garbage, out of step with
 * any record, from here on (ssl3_record.c: "We haven't read the body yet";
 * checked against 3.0.19, FINDINGS F72). Reading it later is a fatal
 * protocol_version alert, which removes and marks s->session (spec §8).
 */
export function rejectHeader(world: World, ssl: string): void {
  // a plaintext alert's body is 2 bytes: alone in the BIO it is too short to be read as garbage (FINDINGS F122)
  const short = plainAlertAlone(world.ssl(ssl));
  world.sendSsl(ssl, {
    type: 'CONNECTION',
    fields: {
      readBlocked: false,
      undecryptablePending: short ? 0 : UNKNOWN_RECORDS,
      alertPending: null,
      alertsBehind: NO_ALERTS,
      flightAfterAlert: false,
      clientHelloPending: null,
      recordsAfterHello: NO_RECORDS,
      peerFlight: null,
      shortLeftover: short ? 'bio' : null,
    },
  });
}

/**
 * The first record waiting is a plaintext alert (its body 2 bytes; sealed ones are longer than a header, with
 * their MAC or tag) and nothing was written after it: no flight, no ClientHello, no other record.
 */
function plainAlertAlone(s: SslContext): boolean {
  return (
    s.alertPending === 'plain' &&
    s.alertsBehind.length === 0 &&
    !s.flightAfterAlert &&
    s.clientHelloPending === null &&
    s.recordsAfterHello.length === 0 &&
    s.pendingTickets.length === 0 &&
    s.closeNotifiesPending === 0 &&
    s.undecryptablePending === 0 &&
    s.peerFlight === null
  );
}

/**
 * A read reaches the record layer of an SSL with a short leftover (SslContext.shortLeftover): ssl3_read_n asks
 * for a 5-byte header and starts with the 2 bytes. Anything written after them completes a header that is no
 * record's, garbage from here on (what waits becomes UNKNOWN_RECORDS, read by the caller's garbage path). With
 * nothing after them the read takes them into s->rlayer.rbuf and would block, no error: the caller's path for
 * nothing waiting. A pair gone since took the bytes still in it along (checked against 3.0.19 with a message
 * callback logging each record header and the BIO's retry flags, FINDINGS F122). Called where a read begins;
 * true when it made garbage.
 */
export function settleLeftover(world: World, ssl: string): boolean {
  const left = world.ssl(ssl).shortLeftover;
  if (left === null) return false;
  if (!pairAlive(world, ssl)) {
    if (left === 'bio') world.sendSsl(ssl, { type: 'CONNECTION', fields: { shortLeftover: null } });
    return false;
  }
  if (hasIncoming(world, ssl)) {
    world.sendSsl(ssl, {
      type: 'CONNECTION',
      fields: { ...nothingWaiting(), undecryptablePending: UNKNOWN_RECORDS, shortLeftover: null },
    });
    return true;
  }
  if (left === 'bio') world.sendSsl(ssl, { type: 'CONNECTION', fields: { shortLeftover: 'rbuf' } });
  return false;
}

/** A flight whose one record after a skipped ChangeCipherSpec is its first (a TLS 1.3 client's Finished). */
function leavesNothing(flight: PeerFlight): boolean {
  return flight.kind === 'clientFinished' && flight.version === TLS1_3;
}

/**
 * What is left of a flight once its first record is read. A TLS 1.3 reader skips a TLS 1.3 client's
 * ChangeCipherSpec as an empty record (ssl3_get_record, SSL_IS_TLS13), so the record read is its Finished and
 * nothing is left; an SSL cleared since, back to TLS_ANY_VERSION, reads the ChangeCipherSpec as a record of
 * its own and leaves the Finished, one record, behind (checked against 3.0.19, FINDINGS F88). Without
 * middlebox compatibility when it wrote the flight the client sent no ChangeCipherSpec (FINDINGS F125).
 */
function recordsLeft(world: World, reader: string, flight: PeerFlight): number {
  if (!leavesNothing(flight)) return recordsLeftOf(flightRecords(flight), 1);
  if (world.stateOf('ssl', reader) !== 'before') return 0;
  return flight.kind === 'clientFinished' && flight.middleboxCcs ? 1 : 0;
}

/**
 * The records of a handshake flight, as its reader meets them (FINDINGS F88, checked against 3.0.19 with a
 * msg_callback). A TLS 1.2 writer puts each handshake message, and the ChangeCipherSpec, in a record of its
 * own (statem_do_write, one ssl3_write_bytes a message): a full handshake's ServerHello, Certificate,
 * ServerKeyExchange, ServerHelloDone; a resumption's ServerHello, NewSessionTicket (if any),
 * ChangeCipherSpec, Finished; the server's last flight NewSessionTicket (if any), ChangeCipherSpec,
 * Finished; the client's ClientKeyExchange (full handshake only), ChangeCipherSpec, Finished. A reader out
 * of step with them reads and fails on one record at a time, and what its peer writes after them is
 * readable again. A TLS 1.3 flight leaves its reader out of step with what follows (FINDINGS F75):
 * `UNKNOWN_RECORDS`, a count the model does not know.
 */
export function flightRecords(flight: PeerFlight): number {
  if (flight.kind === 'serverFinished') return flight.ticket === null ? 2 : 3;
  if (flight.version === TLS1_3) return UNKNOWN_RECORDS;
  if (flight.kind === 'clientFinished') return flight.hit ? 2 : 3;
  if (!flight.hit) return 4;
  if (flight.helloOnly) return 1;
  return flight.ticket === null ? 3 : 4;
}

/** What is left of `count` waiting records once `read` of them are read: an unknown count stays unknown. */
export function recordsLeftOf(count: number, read: number): number {
  return count === UNKNOWN_RECORDS ? UNKNOWN_RECORDS : count - read;
}
