/**
 * SSL_CTX functions (spec §4, §5). Settings are CONFIGURE events on the
 * SslCtx statechart; the cache functions run the procedures of src/cache/.
 */
import type { CtxSettings, CtxStats, MethodKind } from '../../machines/ssl-ctx.ts';
import { addSession } from '../cache/add-session.ts';
import { flushSessions } from '../cache/flush.ts';
import { removeSession } from '../cache/remove-session.ts';
import type { World } from '../world/world.ts';
import { type Call, type Handler, int, intArg, isNullArg, nameArg, objectArg, objectRet, toInt32, toUint32, VOID } from './types.ts';
import { idBytes } from './id-bytes.ts';
import { newProtoBound, options64 } from './proto-bounds.ts';
import { ACCESS } from '../../machines/refcount.ts';


function ctxOf(call: Call): string {
  const ctx = objectArg(call, 0) ?? '';
  call.world.sendCtx(ctx, ACCESS);
  return ctx;
}

function configure(world: World, ctx: string, settings: Partial<CtxSettings>): void {
  world.sendCtx(ctx, { type: 'CONFIGURE', settings });
}

/** A setter that returns the previous value (cache size, mode, timeout: SSL_CTX_ctrl). */
function swap<K extends 'cacheSize' | 'mode' | 'timeout'>(key: K): Handler {
  return (call) => {
    const ctx = ctxOf(call);
    const previous = call.world.ctx(ctx)[key];
    configure(call.world, ctx, { [key]: intArg(call, 1) } as Partial<CtxSettings>);
    return int(previous);
  };
}

/** A getter of one setting. */
function read(key: 'cacheSize' | 'mode' | 'timeout' | 'numTickets' | 'maxEarlyData' | 'minProto' | 'maxProto' | 'quietShutdown'): Handler {
  return (call) => int(call.world.ctx(ctxOf(call))[key]);
}

/** A counter of SSL_CTX_ctrl (spec §4 Statistics and sizes). */
function counter(key: keyof CtxStats): Handler {
  return (call) => int(call.world.ctx(ctxOf(call)).stats[key]);
}

function freshCtxId(world: World, target: string | null): string {
  return world.freshHandleId(target);
}

export const ctxApi: Readonly<Record<string, Handler>> = {
  SSL_CTX_new: (call) => {
    const id = freshCtxId(call.world, call.target);
    call.world.createCtx({ id, method: (nameArg(call, 0) ?? 'TLS_method') as MethodKind, line: call.world.line });
    return objectRet(id, true);
  },
  SSL_CTX_free: (call) => {
    if (isNullArg(call, 0)) return VOID; // ssl_lib.c SSL_CTX_free: if (a == NULL) return (FINDINGS F38)
    const a = call.args[0];
    call.world.appFree('ctx', objectArg(call, 0) ?? '', a?.kind === 'object' ? a.line : 0);
    return VOID;
  },
  SSL_CTX_up_ref: (call) => {
    call.world.appUpRef('ctx', objectArg(call, 0) ?? '', call.world.line);
    return int(1);
  },
  SSL_CTX_add_session: (call) => int(addSession(call.world, ctxOf(call), objectArg(call, 1) ?? '')),
  SSL_CTX_remove_session: (call) => int(removeSession(call.world, ctxOf(call), objectArg(call, 1) ?? '')),
  SSL_CTX_flush_sessions: (call) => {
    flushSessions(call.world, ctxOf(call), intArg(call, 1));
    return VOID;
  },
  SSL_CTX_sess_number: (call) => int(call.world.ctx(ctxOf(call)).lhash.size),
  SSL_CTX_sess_set_cache_size: (call) => (intArg(call, 1) < 0 ? int(0) : swap('cacheSize')(call)),
  SSL_CTX_sess_get_cache_size: read('cacheSize'),
  SSL_CTX_sess_connect: counter('connect'),
  SSL_CTX_sess_connect_renegotiate: counter('connect_renegotiate'),
  SSL_CTX_sess_accept: counter('accept'),
  SSL_CTX_sess_accept_renegotiate: counter('accept_renegotiate'),
  SSL_CTX_sess_connect_good: counter('connect_good'),
  SSL_CTX_sess_accept_good: counter('accept_good'),
  SSL_CTX_sess_hits: counter('hits'),
  SSL_CTX_sess_cb_hits: counter('cb_hits'),
  SSL_CTX_sess_misses: counter('misses'),
  SSL_CTX_sess_timeouts: counter('timeouts'),
  SSL_CTX_sess_cache_full: counter('cache_full'),
  // ctx->session_cache_mode is a uint32_t (ssl_local.h): the long argument is taken modulo 2^32 (FINDINGS F32)
  SSL_CTX_set_session_cache_mode: (call) => swap('mode')(withInt(call, 1, toUint32(intArg(call, 1)))),
  SSL_CTX_get_session_cache_mode: read('mode'),
  SSL_CTX_set_timeout: swap('timeout'),
  SSL_CTX_get_timeout: read('timeout'),
  SSL_CTX_set_session_id_context: (call) => {
    const ctx = ctxOf(call);
    // ssl_lib.c SSL_CTX_set_session_id_context: an unsigned length above 32 fails (F30), then memcpy (F31, F38)
    const sidCtx = idBytes(call, 'SSL_CTX_set_session_id_context', 1);
    if (sidCtx === null) return int(0);
    configure(call.world, ctx, { sidCtx });
    return int(1);
  },
  // ssl_lib.c SSL_CTX_set_options: ctx->options |= op, a uint64_t (FINDINGS F33)
  SSL_CTX_set_options: (call) => {
    const ctx = ctxOf(call);
    const options = options64(BigInt(call.world.ctx(ctx).options) | BigInt(intArg(call, 1)));
    configure(call.world, ctx, { options });
    return int(options);
  },
  // ssl_lib.c SSL_CTX_clear_options: ctx->options &= ~op (FINDINGS F33)
  SSL_CTX_clear_options: (call) => {
    const ctx = ctxOf(call);
    const options = options64(BigInt(call.world.ctx(ctx).options) & ~BigInt(intArg(call, 1)));
    configure(call.world, ctx, { options });
    return int(options);
  },
  // ssl_lib.c SSL_CTX_get_options: ctx->options
  SSL_CTX_get_options: (call) => int(call.world.ctx(ctxOf(call)).options),
  SSL_CTX_set_num_tickets: (call) => setting(call, 'numTickets'),
  // ssl_lib.c SSL_CTX_get_num_tickets, SSL_CTX_get_max_early_data; SSL_CTX_ctrl SSL_CTRL_GET_MIN/MAX_PROTO_VERSION
  SSL_CTX_get_num_tickets: read('numTickets'),
  SSL_CTX_get_max_early_data: read('maxEarlyData'),
  SSL_CTX_get_min_proto_version: read('minProto'),
  SSL_CTX_get_max_proto_version: read('maxProto'),
  // ssl_lib.c SSL_CTX_set_max_early_data(SSL_CTX *, uint32_t): 2^32 is 0 (off), -1 is 0xFFFFFFFF (FINDINGS F36)
  SSL_CTX_set_max_early_data: (call) => setting(withInt(call, 1, toUint32(intArg(call, 1))), 'maxEarlyData'),
  SSL_CTX_set_min_proto_version: (call) => protoBound(call, 'minProto'),
  SSL_CTX_set_max_proto_version: (call) => protoBound(call, 'maxProto'),
  // ssl_lib.c SSL_CTX_set_quiet_shutdown(SSL_CTX *, int) / SSL_CTX_get_quiet_shutdown: ctx->quiet_shutdown, which
  // SSL_new copies (SSLs made before keep theirs)
  SSL_CTX_set_quiet_shutdown: (call) => {
    configure(call.world, ctxOf(call), { quietShutdown: toInt32(intArg(call, 1)) });
    return VOID;
  },
  SSL_CTX_get_quiet_shutdown: read('quietShutdown'),
  SSL_CTX_sess_set_new_cb: (call) => callback(call, 'newCb'),
  SSL_CTX_sess_set_remove_cb: (call) => callback(call, 'removeCb'),
  SSL_CTX_sess_set_get_cb: (call) => callback(call, 'getCb'),
};

/** The call with argument `i` replaced by the integer `value` (its C conversion). */
function withInt(call: Call, i: number, value: number): Call {
  const args = call.args.slice();
  args[i] = { kind: 'int', value };
  return { ...call, args };
}


/**
 * SSL_CTX_ctrl SSL_CTRL_SET_MIN/MAX_PROTO_VERSION (ssl_lib.c): the bound checked and set as
 * proto-bounds.ts says (FINDINGS F35).
 */
function protoBound(call: Call, key: 'minProto' | 'maxProto'): ReturnType<Handler> {
  const ctx = ctxOf(call);
  const c = call.world.ctx(ctx);
  const bound = newProtoBound(key, toInt32(intArg(call, 1)), c.minProto, c.maxProto); // both take the long as an int
  if (bound === null) return int(0);
  configure(call.world, ctx, { [key]: bound } as Partial<CtxSettings>);
  return int(1);
}

function setting(call: Call, key: 'numTickets' | 'maxEarlyData'): ReturnType<Handler> {
  configure(call.world, ctxOf(call), { [key]: intArg(call, 1) } as Partial<CtxSettings>);
  return int(1);
}

function callback(call: Call, key: 'newCb' | 'removeCb' | 'getCb'): ReturnType<Handler> {
  const name = nameArg(call, 1);
  configure(call.world, ctxOf(call), { [key]: name === null || name === 'NULL' ? null : name } as Partial<CtxSettings>);
  return VOID;
}
