/**
 * An SSL's own settings and plain reads of its fields (spec §3 SSL_new: the SSL copies the ctx's settings
 * when it is made, and later SSL_CTX_set_* calls do not reach it). The setters change only this SSL's copy,
 * which the handshake reads (the options for tickets and versions, the ticket count, the version bounds,
 * early data); SSL_clear and SSL_set_SSL_CTX keep it, SSL_dup copies the options and bounds (FINDINGS F10).
 * Each function is the one-line field access or assignment of ssl_lib.c in 3.0.19.
 */
import type { SslConfig } from '../../machines/ssl.ts';
import type { World } from '../world/world.ts';
import { type Call, type Handler, int, intArg, objectArg, objectRet, toInt32, toUint32, VOID } from './types.ts';
import { newProtoBound, options64 } from './proto-bounds.ts';
import { ACCESS } from '../../machines/refcount.ts';
import { inBefore, inInit } from '../handshake/bio-pair.ts';

/**
 * The SSL argument, used: a destroyed one is a use-after-free (the ACCESS event's fault), and null then, so
 * that no setting is written into freed memory the model no longer trusts.
 */
function liveSsl(call: Call): string | null {
  const ssl = objectArg(call, 0) ?? '';
  call.world.sendSsl(ssl, ACCESS);
  return call.world.isFreed('ssl', ssl) ? null : ssl;
}

/** This SSL's copy of the settings, with `patch` written into it (connection data of the Ssl machine). */
function configureSsl(world: World, ssl: string, patch: Partial<SslConfig>): void {
  world.sendSsl(ssl, { type: 'CONNECTION', fields: { config: { ...world.ssl(ssl).config, ...patch } } });
}

/** `s->options |= op` or `s->options &= ~op` (uint64_t, as SSL_CTX_set_options, FINDINGS F33); the new set. */
function changeOptions(call: Call, set: boolean): ReturnType<Handler> {
  const ssl = liveSsl(call);
  if (ssl === null) return int(0);
  const old = BigInt(call.world.ssl(ssl).config.options);
  const op = BigInt(intArg(call, 1));
  const options = options64(set ? old | op : old & ~op);
  configureSsl(call.world, ssl, { options });
  return int(options);
}

/**
 * SSL_ctrl SSL_CTRL_SET_MIN/MAX_PROTO_VERSION: the same checks as the ctx's, against this SSL's other bound
 * and s->ctx->method (proto-bounds.ts); 1, or 0 with nothing changed.
 */
function protoBound(call: Call, key: 'minProto' | 'maxProto'): ReturnType<Handler> {
  const ssl = liveSsl(call);
  if (ssl === null) return int(0);
  const { minProto, maxProto } = call.world.ssl(ssl).config;
  const bound = newProtoBound(key, toInt32(intArg(call, 1)), minProto, maxProto);
  if (bound === null) return int(0);
  configureSsl(call.world, ssl, { [key]: bound });
  return int(1);
}

/** A setter that stores its argument as given (after its C conversion) and returns 1. */
function setting(key: 'numTickets' | 'maxEarlyData', convert: (value: number) => number): Handler {
  return (call) => {
    const ssl = liveSsl(call);
    if (ssl !== null) configureSsl(call.world, ssl, { [key]: convert(intArg(call, 1)) });
    return int(1);
  };
}

const asGiven = (value: number): number => value;

/** A getter of one of this SSL's settings (0 for a destroyed SSL, whose use the ACCESS event reported). */
function read(key: 'numTickets' | 'maxEarlyData' | 'minProto' | 'maxProto'): Handler {
  return (call) => {
    const ssl = liveSsl(call);
    return int(ssl === null ? 0 : call.world.ssl(ssl).config[key]);
  };
}

export const sslSettingsApi: Readonly<Record<string, Handler>> = {
  // ssl_lib.c SSL_set_options / SSL_clear_options / SSL_get_options: s->options
  SSL_set_options: (call) => changeOptions(call, true),
  SSL_clear_options: (call) => changeOptions(call, false),
  SSL_get_options: (call) => {
    const ssl = liveSsl(call);
    return int(ssl === null ? 0 : call.world.ssl(ssl).config.options);
  },
  // ssl_lib.c SSL_set_num_tickets(SSL *, size_t): kept as the ctx's is (a negative count is a huge size_t)
  SSL_set_num_tickets: setting('numTickets', asGiven),
  // ssl_lib.c SSL_set_max_early_data(SSL *, uint32_t), converted as the ctx's (FINDINGS F36)
  SSL_set_max_early_data: setting('maxEarlyData', toUint32),
  SSL_set_min_proto_version: (call) => protoBound(call, 'minProto'),
  SSL_set_max_proto_version: (call) => protoBound(call, 'maxProto'),
  // ssl_lib.c SSL_get_num_tickets, SSL_get_max_early_data; SSL_ctrl SSL_CTRL_GET_MIN/MAX_PROTO_VERSION
  SSL_get_num_tickets: read('numTickets'),
  SSL_get_max_early_data: read('maxEarlyData'),
  SSL_get_min_proto_version: read('minProto'),
  SSL_get_max_proto_version: read('maxProto'),
  // ssl_lib.c SSL_set_quiet_shutdown(SSL *, int) / SSL_get_quiet_shutdown: s->quiet_shutdown, any int (spec §3)
  SSL_set_quiet_shutdown: (call) => {
    const ssl = liveSsl(call);
    if (ssl !== null) configureSsl(call.world, ssl, { quietShutdown: toInt32(intArg(call, 1)) });
    return VOID;
  },
  SSL_get_quiet_shutdown: (call) => {
    const ssl = liveSsl(call);
    return int(ssl === null ? 0 : call.world.ssl(ssl).config.quietShutdown);
  },
  // statem.c SSL_in_init: s->statem.in_init, set from SSL_new until the handshake ends, again in the error state and
  // while SSL_new_session_ticket's tickets wait to be written (spec §3 ssl_clear_bad_session reads it)
  SSL_in_init: (call) => {
    const ssl = liveSsl(call);
    return int(ssl !== null && inInit(call.world, ssl) ? 1 : 0);
  },
  // statem.c SSL_in_before: the state machine never ran since SSL_new or SSL_clear (bio-pair.ts inBefore)
  SSL_in_before: (call) => {
    const ssl = liveSsl(call);
    return int(ssl !== null && inBefore(call.world, ssl) ? 1 : 0);
  },
  // statem.c SSL_is_init_finished: not in init, and the handshake state is TLS_ST_OK
  SSL_is_init_finished: (call) => {
    const ssl = liveSsl(call);
    return int(ssl !== null && !inInit(call.world, ssl) ? 1 : 0);
  },
  // ssl_lib.c SSL_get_shutdown: s->shutdown, whatever SSL_set_shutdown wrote (FINDINGS F37)
  SSL_get_shutdown: (call) => {
    const ssl = liveSsl(call);
    return int(ssl === null ? 0 : call.world.ssl(ssl).shutdown);
  },
  // ssl_lib.c SSL_get_SSL_CTX: ssl->ctx, no reference taken (spec §1.3: the SSL holds it, not the caller)
  SSL_get_SSL_CTX: (call) => {
    const ssl = liveSsl(call);
    return objectRet(ssl === null ? null : call.world.ssl(ssl).ctx, false);
  },
};
