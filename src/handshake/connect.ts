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
import { attachPair, awaitClientHello, inBefore, readRecords } from './bio-pair.ts';
import { clientHello, finishClient, processServerHello, processTls12Ticket } from './client.ts';
import { carryOn, implicitHandshake, readInHandshake } from './continue.ts';
import { deliver, done, fail, stall } from './outcome.ts';
import { finishTls12, finishTls13, makeTls12Ticket, resumptionTicket, serveClientHello } from './server.ts';
import { TLS1_3 } from './sessions.ts';
import { hasVersions } from './versions.ts';
import { ACCESS } from '../../machines/refcount.ts';

const RECEIVED_SHUTDOWN = 2;


/** `handshake(client, server)`: 1 on success, 0 when the handshake fails; tickets stay unread. */
export function handshake(world: World, client: string, server: string): number {
  if (!bothUsable(world, client, server)) return -1;
  const states = [world.stateOf('ssl', client), world.stateOf('ssl', server)];
  if (states.every((s) => s === 'connected' || s === 'closed')) return 1; // SSL_connect on a finished connection
  // A fresh pair (one side in before, the other too or already accepting): the whole handshake at once.
  if (states.every((s) => s === 'before') && (inBefore(world, client) || inBefore(world, server))) return runHandshake(world, client, server);
  if (states.every((s) => s === 'before') || states.some((s) => s === 'failed' || s === 'handshaking')) return carryOn(world, client, server);
  throw new UsageError(`${client} and ${server} are not both fresh: one of them already completed a handshake`);
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
  world.sendSsl(ssl, ACCESS);
  if (world.isFreed('ssl', ssl)) return -1;
  // ssl_read_internal: once the peer's close_notify is in (or the flag was set by hand), SSL_read returns 0 at once
  if ((world.ssl(ssl).shutdown & RECEIVED_SHUTDOWN) !== 0) return 0;
  const state = world.stateOf('ssl', ssl);
  if (state === 'before') return implicitHandshake(world, ssl);
  if (state === 'handshaking') return readInHandshake(world, ssl);
  if (state === 'failed') return 0; // the error state: SSL_read fails at once
  return readRecords(world, ssl);
}

function bothUsable(world: World, client: string, server: string): boolean {
  if (client === server) throw new UsageError('a connection needs two different SSLs', 1);
  world.sendSsl(client, ACCESS);
  world.sendSsl(server, ACCESS);
  if (world.isFreed('ssl', client) || world.isFreed('ssl', server)) return false;
  // Any SSL may play either role: the harness's SSL_set_connect_state / SSL_set_accept_state take s->method's
  // function, ssl_undefined_function for the other role's method (handshake-func.ts, FINDINGS F14), and
  // s->method is not the current ctx's after SSL_set_SSL_CTX (checked against 3.0.19, FINDINGS F27).
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
  // A server that was already accepting kept its shutdown flags (attach resets only an SSL in before):
  // with SSL_RECEIVED_SHUTDOWN set, ssl3_read_bytes throws the ClientHello away and no alert is sent;
  // the client waits (checked against 3.0.19, campaign seed 20261202; FINDINGS F23 for the general rule).
  if ((world.ssl(server).shutdown & RECEIVED_SHUTDOWN) !== 0) return stall(world, client);
  // An accepting server whose s3 state SSL_copy_session_id (or SSL_set_session) threw away fails on the
  // ClientHello with an alert, before any session (checked against 3.0.19, FINDINGS F18).
  if (world.ssl(server).accepting && world.ssl(server).methodReset) return fail(world, server, client);
  const served = serveClientHello(world, server, client, offer);
  if (served === null) return fail(world, server, client);
  const { version, decision } = served;
  const resumedTicket = resumptionTicket(world, server, version, decision.hit, decision.ticketExpected);
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
  // a full handshake's ticket comes in the server's second flight, after the client's Finished
  const ticket = decision.hit ? resumedTicket : decision.ticketExpected ? makeTls12Ticket(world, server) : null;
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

