/**
 * SSL_CTX functions (spec §4, §5). Settings are CONFIGURE events on the
 * SslCtx statechart; the cache functions run the procedures of src/cache/.
 */
import type { CtxSettings, MethodKind } from '../../machines/ssl-ctx.ts';
import { addSession } from '../cache/add-session.ts';
import { flushSessions } from '../cache/flush.ts';
import { removeSession } from '../cache/remove-session.ts';
import type { World } from '../world/world.ts';
import { type Call, type Handler, int, intArg, isNullArg, nameArg, objectArg, VOID } from './types.ts';
import { idBytes } from './id-bytes.ts';
import { ACCESS } from '../../machines/refcount.ts';

const APP = 'app';

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
function read(key: 'cacheSize' | 'mode' | 'timeout'): Handler {
  return (call) => int(call.world.ctx(ctxOf(call))[key]);
}

function freshCtxId(world: World, target: string | null): string {
  return world.freshHandleId(target);
}

export const ctxApi: Readonly<Record<string, Handler>> = {
  SSL_CTX_new: (call) => {
    const id = freshCtxId(call.world, call.target);
    call.world.createCtx({ id, method: (nameArg(call, 0) ?? 'TLS_method') as MethodKind, line: call.world.line });
    return { kind: 'object', id, owned: true };
  },
  SSL_CTX_free: (call) => {
    if (isNullArg(call, 0)) return VOID; // ssl_lib.c SSL_CTX_free: if (a == NULL) return (FINDINGS F38)
    const a = call.args[0];
    call.world.sendCtx(objectArg(call, 0) ?? '', { type: 'FREE', who: APP, line: a?.kind === 'object' ? a.line : 0 });
    return VOID;
  },
  SSL_CTX_up_ref: (call) => {
    call.world.sendCtx(objectArg(call, 0) ?? '', { type: 'UP_REF', who: APP, line: call.world.line });
    return int(1);
  },
  SSL_CTX_add_session: (call) => int(addSession(call.world, ctxOf(call), objectArg(call, 1) ?? '')),
  SSL_CTX_remove_session: (call) => int(removeSession(call.world, ctxOf(call), objectArg(call, 1) ?? '')),
  SSL_CTX_flush_sessions: (call) => {
    flushSessions(call.world, ctxOf(call), intArg(call, 1));
    return VOID;
  },
  SSL_CTX_sess_number: (call) => int(call.world.ctx(ctxOf(call)).lhash.length),
  SSL_CTX_sess_set_cache_size: (call) => (intArg(call, 1) < 0 ? int(0) : swap('cacheSize')(call)),
  SSL_CTX_sess_get_cache_size: read('cacheSize'),
  SSL_CTX_set_session_cache_mode: swap('mode'),
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
  SSL_CTX_set_options: (call) => {
    const ctx = ctxOf(call);
    const options = call.world.ctx(ctx).options | intArg(call, 1);
    configure(call.world, ctx, { options });
    return int(options);
  },
  SSL_CTX_clear_options: (call) => {
    const ctx = ctxOf(call);
    const options = call.world.ctx(ctx).options & ~intArg(call, 1);
    configure(call.world, ctx, { options });
    return int(options);
  },
  SSL_CTX_set_num_tickets: (call) => setting(call, 'numTickets'),
  SSL_CTX_set_max_early_data: (call) => setting(call, 'maxEarlyData'),
  SSL_CTX_set_min_proto_version: (call) => setting(call, 'minProto'),
  SSL_CTX_set_max_proto_version: (call) => setting(call, 'maxProto'),
  SSL_CTX_sess_set_new_cb: (call) => callback(call, 'newCb'),
  SSL_CTX_sess_set_remove_cb: (call) => callback(call, 'removeCb'),
  SSL_CTX_sess_set_get_cb: (call) => callback(call, 'getCb'),
};

function setting(call: Call, key: 'numTickets' | 'maxEarlyData' | 'minProto' | 'maxProto'): ReturnType<Handler> {
  configure(call.world, ctxOf(call), { [key]: intArg(call, 1) } as Partial<CtxSettings>);
  return int(1);
}

function callback(call: Call, key: 'newCb' | 'removeCb' | 'getCb'): ReturnType<Handler> {
  const name = nameArg(call, 1);
  configure(call.world, ctxOf(call), { [key]: name === null || name === 'NULL' ? null : name } as Partial<CtxSettings>);
  return VOID;
}
