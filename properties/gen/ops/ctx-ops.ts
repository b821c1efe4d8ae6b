/**
 * SSL_CTX ops (spec §4, §5): settings, callbacks (correct behaviours only),
 * the cache calls, and the application's own references on a context.
 */
import { pick } from '../app-model.ts';
import { bytesArg, callbackArg, constants, intArg, timeArg } from '../args.ts';
import { ctxFree, ctxUpRef, newCtx, setNewCb, storeFreeAll } from '../calls.ts';
import type { Op } from '../plan.ts';
import type { Program } from '../program.ts';
import { addableTo, usableCtxs, usableSessions } from '../queries.ts';

const ROLES = ['client', 'server', 'any'] as const;

export function ctxNewOp(p: Program, op: Op): void {
  newCtx(p, ROLES[op.b % 3]!);
}

/** The context at index `a` the application may use, or nothing. */
function ctxAt(p: Program, a: number) {
  return pick(usableCtxs(p), a);
}

const BASE_MODES = ['SSL_SESS_CACHE_SERVER', 'SSL_SESS_CACHE_CLIENT', 'SSL_SESS_CACHE_BOTH', 'SSL_SESS_CACHE_OFF'] as const;
const INTERNAL = [[], ['SSL_SESS_CACHE_NO_INTERNAL_LOOKUP'], ['SSL_SESS_CACHE_NO_INTERNAL_STORE'], ['SSL_SESS_CACHE_NO_INTERNAL']] as const;

/** A cache mode: one side (or both, or OFF), the internal lookup/store switches, UPDATE_TIME, NO_AUTO_CLEAR. */
export function ctxModeOp(p: Program, op: Op): void {
  const ctx = ctxAt(p, op.a);
  if (!ctx) return;
  const flags: string[] = [BASE_MODES[op.b % 4]!, ...INTERNAL[(op.c >> 1) & 3]!];
  if (op.c & 1) flags.push('SSL_SESS_CACHE_UPDATE_TIME');
  if (op.d & 1) flags.push('SSL_SESS_CACHE_NO_AUTO_CLEAR');
  p.call('SSL_CTX_set_session_cache_mode', [p.handle(ctx.name), constants(...flags)]);
}

/** Small sizes make eviction (and the N-1 capacity) reachable in a short trace; -1 is refused, 0 unlimited. */
const SIZES = [1, 2, 3, 4, 0, 2, 20480, -1] as const;

export function ctxCacheSizeOp(p: Program, op: Op): void {
  const ctx = ctxAt(p, op.a);
  if (ctx) p.call('SSL_CTX_sess_set_cache_size', [p.handle(ctx.name), intArg(SIZES[op.b]!)]);
}

const TIMEOUTS = [10, 100, 1000, 7200, 0, 50, 300, 86400] as const;

export function ctxTimeoutOp(p: Program, op: Op): void {
  const ctx = ctxAt(p, op.a);
  if (ctx) p.call('SSL_CTX_set_timeout', [p.handle(ctx.name), intArg(TIMEOUTS[op.b]!)]);
}

export function ctxSidCtxOp(p: Program, op: Op): void {
  const ctx = ctxAt(p, op.a);
  const value = op.b % 2 === 0 ? 'A' : 'B';
  if (ctx) p.call('SSL_CTX_set_session_id_context', [p.handle(ctx.name), bytesArg(value), intArg(value.length)]);
}

/**
 * SSL_OP_NO_TICKET (session-id caching, TLS 1.3 stateful tickets), SSL_OP_NO_ANTI_REPLAY,
 * SSL_OP_ENABLE_MIDDLEBOX_COMPAT (the random legacy session id a TLS 1.3 client sends) and the
 * SSL_OP_NO_TLSv1* options (the version range, FINDINGS F34), set and cleared.
 */
export function ctxOptionsOp(p: Program, op: Op): void {
  const ctx = ctxAt(p, op.a);
  if (!ctx) return;
  const h = p.handle(ctx.name);
  // b alone (0 to 7) cannot pick one of ten: b and c together (64 pairs, each case drawn 6 or 7 times in 64)
  switch ((op.b + 8 * op.c) % 10) {
    case 9:
      // Quiet shutdown (SSLs made later copy it): SSL_shutdown then sends no close_notify (spec §3)
      p.call('SSL_CTX_set_quiet_shutdown', [h, intArg(op.d % 2)]);
      break;
    case 6:
      p.call('SSL_CTX_set_options', [h, constants('SSL_OP_NO_TLSv1_3')]);
      break;
    case 7:
      p.call('SSL_CTX_set_options', [h, constants('SSL_OP_NO_TLSv1', 'SSL_OP_NO_TLSv1_1', 'SSL_OP_NO_TLSv1_2')]);
      break;
    case 8:
      p.call('SSL_CTX_clear_options', [h, constants('SSL_OP_NO_TLSv1', 'SSL_OP_NO_TLSv1_1', 'SSL_OP_NO_TLSv1_2', 'SSL_OP_NO_TLSv1_3')]);
      break;
    case 0:
      p.call('SSL_CTX_set_options', [h, constants('SSL_OP_NO_TICKET')]);
      break;
    case 1:
      p.call('SSL_CTX_set_options', [h, constants('SSL_OP_NO_ANTI_REPLAY')]);
      break;
    case 2:
      p.call('SSL_CTX_clear_options', [h, constants('SSL_OP_NO_TICKET')]);
      break;
    case 3:
      p.call('SSL_CTX_clear_options', [h, constants('SSL_OP_ENABLE_MIDDLEBOX_COMPAT')]);
      break;
    case 4:
      p.call('SSL_CTX_set_options', [h, constants('SSL_OP_ENABLE_MIDDLEBOX_COMPAT')]);
      break;
    default:
      p.call('SSL_CTX_clear_options', [h, constants('SSL_OP_NO_TICKET', 'SSL_OP_NO_ANTI_REPLAY')]);
  }
}

/** TLS 1.3 ticket count, or early data (which makes stateful tickets single use, spec §6.6). */
export function ctxTicketsOp(p: Program, op: Op): void {
  const ctx = ctxAt(p, op.a);
  if (!ctx) return;
  if (op.b % 2 === 0) p.call('SSL_CTX_set_num_tickets', [p.handle(ctx.name), intArg(op.c % 4)]);
  else p.call('SSL_CTX_set_max_early_data', [p.handle(ctx.name), intArg(op.c % 2 === 0 ? 16384 : 0)]);
}

/** Protocol bounds, TLS 1.2 and 1.3 only: a version mismatch between the two sides fails the handshake (§8). */
export function ctxProtoOp(p: Program, op: Op): void {
  const ctx = ctxAt(p, op.a);
  if (!ctx) return;
  const fn = op.b % 2 === 0 ? 'SSL_CTX_set_max_proto_version' : 'SSL_CTX_set_min_proto_version';
  p.call(fn, [p.handle(ctx.name), constants(op.c % 2 === 0 ? 'TLS1_2_VERSION' : 'TLS1_3_VERSION')]);
}

/** The correct callback behaviours of each slot (spec §5); the broken ones are left to misuse injection. */
const CALLBACKS = [
  ['SSL_CTX_sess_set_new_cb', 'new_cb_store'],
  ['SSL_CTX_sess_set_new_cb', 'new_cb_ignore'],
  ['SSL_CTX_sess_set_remove_cb', 'remove_cb_log'],
  ['SSL_CTX_sess_set_remove_cb', 'remove_cb_evict_store'],
  ['SSL_CTX_sess_set_get_cb', 'get_cb_store_copy'],
  ['SSL_CTX_sess_set_get_cb', 'get_cb_store_transfer'],
  ['SSL_CTX_sess_set_get_cb', 'get_cb_miss'],
] as const;

export function ctxCallbackOp(p: Program, op: Op): void {
  const ctx = ctxAt(p, op.a);
  if (!ctx) return;
  const [fn, behaviour] = CALLBACKS[(op.b + op.c) % CALLBACKS.length]!;
  if (behaviour === 'new_cb_store' || behaviour === 'new_cb_ignore') setNewCb(p, ctx, behaviour);
  else p.call(fn, [p.handle(ctx.name), callbackArg(behaviour)]);
}

const QUERIES = [
  'SSL_CTX_sess_number',
  'SSL_CTX_sess_get_cache_size',
  'SSL_CTX_get_session_cache_mode',
  'SSL_CTX_get_timeout',
  'SSL_CTX_sess_connect',
  'SSL_CTX_sess_connect_renegotiate',
  'SSL_CTX_sess_accept',
  'SSL_CTX_sess_accept_renegotiate',
  'SSL_CTX_sess_connect_good',
  'SSL_CTX_sess_accept_good',
  'SSL_CTX_sess_hits',
  'SSL_CTX_sess_cb_hits',
  'SSL_CTX_sess_misses',
  'SSL_CTX_sess_timeouts',
  'SSL_CTX_sess_cache_full',
  'SSL_CTX_get_options',
  'SSL_CTX_get_num_tickets',
  'SSL_CTX_get_max_early_data',
  'SSL_CTX_get_min_proto_version',
  'SSL_CTX_get_max_proto_version',
  'SSL_CTX_get_quiet_shutdown',
] as const;

/** A read of the ctx: b and c pick one of the queries (64 pairs, so each is drawn 3 or 4 times in 64). */
export function ctxQueryOp(p: Program, op: Op): void {
  const ctx = ctxAt(p, op.a);
  if (ctx) p.call(QUERIES[(op.b + 8 * op.c) % QUERIES.length]!, [p.handle(ctx.name)]);
}

export function ctxUpRefOp(p: Program, op: Op): void {
  const ctx = ctxAt(p, op.a);
  if (ctx) ctxUpRef(p, ctx);
}

/** Drops one of the application's references; SSLs keep the context (and its cache) alive (spec §10 M6). */
export function ctxFreeOp(p: Program, op: Op): void {
  const ctx = ctxAt(p, op.a);
  if (ctx) ctxFree(p, ctx);
}

/** Flush everything (0), what has expired now, or what will have expired a while from now. */
export function ctxFlushOp(p: Program, op: Op): void {
  const ctx = ctxAt(p, op.a);
  if (!ctx) return;
  const offsets = [null, 0, 1000, 8000] as const;
  const offset = offsets[op.b % 4]!;
  p.call('SSL_CTX_flush_sessions', [p.handle(ctx.name), offset === null ? intArg(0) : timeArg(p.world.now, offset)]);
}

/** SSL_CTX_add_session of a session no other context's cache holds (spec §9). */
export function ctxAddOp(p: Program, op: Op): void {
  const ctx = ctxAt(p, op.a);
  const session = pick(usableSessions(p), op.b);
  if (!ctx || !session || !addableTo(p, session.id, ctx.id)) return;
  p.call('SSL_CTX_add_session', [p.handle(ctx.name), p.handle(session.name)]);
}

/** SSL_CTX_remove_session: legal for any session; it marks the argument even when it finds nothing (spec §4). */
export function ctxRemoveOp(p: Program, op: Op): void {
  const ctx = ctxAt(p, op.a);
  const session = pick(usableSessions(p), op.b);
  if (ctx && session) p.call('SSL_CTX_remove_session', [p.handle(ctx.name), p.handle(session.name)]);
}

/** The application empties its external store early; the store's sessions lose only the store's reference. */
export function storeFreeOp(p: Program, op: Op): void {
  const ctx = pick(
    usableCtxs(p).filter((c) => c.storeUsed),
    op.a,
  );
  if (ctx) storeFreeAll(p, ctx);
}
