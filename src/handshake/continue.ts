/**
 * The handshake, one flight at a time, as the harness steps it (FINDINGS F17,
 * F20): each side's SSL_do_handshake (or SSL_read in init) reads the other's
 * flight, if one waits, and answers it. The in-memory `connect` and
 * `handshake` run every handshake this way (`carryOn`); two SSLs cleared while
 * still attached to their BIO pair can also carry one on by reads. The flights:
 *
 * - TLS 1.3: ServerHello..Finished; the client finishes and sends Finished;
 *   the server finishes and sends its NewSessionTickets (spec §6.3).
 * - TLS 1.2 resumption: ServerHello, [ticket], Finished; the client finishes
 *   and sends Finished; the server finishes.
 * - TLS 1.2 full: ServerHello..ServerHelloDone; the client sends its key
 *   exchange and Finished; the server finishes and sends [ticket], Finished;
 *   the client finishes.
 *
 * Between flights each side waits in the `handshaking` state with the peer's
 * flight, if any, in `peerFlight`.
 */
import type { ClientOffer, PeerFlight } from '../../machines/ssl.ts';
import { makeDiagnostic } from '../world/diagnostics.ts';
import type { World } from '../world/world.ts';
import { attachPair, hasIncoming, inBefore, inInit, pairAlive, waitingClientHello, writeClientHello } from './bio-pair.ts';
import { errorStateLeavingBuffer, failLeavingBuffer, fatal, flightFailed } from './fatal.ts';
import {
  consumeFirstRecord,
  firstRecordType,
  flightRecords,
  readFailed,
  readGarbage,
  readRecords,
  readRecordsInInit,
  receiveAlert,
  receivedShutdown,
  recordsLeftOf,
  rejectHeader,
  settleLeftover,
} from './record-layer.ts';
import { clearAtStart } from './clear.ts';
import { clientHello, finishClient, processServerCertificate, processServerHello, processTls12Ticket } from './client.ts';
import { runsStateMachine } from './handshake-func.ts';
import { deliver, done, stall } from './outcome.ts';
import { moveAcceptCount } from './server-name.ts';
import { finishTls12, finishTls13, makeTls12Ticket, resumptionTicket, serveClientHello } from './server.ts';
import { writeRequestedTickets } from './new-session-ticket.ts';
import { TLS1_3 } from './sessions.ts';
import { clientAccepts, hasVersions, signalsDowngrade } from './versions.ts';
import { SSL_OP_ENABLE_MIDDLEBOX_COMPAT } from '../../machines/ssl-options.ts';

type Flight<K extends PeerFlight['kind']> = Extract<PeerFlight, { kind: K }>;

/** The wait of a side whose read would block: its BIO's retry flag is set (F6). */
const READ_WOULD_BLOCK = { readBlocked: true } as const;

/**
 * SSL_read in init on a server whose peer's implicit handshake already wrote
 * a ClientHello: the server serves it, writes its flight and waits for the
 * client's next one (checked against 3.0.19).
 */
export function serveWaitingClientHello(world: World, server: string, offer: ClientOffer): number {
  const client = world.ssl(server).peer ?? '';
  const broken = world.ssl(server).methodReset; // its s3 state was thrown away while accepting (F18)
  const [next] = world.ssl(server).recordsAfterHello;
  world.sendSsl(server, { type: 'CONNECTION', fields: { accepting: true, role: 'server' } });
  // The ClientHello was read, one record: no retry flag, unless the server goes on to wait for the client's
  // next flight; what the client wrote after it is now first.
  consumeFirstRecord(world, server);
  const served = broken ? null : serveClientHello(world, server, client, offer);
  // ossl_statem_fatal with its alert (spec §8: it removes and marks s->session); only the ClientHello was read,
  // so what followed it stays in the BIO for the reads of the server once SSL_clear'ed (checked against
  // 3.0.19, FINDINGS F70)
  if (served === null) return failLeavingBuffer(world, server, 0);
  const { version, decision } = served;
  const { hit, echoedId, ticketExpected } = decision;
  const ticket = resumptionTicket(world, server, version, hit, ticketExpected);
  const { masterKey } = world.session(world.ssl(server).session ?? '');
  const downgrade = signalsDowngrade(world.ssl(server), version);
  const helloOnly = ticket === 'failed';
  sendFlight(world, client, { kind: 'serverHello', version, hit, echoedId, ticket: helloOnly ? null : ticket, ticketExpected, masterKey, clientRandom: offer.random, downgrade, helloOnly });
  // the ticket could not be made: SSLfatal after the ServerHello was written, and the plaintext alert follows it
  // (both flushed together; checked against 3.0.19, FINDINGS F128)
  if (helloOnly) return fatal(world, server, 0);
  // a TLS 1.3 server now reads with the client's handshake keys and tolerates a plaintext alert (FINDINGS F121)
  if (version === TLS1_3) world.sendSsl(server, { type: 'CONNECTION', fields: { plainAlertsAllowed: true } });
  stall(world, server, READ_WOULD_BLOCK); // it reads on, and the read would block
  // the same read goes on to what the client wrote after its ClientHello (F21): another ClientHello, an
  // unexpected message, or its alert, which is never read as one (F25). Both records' versions say
  // TLS1_VERSION, and ssl3_get_record rejects either on its header: its body stays behind (FINDINGS F72).
  if (next === undefined) return 0;
  // a client that had read a ServerHello wrote its alert with that version: a record the server reads, a
  // fatal alert received (TLS 1.3: a plaintext alert is still allowed, ENC_READ_STATE_ALLOW_PLAIN_ALERTS;
  // checked against 3.0.19, FINDINGS F91)
  if (next === 'versionedAlert') return receiveAlert(world, server, 0);
  rejectHeader(world, server);
  if (next === 'alert') return wrongVersionAlert(world, server);
  return failLeavingBuffer(world, server, 0);
}

/**
 * The server reads the alert its client wrote after the ClientHello. The
 * client's state was still TLS_ST_CW_CLNT_HELLO, so do_ssl3_write gave the
 * record version TLS1_VERSION, and ssl3_get_record, no longer at the first
 * packet, rejects it (checked against 3.0.19 with a C probe, FINDINGS F25):
 * a TLS 1.3 server with SSLfatal(SSL_AD_DECODE_ERROR) (the record version of
 * a TLS 1.3 record must be TLS1_2_VERSION), a TLS 1.2 server that already
 * writes encrypted (a resumption, after its Finished) with
 * SSLfatal(SSL_AD_PROTOCOL_VERSION): alerts sent (fatal.ts fatal). A TLS
 * 1.2 server in a full handshake, with no write keys yet, takes it for the
 * peer's alert and ends with SSLfatal(SSL_AD_NO_ALERT): the error state only,
 * no alert, its session stays in the cache. Either way the alert's body stays in the BIO (rejectHeader, F72).
 */
function wrongVersionAlert(world: World, server: string): number {
  const { version, hit } = world.ssl(server);
  return version !== TLS1_3 && !hit ? errorStateLeavingBuffer(world, server, 0) : failLeavingBuffer(world, server, 0);
}

/**
 * SSL_read of an SSL in the `handshaking` state: the peer's flight, if it
 * waits; once the handshake is finished the same SSL_read reads on (what the
 * peer wrote after its flight, a close_notify say: record-layer.ts readRecords).
 * Returns the NewSessionTickets read, as the harness counts them.
 */
export function readInHandshake(world: World, ssl: string): number {
  // SSL_read in init calls s->handshake_func first: SSL_set_ssl_method may have made it ssl_undefined_function
  // mid-handshake (a generic method swapped for one without this role keeps the flow, FINDINGS F111)
  if (!runsStateMachine(world.ssl(ssl).handshakeFunc)) return 0;
  const tickets = stepHandshake(world, ssl);
  const state = world.stateOf('ssl', ssl);
  return state === 'connected' || state === 'closed' ? tickets + readRecords(world, ssl) : tickets;
}

/** SSL_do_handshake of an SSL in the `handshaking` state: it reads the peer's flight, if one waits, and answers it. */
export function stepHandshake(world: World, ssl: string): number {
  const { helloUnsent, helloDropped } = world.ssl(ssl);
  if (helloUnsent !== null) return retryClientHello(world, ssl, helloUnsent);
  if (helloDropped && afterDroppedHello(world, ssl)) return 0;
  settleLeftover(world, ssl); // the read begins (FINDINGS F122)
  const { peerFlight, peer } = world.ssl(ssl);
  if (peerFlight === null || !pairAlive(world, ssl)) return waitForPeer(world, ssl);
  // records written before a ServerHello flight come first: the peer's close_notify or tickets from the
  // connection before (it shut down, was SSL_clear'ed and served a ClientHello on the same pair; a server in
  // init writes neither). In init they are garbage, a fatal alert (spec §8), and the flight stays behind
  // (FINDINGS F74). A finished peer's close_notify follows its last flight instead.
  if (peerFlight.kind === 'serverHello' && connectionRecordsWaiting(world, ssl)) return readGarbage(world, ssl, 0);
  // its s3 state was thrown away mid-handshake (F18): the flight's first record fails, the rest stays (F68)
  if (world.ssl(ssl).methodReset) return readFailed(world, ssl, 0);
  if (world.ssl(ssl).session === null) return sessionGone(world, ssl);
  // A client cleared since (it wrote another ClientHello) waits for a ServerHello: the server's last flight
  // of the handshake before is garbage to it, its first record (NewSessionTicket or ChangeCipherSpec) an
  // unexpected message, the rest left behind (checked against 3.0.19, FINDINGS F92)
  if (peerFlight.kind === 'serverFinished' && peerFlight.clientRandom !== world.ssl(ssl).clientRandom) return readFailed(world, ssl, 0);
  world.sendSsl(ssl, { type: 'CONNECTION', fields: { peerFlight: null, readBlocked: true } });
  if (peerFlight.kind === 'serverHello') return clientReadsServerHello(world, ssl, peer ?? '', peerFlight);
  if (peerFlight.kind === 'clientFinished') return serverReadsClientFinished(world, ssl, peer ?? '', peerFlight);
  return clientReadsServerFinished(world, ssl, peerFlight);
}

/**
 * The first step after a method reset dropped an unsent ClientHello (FINDINGS F110): the flush succeeds with
 * nothing to write, and the state machine takes its transition from TLS_ST_CW_CLNT_HELLO. With a TLS 1.3
 * method (SSL_copy_session_id from a TLS 1.3 SSL) ossl_statem_client13_write_transition has none: an internal
 * error, fatal. Otherwise the client waits for a ServerHello that never comes. True when the step ended fatally.
 */
function afterDroppedHello(world: World, client: string): boolean {
  world.sendSsl(client, { type: 'CONNECTION', fields: { helloDropped: false } });
  if (!world.ssl(client).method.startsWith(`${TLS1_3}:`)) return false;
  failLeavingBuffer(world, client, 0);
  return true;
}

/** Nothing of the handshake waits: a gone pair (F6's retry-flag rule), garbage (fatal), or a read that would block. */
function waitForPeer(world: World, ssl: string): number {
  if (!pairAlive(world, ssl)) return world.ssl(ssl).readBlocked ? 0 : fatal(world, ssl, 0);
  settleLeftover(world, ssl); // a retried ClientHello was written first (FINDINGS F122)
  if (clientHelloFirst(world, ssl)) return refuseClientHello(world, ssl);
  if (hasIncoming(world, ssl)) return readGarbage(world, ssl, 0);
  world.sendSsl(ssl, { type: 'CONNECTION', fields: { readBlocked: true } });
  return 0;
}

/**
 * A server mid-handshake whose next record is a ClientHello (a fresh client's, on the new pair the harness
 * attached when that client was in before): ssl3_get_record refuses it on its header, with nothing of its body
 * read. A TLS 1.2 server is past its first packet, and the ClientHello's record version, TLS1_VERSION, is not
 * s->version (SSLfatal(SSL_AD_PROTOCOL_VERSION, SSL_R_WRONG_VERSION_NUMBER)); a TLS 1.3 server reads with
 * the client's handshake keys, under which no plaintext handshake record is allowed (SSL_R_BAD_RECORD_TYPE).
 * The body stays in the BIO, out of step: the server's next read once SSL_clear'ed fails on it with an alert,
 * and removes its kept session again (checked against 3.0.19, FINDINGS F83; the rule of F72).
 */
function clientHelloFirst(world: World, ssl: string): boolean {
  // Found twice, by the pool probes (F83) and the generated read-driven handshakes (F93). A client waiting for
  // its first ServerHello reads the whole record instead (first_packet).
  return world.ssl(ssl).role === 'server' && world.stateOf('ssl', ssl) === 'handshaking' && waitingClientHello(world, ssl) !== null;
}

function refuseClientHello(world: World, server: string): number {
  rejectHeader(world, server);
  return failLeavingBuffer(world, server, 0);
}

/** Returns the NewSessionTickets read (a TLS 1.2 resumption's). */
function clientReadsServerHello(world: World, client: string, server: string, f: Flight<'serverHello'>): number {
  // ssl_choose_client_version comes first, on the client's settings now: a version outside its range, or a TLS 1.2
  // answer with the downgrade sentinel to a client that now allows TLS 1.3, is a fatal protocol_version (or
  // illegal_parameter) alert; s->version and s->method stay as they were (FINDINGS F125)
  if (!clientAccepts(world.ssl(client), f.version, f.downgrade)) return flightFailed(world, client, 0, recordsLeftOf(flightRecords(f), 1));
  world.sendSsl(client, { type: 'CONNECTION', fields: { method: `${f.version}:client` } });
  // A flight that answers an earlier ClientHello (FINDINGS F73) is processed as any (spec §6.2, §6.3) and fails
  // where it depends on that ClientHello; each failure's alert removes and marks s->session (spec §8). At
  // TLS 1.3 a random legacy id echoed is not the client's s->tmp_session_id: processServerHello refuses it.
  const outcome = processServerHello(world, client, f.hit, f.echoedId, f.version, f.masterKey, f.ticketExpected);
  if (outcome === 'extensionRefused') return flightFailed(world, client, 0, recordsLeftOf(flightRecords(f), 1));
  if (outcome === 'refused') return flightFailed(world, client, 0, refusedFlightLeft(world, client, f));
  // the server failed right after its ServerHello: its alert is the next record (FINDINGS F128)
  if (f.helloOnly) return readGarbage(world, client, 0);
  // A full handshake's Certificate follows the ServerHello: read by a TLS 1.2 client even when the next record
  // fails (F88 below), by a TLS 1.3 one only if it can open the encrypted flight.
  if (!world.ssl(client).hit && (f.version !== TLS1_3 || answersOwnHello(world, client, f))) processServerCertificate(world, client);
  // Past the ServerHello, a TLS 1.3 client derives other handshake keys and cannot open the EncryptedExtensions
  // (bad_record_mac); a TLS 1.2 one finds the ServerKeyExchange signed over another client_random
  // (decrypt_error). The rest of the flight stays. A TLS 1.2 resumption fails at its Finished (below).
  // TLS 1.2: ServerHello, Certificate and ServerKeyExchange were read; the ServerHelloDone stays (FINDINGS F88)
  if (!answersOwnHello(world, client, f) && (f.version === TLS1_3 || !f.hit)) return flightFailed(world, client, 0, recordsLeftOf(flightRecords(f), 3));
  if (f.version === TLS1_3) moveAcceptCount(world, client); // the EncryptedExtensions are finalised
  const tickets = f.ticket === null ? 0 : 1;
  if (f.version === TLS1_3 || f.hit) {
    if (f.ticket !== null) processTls12Ticket(world, client, f.ticket);
    // the ticket was read (and counted) before the Finished that fails (FINDINGS F40)
    // the Finished is the flight's last record: nothing of it is left behind
    if (!serverFinishedReadable(world, client, f)) return failLeavingBuffer(world, client, tickets, true);
    done(world, client, 'connect');
    finishClient(world, client);
  }
  // a TLS 1.2 full handshake: the ChangeCipherSpec written gives the new session its cipher (FINDINGS F89)
  if (f.version !== TLS1_3 && !f.hit) {
    world.sendSession(world.ssl(client).session ?? '', { type: 'FILL', fields: { cipher: true } });
    // and switches its write state: what it writes from here on is sealed (FINDINGS F98)
    world.sendSsl(client, { type: 'CONNECTION', fields: { clientWriteKeys: true } });
  }
  const middleboxCcs = f.version === TLS1_3 && (world.ssl(client).config.options & SSL_OP_ENABLE_MIDDLEBOX_COMPAT) !== 0;
  sendFlight(world, server, { kind: 'clientFinished', version: f.version, hit: f.hit, ticketExpected: f.ticketExpected, clientRandom: f.clientRandom, middleboxCcs });
  return tickets;
}

/**
 * The records of a ServerHello flight left when processServerHello refused it (FINDINGS F88): a resumed
 * session in another id context is refused at the ServerHello; a resumption the client takes for a full
 * handshake (F19) at the next record, where it expects a Certificate (the server's NewSessionTicket or
 * ChangeCipherSpec); a TLS 1.3 flight leaves an unknown count.
 */
function refusedFlightLeft(world: World, client: string, f: Flight<'serverHello'>): number {
  const takenForFull = f.version !== TLS1_3 && f.hit && !world.ssl(client).hit;
  return recordsLeftOf(flightRecords(f), takenForFull ? 2 : 1);
}

/**
 * A TLS <= 1.2 resumption: after the ServerHello (and any NewSessionTicket)
 * the client reads the server's ChangeCipherSpec and takes read keys from its
 * own session's master secret, so a server that resumed a session with
 * another secret (one whose id the application set to the client's, say)
 * sends a Finished the client cannot open: ssl3_get_record,
 * SSLfatal(SSL_AD_BAD_RECORD_MAC, SSL_R_DECRYPTION_FAILED_OR_BAD_RECORD_MAC)
 * (checked against 3.0.19, FINDINGS F40). A TLS 1.3 PSK can only be the
 * ticket's own, so it always matches.
 */
function serverFinishedReadable(world: World, client: string, f: Flight<'serverHello'>): boolean {
  if (f.version === TLS1_3) return true;
  return world.session(world.ssl(client).session ?? '').masterKey === f.masterKey && answersOwnHello(world, client, f);
}

/**
 * The server's flight answers the client's last ClientHello: the client_random the server's key exchange
 * signature and key derivation used is the client's own. A client cleared after one ClientHello writes
 * another, and may then read the answer to the first (FINDINGS F73).
 */
function answersOwnHello(world: World, client: string, f: Flight<'serverHello'>): boolean {
  return f.clientRandom === world.ssl(client).clientRandom;
}

function serverReadsClientFinished(world: World, server: string, client: string, f: Flight<'clientFinished'>): number {
  if (f.version === TLS1_3) {
    done(world, server, 'accept');
    finishTls13(world, server, client);
    return 0;
  }
  // A TLS 1.2 server's session with a peer certificate after the ClientKeyExchange means a client
  // certificate: tls_post_process_client_key_exchange expects a CertificateVerify, finds no handshake buffer
  // (the extended master secret digest freed it) and fails, SSLfatal(INTERNAL_ERROR), the alert sent; only the
  // ClientKeyExchange was read. Reached when the server's session was given to its own client mid-handshake,
  // which stored the server's certificate in it (checked against 3.0.19, FINDINGS F101).
  const sid = world.ssl(server).session;
  if (!f.hit && sid !== null && world.session(sid).peer) {
    world.sendSsl(server, { type: 'CONNECTION', fields: { undecryptablePending: recordsLeftOf(flightRecords(f), 1) } });
    return failLeavingBuffer(world, server, 0);
  }
  // the client's ChangeCipherSpec read: a new session gets its cipher with the key block (FINDINGS F89)
  if (!f.hit) world.sendSession(world.ssl(server).session ?? '', { type: 'FILL', fields: { cipher: true } });
  const ticket = !f.hit && f.ticketExpected ? makeTls12Ticket(world, server, false) : null;
  // the ticket could not be made (FINDINGS F128): SSLfatal before the server's last flight, in plaintext
  if (ticket === null && !f.hit && f.ticketExpected) return fatal(world, server, 0);
  done(world, server, 'accept');
  finishTls12(world, server);
  if (!f.hit) sendFlight(world, client, { kind: 'serverFinished', ticket, clientRandom: f.clientRandom });
  return 0;
}

/** Returns the NewSessionTickets read. */
function clientReadsServerFinished(world: World, client: string, f: Flight<'serverFinished'>): number {
  if (f.ticket !== null) processTls12Ticket(world, client, f.ticket);
  done(world, client, 'connect');
  finishClient(world, client);
  return f.ticket === null ? 0 : 1;
}

/**
 * SSL_set_session(ssl, NULL) between two flights left s->session NULL, and
 * the handshake dereferences it when the next flight comes: SIGSEGV in
 * libssl (checked against 3.0.19, FINDINGS F18). Undefined behaviour.
 */
function sessionGone(world: World, ssl: string): number {
  world.report(
    makeDiagnostic(
      'null-dereference',
      world.line,
      `${ssl} is in the middle of a handshake, but SSL_set_session(${ssl}, NULL) took its session away; reading the peer's next flight dereferences s->session`,
      '3.0.19 reads address 0 plus a small offset inside libssl: the process dies with SIGSEGV. Never call SSL_set_session on an SSL in the middle of a handshake.',
      null,
    ),
  );
  return 0;
}

/**
 * The flight waits in the reader's buffer. Behind an alert the sender wrote
 * before it (it failed, was SSL_clear'ed, then served a ClientHello on the
 * same pair), the reader meets the alert first (FINDINGS F71).
 */
function sendFlight(world: World, ssl: string, flight: PeerFlight): void {
  const fields = world.ssl(ssl).alertPending !== null ? { flightAfterAlert: true } : { peerFlight: flight };
  world.sendSsl(ssl, { type: 'CONNECTION', fields });
}

/**
 * The client's state machine is still in its write state: SSL_read or
 * SSL_do_handshake writes the ClientHello again. Into an orphaned half it
 * fails again (bio_write returns 0 and clears the retry flags); into a live
 * pair (attached since) it goes, and the client reads on (F21).
 */
function retryClientHello(world: World, client: string, offer: ClientOffer): number {
  // the write into the orphaned half fails before it touches the BIO's retry flag (FINDINGS F112)
  if (!pairAlive(world, client)) return 0;
  world.sendSsl(client, { type: 'CONNECTION', fields: { helloUnsent: null } });
  writeClientHello(world, client, offer);
  return waitForPeer(world, client);
}

/**
 * `handshake(client, server)`: two fresh SSLs, or two that carry a handshake
 * on over their pair, one that failed, one mid-handshake on another pair, or
 * two that both already accept. As the harness (and an application given a
 * new socket) does, a fresh BIO pair is attached only
 * when a side is still SSL_in_before (an SSL whose accept function already
 * ran has left it, FINDINGS F13). Then the harness's loop: SSL_do_handshake
 * on each side, client first, and again on a side while something new
 * reaches it in its own pair:
 * - a failed side is in the error state and returns -1 at once;
 * - a side mid-handshake reads its peer's flight, if one waits, and answers
 *   it; anything else waiting is garbage to it, a fatal error;
 * - a side in before runs its handshake function as SSL_read in init does
 *   (implicitHandshake): a client writes its ClientHello, makes its new
 *   session (spec §6.1) and waits; a server serves a waiting ClientHello, or
 *   waits for one.
 * So a fresh pair runs the whole handshake, an accepting server left on its
 * old pair serves the ClientHello its cleared peer wrote there, and two
 * handshakes on other pairs each go on with their own peers (checked against
 * 3.0.19, FINDINGS F20). 1 when both sides finished.
 */
export function carryOn(world: World, client: string, server: string): number {
  if (inBefore(world, client) || inBefore(world, server)) attachPair(world, client, server);
  // A side whose SSL_do_handshake returned an error the harness counts as a failure is not stepped again.
  let clientOn = doHandshake(world, client);
  let serverOn = doHandshake(world, server);
  // The harness goes on while bytes move; a side that nothing new reached would only block again.
  for (let round = 0, moved = true; moved && round < MAX_ROUNDS; round++) {
    moved = false;
    if (clientOn && reachedBySomething(world, client)) {
      clientOn = doHandshake(world, client);
      moved = true;
    }
    if (serverOn && reachedBySomething(world, server)) {
      serverOn = doHandshake(world, server);
      moved = true;
    }
  }
  return finished(world, client) && finished(world, server) ? 1 : 0;
}

/** More rounds than any handshake has flights (a TLS 1.2 full one: four after the ClientHello). */
const MAX_ROUNDS = 8;

/**
 * The handshake completed, and SSL_do_handshake returns 1: connected, or closed after it (close_notify sent),
 * and not in init again for tickets SSL_new_session_ticket asked for (new-session-ticket.ts).
 */
export function finished(world: World, ssl: string): boolean {
  return !inInit(world, ssl);
}

/** A side still in the handshake with something new in its live pair. */
function reachedBySomething(world: World, ssl: string): boolean {
  const state = world.stateOf('ssl', ssl);
  return (state === 'before' || state === 'handshaking') && pairAlive(world, ssl) && hasIncoming(world, ssl);
}

/**
 * SSL_do_handshake of one side (see carryOn): its state decides what it reads.
 * False when it returned an error that is no fatal one: with
 * SSL_RECEIVED_SHUTDOWN set, a side whose state machine reads first throws
 * the waiting record away (record-layer.ts consumeFirstRecord, FINDINGS F23), and
 * SSL_get_error says SSL_ERROR_SYSCALL. SSL_read never gets there: it returns
 * 0 at once (connect.ts readPending).
 */
function doHandshake(world: World, ssl: string): boolean {
  const state = world.stateOf('ssl', ssl);
  // ssl_undefined_function (F14, F111): SSL_do_handshake fails at once, reading and writing nothing, with an error
  // that is no fatal one, which the harness counts as the side's failure (it is not stepped again)
  if ((state === 'handshaking' || state === 'before') && !runsStateMachine(world.ssl(ssl).handshakeFunc)) return false;
  if (readsFirst(world, ssl, state) && receivedShutdown(world, ssl)) {
    // the record an earlier throw-away left current is thrown away again: nothing is read (FINDINGS F113)
    if (world.ssl(ssl).recordThrownAway) return false;
    // a header made of a short leftover and the bytes after it fails in ssl3_get_record, before ssl3_read_bytes
    // could throw anything away: the fatal protocol_version alert (checked against 3.0.19, FINDINGS F122)
    if (settleLeftover(world, ssl)) {
      failLeavingBuffer(world, ssl, 0);
      return true;
    }
    if (pairAlive(world, ssl) && hasIncoming(world, ssl)) {
      const thrownAway = firstRecordType(world, ssl);
      consumeFirstRecord(world, ssl);
      world.sendSsl(ssl, { type: 'CONNECTION', fields: { recordThrownAway: thrownAway } });
      return false;
    }
  }
  if ((state === 'handshaking' || state === 'before') && failsOnThrownAway(world, ssl)) return true;
  if (state === 'handshaking') stepHandshake(world, ssl);
  else if (state === 'before') implicitHandshake(world, ssl);
  // connected or closed: SSL_do_handshake returns 1 at once, or writes requested tickets first; failed: the
  // error state returns -1 at once
  else if (state !== 'failed') return writeRequestedTickets(world, ssl);
  return true;
}

/**
 * A read of the state machine without SSL_RECEIVED_SHUTDOWN meets the empty record a throw-away left current
 * (rec_layer_s3.c ssl3_read_bytes). The state machine asks for a handshake record: one of that type (or a
 * ChangeCipherSpec) is copied, 0 bytes, marked read and skipped, and the read goes on to the BIO (FINDINGS F113).
 * Any other type (an alert, application data) is a record it did not ask for: a fatal unexpected message, with
 * an alert of its own (which removes s->session unless SSL_SENT_SHUTDOWN is set), nothing read from the BIO (a
 * server with a generic method fails before the record's type is looked at further, F117; checked against
 * 3.0.19, FINDINGS F120). True when the read failed on it.
 */
export function failsOnThrownAway(world: World, ssl: string): boolean {
  const { recordThrownAway, handshakeFunc } = world.ssl(ssl);
  // only a handshake function that runs reads (ssl_undefined_function fails first, F111), and with the flag still
  // set the read would throw the record away again instead (doHandshake)
  if (recordThrownAway === null || receivedShutdown(world, ssl) || !runsStateMachine(handshakeFunc)) return false;
  world.sendSsl(ssl, { type: 'CONNECTION', fields: { recordThrownAway: null } });
  if (recordThrownAway === 'handshake') return false;
  failLeavingBuffer(world, ssl, 0);
  return true;
}

/** The side's state machine reads before it writes: it waits for the peer's flight, or accepts (a client's unsent ClientHello goes first). */
function readsFirst(world: World, ssl: string, state: string): boolean {
  const s = world.ssl(ssl);
  return (state === 'handshaking' && s.helloUnsent === null) || (state === 'before' && s.accepting);
}

/**
 * SSL_read on an SSL in init runs its handshake function first (FINDINGS F9,
 * checked against 3.0.19). SSL_clear keeps the handshake function and the
 * BIO pair; an SSL never connected has neither and does nothing. A server
 * reads a ClientHello: one its cleared peer wrote is served (continue.ts,
 * F17); anything else waiting is garbage to it, a fatal error; with nothing
 * waiting it waits, harmlessly. A client writes a ClientHello, so it makes
 * its new session (spec §6.1), then waits for a ServerHello (`handshaking`):
 * a connected peer finds the ClientHello unreadable, a cleared one serves it;
 * garbage already waiting for the client is again fatal.
 */
export function implicitHandshake(world: World, ssl: string): number {
  const { handshakeFunc, accepting } = world.ssl(ssl);
  // state_machine starts from before with an SSL_clear of its own (clear.ts); not through ssl_undefined_function
  if ((handshakeFunc === 'accept' || handshakeFunc === 'connect') && inBefore(world, ssl)) clearAtStart(world, ssl);
  // A state machine that already reads for a ClientHello goes on reading as the server it set s->server to,
  // even when SSL_set_ssl_method has since made its handshake function ssl_connect: state_machine skips its
  // set-up for a flow already running (checked against 3.0.19, FINDINGS F66).
  if (handshakeFunc === 'accept' || (handshakeFunc === 'connect' && accepting)) {
    // A flow starting now (not yet accepting, once any SSL_clear above is done) runs tls_setup_handshake before
    // anything is read: a server whose own settings enable no version sends a fatal protocol_version alert,
    // removing its session if it has one (FINDINGS F64); a ClientHello stays unread
    if (!world.ssl(ssl).accepting) {
      if (!hasVersions(world.ssl(ssl))) {
        world.sendSsl(ssl, { type: 'CONNECTION', fields: { role: 'server' } });
        return failLeavingBuffer(world, ssl, 0);
      }
      // the set-up then counts a first handshake on session_ctx (spec §4 Statistics and sizes; tls_setup_handshake, FINDINGS F76)
      world.sendCtx(world.ssl(ssl).sessionCtx, { type: 'COUNT', stat: 'accept' });
    }
    settleLeftover(world, ssl); // the read begins (FINDINGS F122)
    const hello = waitingClientHello(world, ssl);
    return hello === null ? readRecordsInInit(world, ssl) : serveWaitingClientHello(world, ssl, hello);
  }
  // Never attached (NULL: SSL_read fails at once), or ssl_undefined_function (SSL_set_ssl_method moved
  // the handshake function to a server-only method's ssl_connect, handshake-func.ts): nothing happens.
  if (handshakeFunc !== 'connect') return 0;
  world.sendSsl(ssl, { type: 'CONNECTION', fields: { role: 'client' } }); // state_machine sets s->server
  // the same set-up fails a client before its ClientHello (F7); nothing was read; else it counts a first handshake
  // on session_ctx (spec §4 Statistics and sizes; tls_setup_handshake, FINDINGS F76)
  if (!hasVersions(world.ssl(ssl))) return failLeavingBuffer(world, ssl, 0);
  world.sendCtx(world.ssl(ssl).sessionCtx, { type: 'COUNT', stat: 'connect' });
  const offer = clientHello(world, ssl);
  if (!pairAlive(world, ssl)) {
    // the ClientHello cannot be written: a write error, not a fatal one; the next read writes it again (F21)
    world.sendSsl(ssl, { type: 'CONNECTION', fields: { helloUnsent: offer } }); // the retry flag untouched (F112)
    return stall(world, ssl);
  }
  // the ClientHello is written first, then the read finds any garbage waiting, or would block: the same
  // SSL_do_handshake goes on to read the ServerHello, so the BIO's retry flag is set (F6; FINDINGS F69)
  writeClientHello(world, ssl, offer);
  settleLeftover(world, ssl); // the read begins (FINDINGS F122)
  // A ServerHello flight that answered an earlier ClientHello of this client waits first: the state machine,
  // now waiting for a ServerHello, reads it as the answer (stepHandshake; checked against 3.0.19, FINDINGS F73)
  if (serverHelloFirst(world, ssl)) {
    stall(world, ssl);
    return stepHandshake(world, ssl);
  }
  if (hasIncoming(world, ssl)) return readGarbage(world, ssl, 0);
  return stall(world, ssl, READ_WOULD_BLOCK);
}

/** A server's first flight waits first in the client's live pair (nothing unreadable before it). */
function serverHelloFirst(world: World, client: string): boolean {
  const c = world.ssl(client);
  return c.peerFlight?.kind === 'serverHello' && pairAlive(world, client) && !connectionRecordsWaiting(world, client) && c.undecryptablePending === 0;
}

/** Tickets or a close_notify of a connection wait (ahead of any ServerHello flight: record-layer.ts consumeFirstRecord's order). */
function connectionRecordsWaiting(world: World, ssl: string): boolean {
  const s = world.ssl(ssl);
  return s.pendingTickets.length > 0 || s.closeNotifiesPending > 0;
}
