/**
 * The `connect`, `handshake` and `read` pseudo-calls: an in-memory handshake
 * between a client SSL and a server SSL, in the order the two state machines
 * really interleave over a BIO pair (spec §6), and the client's later reads.
 *
 * TLS ≤ 1.2 full handshake: the server finishes first (after its ticket),
 * then the client processes the ticket and finishes. TLS ≤ 1.2 resumption:
 * the client finishes first. TLS 1.3: the client finishes, then the server,
 * which then sends its NewSessionTickets; the client reads them only in a
 * later SSL_read (`read`, or the second half of `connect`).
 */
import type { Ticket } from '../../machines/ssl-session.ts';
import { removeSession } from '../cache/remove-session.ts';
import type { World } from '../world/world.ts';
import { UsageError } from '../world/usage-error.ts';
import { attachPair, awaitClientHello, fatal, hasIncoming, inBefore, pairAlive, readRecords, readRecordsInInit, waitingClientHello } from './bio-pair.ts';
import { type ClientOffer, clientHello, finishClient, processServerHello, processTls12Ticket } from './client.ts';
import { finishTls12, finishTls13, makeTls12Ticket, processClientHello, type ServerDecision } from './server.ts';
import { TLS1_2, TLS1_3 } from './sessions.ts';
import { clientMaxVersion, hasVersions, negotiate } from './versions.ts';

const RECEIVED_SHUTDOWN = 2;


/** `handshake(client, server)`: 1 on success, 0 when the handshake fails; tickets stay unread. */
export function handshake(world: World, client: string, server: string): number {
  if (!bothUsable(world, client, server)) return -1;
  const states = [world.stateOf('ssl', client), world.stateOf('ssl', server)];
  if (states.every((s) => s === 'connected' || s === 'closed')) return 1; // SSL_connect on a finished connection
  if (states.some((s) => s === 'failed')) return againstFailed(world, client, server, states[0] === 'before');
  if (!states.every((s) => s === 'before')) throw new UsageError(`${client} and ${server} are not both fresh: one of them already completed a handshake`);
  return runHandshake(world, client, server);
}

/** `connect(client, server)`: the handshake, then the client reads what the server sent. */
export function connect(world: World, client: string, server: string): number {
  const ret = handshake(world, client, server);
  if (ret === 1) readPending(world, client);
  return ret;
}

/**
 * `read(ssl)`: SSL_read processes pending TLS 1.3 tickets, then a pending
 * close_notify (bio-pair.ts). Returns the tickets read. In init it is
 * SSL_read's implicit handshake instead.
 */
export function readPending(world: World, ssl: string): number {
  world.sendSsl(ssl, { type: 'ACCESS' });
  if (world.isFreed('ssl', ssl)) return -1;
  // ssl_read_internal: once the peer's close_notify is in (or the flag was set by hand), SSL_read returns 0 at once
  if ((world.ssl(ssl).shutdown & RECEIVED_SHUTDOWN) !== 0) return 0;
  const state = world.stateOf('ssl', ssl);
  if (state === 'before') return implicitHandshake(world, ssl);
  if (state === 'failed') return 0; // the error state: SSL_read fails at once
  return readRecords(world, ssl);
}

/**
 * SSL_read on an SSL in init runs its handshake function first (FINDINGS F9,
 * checked against 3.0.19). SSL_clear keeps the handshake function and the
 * BIO pair; an SSL never connected has neither and does nothing. A server
 * reads a ClientHello: whatever already waits in the pair is garbage to it,
 * a fatal error; else it waits, harmlessly. A client writes a ClientHello, so
 * it makes its new session (spec §6.1), then waits for a ServerHello: stuck
 * in init, which the model counts as failed, and its old peer cannot read the
 * ClientHello either; garbage already waiting is again fatal.
 */
function implicitHandshake(world: World, ssl: string): number {
  const { handshakeFunc } = world.ssl(ssl);
  if (handshakeFunc === 'accept') {
    const hello = waitingClientHello(world, ssl);
    return hello === null ? readRecordsInInit(world, ssl) : serveWaitingClientHello(world, ssl, hello);
  }
  // Never attached (NULL: SSL_read fails at once), or ssl_undefined_function (SSL_set_ssl_method moved
  // the handshake function to a server-only method's ssl_connect, handshake-func.ts): nothing happens.
  if (handshakeFunc !== 'connect') return 0;
  world.sendSsl(ssl, { type: 'CONNECTION', fields: { role: 'client' } }); // state_machine sets s->server
  if (!hasVersions(world.ssl(ssl))) return fatal(world, ssl, 0);
  const offer = clientHello(world, ssl);
  if (pairAlive(world, ssl)) {
    // the ClientHello is written first, then the read finds any garbage waiting
    const peer = world.ssl(ssl).peer ?? '';
    const fields = world.ssl(peer).clientHelloPending === null ? { clientHelloPending: offer } : { undecryptablePending: true };
    world.sendSsl(peer, { type: 'CONNECTION', fields });
    if (hasIncoming(world, ssl)) return fatal(world, ssl, 0);
  } // else the ClientHello cannot be written: a write error, not a fatal one
  world.sendSsl(ssl, { type: 'HANDSHAKE_FAILED', fields: {} });
  return 0;
}

/**
 * One side already failed (it is in the error state; its SSL_do_handshake
 * returns -1 at once). A fresh client still writes its ClientHello (so it
 * gets its new session, spec §6.1), then waits for a ServerHello that never
 * comes: it is stuck in init, which the model counts as failed, without an
 * alert. A server not failed runs its accept function and waits (FINDINGS
 * F13); a client whose handshake function is ssl_undefined_function, or one
 * already accepting, does nothing. Checked against 3.0.19 (FINDINGS F7).
 */
function againstFailed(world: World, client: string, server: string, clientFresh: boolean): number {
  if (clientFresh || world.stateOf('ssl', server) === 'before') attachPair(world, client, server);
  if (!clientFresh) {
    if (inBefore(world, server)) awaitClientHello(world, server);
    else if (world.stateOf('ssl', server) === 'before') world.sendSsl(server, { type: 'CONNECTION', fields: { readBlocked: true } });
    return 0;
  }
  if (world.ssl(client).accepting) {
    world.sendSsl(client, { type: 'CONNECTION', fields: { readBlocked: true } }); // its accept function reads nothing
    return 0;
  }
  if (world.ssl(client).handshakeFunc !== 'connect') return 0; // ssl_undefined_function: it stays before
  if (!hasVersions(world.ssl(client))) return failAlone(world, client);
  clientHello(world, client);
  return stall(world, client);
}

/** The SSL can go no further in this handshake, without an alert: the model counts it as failed. */
function stall(world: World, ssl: string): number {
  world.sendSsl(ssl, { type: 'HANDSHAKE_FAILED', fields: {} });
  return 0;
}

function bothUsable(world: World, client: string, server: string): boolean {
  if (client === server) throw new UsageError('a connection needs two different SSLs', 1);
  world.sendSsl(client, { type: 'ACCESS' });
  world.sendSsl(server, { type: 'ACCESS' });
  if (world.isFreed('ssl', client) || world.isFreed('ssl', server)) return false;
  if (world.ctx(world.ssl(client).ctx).method === 'TLS_server_method') {
    throw new UsageError(`${client} was made from a TLS_server_method() context and cannot be the client`, 0);
  }
  if (world.ctx(world.ssl(server).ctx).method === 'TLS_client_method') {
    throw new UsageError(`${server} was made from a TLS_client_method() context and cannot be the server`, 1);
  }
  return true;
}

function runHandshake(world: World, client: string, server: string): number {
  attachPair(world, client, server);
  // An SSL whose SSL_read already ran its accept function keeps it (attach only sets the state of an SSL
  // in before): as the "client" it waits for a ClientHello too, and nothing happens (checked against 3.0.19).
  if (world.ssl(client).accepting) {
    world.sendSsl(client, { type: 'CONNECTION', fields: { readBlocked: true } });
    awaitClientHello(world, server);
    return 0;
  }
  if (world.ssl(client).handshakeFunc !== 'connect') {
    // the client's handshake function is ssl_undefined_function: it stays before, writes nothing, and
    // the server's accept function waits for a ClientHello (checked against 3.0.19)
    awaitClientHello(world, server);
    return 0;
  }
  // FINDINGS F7, checked against 3.0.19: ssl_set_client_hello_version fails (SSLfatal) before
  // tls_construct_client_hello reaches the session, so no new session; the alert removes the current one.
  if (!hasVersions(world.ssl(client))) return fail(world, client, server);
  const offer = clientHello(world, client);
  if (world.ssl(server).handshakeFunc !== 'accept') {
    // The server's accept function is ssl_undefined_function: it stays before (the state machine never
    // runs), and the client waits for a ServerHello. An SSL that already runs ossl_statem_accept keeps it
    // whatever its method (handshake-func.ts), and serves the ClientHello (checked against 3.0.19).
    return stall(world, client);
  }
  // ssl3_read_bytes returns 0 at once while SSL_RECEIVED_SHUTDOWN is set. A server that was already
  // accepting kept its shutdown flags (attach resets only an SSL in before), so it never reads the
  // ClientHello and sends no alert; the client waits (checked against 3.0.19, campaign seed 20261202).
  if ((world.ssl(server).shutdown & RECEIVED_SHUTDOWN) !== 0) return stall(world, client);
  const served = serveClientHello(world, server, client, offer);
  if (served === null) return fail(world, server, client);
  const { version, decision } = served;
  world.sendSsl(client, { type: 'CONNECTION', fields: { method: `${version}:client` } });
  if (!processServerHello(world, client, decision.hit, decision.echoedId, version)) return fail(world, client, server);
  if (version === TLS1_3) {
    done(world, client, 'connect');
    finishClient(world, client);
    done(world, server, 'accept');
    const tickets = finishTls13(world, server);
    deliver(world, client, tickets);
    return 1;
  }
  const ticket = decision.ticketExpected ? makeTls12Ticket(world, server) : null;
  const clientSide = () => {
    if (ticket) processTls12Ticket(world, client, ticket);
    done(world, client, 'connect');
    finishClient(world, client);
  };
  const serverSide = () => {
    done(world, server, 'accept');
    finishTls12(world, server);
  };
  if (decision.hit) {
    clientSide();
    serverSide();
  } else {
    serverSide();
    clientSide();
  }
  return 1;
}

/**
 * The server reads the ClientHello and answers it (spec §6.5, §6.6): version
 * negotiation, then the session lookup or a new session, then the cipher.
 * Null when the server sends a fatal alert instead (the caller lets both
 * sides or the server alone fail).
 */
function serveClientHello(world: World, server: string, client: string, offer: ClientOffer): { version: number; decision: ServerDecision } | null {
  const version = negotiate(world.ssl(client), world.ssl(server));
  if (version === 0) return null; // the server's protocol_version alert
  // ssl_choose_server_version / ssl_choose_client_version install the version's own method. When the
  // client sent supported_versions (it allows TLS 1.3), the server takes it from ssl_version_supported,
  // which hands back the table's *client* method (ssl_accept undefined, ssl_connect defined), whatever
  // the version chosen; for a legacy ClientHello it is the server method (checked against 3.0.19).
  const serverMethod = clientMaxVersion(world.ssl(client)) >= TLS1_3 ? `${version}:client` : `${version}:server`;
  world.sendSsl(server, { type: 'CONNECTION', fields: { version, method: serverMethod } });
  const decision = processClientHello(world, server, offer);
  // Found against 3.0.19 (conformance/NOTES.md N8): at the default security level 1, 3.0 allows no SHA-1
  // signature, which TLS 1.0 and 1.1 need, so the server finds no usable cipher after it has made its
  // session, and sends a fatal handshake_failure alert. TLS 1.0/1.1 never complete.
  if (version < TLS1_2) return null;
  // The server's certificate: without one (SSL_copy_session_id gave it a client's cert) the server is not
  // TLS 1.3 capable (negotiate), and a full handshake ends in its fatal alert; a TLS 1.2 resumption needs
  // none (checked against 3.0.19).
  if (!decision.hit && !world.ssl(server).cert) return null;
  // the cipher is chosen: s->session->cipher (i2d_SSL_SESSION encodes nothing without one, spec §2)
  world.sendSession(world.ssl(server).session ?? '', { type: 'FILL', fields: { cipher: true } });
  world.sendSsl(server, { type: 'CONNECTION', fields: { hit: decision.hit } });
  return { version, decision };
}

/**
 * SSL_read in init on a server whose peer's own implicit handshake already
 * wrote a ClientHello (both were cleared while still attached): the server
 * serves it, writes its flight and waits for the client's next one, in init
 * (the model counts that as failed). Checked against 3.0.19 (FINDINGS F17).
 * The model goes no further: the client's own later read, which would carry
 * the handshake on, is not modelled (it stays stuck).
 */
function serveWaitingClientHello(world: World, server: string, offer: ClientOffer): number {
  const client = world.ssl(server).peer ?? '';
  world.sendSsl(server, { type: 'CONNECTION', fields: { accepting: true, role: 'server', clientHelloPending: null, readBlocked: true } });
  if (serveClientHello(world, server, client, offer) === null) return failAlone(world, server);
  return stall(world, server);
}

/** tls_finish_handshake: the handshake function becomes the side's own state machine. */
function done(world: World, ssl: string, handshakeFunc: 'connect' | 'accept'): void {
  world.sendSsl(ssl, { type: 'HANDSHAKE_DONE', fields: { handshakeFunc } });
}

function deliver(world: World, client: string, tickets: readonly Ticket[]): void {
  const pending = [...world.ssl(client).pendingTickets, ...tickets];
  world.sendSsl(client, { type: 'CONNECTION', fields: { pendingTickets: pending } });
}

/**
 * A fatal alert (spec §8): the side that sends it and the side that receives
 * it each remove their current session from their session_ctx (which marks
 * it not resumable and calls remove_cb), and both stay in init.
 */
function fail(world: World, sender: string, receiver: string): number {
  failAlone(world, sender);
  return failAlone(world, receiver);
}

/** ssl3_send_alert / ssl3_read_bytes on a fatal alert: the current session leaves its session_ctx's cache (spec §8). */
function failAlone(world: World, ssl: string): number {
  const { session, sessionCtx } = world.ssl(ssl);
  if (session !== null) removeSession(world, sessionCtx, session);
  world.sendSsl(ssl, { type: 'HANDSHAKE_FAILED', fields: {} });
  return 0;
}
