/**
 * final_server_name (ssl/statem/extensions.c), the finaliser of the server_name extension, as far as the
 * session counters see it (spec §4 Statistics and sizes, which does not say where they are counted). It runs on both ends, whether or not a name was sent: on a server when it parses
 * the ClientHello's extensions (after the session lookup), on a client when it parses the TLS 1.2
 * ServerHello's or the TLS 1.3 EncryptedExtensions' (checked against 3.0.19 with the counters, FINDINGS F76).
 */
import type { World } from '../world/world.ts';

/**
 * A first handshake of an SSL whose ctx is no longer its session_ctx (SSL_set_SSL_CTX, as for SNI) moves
 * one `sess_accept` from session_ctx to ctx, so that a server's accept_good, counted on ctx, never exceeds
 * accept there. A client counted none, so its session_ctx goes below zero (no HelloRetryRequest in the model).
 */
export function moveAcceptCount(world: World, ssl: string): void {
  const { ctx, sessionCtx } = world.ssl(ssl);
  if (ctx === sessionCtx) return;
  world.sendCtx(ctx, { type: 'COUNT', stat: 'accept' });
  world.sendCtx(sessionCtx, { type: 'COUNT', stat: 'accept', by: -1 });
}
