/**
 * ssl_update_cache(s, mode): where handshakes feed the caches (spec §6.4, §4 auto flush).
 *
 * 1. Nothing for an empty id or a not_resumable session.
 * 2. (Server with SSL_VERIFY_PEER and no sid_ctx: not modelled, no trace sets verify.)
 * 3. If the session_ctx's mode has this side's bit and this was a full
 *    handshake (or TLS 1.3): the internal store (a TLS 1.3 server only under
 *    the conditions below), then new_session_cb.
 * 4. The auto flush when the side's good-handshake counter's low byte is 0xff.
 */
import type { World } from '../world/world.ts';
import { addSession } from './add-session.ts';
import { callNewCb } from './callbacks.ts';
import { flushSessions } from './flush.ts';
import { SSL_OP_NO_ANTI_REPLAY, SSL_OP_NO_TICKET } from '../../machines/ssl-options.ts';

export const SESS_CACHE_CLIENT = 0x1;
export const SESS_CACHE_SERVER = 0x2;
const NO_AUTO_CLEAR = 0x80;
const NO_INTERNAL_STORE = 0x200;
const TLS1_3 = 0x304;

export function updateCache(world: World, ssl: string, mode: typeof SESS_CACHE_CLIENT | typeof SESS_CACHE_SERVER): void {
  const s = world.ssl(ssl);
  if (s.session === null) return;
  const sess = world.session(s.session);
  if (sess.sessionId === '' || sess.notResumable) return; // step 1
  const sessionCtx = world.ctx(s.sessionCtx);
  const cacheMode = sessionCtx.mode;
  const tls13 = s.version === TLS1_3;
  if ((cacheMode & mode) !== 0 && (!s.hit || tls13)) {
    if ((cacheMode & NO_INTERNAL_STORE) === 0 && storesInternally(world, ssl)) addSession(world, s.sessionCtx, s.session);
    callNewCb(world, ssl, s.sessionCtx, s.session);
  }
  autoFlush(world, ssl, mode, cacheMode);
}

/** spec §6.4 step 3: a TLS 1.3 server stores only for anti-replay, a remove_cb, or stateful tickets. */
function storesInternally(world: World, ssl: string): boolean {
  const s = world.ssl(ssl);
  if (s.version !== TLS1_3 || s.role !== 'server') return true;
  const antiReplay = s.config.maxEarlyData > 0 && (s.config.options & SSL_OP_NO_ANTI_REPLAY) === 0;
  return antiReplay || world.ctx(s.sessionCtx).removeCb !== null || (s.config.options & SSL_OP_NO_TICKET) !== 0;
}

/** spec §4 auto flush: reads session_ctx's counter for this side; fires on 0xff in its low byte. */
function autoFlush(world: World, ssl: string, mode: number, cacheMode: number): void {
  if ((cacheMode & NO_AUTO_CLEAR) !== 0 || (cacheMode & mode) !== mode) return;
  const sessionCtx = world.ssl(ssl).sessionCtx;
  const stats = world.ctx(sessionCtx).stats;
  const counter = mode === SESS_CACHE_CLIENT ? stats.connect_good : stats.accept_good;
  if ((counter & 0xff) === 0xff) flushSessions(world, sessionCtx, world.now);
}
