/**
 * The catalogue of calls a trace may make: every modelled OpenSSL function and
 * the few documented pseudo-calls, with their argument kinds, what they return
 * and whether a returned pointer carries a reference for the caller.
 *
 * The checker uses it to reject unknown functions, wrong argument counts and
 * handles of the wrong kind before anything runs; the world uses it to route a
 * call; the docs generator prints the ownership table from it.
 */

import { SSL_OP_ENABLE_MIDDLEBOX_COMPAT, SSL_OP_NO_ANTI_REPLAY, SSL_OP_NO_COMPRESSION, SSL_OP_NO_TICKET } from '../../machines/ssl-options.ts';

/** What an argument position accepts. */
export type ArgKind =
  | 'ctx'
  | 'ssl'
  | 'session'
  /** `SSL_CTX *` or NULL. */
  | 'ctx?'
  /** `SSL_SESSION *` or NULL. */
  | 'session?'
  /** `SSL *` or NULL (SSL_free(NULL) is a no-op). */
  | 'ssl?'
  /** An integer expression: literals, constants, `|`, `+`, `-`, integer variables, `time(NULL)`. */
  | 'int'
  /** `TLS_method()`, `TLS_client_method()` or `TLS_server_method()`. */
  | 'method'
  /** A double-quoted byte string. */
  | 'bytes'
  /** A double-quoted byte string or NULL (`const unsigned char *`: memcpy'd only for a length > 0). */
  | 'bytes?'
  | 'new-cb'
  | 'remove-cb'
  | 'get-cb'
  /** `&name`: a variable that receives a DER encoding. */
  | 'der-out'
  /** `&name`: a variable that holds a DER encoding. */
  | 'der-in'
  /** Only `NULL` is accepted (the in-place form of d2i is not modelled). */
  | 'null'
  /** Any object handle: a session, an SSL or an SSL_CTX (observers only). */
  | 'handle';

/** What a call yields. `der` is a serialised session: plain data, no reference. */
export type ReturnKind = 'ctx' | 'ssl' | 'session' | 'int' | 'void';

/**
 * Who owns a returned pointer: `owned` means the caller received a reference
 * it must release; `borrowed` means it did not.
 */
export type Ownership = 'owned' | 'borrowed' | 'none';

export interface CallSpec {
  readonly name: string;
  readonly args: readonly ArgKind[];
  readonly returns: ReturnKind;
  readonly ownership: Ownership;
  /** A pseudo-call is not an OpenSSL function; it drives the simulation (handshakes, time). */
  readonly pseudo: boolean;
  /** The family, for documentation and the unit tests. */
  readonly family: 'session' | 'ssl' | 'ctx' | 'connection' | 'time' | 'store';
  /** The spec section this call's model follows. */
  readonly spec: string;
  /** One sentence for the ownership table. */
  readonly summary: string;
}

function call(
  name: string,
  args: readonly ArgKind[],
  returns: ReturnKind,
  ownership: Ownership,
  family: CallSpec['family'],
  spec: string,
  summary: string,
  pseudo = false,
): CallSpec {
  return { name, args, returns, ownership, family, spec, summary, pseudo };
}

/** A session counter of SSL_CTX_ctrl: a read of the ctx, an int (spec §4 Statistics and sizes). */
function counter(name: string, summary: string): CallSpec {
  return call(name, ['ctx'], 'int', 'none', 'ctx', '§4 Statistics and sizes', summary);
}

const CALLS: readonly CallSpec[] = [
  // SSL_SESSION (spec §2)
  call('SSL_SESSION_new', [], 'session', 'owned', 'session', '§2 SSL_SESSION_new', 'New session, refcount 1, owned by the caller; not resumable (no id).'),
  call('SSL_SESSION_dup', ['session'], 'session', 'owned', 'session', '§2 SSL_SESSION_dup', 'Copy in no cache, refcount 1, owned by the caller; copies not_resumable.'),
  call('SSL_SESSION_up_ref', ['session?'], 'int', 'none', 'session', '§2 SSL_SESSION_up_ref', 'Takes one more reference for the caller; returns 1.'),
  call('SSL_SESSION_free', ['session?'], 'void', 'none', 'session', '§2 SSL_SESSION_free', 'Releases one of the caller\'s references; never unlinks from a cache.'),
  call('i2d_SSL_SESSION', ['session?', 'der-out'], 'int', 'none', 'session', '§2 i2d_SSL_SESSION', 'Serialises the session; returns the length, 0 for a bare SSL_SESSION_new.'),
  call('d2i_SSL_SESSION', ['null', 'der-in', 'int'], 'session', 'owned', 'session', '§2 d2i_SSL_SESSION', 'New session from DER, refcount 1, owned by the caller; not_resumable is not encoded.'),
  call('SSL_SESSION_is_resumable', ['session'], 'int', 'none', 'session', '§2 SSL_SESSION_is_resumable', '!not_resumable && (id or ticket).'),
  call('SSL_SESSION_set_timeout', ['session', 'int'], 'int', 'none', 'session', '§2 SSL_SESSION_set_timeout', 'Sets the timeout and re-sorts the session in its owner\'s cache list.'),
  call('SSL_SESSION_get_timeout', ['session'], 'int', 'none', 'session', '§2 SSL_SESSION_set_time', 'The timeout in seconds.'),
  call('SSL_SESSION_set_time', ['session', 'int'], 'int', 'none', 'session', '§2 SSL_SESSION_set_time', 'Sets the time, re-sorts in the owner\'s list, returns the time given (not 1).'),
  call('SSL_SESSION_get_time', ['session'], 'int', 'none', 'session', '§2 SSL_SESSION_set_time', 'The creation time in seconds.'),
  call('SSL_SESSION_set1_id', ['session', 'bytes?', 'int'], 'int', 'none', 'session', '§2 SSL_SESSION_set1_id', 'Copies the id (at most 32 bytes); does not re-key a cache entry.'),
  call('SSL_SESSION_set1_id_context', ['session', 'bytes?', 'int'], 'int', 'none', 'session', '§2 SSL_SESSION_set1_id', 'Copies the session id context (at most 32 bytes).'),
  call('SSL_SESSION_get_protocol_version', ['session'], 'int', 'none', 'session', '§1.1', 'The protocol version of the session (TLS1_2_VERSION, TLS1_3_VERSION), 0 for a bare SSL_SESSION_new.'),
  call('SSL_SESSION_has_ticket', ['session'], 'int', 'none', 'session', '§6.2', '1 if the session holds a ticket (a client\'s session from a ticket-issuing server), else 0.'),
  call('SSL_SESSION_get_ticket_lifetime_hint', ['session'], 'int', 'none', 'session', '§6.3', 'The lifetime hint the server sent with the ticket, in seconds; 0 without one.'),

  // SSL (spec §3)
  call('SSL_new', ['ctx'], 'ssl', 'owned', 'ssl', '§3 SSL_new', 'New SSL, refcount 1; takes two references on the ctx (ctx and session_ctx).'),
  call('SSL_free', ['ssl?'], 'void', 'none', 'ssl', '§3 SSL_free', 'Releases one reference; at 0 applies the bad-session rule, frees its session ref and both ctx refs.'),
  call('SSL_up_ref', ['ssl'], 'int', 'none', 'ssl', '§1.4', 'Takes one more reference on the SSL; returns 1.'),
  call('SSL_clear', ['ssl'], 'int', 'none', 'ssl', '§3 SSL_clear', 'Resets for a new connection; drops the session only if it was bad (unclean).'),
  call('SSL_shutdown', ['ssl'], 'int', 'none', 'ssl', '§3 ssl_clear_bad_session', 'Sends close_notify; after it the session survives SSL_free and SSL_clear.'),
  call('SSL_set_shutdown', ['ssl', 'int'], 'void', 'none', 'ssl', '§3 ssl_clear_bad_session', 'Sets the shutdown flags; SSL_SENT_SHUTDOWN prevents the bad-session rule.'),
  call('SSL_set_session', ['ssl', 'session?'], 'int', 'none', 'ssl', '§3 SSL_set_session', 'Bad-session rule on the old session, +1 on the new one, -1 on the old one.'),
  call('SSL_get_session', ['ssl'], 'session', 'borrowed', 'ssl', '§3 SSL_get_session', 'The current session, borrowed: valid only while this SSL keeps it.'),
  call('SSL_get0_session', ['ssl'], 'session', 'borrowed', 'ssl', '§3 SSL_get_session', 'Alias of SSL_get_session: borrowed.'),
  call('SSL_get1_session', ['ssl'], 'session', 'owned', 'ssl', '§3 SSL_get1_session', 'The current session with +1 for the caller, or NULL.'),
  call('SSL_session_reused', ['ssl'], 'int', 'none', 'ssl', '§3 SSL_session_reused', '1 if the last handshake resumed a session.'),
  call('SSL_copy_session_id', ['ssl', 'ssl'], 'int', 'none', 'ssl', '§3 SSL_copy_session_id', 'SSL_set_session(to, SSL_get_session(from)) plus method, cert and sid_ctx.'),
  call('SSL_set_SSL_CTX', ['ssl', 'ctx?'], 'ctx', 'borrowed', 'ssl', '§3 SSL_set_SSL_CTX', 'Switches ctx (+1 new, -1 old); session_ctx, and so the cache, stays the same.'),
  call('SSL_dup', ['ssl'], 'ssl', 'owned', 'ssl', '§1.4', 'After a handshake: +1 and the same pointer; before: a new SSL.'),
  call('SSL_set_session_id_context', ['ssl', 'bytes?', 'int'], 'int', 'none', 'ssl', '§4 SSL_CTX_set_session_id_context', 'Sets the SSL\'s session id context (at most 32 bytes).'),
  call('SSL_get_SSL_CTX', ['ssl'], 'ctx', 'borrowed', 'ssl', '§1.3', 'The SSL\'s current ctx (s->ctx), borrowed: the SSL holds the reference, not the caller.'),
  call('SSL_get_shutdown', ['ssl'], 'int', 'none', 'ssl', '§3 SSL_shutdown', 'The shutdown flags: SSL_SENT_SHUTDOWN (1) | SSL_RECEIVED_SHUTDOWN (2).'),
  call('SSL_new_session_ticket', ['ssl'], 'int', 'none', 'ssl', '§6.6', 'A TLS 1.3 server asks for one more NewSessionTicket, written at its next SSL_read or handshake step (in init until then); 1, or 0 for a client, before or during the first handshake, or below TLS 1.3.'),
  call('SSL_in_init', ['ssl'], 'int', 'none', 'ssl', '§3 ssl_clear_bad_session', '1 from SSL_new until the handshake ends, in the error state, and while requested tickets wait to be written.'),
  call('SSL_in_before', ['ssl'], 'int', 'none', 'ssl', '§3 ssl_clear_bad_session', '1 until the state machine first runs (after SSL_new or SSL_clear).'),
  call('SSL_is_init_finished', ['ssl'], 'int', 'none', 'ssl', '§3 ssl_clear_bad_session', '1 once the handshake is finished and the SSL is not in init.'),
  call('SSL_set_quiet_shutdown', ['ssl', 'int'], 'void', 'none', 'ssl', '§3 ssl_clear_bad_session', 'Nonzero: SSL_shutdown sets both shutdown flags and sends no close_notify (the session survives SSL_free).'),
  call('SSL_get_quiet_shutdown', ['ssl'], 'int', 'none', 'ssl', '§3 ssl_clear_bad_session', 'This SSL\'s quiet-shutdown setting (SSL_new copied the ctx\'s).'),
  call('SSL_set_options', ['ssl', 'int'], 'int', 'none', 'ssl', '§3 SSL_new', 'Adds options to this SSL\'s own copy (SSL_new copied the ctx\'s); returns the new set, as SSL_CTX_set_options.'),
  call('SSL_clear_options', ['ssl', 'int'], 'int', 'none', 'ssl', '§3 SSL_new', 'Clears options of this SSL; returns the new set.'),
  call('SSL_get_options', ['ssl'], 'int', 'none', 'ssl', '§3 SSL_new', 'This SSL\'s options.'),
  call('SSL_set_num_tickets', ['ssl', 'int'], 'int', 'none', 'ssl', '§6.6', 'TLS 1.3 tickets this SSL sends as a server; returns 1.'),
  call('SSL_set_max_early_data', ['ssl', 'int'], 'int', 'none', 'ssl', '§6.6', 'Early data for this SSL: as a server its stateful tickets become single use; returns 1.'),
  call('SSL_set_min_proto_version', ['ssl', 'int'], 'int', 'none', 'ssl', '§6.1', 'This SSL\'s lowest protocol version; returns 1, or 0 as SSL_CTX_set_min_proto_version.'),
  call('SSL_set_max_proto_version', ['ssl', 'int'], 'int', 'none', 'ssl', '§6.1', 'This SSL\'s highest protocol version; returns 1, or 0 as SSL_CTX_set_max_proto_version.'),
  call('SSL_get_num_tickets', ['ssl'], 'int', 'none', 'ssl', '§6.6', 'The TLS 1.3 tickets this SSL sends as a server (a size_t).'),
  call('SSL_get_max_early_data', ['ssl'], 'int', 'none', 'ssl', '§6.6', 'This SSL\'s max_early_data; a client\'s ClientHello without early data sets it to 0.'),
  call('SSL_get_min_proto_version', ['ssl'], 'int', 'none', 'ssl', '§6.1', 'This SSL\'s lowest protocol version, 0 for none.'),
  call('SSL_get_max_proto_version', ['ssl'], 'int', 'none', 'ssl', '§6.1', 'This SSL\'s highest protocol version, 0 for none.'),

  // SSL_CTX (spec §4, §5)
  call('SSL_CTX_new', ['method'], 'ctx', 'owned', 'ctx', '§4 SSL_CTX_new', 'New context, refcount 1, empty cache, mode SERVER, size 20480, timeout 7200.'),
  call('SSL_CTX_free', ['ctx?'], 'void', 'none', 'ctx', '§4 SSL_CTX_free', 'Releases one reference; at 0 flushes the whole cache (remove_cb for each).'),
  call('SSL_CTX_up_ref', ['ctx'], 'int', 'none', 'ctx', '§4 SSL_CTX_up_ref', 'Takes one more reference on the ctx; returns 1.'),
  call('SSL_CTX_add_session', ['ctx', 'session'], 'int', 'none', 'ctx', '§4 SSL_CTX_add_session', 'The cache takes its own reference; 0 if already present; evicts before linking.'),
  call('SSL_CTX_remove_session', ['ctx', 'session?'], 'int', 'none', 'ctx', '§4 SSL_CTX_remove_session', 'Removes by key, always marks the argument not_resumable and calls remove_cb.'),
  call('SSL_CTX_flush_sessions', ['ctx', 'int'], 'void', 'none', 'ctx', '§4 SSL_CTX_flush_sessions', 'Removes sessions expired at time t (0: all) from the list tail.'),
  call('SSL_CTX_sess_number', ['ctx'], 'int', 'none', 'ctx', '§4 Statistics and sizes', 'Number of entries in the cache\'s hash table.'),
  call('SSL_CTX_sess_set_cache_size', ['ctx', 'int'], 'int', 'none', 'ctx', '§4 Statistics and sizes', 'Sets the size (0 = unlimited); returns the previous one. Holds at most N-1.'),
  call('SSL_CTX_sess_get_cache_size', ['ctx'], 'int', 'none', 'ctx', '§4 Statistics and sizes', 'The cache size.'),
  // The counters of SSL_CTX_ctrl (spec §4 Statistics and sizes), each counted on the ctx its libssl code names.
  counter('SSL_CTX_sess_connect', 'Client handshakes started by SSLs whose session_ctx this is.'),
  counter('SSL_CTX_sess_connect_renegotiate', 'Client renegotiations started: always 0 here (the model has no renegotiation).'),
  counter('SSL_CTX_sess_accept', 'Server handshakes started, on session_ctx, moved to ctx when they differ (on a client too: it goes negative).'),
  counter('SSL_CTX_sess_accept_renegotiate', 'Server renegotiations started: always 0 here (the model has no renegotiation).'),
  counter('SSL_CTX_sess_connect_good', 'Client handshakes finished by SSLs whose session_ctx this is.'),
  counter('SSL_CTX_sess_accept_good', 'Server handshakes finished by SSLs whose ctx (s->ctx) this is.'),
  counter('SSL_CTX_sess_hits', 'Resumed handshakes: a server\'s accepted offers, a client\'s resumptions at their end.'),
  counter('SSL_CTX_sess_cb_hits', 'Sessions the get callback served (not NULL, resumable).'),
  counter('SSL_CTX_sess_misses', 'A server\'s internal lookups that found nothing; a client\'s offers the server did not resume.'),
  counter('SSL_CTX_sess_timeouts', 'Offered sessions a server found expired (after its version and id context checks).'),
  counter('SSL_CTX_sess_cache_full', 'Sessions evicted because the cache was full.'),
  call('SSL_CTX_set_session_cache_mode', ['ctx', 'int'], 'int', 'none', 'ctx', '§4 Cache mode flags', 'Sets the mode; returns the previous one.'),
  call('SSL_CTX_get_session_cache_mode', ['ctx'], 'int', 'none', 'ctx', '§4 Cache mode flags', 'The cache mode.'),
  call('SSL_CTX_set_timeout', ['ctx', 'int'], 'int', 'none', 'ctx', '§4 SSL_CTX_set_timeout', 'Timeout for sessions made later; returns the previous one.'),
  call('SSL_CTX_get_timeout', ['ctx'], 'int', 'none', 'ctx', '§4 SSL_CTX_set_timeout', 'The session timeout.'),
  call('SSL_CTX_set_session_id_context', ['ctx', 'bytes?', 'int'], 'int', 'none', 'ctx', '§4 SSL_CTX_set_session_id_context', 'Sets the ctx\'s session id context; SSLs made later copy it.'),
  call('SSL_CTX_set_options', ['ctx', 'int'], 'int', 'none', 'ctx', '§6.4', 'Adds options (SSL_OP_NO_TICKET, SSL_OP_NO_ANTI_REPLAY, SSL_OP_ENABLE_MIDDLEBOX_COMPAT, SSL_OP_NO_TLSv1 … SSL_OP_NO_TLSv1_3); returns the new set (a uint64_t, printed signed), which starts as SSL_OP_NO_COMPRESSION | SSL_OP_ENABLE_MIDDLEBOX_COMPAT.'),
  call('SSL_CTX_clear_options', ['ctx', 'int'], 'int', 'none', 'ctx', '§6.4', 'Clears options; returns the new set.'),
  call('SSL_CTX_get_options', ['ctx'], 'int', 'none', 'ctx', '§6.4', 'The options (a uint64_t, printed signed).'),
  call('SSL_CTX_get_num_tickets', ['ctx'], 'int', 'none', 'ctx', '§6.6', 'The TLS 1.3 tickets sent after a full handshake (a size_t).'),
  call('SSL_CTX_get_max_early_data', ['ctx'], 'int', 'none', 'ctx', '§6.6', 'The ctx\'s max_early_data.'),
  call('SSL_CTX_get_min_proto_version', ['ctx'], 'int', 'none', 'ctx', '§6.1', 'The lowest protocol version, 0 for none.'),
  call('SSL_CTX_get_max_proto_version', ['ctx'], 'int', 'none', 'ctx', '§6.1', 'The highest protocol version, 0 for none.'),
  call('SSL_CTX_set_num_tickets', ['ctx', 'int'], 'int', 'none', 'ctx', '§6.6', 'TLS 1.3 tickets sent after a full handshake (default 2); returns 1.'),
  call('SSL_CTX_set_max_early_data', ['ctx', 'int'], 'int', 'none', 'ctx', '§6.6', 'Enables early data: stateful TLS 1.3 tickets become single use; returns 1.'),
  call('SSL_CTX_set_min_proto_version', ['ctx', 'int'], 'int', 'none', 'ctx', '§6.1', 'Lowest protocol version (0 = lowest supported); returns 1, or 0 for a value that is no version (a DTLS version is accepted and ignored).'),
  call('SSL_CTX_set_max_proto_version', ['ctx', 'int'], 'int', 'none', 'ctx', '§6.1', 'Highest protocol version (0 = highest supported); returns 1, or 0 for a value that is no version (a DTLS version is accepted and ignored).'),
  call('SSL_CTX_set_quiet_shutdown', ['ctx', 'int'], 'void', 'none', 'ctx', '§3 ssl_clear_bad_session', 'Nonzero: SSLs made later shut down quietly (SSL_shutdown sends no close_notify, sets both flags).'),
  call('SSL_CTX_get_quiet_shutdown', ['ctx'], 'int', 'none', 'ctx', '§3 ssl_clear_bad_session', 'The ctx\'s quiet-shutdown setting.'),
  call('SSL_CTX_sess_set_new_cb', ['ctx', 'new-cb'], 'void', 'none', 'ctx', '§5 new_session_cb', 'Installs a new-session callback (named behaviour, see the trace language).'),
  call('SSL_CTX_sess_set_remove_cb', ['ctx', 'remove-cb'], 'void', 'none', 'ctx', '§5 remove_session_cb', 'Installs a remove-session callback (named behaviour).'),
  call('SSL_CTX_sess_set_get_cb', ['ctx', 'get-cb'], 'void', 'none', 'ctx', '§5 get_session_cb', 'Installs a get-session callback (named behaviour).'),

  // Pseudo-calls: connections, time and the application's external store
  call('connect', ['ssl', 'ssl'], 'int', 'none', 'connection', '§6', 'Handshake between a client and a server SSL in memory (a fresh BIO pair for both when either is fresh; a server-capable ctx is assumed to hold a certificate), then the client reads the tickets. 1 on success, 0 on failure.', true),
  call('handshake', ['ssl', 'ssl'], 'int', 'none', 'connection', '§6', 'The same handshake, without the client reading TLS 1.3 tickets.', true),
  call('read', ['ssl'], 'int', 'none', 'connection', '§6.3', 'SSL_read until it would block: processes pending tickets and close_notify (nothing once SSL_RECEIVED_SHUTDOWN is set; in init, the implicit handshake). Returns the number of tickets processed.', true),
  call('advance_time', ['int'], 'void', 'none', 'time', '§4 SSL_CTX_flush_sessions', 'Moves the simulated clock forward by n seconds.', true),
  call('time', ['null'], 'int', 'none', 'time', '§4 SSL_CTX_flush_sessions', 'The simulated clock, as time(NULL).', true),
  call('store_free_all', ['ctx'], 'void', 'none', 'store', '§5', 'The application frees every session its external store (filled by new_cb_store) holds for this ctx.', true),
];

/** Calls by name. */
export const CATALOGUE: ReadonlyMap<string, CallSpec> = new Map(CALLS.map((c) => [c.name, c]));

/** Methods accepted as the argument of SSL_CTX_new. */
export const METHODS = ['TLS_method', 'TLS_client_method', 'TLS_server_method'] as const;
export type MethodName = (typeof METHODS)[number];

/** Integer constants from the installed <openssl/ssl.h> and <openssl/prov_ssl.h> (3.0.19). */
export const CONSTANTS: ReadonlyMap<string, number> = new Map([
  ['SSL_SESS_CACHE_OFF', 0x0],
  ['SSL_SESS_CACHE_CLIENT', 0x1],
  ['SSL_SESS_CACHE_SERVER', 0x2],
  ['SSL_SESS_CACHE_BOTH', 0x3],
  ['SSL_SESS_CACHE_NO_AUTO_CLEAR', 0x80],
  ['SSL_SESS_CACHE_NO_INTERNAL_LOOKUP', 0x100],
  ['SSL_SESS_CACHE_NO_INTERNAL_STORE', 0x200],
  ['SSL_SESS_CACHE_NO_INTERNAL', 0x300],
  ['SSL_SESS_CACHE_UPDATE_TIME', 0x400],
  ['SSL_OP_NO_TICKET', SSL_OP_NO_TICKET],
  ['SSL_OP_NO_ANTI_REPLAY', SSL_OP_NO_ANTI_REPLAY],
  ['SSL_OP_NO_COMPRESSION', SSL_OP_NO_COMPRESSION],
  ['SSL_OP_ENABLE_MIDDLEBOX_COMPAT', SSL_OP_ENABLE_MIDDLEBOX_COMPAT],
  ['SSL_OP_NO_SSLv3', 1 << 25],
  ['SSL_OP_NO_TLSv1', 1 << 26],
  ['SSL_OP_NO_TLSv1_2', 1 << 27],
  ['SSL_OP_NO_TLSv1_1', 1 << 28],
  ['SSL_OP_NO_TLSv1_3', 1 << 29],
  ['SSL3_VERSION', 0x300],
  ['TLS1_VERSION', 0x301],
  ['TLS1_1_VERSION', 0x302],
  ['TLS1_2_VERSION', 0x303],
  ['TLS1_3_VERSION', 0x304],
  ['SSL_SENT_SHUTDOWN', 1],
  ['SSL_RECEIVED_SHUTDOWN', 2],
  ['SSL_MAX_SSL_SESSION_ID_LENGTH', 32],
  ['SSL_SESSION_CACHE_MAX_SIZE_DEFAULT', 20480],
]);

/**
 * The named callback behaviours a trace can install. Each is what a real
 * application's callback does, including the broken ones of the misuse
 * patterns (P2, P3, P4), so the checker can show their consequences.
 */
export const CALLBACKS = {
  'new-cb': {
    new_cb_store: 'Keeps the session in the application\'s external store and returns 1: the store owns the reference (correct).',
    new_cb_ignore: 'Does not keep the session and returns 0: the library drops the extra reference (correct).',
    new_cb_store_return0: 'Keeps the pointer in the store but returns 0: the store holds no reference (misuse P4).',
    new_cb_forget_return1: 'Returns 1 but keeps nothing: the reference it took is leaked (misuse P4).',
  },
  'remove-cb': {
    remove_cb_log: 'Only observes; the session is borrowed (correct).',
    remove_cb_evict_store: 'Drops the session from the external store and frees the store\'s reference, if the store owns one (correct).',
    remove_cb_free: 'Calls SSL_SESSION_free on the borrowed session (misuse P2).',
    remove_cb_remove: 'Calls SSL_CTX_remove_session on the context and session it is given: re-enters the cache (misuse P10).',
  },
  'get-cb': {
    get_cb_store_copy: 'Serves from the external store, leaves *copy = 1: the library takes its own reference (correct).',
    get_cb_store_transfer: 'Serves from the store, up-refs the session and sets *copy = 0: hands a reference over (correct).',
    get_cb_store_nocopy: 'Serves from the store with *copy = 0 without an up-ref: hands over a reference it does not give (misuse P3).',
    get_cb_miss: 'Always returns NULL.',
  },
} as const satisfies Record<'new-cb' | 'remove-cb' | 'get-cb', Record<string, string>>;

export type NewCallback = keyof (typeof CALLBACKS)['new-cb'];
export type RemoveCallback = keyof (typeof CALLBACKS)['remove-cb'];
export type GetCallback = keyof (typeof CALLBACKS)['get-cb'];

/**
 * Pseudo-functions that may appear on the left of an `expect`: they read the
 * model's state without changing it.
 */
export const OBSERVERS: ReadonlyMap<string, { readonly args: readonly ArgKind[]; readonly summary: string }> = new Map([
  ['refcount', { args: ['handle'], summary: 'The exact reference count of a session, SSL or SSL_CTX (0 once freed).' }],
  ['freed', { args: ['handle'], summary: '1 if the object has been destroyed.' }],
  ['cached', { args: ['ctx', 'session'], summary: '1 if the session is in the ctx\'s cache list.' }],
  ['resumable', { args: ['session'], summary: 'SSL_SESSION_is_resumable, readable even after the session was freed (then 0).' }],
  ['owner', { args: ['session'], summary: 'The ctx whose cache list holds the session, or NULL.' }],
  ['stored', { args: ['ctx', 'session'], summary: '1 if the application\'s external store for ctx holds the session.' }],
] as const);

/**
 * The diagnostic kinds a trace may expect with `expect diagnostic KIND`: the
 * misuse checker's vocabulary. The parser rejects any other word, so a typo
 * cannot turn an expectation into one that silently never matches.
 */
export const DIAGNOSTIC_KINDS = [
  'use-after-free',
  'bad-free',
  'double-free',
  'stale-borrow',
  'dangling-cache-entry',
  'cross-context',
  'callback-contract',
  'leak',
  'null-dereference',
  'not-resumable',
  'early-session',
  'capacity',
  'libssl-leak',
] as const;
export type DiagnosticKind = (typeof DIAGNOSTIC_KINDS)[number];

/** What each observer yields: `owner` a ctx handle or NULL, every other one an integer. */
export const OBSERVER_RETURNS: ReadonlyMap<string, 'int' | 'ctx'> = new Map([
  ['refcount', 'int'],
  ['freed', 'int'],
  ['cached', 'int'],
  ['resumable', 'int'],
  ['owner', 'ctx'],
  ['stored', 'int'],
] as const);
