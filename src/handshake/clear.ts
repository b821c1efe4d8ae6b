/**
 * SSL_clear (spec §3), which the state machine also calls itself: state_machine
 * (statem.c) begins with `if (!SSL_in_init(s) || SSL_in_before(s)) SSL_clear(s)`,
 * so an SSL whose handshake starts from before is cleared first: its shutdown
 * flags go (an SSL_set_shutdown made in before is forgotten), and its method
 * reverts to s->ctx->method, the new ctx's after SSL_set_SSL_CTX (checked
 * against 3.0.19, FINDINGS F39).
 */
import type { World } from '../world/world.ts';

export function clearSsl(world: World, ssl: string): void {
  world.sendSsl(ssl, { type: 'CLEAR' });
  // SSL_clear reverts to s->ctx->method (after SSL_set_SSL_CTX, the new ctx's).
  if (!world.isFreed('ssl', ssl)) world.sendSsl(ssl, { type: 'CONNECTION', fields: { method: world.ctx(world.ssl(ssl).ctx).method } });
}
