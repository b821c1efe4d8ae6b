/**
 * Choosing the objects an op needs, creating them when there are none (or when
 * the plan's index lands one past the existing ones). Creating on demand
 * keeps short plans productive: one `connect` op is a whole connection.
 */
import type { CtxRecord, SslRecord } from './app-model.ts';
import { callbackArg, constants, intArg } from './args.ts';
import { newCtx, newSsl, setNewCb } from './calls.ts';
import type { GenArg, Program } from './program.ts';
import { freshSsls, usableCtxs } from './queries.ts';

/** A usable context able to make SSLs for `role`: the `index`-th, or a new one. */
export function ctxFor(p: Program, role: 'client' | 'server', index: number, flavour: number): CtxRecord {
  const candidates = usableCtxs(p, role);
  const i = index % (candidates.length + 1);
  return candidates[i] ?? createCtx(p, role, flavour);
}

/**
 * A new context for `role`, in one of eight starting configurations, so that
 * the interesting set-ups of spec §4-§6 come up in short traces: TLS 1.2
 * only, session-id caching (SSL_OP_NO_TICKET), a caching client, TLS_method,
 * an external cache (new_cb_store with get_cb_store_*), stateful TLS 1.3
 * tickets with early data, a small cache with a remove callback.
 */
export function createCtx(p: Program, role: 'client' | 'server', flavour: number): CtxRecord {
  const ctx = newCtx(p, flavour % 8 === 3 ? 'any' : role);
  const h = () => p.handle(ctx.name);
  const set = (fn: string, arg: GenArg) => p.call(fn, [h(), arg]);
  const server = role === 'server';
  switch (flavour % 8) {
    case 1:
      set('SSL_CTX_set_max_proto_version', constants('TLS1_2_VERSION'));
      break;
    case 2:
      if (server) set('SSL_CTX_set_options', constants('SSL_OP_NO_TICKET'));
      else set('SSL_CTX_set_session_cache_mode', constants('SSL_SESS_CACHE_CLIENT'));
      break;
    case 4: // an external cache beside the internal one (spec §5)
      if (server) {
        set('SSL_CTX_set_options', constants('SSL_OP_NO_TICKET'));
        set('SSL_CTX_set_session_cache_mode', constants('SSL_SESS_CACHE_SERVER', 'SSL_SESS_CACHE_NO_INTERNAL_LOOKUP'));
        set('SSL_CTX_sess_set_get_cb', callbackArg('get_cb_store_copy'));
      } else {
        set('SSL_CTX_set_session_cache_mode', constants('SSL_SESS_CACHE_CLIENT'));
      }
      setNewCb(p, ctx, 'new_cb_store');
      break;
    case 5: // TLS 1.3 stateful tickets, single use with early data (spec §6.6); a client that caches nothing internally
      if (server) set('SSL_CTX_set_max_early_data', intArg(16384));
      else set('SSL_CTX_set_session_cache_mode', constants('SSL_SESS_CACHE_CLIENT', 'SSL_SESS_CACHE_NO_INTERNAL_STORE'));
      break;
    case 6: // a small cache that evicts, with a callback watching
      set('SSL_CTX_sess_set_cache_size', intArg(2));
      set('SSL_CTX_sess_set_remove_cb', callbackArg('remove_cb_log'));
      if (!server) set('SSL_CTX_set_session_cache_mode', constants('SSL_SESS_CACHE_CLIENT'));
      break;
    case 7: // an external cache only: the internal one neither looked up nor filled
      if (server) {
        set('SSL_CTX_set_options', constants('SSL_OP_NO_TICKET'));
        set('SSL_CTX_set_session_cache_mode', constants('SSL_SESS_CACHE_SERVER', 'SSL_SESS_CACHE_NO_INTERNAL'));
        setNewCb(p, ctx, 'new_cb_store');
        set('SSL_CTX_sess_set_get_cb', callbackArg('get_cb_store_transfer'));
        set('SSL_CTX_sess_set_remove_cb', callbackArg('remove_cb_evict_store'));
      }
      break;
    default:
      break;
  }
  return ctx;
}

/** A fresh SSL (never handshaken, or cleared) for `role`: the `index`-th, or a new one on a chosen context. */
export function freshSslFor(p: Program, role: 'client' | 'server', index: number, flavour: number, except: SslRecord | null): SslRecord {
  const candidates = freshSsls(p, role, except);
  const i = index % (candidates.length + 1);
  return candidates[i] ?? newSsl(p, ctxFor(p, role, index + flavour, flavour));
}

