/**
 * Choosing the objects an op needs, creating them when there are none (or when
 * the plan's index lands one past the existing ones). Creating on demand
 * keeps short plans productive: one `connect` op is a whole connection.
 */
import type { CtxRecord, SslRecord } from './app-model.ts';
import { constants } from './args.ts';
import { newCtx, newSsl } from './calls.ts';
import type { Program } from './program.ts';
import { freshSsls, usableCtxs } from './queries.ts';

/** A usable context able to make SSLs for `role`: the `index`-th, or a new one. */
export function ctxFor(p: Program, role: 'client' | 'server', index: number, flavour: number): CtxRecord {
  const candidates = usableCtxs(p, role);
  const i = index % (candidates.length + 1);
  return candidates[i] ?? createCtx(p, role, flavour);
}

/**
 * A new context for `role`. The flavour picks the method (the role's own, or
 * TLS_method for a context that can play both sides) and one first setting,
 * so new contexts start out varied: TLS 1.2 only, session-id caching on the
 * server, a caching client.
 */
export function createCtx(p: Program, role: 'client' | 'server', flavour: number): CtxRecord {
  const ctx = newCtx(p, flavour % 4 === 3 ? 'any' : role);
  switch (flavour % 4) {
    case 1:
      p.call('SSL_CTX_set_max_proto_version', [p.handle(ctx.name), constants('TLS1_2_VERSION')]);
      break;
    case 2:
      if (role === 'server') p.call('SSL_CTX_set_options', [p.handle(ctx.name), constants('SSL_OP_NO_TICKET')]);
      else p.call('SSL_CTX_set_session_cache_mode', [p.handle(ctx.name), constants('SSL_SESS_CACHE_CLIENT')]);
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

/** Most calls `freshSslFor` may emit: a context with one setting, and the SSL. */
export const FRESH_SSL_COST = 3;
