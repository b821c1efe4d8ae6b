/**
 * How a step of a handshake ends for one side: it finishes (`done`), waits
 * for the peer's next flight (`stall`); failing is fatal.ts.
 */
import type { Ticket } from '../../machines/ssl-session.ts';
import type { ConnectionFields } from '../../machines/ssl.ts';
import type { World } from '../world/world.ts';

/**
 * tls_finish_handshake: the handshake function becomes the side's own state
 * machine. SSL_do_handshake returns 1 right after the side's last write or a
 * read that succeeded, so no retry flag is left on its BIO (FINDINGS F28; an
 * SSL_read that finishes a handshake reads on and may set it again).
 */
export function done(world: World, ssl: string, handshakeFunc: 'connect' | 'accept'): void {
  // a server that read the client's Finished no longer tolerates plaintext alerts (statem_lib.c, FINDINGS F121)
  const fields = handshakeFunc === 'accept' ? { handshakeFunc, readBlocked: false, plainAlertsAllowed: false } : { handshakeFunc, readBlocked: false };
  world.sendSsl(ssl, { type: 'HANDSHAKE_DONE', fields });
}

/**
 * NewSessionTickets written by the server wait in the client's read buffer (spec §6.3). Written after close_notify
 * records the client has not read (tickets SSL_new_session_ticket asked for, new-session-ticket.ts), they wait
 * behind them: the client's reads stop at each close_notify first (checked against 3.0.19).
 */
export function deliver(world: World, client: string, tickets: readonly Ticket[]): void {
  if (tickets.length === 0) return;
  const c = world.ssl(client);
  if (c.closeNotifiesPending === 0) {
    world.sendSsl(client, { type: 'CONNECTION', fields: { pendingTickets: [...c.pendingTickets, ...tickets] } });
    return;
  }
  const behind = tickets.map((ticket) => ({ ticket, ahead: c.closeNotifiesPending }));
  world.sendSsl(client, { type: 'CONNECTION', fields: { ticketsBehindCloseNotify: [...c.ticketsBehindCloseNotify, ...behind] } });
}

/**
 * The SSL waits, in init, for a flight of the peer's that may never come
 * (no alert): the `handshaking` state. Returns SSL_do_handshake's 0 as the
 * pseudo-calls report it.
 */
export function stall(world: World, ssl: string, fields: Partial<ConnectionFields> = NO_FIELDS): number {
  world.sendSsl(ssl, { type: 'HANDSHAKE_WAIT', fields });
  return 0;
}

/** A wait that changes no connection field (shared: machines never change an event). */
const NO_FIELDS: Partial<ConnectionFields> = {};
