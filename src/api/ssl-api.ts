/**
 * SSL functions (spec §3). The Ssl statechart does the lifecycle work
 * (the bad-session rule, the teardown order); these route the calls.
 */
import type { SslConfig } from '../../machines/ssl.ts';
import type { Handler } from './types.ts';
import { int, intArg, isNullArg, objectArg, objectRet, toInt32, VOID } from './types.ts';
import { idBytes } from './id-bytes.ts';
import type { World } from '../world/world.ts';
import { canWrite, inBefore, inInit, isVersionMethod, pairAlive, writeCloseNotify } from '../handshake/bio-pair.ts';
import { failLeavingBuffer } from '../handshake/fatal.ts';
import { readRecords } from '../handshake/record-layer.ts';
import { remapFunc, stateFunc } from '../handshake/handshake-func.ts';
import { clearSsl } from '../handshake/clear.ts';
import { newSessionTicket } from '../handshake/new-session-ticket.ts';
import { TLS1_2 } from '../handshake/sessions.ts';
import { ACCESS } from '../../machines/refcount.ts';

const SENT = 1;
const RECEIVED = 2;

function lineOf(call: Parameters<Handler>[0], i: number): number {
  const a = call.args[i];
  return a?.kind === 'object' ? a.line : 0;
}

/** Nothing overrides the ctx's settings (SSL_new). */
const FROM_CTX: Partial<SslConfig> = Object.freeze({});

/** SSL_new(ctx) (spec §3): refcount 1, two references on ctx, the ctx's sid_ctx and settings copied. */
function sslNew(world: World, ctx: string, id: string, inherit: Partial<SslConfig> = FROM_CTX): string {
  world.sendCtx(ctx, ACCESS);
  const c = world.ctx(ctx);
  // Each setting is the ctx's unless `inherit` gives it (SSL_dup); written out, not spread, as SSL_new is frequent.
  const config: SslConfig = {
    method: inherit.method ?? c.method,
    cert: inherit.cert ?? hasServerCert(c.method),
    options: inherit.options ?? c.options,
    maxEarlyData: inherit.maxEarlyData ?? c.maxEarlyData,
    numTickets: inherit.numTickets ?? c.numTickets,
    minProto: inherit.minProto ?? c.minProto,
    maxProto: inherit.maxProto ?? c.maxProto,
    quietShutdown: inherit.quietShutdown ?? c.quietShutdown,
  };
  world.createSsl({ id, ctx, sidCtx: c.sidCtx, config, line: world.line });
  const names = world.ssl(id).holderNames;
  world.sendCtx(ctx, { type: 'UP_REF', who: names.ctx, line: world.line });
  world.sendCtx(ctx, { type: 'UP_REF', who: names.sessionCtx, line: world.line });
  return id;
}

/**
 * Does a ctx made with this method hold a server certificate and key? The
 * trace language assumes every server-capable ctx has one (the conformance
 * harness installs a P-256 certificate in each); a client-only ctx has none.
 */
function hasServerCert(method: string): boolean {
  return method !== 'TLS_client_method';
}

/** A fresh id for an SSL: the variable it is first assigned to, made unique if reused (World.freshHandleId). */
function freshSslId(world: World, target: string | null): string {
  return world.freshHandleId(target);
}

export const sslApi: Readonly<Record<string, Handler>> = {
  SSL_new: (call) => objectRet(sslNew(call.world, objectArg(call, 0) ?? '', freshSslId(call.world, call.target)), true),
  SSL_free: (call) => {
    if (isNullArg(call, 0)) return VOID; // ssl_lib.c SSL_free: if (s == NULL) return (FINDINGS F38)
    call.world.appFree('ssl', objectArg(call, 0) ?? '', lineOf(call, 0));
    return VOID;
  },
  SSL_up_ref: (call) => {
    call.world.appUpRef('ssl', objectArg(call, 0) ?? '', call.world.line);
    return int(1);
  },
  SSL_clear: (call) => {
    clearSsl(call.world, objectArg(call, 0) ?? '');
    return int(1);
  },
  SSL_shutdown: (call) => shutdown(call.world, objectArg(call, 0) ?? ''),
  SSL_set_shutdown: (call) => {
    // void SSL_set_shutdown(SSL *s, int mode): s->shutdown = mode, any int (FINDINGS F37)
    call.world.sendSsl(objectArg(call, 0) ?? '', { type: 'SET_SHUTDOWN', flags: toInt32(intArg(call, 1)) });
    return VOID;
  },
  SSL_set_session: (call) => {
    const ssl = objectArg(call, 0) ?? '';
    call.world.sendSsl(ssl, { type: 'SET_SESSION', session: objectArg(call, 1), line: call.world.line });
    resetMethod(call.world, ssl);
    return int(1);
  },
  SSL_new_session_ticket: (call) => int(newSessionTicket(call.world, objectArg(call, 0) ?? '')),
  SSL_get_session: (call) => get0(call.world, objectArg(call, 0) ?? ''),
  SSL_get0_session: (call) => get0(call.world, objectArg(call, 0) ?? ''),
  SSL_get1_session: (call) => {
    const ssl = objectArg(call, 0) ?? '';
    call.world.sendSsl(ssl, ACCESS);
    const sid = call.world.isFreed('ssl', ssl) ? null : call.world.ssl(ssl).session;
    if (sid !== null) call.world.appUpRef('session', sid, call.world.line);
    return objectRet(sid, sid !== null);
  },
  SSL_session_reused: (call) => {
    const ssl = objectArg(call, 0) ?? '';
    call.world.sendSsl(ssl, ACCESS);
    return int(call.world.ssl(ssl).hit ? 1 : 0);
  },
  SSL_copy_session_id: (call) => {
    const to = objectArg(call, 0) ?? '';
    const from = objectArg(call, 1) ?? '';
    call.world.sendSsl(from, ACCESS);
    // spec §3 SSL_copy_session_id: SSL_set_session(t, SSL_get_session(f)), and f's sid_ctx.
    call.world.sendSsl(to, { type: 'SET_SESSION', session: call.world.ssl(from).session, line: call.world.line });
    resetMethod(call.world, to);
    // t->cert = f->cert (shared): a server given a client's cert has no certificate to serve
    call.world.sendSsl(to, { type: 'CONNECTION', fields: { sidCtx: call.world.ssl(from).sidCtx, cert: call.world.ssl(from).cert } });
    adoptMethod(call.world, to, call.world.ssl(from).method);
    return int(1);
  },
  SSL_set_SSL_CTX: (call) => {
    const ssl = objectArg(call, 0) ?? '';
    call.world.sendSsl(ssl, ACCESS);
    const s = call.world.ssl(ssl);
    // ssl_lib.c SSL_set_SSL_CTX: the same ctx returns at once; NULL then means session_ctx (spec §3), and
    // that goes on even when it is ssl->ctx: the cert is copied again, a ref taken and one dropped (F63)
    const given = objectArg(call, 1);
    if (given === s.ctx) return objectRet(given, false);
    const ctx = given ?? s.sessionCtx;
    call.world.sendCtx(ctx, ACCESS);
    // The SSL's sid_ctx follows the new ctx only if it still equals the old ctx's.
    if (s.sidCtx === call.world.ctx(s.ctx).sidCtx) call.world.sendSsl(ssl, { type: 'CONNECTION', fields: { sidCtx: call.world.ctx(ctx).sidCtx } });
    call.world.sendSsl(ssl, { type: 'SET_CTX', ctx, line: call.world.line });
    // ssl->cert = ssl_cert_dup(ctx->cert)
    call.world.sendSsl(ssl, { type: 'CONNECTION', fields: { cert: hasServerCert(call.world.ctx(ctx).method) } });
    return objectRet(ctx, false);
  },
  SSL_dup: (call) => {
    const ssl = objectArg(call, 0) ?? '';
    call.world.sendSsl(ssl, ACCESS);
    if (!inBefore(call.world, ssl)) {
      // spec §1.4: an SSL past its first handshake (!SSL_in_before) is shared: +1, same pointer.
      call.world.appUpRef('ssl', ssl, call.world.line);
      return objectRet(ssl, true);
    }
    const s = call.world.ssl(ssl);
    // SSL_dup (ssl_lib.c): SSL_new on s's current ctx, then s's own options and version range, method,
    // session, sid_ctx, role, shutdown flags and hit; ticket settings and quiet shutdown stay the ctx's (FINDINGS F10:
    // SSL_dup sets no quiet_shutdown of its own, so SSL_new's copy of ctx->quiet_shutdown stands).
    const { options, minProto, maxProto } = s.config;
    const id = sslNew(call.world, s.ctx, freshSslId(call.world, call.target), { options, minProto, maxProto });
    if (s.session !== null) call.world.sendSsl(id, { type: 'SET_SESSION', session: s.session, line: call.world.line });
    const { sidCtx, method, role, shutdown, hit, cert } = s;
    // SSL_set_accept_state / SSL_set_connect_state by s->server when s has a handshake function
    const handshakeFunc = s.handshakeFunc === null ? null : stateFunc(method, role === 'server' ? 'server' : 'client');
    call.world.sendSsl(id, { type: 'CONNECTION', fields: { sidCtx, method, role, hit, cert, handshakeFunc } });
    call.world.sendSsl(id, { type: 'SET_SHUTDOWN', flags: shutdown });
    return objectRet(id, true);
  },
  SSL_set_session_id_context: (call) => {
    // ssl_lib.c SSL_set_session_id_context: an unsigned length above 32 fails (F30), then memcpy (F31, F38)
    const sidCtx = idBytes(call, 'SSL_set_session_id_context', 1);
    if (sidCtx === null) return int(0);
    call.world.sendSsl(objectArg(call, 0) ?? '', { type: 'CONNECTION', fields: { sidCtx } });
    return int(1);
  },
};

function get0(world: World, ssl: string): ReturnType<Handler> {
  world.sendSsl(ssl, ACCESS);
  const sid = world.isFreed('ssl', ssl) ? null : world.ssl(ssl).session;
  return objectRet(sid, false, ssl);
}

/**
 * SSL_set_session step 2 (spec §3): after version negotiation s->method is
 * the version's own method, so it differs from ctx->method and
 * SSL_set_ssl_method runs ssl3_free and ssl3_new. The connection cannot read
 * its records afterwards (FINDINGS F2, checked against 3.0.19).
 */
function resetMethod(world: World, ssl: string): void {
  if (world.isFreed('ssl', ssl)) return;
  const s = world.ssl(ssl);
  const ctxMethod = world.ctx(s.ctx).method;
  if (s.method === ctxMethod) return;
  // SSL_set_ssl_method maps the handshake function to the new method's (handshake-func.ts)
  const handshakeFunc = remapFunc(s.handshakeFunc, s.method, ctxMethod);
  if (isVersionMethod(s.method)) wipeConnection(world, ssl, ctxMethod); // ssl3_free + ssl3_new
  else world.sendSsl(ssl, { type: 'CONNECTION', fields: { method: ctxMethod } }); // only the pointer changes
  world.sendSsl(ssl, { type: 'CONNECTION', fields: { handshakeFunc } });
}

/**
 * SSL_copy_session_id, after its SSL_set_session: "what if we are setup for
 * one protocol version but want to talk another": t->method != f->method
 * frees and remakes t's s3 state and takes f's method (checked against
 * 3.0.19: a connected t given a connected f's method cannot even write its
 * close_notify afterwards).
 */
function adoptMethod(world: World, ssl: string, method: string): void {
  if (world.isFreed('ssl', ssl) || world.ssl(ssl).method === method) return;
  wipeConnection(world, ssl, method);
}

/**
 * ssl3_free + ssl3_new, then `method`, on an SSL past its handshake: its
 * connection is broken (methodReset) unless it is a TLS 1.2 connection that
 * ends up with a TLS 1.2 method again, whose records stay readable and
 * writable (SSL_copy_session_id between two TLS 1.2 connections; observed
 * with 3.0.19).
 */
function wipeConnection(world: World, ssl: string, method: string): void {
  const s = world.ssl(ssl);
  const state = world.stateOf('ssl', ssl);
  const past = state === 'connected' || state === 'closed';
  const intact = s.version === TLS1_2 && method.startsWith(`${TLS1_2}:`);
  // A state machine already running in init (accepting, or waiting for the peer's flight) reads its next
  // handshake message against the new s3 state and fails (checked against 3.0.19, FINDINGS F18).
  const running = state === 'handshaking' || (state === 'before' && s.accepting);
  // ssl3_new also clears s3.alert_dispatch: a close_notify that could not be written is forgotten, while its
  // record stays in the record layer (recordUnsent, FINDINGS F108).
  const fields = past ? { method, methodReset: !intact } : running ? { method, methodReset: true } : { method };
  // ssl_new ends in ssl3_clear, which frees the handshake's buffering BIO (ssl_free_wbio_buffer), and with it a
  // ClientHello that could not be flushed: the next flush has nothing to write, and the state machine moves on
  // (continue.ts afterDroppedHello). The BIO is left alone: a read of the gone pair then goes by its retry
  // flag as the pair's last successful read or write left it (F6; checked against 3.0.19, FINDINGS F112).
  const unsent = s.helloUnsent !== null ? { helloUnsent: null, helloDropped: true } : {};
  world.sendSsl(ssl, { type: 'CONNECTION', fields: { ...fields, ...unsent, closeNotifyUnsent: false } });
}

/**
 * SSL_shutdown (spec §3, ssl3_shutdown): in init, -1 and nothing set; a quiet
 * shutdown (SSL_set_quiet_shutdown) sets both flags, sends nothing and returns 1; else the
 * first call sends close_notify (0, or 1 if the peer's was already read); a
 * later call reads the peer's close_notify (1) or finds none (-1).
 * Found against 3.0.19 (FINDINGS F6): when the BIO pair is gone the first
 * call still sets SSL_SENT_SHUTDOWN but cannot write (-1, and the alert stays
 * pending, so every later call retries and fails); a later call's read of a
 * gone pair is an unexpected EOF, a fatal error.
 */
function shutdown(world: World, ssl: string): ReturnType<Handler> {
  world.sendSsl(ssl, ACCESS);
  const state = world.stateOf('ssl', ssl);
  // SSL_in_init: before or during a handshake, or in init again for requested tickets (new-session-ticket.ts)
  if (inInit(world, ssl)) return int(-1);
  if (world.ssl(ssl).config.quietShutdown !== 0) {
    // ssl3_shutdown: quiet, both flags set, nothing written or read, 1 (spec §3 ssl_clear_bad_session)
    world.sendSsl(ssl, { type: 'SHUTDOWN' });
    return int(1);
  }
  if (state === 'connected') {
    world.sendSsl(ssl, { type: 'SHUTDOWN' });
    if (world.ssl(ssl).recordUnsent) {
      // An earlier close_notify's record still waits in the record layer (a method reset since cleared
      // s3.alert_dispatch, not the record layer): ssl3_send_alert only sets alert_dispatch and seals nothing,
      // so even an SSL that cannot write stays connected (checked against 3.0.19, FINDINGS F108).
      world.sendSsl(ssl, { type: 'CONNECTION', fields: { closeNotifyUnsent: true } });
      return int(-1);
    }
    if (!pairAlive(world, ssl) || !canWrite(world, ssl)) {
      // An SSL that cannot write fails in the record layer (canWrite) before anything reaches the BIO, pair
      // or no pair: SSLfatal puts it in the error state, in init, so no bad-session rule applies later, and
      // sends no alert, SSL_SENT_SHUTDOWN being set (checked against 3.0.19, FINDINGS F62). Otherwise a
      // gone pair is a write error: the alert stays pending, and its sealed record waits in the record layer.
      if (!canWrite(world, ssl)) {
        world.sendSsl(ssl, { type: 'CONNECTION', fields: { closeNotifyUnsent: true } });
        return int(failLeavingBuffer(world, ssl, -1));
      }
      world.sendSsl(ssl, { type: 'CONNECTION', fields: { closeNotifyUnsent: true, recordUnsent: true } });
      return int(-1);
    }
    writeCloseNotify(world, ssl);
    return int(bothWays(world, ssl));
  }
  if (world.ssl(ssl).closeNotifyUnsent) return int(-1);
  if ((world.ssl(ssl).shutdown & RECEIVED) === 0) readRecords(world, ssl);
  // ssl3_shutdown asks only whether the read set SSL_RECEIVED_SHUTDOWN: a fatal alert read from the peer sets it
  // too (an error state, no alert sent, so no alert_dispatch): 1; any other failed read leaves it clear: -1
  // (checked against 3.0.19, FINDINGS F114)
  if ((world.ssl(ssl).shutdown & RECEIVED) === 0) return int(-1); // WANT_READ, or the read failed
  return int(bothWays(world, ssl));
}

/**
 * The end of ssl3_shutdown (s3_lib.c): 1 only if s->shutdown == (SSL_SENT_SHUTDOWN|SSL_RECEIVED_SHUTDOWN)
 * exactly, else 0: other bits set by SSL_set_shutdown make it 0 for ever (checked against 3.0.19, FINDINGS F37).
 */
function bothWays(world: World, ssl: string): number {
  return world.ssl(ssl).shutdown === (SENT | RECEIVED) ? 1 : 0;
}

