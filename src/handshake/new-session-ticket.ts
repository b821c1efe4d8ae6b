/**
 * SSL_new_session_ticket (ssl_lib.c) and the NewSessionTickets it asks for (statem_srvr.c): a TLS 1.3 server
 * past its first handshake asks for one more ticket (spec §6.6: "plus any requested by SSL_new_session_ticket").
 * The call only counts the request (s->ext.extra_tickets_expected) and puts the SSL in init again; the server's
 * next SSL_read or SSL_do_handshake writes the tickets, each a new session as after the handshake
 * (tls_construct_new_session_ticket: a copy, a new id, ssl_update_cache and so new_cb).
 *
 * While in init, SSL_shutdown fails (-1) and ssl_clear_bad_session does nothing: an SSL_free then keeps even a
 * session that would have been removed (machines/ssl.ts `ticketInit`). Checked against 3.0.19 with probes of
 * each case below (properties/gen/FINDINGS.md F127).
 */
import type { World } from '../world/world.ts';
import { UsageError } from '../world/usage-error.ts';
import { makeDiagnostic } from '../world/diagnostics.ts';
import { ACCESS } from '../../machines/refcount.ts';
import { canWrite, inInit, pairAlive } from './bio-pair.ts';
import { readRecords } from './record-layer.ts';
import { failLeavingBuffer, fatal } from './fatal.ts';
import { hasVersions } from './versions.ts';
import { runsStateMachine } from './handshake-func.ts';
import { PAIR_TICKET_CAPACITY, sendTls13Ticket, ticketsToWrite, writeTls13Tickets } from './server.ts';
import { TLS1_3 } from './sessions.ts';

/**
 * SSL_new_session_ticket(s): 0 when `(SSL_in_init(s) && extra_tickets_expected == 0) || SSL_IS_FIRST_HANDSHAKE(s)
 * || !s->server || !SSL_IS_TLS13(s)`; else one more ticket is expected, and the SSL enters init unless it is
 * already there or a record waits to be written (RECORD_LAYER_write_pending: the ticket then waits for a write
 * the model has no call for). 1.
 */
export function newSessionTicket(world: World, ssl: string): number {
  world.sendSsl(ssl, ACCESS);
  if (world.isFreed('ssl', ssl)) return 0;
  const s = world.ssl(ssl);
  const state = world.stateOf('ssl', ssl);
  const finished = state === 'connected' || state === 'closed';
  const initNow = inInit(world, ssl);
  if (initNow && s.extraTickets === 0) return 0;
  // SSL_IS_FIRST_HANDSHAKE: no Finished since s3 was last cleared (SSL_clear, a method reset); an SSL that failed
  // in init after its handshake is past its first one only if it was in init for tickets
  const pastFirst = (finished || (state === 'failed' && s.ticketInit)) && !s.methodReset;
  // SSL_IS_TLS13 reads s->method: a version's own method, not a generic one
  if (!pastFirst || s.role !== 'server' || !s.method.startsWith(`${TLS1_3}:`)) return 0;
  world.sendSsl(ssl, { type: 'CONNECTION', fields: { extraTickets: s.extraTickets + 1, ticketInit: s.ticketInit || (!initNow && !s.recordUnsent) } });
  return 1;
}

/**
 * The state machine of an SSL in init for requested tickets, as SSL_read or SSL_do_handshake runs it: from
 * TLS_ST_OK it writes the tickets (ticketsToWrite, from s->sent_tickets on), then finishes without counting a
 * handshake (s->statem.cleanuphand is 0). True when it finished (SSL_do_handshake's 1), false when it stays in
 * init:
 * - its method was reset since (SSL_set_session, SSL_copy_session_id), so s3 is gone. With TLS 1.3's own method
 *   (SSL_IS_TLS13) the state machine goes on to the ticket, which fails for want of a cipher: a fatal error. With
 *   a generic one it takes this for a first handshake, counts an accept on s->session_ctx (tls_setup_handshake), writes nothing and
 *   waits for a ClientHello with the generic method: whatever waits (a close_notify, a ClientHello) is refused
 *   on its record header, a fatal error that removes s->session and leaves the record's body behind
 *   (record-layer.ts readRecords; checked against 3.0.19);
 * - the BIO pair is gone: the first ticket is made (with its new_cb and cache entry) and its write fails; every
 *   later step retries that write (retryTicketWrite; checked against 3.0.19);
 * - its handshake function is ssl_undefined_function: the step fails at once.
 */
export function writeRequestedTickets(world: World, server: string): boolean {
  const s = world.ssl(server);
  if (!s.ticketInit) return true;
  // ssl_undefined_function (SSL_set_ssl_method moved an accept function to a client-only method's, handshake-func.ts):
  // SSL_read's or SSL_do_handshake's step fails at once, writing and reading nothing (FINDINGS F111)
  if (!runsStateMachine(s.handshakeFunc)) return false;
  if (s.ticketsStuck === 'writeFailed') {
    retryTicketWrite(world, server);
    return false;
  }
  if (s.ticketsStuck === 'accepting' || s.methodReset) {
    acceptAfterMethodReset(world, server);
    return false;
  }
  if (!pairAlive(world, server)) {
    // the first ticket is made, and its write into the gone pair fails (unless making it failed first)
    if (sendTls13Ticket(world, server, s.sentTickets) === null) {
      fatal(world, server, 0);
      return false;
    }
    world.sendSsl(server, { type: 'CONNECTION', fields: { sentTickets: s.sentTickets + 1, extraTickets: Math.max(0, s.extraTickets - 1), ticketsStuck: 'writeFailed' } });
    return false;
  }
  const count = ticketsToWrite(s.config.numTickets, s.hit, s.sentTickets, s.extraTickets);
  const peer = s.peer ?? '';
  refuseOverfullPair(world, peer, count);
  if (!writeTls13Tickets(world, server, peer, count)) return false;
  world.sendSsl(server, { type: 'CONNECTION', fields: { ticketInit: false } });
  return true;
}

/**
 * The peer's unread tickets fill the same BIO pair (server.ts PAIR_TICKET_CAPACITY): more than it surely holds
 * and libssl stalls waiting to write, a state the model does not have, so the trace is refused.
 */
function refuseOverfullPair(world: World, peer: string, count: number): void {
  const waiting = world.ssl(peer).pendingTickets.length + world.ssl(peer).ticketsBehindCloseNotify.length;
  if (count + waiting <= PAIR_TICKET_CAPACITY) return;
  throw new UsageError(
    `the server would write ${count} more TLS 1.3 tickets behind ${waiting} its peer has not read, more than the ` +
      `${PAIR_TICKET_CAPACITY} sure to fit into the in-memory BIO pair (17 KB, as in the harness); libssl then stalls waiting to write, which sslsim does not model`,
  );
}

/**
 * The retried write of a ticket whose first write failed (writeRequestedTickets): into the gone pair it fails again.
 * After a method reset the record is sealed again, which fails as any write does then (bio-pair.ts canWrite,
 * FINDINGS F62): a fatal error. And after SSL_set_session(s, NULL), whose reset left no session, the seal
 * dereferences s->session: 3.0.19 crashes (checked: SIGSEGV at 0x2f8 inside SSL_read). Undefined behaviour.
 */
function retryTicketWrite(world: World, server: string): void {
  const s = world.ssl(server);
  if (s.methodReset && s.session === null) {
    world.report(
      makeDiagnostic(
        'null-dereference',
        world.line,
        `${world.describe(server, 'ssl')} retries writing a NewSessionTicket that SSL_new_session_ticket asked for, but SSL_set_session(…, NULL) took its session away since; sealing the record dereferences s->session`,
        '3.0.19 reads address 0x2f8 inside SSL_read: the process dies with SIGSEGV. Never change the session of an SSL that is in init, and check SSL_shutdown\'s -1 before doing so.',
        null,
      ),
    );
    return;
  }
  if (!canWrite(world, server)) fatal(world, server, 0);
}

/** The state machine of a server asked for tickets whose method was reset since (writeRequestedTickets). */
function acceptAfterMethodReset(world: World, server: string): void {
  const s = world.ssl(server);
  if (s.ticketsStuck === null) {
    if (s.method.startsWith(`${TLS1_3}:`)) {
      // TLS 1.3's own method (SSL_copy_session_id from a TLS 1.3 SSL): the ticket is made at once, but s3 lost the
      // cipher, so the handshake digest has no size: SSLfatal(SSL_AD_INTERNAL_ERROR), no ticket, no accept counted
      fatal(world, server, 0);
      return;
    }
    world.sendSsl(server, { type: 'CONNECTION', fields: { ticketsStuck: 'accepting' } });
    // tls_setup_handshake, as for a server starting from before (continue.ts implicitHandshake): no version
    // enabled is a fatal protocol_version alert; else a first handshake is counted on s->session_ctx
    // (server-name.ts moves it to s->ctx only when a ClientHello's extensions are finalised: never here)
    if (!hasVersions(world.ssl(server))) {
      failLeavingBuffer(world, server, 0);
      return;
    }
    world.sendCtx(s.sessionCtx, { type: 'COUNT', stat: 'accept' });
  }
  // the read for a ClientHello meets what waits as SSL_read would after a method reset (record-layer.ts
  // readRecords): a generic method refuses any record on its header (s->first_packet is not set: no SSL_in_before)
  readRecords(world, server);
}
