/**
 * The `connect`, `handshake` and `read` pseudo-calls: an in-memory handshake
 * between a client SSL and a server SSL, in the order the two state machines
 * really interleave over a BIO pair (spec §6), and the client's later reads.
 *
 * The handshake itself runs flight by flight (continue.ts), as the harness
 * steps the two sides: TLS ≤ 1.2 full handshake: the server finishes first
 * (after its ticket), then the client processes the ticket and finishes.
 * TLS ≤ 1.2 resumption: the client finishes first. TLS 1.3: the client
 * finishes, then the server, which then sends its NewSessionTickets; the
 * client reads them only in a later SSL_read (`read`, or the second half of
 * `connect`).
 */
import type { World } from '../world/world.ts';
import { UsageError } from '../world/usage-error.ts';
import { readRecords } from './record-layer.ts';
import { carryOn, failsOnThrownAway, implicitHandshake, readInHandshake } from './continue.ts';
import { writeRequestedTickets } from './new-session-ticket.ts';
import { ACCESS } from '../../machines/refcount.ts';

const RECEIVED_SHUTDOWN = 2;

/**
 * `handshake(client, server)`: 1 on success, 0 when the handshake does not
 * finish; tickets stay unread. Run as the harness runs it (continue.ts
 * carryOn): a fresh BIO pair when a side is in before, then each side's
 * SSL_do_handshake while something reaches it.
 */
export function handshake(world: World, client: string, server: string): number {
  if (!bothUsable(world, client, server)) return -1;
  if (pastHandshake(world, client) && pastHandshake(world, server)) {
    // SSL_connect on a finished connection returns 1 at once, unless SSL_new_session_ticket put a side in init
    // again: its SSL_do_handshake writes the tickets first (the harness steps the client, then the server)
    const clientDone = writeRequestedTickets(world, client);
    return writeRequestedTickets(world, server) && clientDone ? 1 : 0;
  }
  if ((pastHandshake(world, client) && inState(world, server, 'before')) || (pastHandshake(world, server) && inState(world, client, 'before'))) {
    throw new UsageError(`${client} and ${server} are not both fresh: one of them already completed a handshake`);
  }
  return carryOn(world, client, server);
}

/** Connected or closed: the SSL completed a handshake (it may be in init again for tickets, new-session-ticket.ts). */
function pastHandshake(world: World, ssl: string): boolean {
  const state = world.stateOf('ssl', ssl);
  return state === 'connected' || state === 'closed';
}

function inState(world: World, ssl: string, state: string): boolean {
  return world.stateOf('ssl', ssl) === state;
}

/** `connect(client, server)`: the handshake, then the client reads what the server sent. */
export function connect(world: World, client: string, server: string): number {
  const ret = handshake(world, client, server);
  if (ret === 1) readPending(world, client);
  return ret;
}

/**
 * `read(ssl)`: SSL_read processes pending TLS 1.3 tickets, then a pending
 * close_notify (record-layer.ts). Returns the tickets read. In init it is
 * SSL_read's implicit handshake instead.
 */
export function readPending(world: World, ssl: string): number {
  world.sendSsl(ssl, ACCESS);
  if (world.isFreed('ssl', ssl)) return -1;
  // ssl_read_internal: once the peer's close_notify is in (or the flag was set by hand), SSL_read returns 0 at once
  if ((world.ssl(ssl).shutdown & RECEIVED_SHUTDOWN) !== 0) return 0;
  const state = world.stateOf('ssl', ssl);
  if (state === 'failed') return 0; // the error state: SSL_read fails at once
  if ((state === 'before' || state === 'handshaking') && failsOnThrownAway(world, ssl)) return 0;
  if (state === 'before') return implicitHandshake(world, ssl);
  if (state === 'handshaking') return readInHandshake(world, ssl);
  // in init again for requested tickets: ssl3_read_bytes runs the state machine first, which writes them
  if (!writeRequestedTickets(world, ssl)) return 0;
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
