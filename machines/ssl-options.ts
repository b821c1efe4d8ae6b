/**
 * The SSL_OP_* bits the model reads (include/openssl/ssl.h.in, 3.0): one
 * definition for the handshake, the cache rules and the ctx defaults.
 * The trace language's names for them are in src/trace/catalogue.ts.
 */

/** Neither issue nor accept TLS 1.2 tickets; TLS 1.3 tickets become stateful (spec §6.4, §6.6). */
export const SSL_OP_NO_TICKET = 1 << 14;
/** SSL_CTX_new_ex sets it (FINDINGS F4). */
export const SSL_OP_NO_COMPRESSION = 1 << 17;
/** A TLS 1.3 ClientHello carries a random legacy session id, and a ChangeCipherSpec is sent (FINDINGS F5, F88). */
export const SSL_OP_ENABLE_MIDDLEBOX_COMPAT = 1 << 20;
/** With max_early_data > 0, keeps TLS 1.3 tickets stateless (spec §6.6). */
export const SSL_OP_NO_ANTI_REPLAY = 1 << 24;
