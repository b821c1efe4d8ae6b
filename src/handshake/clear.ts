/**
 * SSL_clear (spec §3), which the state machine also calls itself: state_machine
 * (statem.c) begins with `if (!SSL_in_init(s) || SSL_in_before(s)) SSL_clear(s)`,
 * so an SSL whose handshake starts from before is cleared first: its shutdown
 * flags go (an SSL_set_shutdown made in before is forgotten), and its method
 * reverts to s->ctx->method, the new ctx's after SSL_set_SSL_CTX (checked
 * against 3.0.19, FINDINGS F39).
 */
import type { World } from '../world/world.ts';
import { asCleared } from '../../machines/ssl.ts';

export function clearSsl(world: World, ssl: string): void {
  world.sendSsl(ssl, { type: 'CLEAR' });
  // SSL_clear reverts to s->ctx->method (after SSL_set_SSL_CTX, the new ctx's).
  if (!world.isFreed('ssl', ssl)) world.sendSsl(ssl, { type: 'CONNECTION', fields: { method: world.ctx(world.ssl(ssl).ctx).method } });
}

/**
 * The SSL_clear state_machine makes when a handshake starts from before. An
 * SSL just attached (SSL_set_connect_state / SSL_set_accept_state) or never
 * used usually has nothing it would reset (machines/ssl.ts asCleared, and the
 * method), and then it is not sent: most connects would step the machine for
 * nothing.
 */
export function clearAtStart(world: World, ssl: string): void {
  const s = world.ssl(ssl);
  if (!asCleared(s) || s.method !== world.ctx(s.ctx).method) clearSsl(world, ssl);
}
