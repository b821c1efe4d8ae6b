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
import type { World } from '../world/world.ts';
import { UsageError } from '../world/usage-error.ts';
import { attachPair, awaitClientHello, fatal, hasIncoming, inBefore, pairAlive, readRecords, readRecordsInInit, waitingClientHello } from './bio-pair.ts';
import { clientHello, finishClient, processServerHello, processTls12Ticket } from './client.ts';
import { carryingOn, carryOn, readInHandshake, serveWaitingClientHello, stepHandshake } from './continue.ts';
import { deliver, done, fail, failAlone, stall } from './outcome.ts';
import { finishTls12, finishTls13, makeTls12Ticket, serveClientHello } from './server.ts';
import { TLS1_3 } from './sessions.ts';
import { hasVersions } from './versions.ts';

const RECEIVED_SHUTDOWN = 2;


/** `handshake(client, server)`: 1 on success, 0 when the handshake fails; tickets stay unread. */
export function handshake(world: World, client: string, server: string): number {
  if (!bothUsable(world, client, server)) return -1;
  const states = [world.stateOf('ssl', client), world.stateOf('ssl', server)];
  if (states.every((s) => s === 'connected' || s === 'closed')) return 1; // SSL_connect on a finished connection
  if (carryingOn(world, client, server)) return carryOn(world, client, server);
  if (states.some((s) => s === 'failed' || s === 'handshaking')) return apart(world, client, server);
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
  if (state === 'handshaking') return readInHandshake(world, ssl);
  if (state === 'failed') return 0; // the error state: SSL_read fails at once
  return readRecords(world, ssl);
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
  return stall(world, ssl);
}

/**
 * A connect of two SSLs that are neither a fresh pair nor one pair carrying
 * on a handshake: one of them failed, or is mid-handshake on another pair.
 * As the harness (and an application given a new socket) does, a fresh BIO
 * pair is attached only when one side is still in before (SSL_in_before: an
 * SSL whose accept function already ran has left it, FINDINGS F13). Then each
 * side runs SSL_do_handshake on what its own pair holds, client first, and
 * again while something new reaches it:
 * - a failed side is in the error state and returns -1 at once;
 * - a side mid-handshake reads its peer's flight, if one waits (continue.ts);
 *   anything else waiting is garbage to it, a fatal error;
 * - a side in before runs its handshake function as SSL_read in init does
 *   (implicitHandshake): a client writes its ClientHello, makes its new
 *   session (spec §6.1) and waits; a server serves a waiting ClientHello, or
 *   waits for one.
 * So an accepting server left on its old pair serves the ClientHello its
 * cleared peer wrote there, and a fresh client's ClientHello is garbage to a
 * server mid-handshake, whose alert then fails the client (checked against
 * 3.0.19; FINDINGS F20).
 */
function apart(world: World, client: string, server: string): number {
  if (inBefore(world, client) || inBefore(world, server)) attachPair(world, client, server);
  doHandshake(world, client);
  doHandshake(world, server);
  // The harness's loop goes on while bytes move; a side that nothing new reached would only block again.
  for (let round = 0; round < MAX_ROUNDS; round++) {
    const waiting = [client, server].filter((ssl) => reachedBySomething(world, ssl));
    if (waiting.length === 0) break;
    for (const ssl of waiting) doHandshake(world, ssl);
  }
  return finished(world, client) && finished(world, server) ? 1 : 0;
}

/** Rounds of the harness's loop after the first: each reads what the other wrote in the one before. */
const MAX_ROUNDS = 4;

function finished(world: World, ssl: string): boolean {
  const state = world.stateOf('ssl', ssl);
  return state === 'connected' || state === 'closed';
}

/** A side still in the handshake with something new in its live pair. */
function reachedBySomething(world: World, ssl: string): boolean {
  const state = world.stateOf('ssl', ssl);
  return (state === 'before' || state === 'handshaking') && pairAlive(world, ssl) && hasIncoming(world, ssl);
}

/** SSL_do_handshake of one side of `apart`: its state decides what it reads (see there). */
function doHandshake(world: World, ssl: string): void {
  const state = world.stateOf('ssl', ssl);
  if (state === 'handshaking') stepHandshake(world, ssl);
  else if (state === 'before') implicitHandshake(world, ssl);
  // failed: the error state returns -1 at once; connected or closed: SSL_do_handshake returns 1 at once
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
  // An accepting server whose s3 state SSL_copy_session_id (or SSL_set_session) threw away fails on the
  // ClientHello with an alert, before any session (checked against 3.0.19, FINDINGS F18).
  if (world.ssl(server).accepting && world.ssl(server).methodReset) return fail(world, server, client);
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

