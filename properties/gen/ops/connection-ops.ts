/**
 * Connections and the clock: `connect` / `handshake` on fresh SSLs, a
 * resumption attempt with a kept session, `read`, `advance_time`, `time(NULL)`.
 */
import { isResumable } from '../../../machines/ssl-session.ts';
import type { CtxRecord, SessionRecord } from '../app-model.ts';
import { pick } from '../app-model.ts';
import { bytesArg, constants, intArg } from '../args.ts';
import { noteHandshake, readOffer } from '../branches.ts';
import { get1, newSsl, setSession } from '../calls.ts';
import { ctxFor, freshSslFor } from '../ensure.ts';
import type { Op } from '../plan.ts';
import type { Program } from '../program.ts';
import { usableCtxs, usableSessions, usableSsls } from '../queries.ts';

/** Runs `connect` (or `handshake`, leaving TLS 1.3 tickets unread) between two fresh SSLs and notes its branches. */
export function runConnection(p: Program, fn: 'connect' | 'handshake', client: string, server: string): number {
  const offer = readOffer(p, client, server);
  // An SSL that already played a role was SSL_clear'ed after an earlier connection: reuse (spec §3 SSL_clear).
  if (p.world.ssl(client).role !== null || p.world.ssl(server).role !== null) p.branches.add('ssl-reused-after-clear');
  const ret = p.call(fn, [p.handle(client), p.handle(server)]);
  const value = ret.kind === 'int' ? ret.value : -1;
  noteHandshake(p, fn, client, offer, value);
  return value;
}

/**
 * a, b: which fresh client and server (or new ones); c: how new contexts
 * start; d: 6-7 means `handshake` (tickets unread), and 2-5 keeps the
 * client's session with SSL_get1_session afterwards, to resume later.
 */
export function connectOp(p: Program, op: Op): void {
  const client = freshSslFor(p, 'client', op.a, op.c, null);
  const server = freshSslFor(p, 'server', op.b, op.c + op.d, client);
  const ret = runConnection(p, op.d >= 6 ? 'handshake' : 'connect', client.names[0]!, server.names[0]!);
  if (ret === 1 && op.d >= 2 && op.d <= 5) get1(p, client);
}

/** The context with this id if the application can still use it, else a chosen (or new) one for the role. */
function ctxById(p: Program, id: string | null, role: 'client' | 'server', index: number): CtxRecord {
  return usableCtxs(p, role).find((c) => c.id === id) ?? ctxFor(p, role, index, index);
}

/**
 * A resumption attempt (spec §6.1-§6.6, §7): SSL_set_session of a kept
 * session on a new client SSL of the context it came from, against a new
 * server SSL of its server's context, then `connect`. `c` adds one reason for
 * it to fail: the session expires (4), the server SSL has another session id
 * context (5), or the client no longer allows the session's version (6).
 */
export function resumeOp(p: Program, op: Op): void {
  // Without a failure cause, prefer sessions that can resume at all (taken after the tickets, not SSL_SESSION_new).
  const usable = usableSessions(p);
  const resumable = usable.filter((s) => isResumable(p.world.session(s.id)));
  const session: SessionRecord | undefined = pick(op.c < 4 && resumable.length > 0 ? resumable : usable, op.a);
  if (!session) return;
  const s = p.world.session(session.id);
  const clientCtx = ctxById(p, session.origin?.clientCtx ?? null, 'client', op.b);
  if (op.c === 6) {
    // The session's version leaves the client's range; SSLs made from now on copy the new range (spec §6.1).
    const setting = s.version === 0x304 ? ['SSL_CTX_set_max_proto_version', 'TLS1_2_VERSION'] : ['SSL_CTX_set_min_proto_version', 'TLS1_3_VERSION'];
    p.call(setting[0]!, [p.handle(clientCtx.name), constants(setting[1]!)]);
  }
  const client = newSsl(p, clientCtx);
  const server = newSsl(p, ctxById(p, session.origin?.serverCtx ?? null, 'server', op.b + 1));
  if (op.c === 5) p.call('SSL_set_session_id_context', [p.handle(server.names[0]!), bytesArg('Z'), intArg(1)]);
  if (op.c === 4) p.call('advance_time', [intArg(s.timeout + 1)]);
  setSession(p, client, session);
  runConnection(p, op.d >= 6 ? 'handshake' : 'connect', client.names[0]!, server.names[0]!);
}

/**
 * `read(ssl)`: processes pending TLS 1.3 tickets and a pending close_notify
 * (spec §6.3); on an SSL in `before`, SSL_read's implicit handshake (FINDINGS F9).
 */
export function readOp(p: Program, op: Op): void {
  const ssl = pick(usableSsls(p), op.a);
  if (!ssl) return;
  const ret = p.call('read', [p.handle(ssl.names[0]!)]);
  if (ret.kind === 'int' && ret.value > 0) p.branches.add('tickets-read-later');
}

const ADVANCES = [1, 60, 305, 1001, 7201, 8000, 30, 100] as const;

/** `advance_time(n)`: past the 304 s of SSL_SESSION_new, the 7200 s default, or a little. */
export function advanceTimeOp(p: Program, op: Op): void {
  p.call('advance_time', [intArg(ADVANCES[op.b]!)]);
}

/** `tN = time(NULL)`: a reading later set_time calls count from. */
export function readClockOp(p: Program): void {
  const name = p.fresh('t');
  p.call('time', [{ text: 'NULL', arg: { kind: 'null' } }], name);
  p.app.times.push({ name, value: p.world.now });
}
