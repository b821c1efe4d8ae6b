/**
 * How a step of a handshake ends for one side: it finishes (`done`), waits
 * for the peer's next flight (`stall`), or fails with a fatal alert (`fail`).
 */
import type { Ticket } from '../../machines/ssl-session.ts';
import type { World } from '../world/world.ts';
import { receiveAlert, sendAlert } from './bio-pair.ts';

/**
 * tls_finish_handshake: the handshake function becomes the side's own state
 * machine. SSL_do_handshake returns 1 right after the side's last write or a
 * read that succeeded, so no retry flag is left on its BIO (FINDINGS F28; an
 * SSL_read that finishes a handshake reads on and may set it again).
 */
export function done(world: World, ssl: string, handshakeFunc: 'connect' | 'accept'): void {
  world.sendSsl(ssl, { type: 'HANDSHAKE_DONE', fields: { handshakeFunc, readBlocked: false } });
}

/** NewSessionTickets written by the server wait in the client's read buffer (spec §6.3). */
export function deliver(world: World, client: string, tickets: readonly Ticket[]): void {
  const pending = [...world.ssl(client).pendingTickets, ...tickets];
  world.sendSsl(client, { type: 'CONNECTION', fields: { pendingTickets: pending } });
}

/**
 * The SSL waits, in init, for a flight of the peer's that may never come
 * (no alert): the `handshaking` state. Returns SSL_do_handshake's 0 as the
 * pseudo-calls report it.
 */
export function stall(world: World, ssl: string): number {
  world.sendSsl(ssl, { type: 'HANDSHAKE_WAIT', fields: {} });
  return 0;
}

/**
 * A fatal alert in a handshake of two SSLs that each read the other's records
 * at once (spec §8): the sender sends it (failAlone), and if it was written
 * the receiver reads it (receiveAlert: its session leaves its session_ctx
 * whatever its shutdown flags, no alert back). A sender with
 * SSL_SENT_SHUTDOWN set writes nothing: its peer waits (FINDINGS F25).
 */
export function fail(world: World, sender: string, receiver: string): number {
  const written = sendAlert(world, sender);
  world.sendSsl(sender, { type: 'HANDSHAKE_FAILED', fields: {} });
  if (!written) return stall(world, receiver);
  return receiveAlert(world, receiver, 0);
}

/**
 * The SSL fails its handshake with a fatal alert: ssl3_send_alert (s3_msg.c)
 * removes its session and writes the alert unless SSL_SENT_SHUTDOWN is set
 * (bio-pair.ts sendAlert, FINDINGS F25); the peer finds it when it next reads.
 */
export function failAlone(world: World, ssl: string): number {
  sendAlert(world, ssl);
  world.sendSsl(ssl, { type: 'HANDSHAKE_FAILED', fields: {} });
  return 0;
}
