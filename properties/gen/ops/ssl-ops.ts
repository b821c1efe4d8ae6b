/**
 * SSL ops (spec §3): creation and references, shutdown, clear, the session
 * getters and setters, SSL_copy_session_id, SSL_set_SSL_CTX, SSL_dup.
 */
import { pick, type SslRecord } from '../app-model.ts';
import { bytesArg, constants, intArg, NULL_ARG } from '../args.ts';
import { clear, copySessionId, get0, get1, newSsl, setSession, shutdown, sslDup, sslFree, sslUpRef } from '../calls.ts';
import { createCtx } from '../ensure.ts';
import type { Op } from '../plan.ts';
import type { Program } from '../program.ts';
import { sslState, usableCtxs, usableSessions, usableSsls } from '../queries.ts';

function sslAt(p: Program, a: number) {
  return pick(usableSsls(p), a);
}

/** SSL_new on a usable context (a new one if there is none). */
export function sslNewOp(p: Program, op: Op): void {
  const ctx = pick(usableCtxs(p), op.a) ?? createCtx(p, op.b % 2 === 0 ? 'client' : 'server', op.c);
  newSsl(p, ctx);
}

export function sslUpRefOp(p: Program, op: Op): void {
  const ssl = sslAt(p, op.a);
  if (ssl) sslUpRef(p, ssl);
}

/** Releases one reference; with `b` odd, a connected SSL first sends close_notify so its session stays resumable (§3). */
export function sslFreeOp(p: Program, op: Op): void {
  const ssl = sslAt(p, op.a);
  if (!ssl) return;
  if (op.b % 2 === 1 && sslState(p, ssl) === 'connected') shutdown(p, ssl);
  sslFree(p, ssl);
}

export function shutdownOp(p: Program, op: Op): void {
  const ssl = pick(usableSsls(p), op.a);
  if (ssl) shutdown(p, ssl);
}

const SHUTDOWN_FLAGS = [['SSL_SENT_SHUTDOWN'], ['SSL_RECEIVED_SHUTDOWN'], ['SSL_SENT_SHUTDOWN', 'SSL_RECEIVED_SHUTDOWN'], []] as const;

/** SSL_set_shutdown: SENT prevents the bad-session rule like SSL_shutdown does; 0 brings it back (§3). */
export function setShutdownOp(p: Program, op: Op): void {
  const ssl = sslAt(p, op.a);
  if (ssl) p.call('SSL_set_shutdown', [p.handle(ssl.names[0]!), constants(...SHUTDOWN_FLAGS[op.b % 4]!)]);
}

/** SSL_clear: the SSL can be reused for a new connection (a bad session is dropped first, §3). */
export function clearOp(p: Program, op: Op): void {
  const ssl = sslAt(p, op.a);
  if (ssl) clear(p, ssl);
}

/** SSL_set_session with a usable session, or NULL (b past the last one). */
export function setSessionOp(p: Program, op: Op): void {
  const ssl = sslAt(p, op.a);
  if (!ssl) return;
  const sessions = usableSessions(p);
  const session = sessions[op.b % (sessions.length + 1)];
  if (!session && retriesTicketWrite(p, ssl)) return;
  setSession(p, ssl, session ?? null);
}

/**
 * A server whose requested ticket could not be written retries the write at its next step, and with no session
 * (SSL_set_session(ssl, NULL), or a copied NULL one) that retry crashes libssl (new-session-ticket.ts): a careful
 * program leaves the session of an SSL in init alone.
 */
function retriesTicketWrite(p: Program, ssl: SslRecord): boolean {
  return p.world.ssl(ssl.id).ticketsStuck === 'writeFailed';
}

/** SSL_get_session / SSL_get0_session (borrowed) or SSL_get1_session (owned); get1 most often. */
export function getSessionOp(p: Program, op: Op): void {
  const ssl = sslAt(p, op.a);
  if (!ssl) return;
  if (op.b % 4 === 0) get0(p, ssl, 'SSL_get_session');
  else if (op.b % 4 === 1) get0(p, ssl, 'SSL_get0_session');
  else get1(p, ssl);
}

export function reusedOp(p: Program, op: Op): void {
  const ssl = sslAt(p, op.a);
  if (ssl) p.call('SSL_session_reused', [p.handle(ssl.names[0]!)]);
}

/** SSL_copy_session_id(to, from): to shares from's session (+1), after the bad-session rule on its own (§3). */
export function copySessionIdOp(p: Program, op: Op): void {
  const ssls = usableSsls(p);
  const to = pick(ssls, op.a);
  const from = pick(ssls, op.b);
  if (!to || !from || to === from) return;
  if (p.world.ssl(from.id).session === null && retriesTicketWrite(p, to)) return;
  copySessionId(p, to, from);
}

/** SSL_set_SSL_CTX to another usable context, or NULL (back to session_ctx); the cache stays session_ctx's (R16). */
export function setSslCtxOp(p: Program, op: Op): void {
  const ssl = sslAt(p, op.a);
  if (!ssl) return;
  const ctxs = usableCtxs(p);
  const ctx = ctxs[op.b % (ctxs.length + 1)];
  p.call('SSL_set_SSL_CTX', [p.handle(ssl.names[0]!), ctx ? p.handle(ctx.name) : NULL_ARG]);
}

/** SSL_dup: b even prefers an SSL before its first handshake (a new SSL), else any (after one: the same SSL, +1). */
export function sslDupOp(p: Program, op: Op): void {
  const fresh = usableSsls(p).filter((s) => sslState(p, s) === 'before');
  const ssl = pick(op.b % 2 === 0 && fresh.length > 0 ? fresh : usableSsls(p), op.a);
  if (ssl) sslDup(p, ssl);
}

export function sslSidCtxOp(p: Program, op: Op): void {
  const ssl = sslAt(p, op.a);
  const value = ['A', 'B', 'Z'][op.b % 3]!;
  if (ssl) p.call('SSL_set_session_id_context', [p.handle(ssl.names[0]!), bytesArg(value), intArg(1)]);
}

/** The reads of an SSL's own fields: its shutdown flags, its settings, its ctx (borrowed: never kept here), its handshake state. */
const SSL_QUERIES = [
  'SSL_get_shutdown',
  'SSL_get_options',
  'SSL_get_SSL_CTX',
  'SSL_get_num_tickets',
  'SSL_get_max_early_data',
  'SSL_get_min_proto_version',
  'SSL_get_max_proto_version',
  'SSL_get_quiet_shutdown',
  'SSL_in_init',
  'SSL_in_before',
  'SSL_is_init_finished',
] as const;

export function sslQueryOp(p: Program, op: Op): void {
  const ssl = sslAt(p, op.a);
  if (ssl) p.call(SSL_QUERIES[(op.b + 8 * op.c) % SSL_QUERIES.length]!, [p.handle(ssl.names[0]!)]);
}

/**
 * One SSL's own settings (spec §3 SSL_new copies the ctx's): the options the handshake reads (tickets, the
 * version range through SSL_OP_NO_TLSv1_3, middlebox compatibility), the TLS 1.3 ticket count, early data,
 * the version bounds (TLS 1.2 or 1.3: a mismatch fails the handshake, §8), and quiet shutdown (§3).
 */
export function sslOptionsOp(p: Program, op: Op): void {
  const ssl = sslAt(p, op.a);
  if (!ssl) return;
  const h = p.handle(ssl.names[0]!);
  const version = constants(op.c % 2 === 0 ? 'TLS1_2_VERSION' : 'TLS1_3_VERSION');
  // b alone (0 to 7) cannot pick one of nine: b and c together (64 pairs, each case drawn 7 or 8 times in 64)
  switch ((op.b + 8 * op.c) % 9) {
    case 8:
      p.call('SSL_set_quiet_shutdown', [h, intArg(op.d % 2)]);
      break;
    case 0:
      p.call('SSL_set_options', [h, constants('SSL_OP_NO_TICKET')]);
      break;
    case 1:
      p.call('SSL_clear_options', [h, constants('SSL_OP_NO_TICKET')]);
      break;
    case 2:
      p.call('SSL_set_options', [h, constants(op.c % 2 === 0 ? 'SSL_OP_NO_TLSv1_3' : 'SSL_OP_NO_ANTI_REPLAY')]);
      break;
    case 3:
      p.call('SSL_clear_options', [h, constants(op.c % 2 === 0 ? 'SSL_OP_NO_TLSv1_3' : 'SSL_OP_ENABLE_MIDDLEBOX_COMPAT')]);
      break;
    case 4:
      p.call('SSL_set_num_tickets', [h, intArg(op.c % 4)]);
      break;
    case 5:
      p.call('SSL_set_max_early_data', [h, intArg(op.c % 2 === 0 ? 16384 : 0)]);
      break;
    case 6:
      p.call('SSL_set_min_proto_version', [h, op.d % 2 === 0 ? version : intArg(0)]);
      break;
    default:
      p.call('SSL_set_max_proto_version', [h, op.d % 2 === 0 ? version : intArg(0)]);
  }
}

/** More requested tickets than this, or unread ones at the peer, and the op asks for none: the BIO pair holds 59 (server.ts). */
const MAX_REQUESTS = 3;
const MAX_UNREAD = 20;

/**
 * SSL_new_session_ticket (spec §6.6): b below 6 prefers a server past its handshake (the call's 1), else any SSL
 * (its 0 cases). Skipped when the requests or the peer's unread tickets could overfill the BIO pair, which the
 * model refuses.
 */
export function newTicketOp(p: Program, op: Op): void {
  const past = usableSsls(p).filter((s) => ['connected', 'closed'].includes(sslState(p, s)) && p.world.ssl(s.id).role === 'server');
  const ssl = pick(op.b < 6 && past.length > 0 ? past : usableSsls(p), op.a);
  if (!ssl) return;
  const s = p.world.ssl(ssl.id);
  const peer = s.peer !== null && !p.world.isFreed('ssl', s.peer) ? p.world.ssl(s.peer) : null;
  const unread = peer === null ? 0 : peer.pendingTickets.length + peer.ticketsBehindCloseNotify.length;
  if (s.extraTickets >= MAX_REQUESTS || unread >= MAX_UNREAD) return;
  p.call('SSL_new_session_ticket', [p.handle(ssl.names[0]!)]);
}
