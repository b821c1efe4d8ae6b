/**
 * Ssl: the lifecycle of one `SSL` connection object.
 *
 * The OpenSSL contract (spec §1.3, §1.4, §3):
 * - `SSL_new(ctx)` gives refcount 1 and takes **two** references on `ctx`:
 *   one as `s->ctx`, one as `s->session_ctx`. `SSL_set_SSL_CTX` moves only the
 *   first; the cache used stays `session_ctx`'s (R16).
 * - The SSL holds one reference on its current session (`s->session`).
 * - The bad-session rule (§3 ssl_clear_bad_session): `SSL_free`, `SSL_clear`
 *   and `SSL_set_session` on a connection whose handshake completed and which
 *   has not sent close_notify remove the session from `session_ctx`'s cache
 *   and mark it not resumable. That condition is a state here: `connected`.
 * - `SSL_free` at 0, in order: bad-session rule, free the session, free
 *   `session_ctx`, free `ctx` (§3 SSL_free steps 2-5).
 *
 * States: `before` (never completed a handshake, or cleared), `handshaking`
 * (in init, waiting for the peer's next flight), `connected` (handshake done,
 * no close_notify sent), `closed` (close_notify sent), `failed` (a fatal
 * alert: still in init, so no bad-session rule, §8), `freed`.
 *
 * Signals to the world: `clearBadSession`, `acquireSession`, `releaseSession`,
 * `acquireCtx`, `releaseCtx` (effects on other objects, in OpenSSL's order),
 * and `fault`.
 */
import { defineMachine, type MachineEvent } from './kit/definition.ts';
import type { Ticket } from './ssl-session.ts';
import { Ledger } from './ledger.ts';
import { type Counted, freedTransitions, freeTransitions, refGuards, refUpdates, fault } from './refcount.ts';
import { type SslHolderNames, sslHolderNames } from './holders.ts';

/**
 * `undecryptablePending` when the model does not know how many unreadable records wait: more than any
 * trace reads, and reading one leaves it as it is. A small integer, not `Infinity`: one SSL context
 * holding a double made V8 deprecate the shape of every SSL context, and each one made later was
 * migrated to the new shape (155,000 migrations in 8 s of the bench's long trace, bench/HISTORY.md session 14).
 */
export const UNKNOWN_RECORDS = 0x3fff_ffff;

/** No ticket waits: one shared empty list (a connection's list is replaced, never changed in place). */
export const NO_TICKETS: readonly [] = Object.freeze([]) as readonly [];
/** No alert waits behind the pending one (shared: the list is replaced, never changed in place). */
export const NO_ALERTS: readonly AlertSeal[] = Object.freeze([]);

/** Nothing waits behind a ClientHello (shared too: the list is replaced, never changed in place). */
export const NO_RECORDS: readonly RecordAfterHello[] = Object.freeze([]);

/** A TLS 1.3 NewSessionTicket sent by the server and not yet read by the client (spec §6.3). */
export type PendingTicket = Ticket;

/** A ticket waiting behind `ahead` close_notify records (SslContext.ticketsBehindCloseNotify). */
export interface TicketBehind {
  readonly ticket: PendingTicket;
  readonly ahead: number;
}

export const NO_TICKETS_BEHIND: readonly TicketBehind[] = Object.freeze([]);

/**
 * The peer's next handshake flight, waiting in the SSL's read buffer while a
 * handshake is carried on by reads (src/handshake/continue.ts, FINDINGS F17):
 * the server's answer to a ClientHello, the client's Finished, or a TLS 1.2
 * server's last flight (its ticket, if any, and Finished).
 */
export type PeerFlight =
  | {
      readonly kind: 'serverHello';
      readonly version: number;
      readonly hit: boolean;
      readonly echoedId: string;
      /** A TLS 1.2 resumption's NewSessionTicket, sent with the server's Finished. */
      readonly ticket: Ticket | null;
      readonly ticketExpected: boolean;
      /** The master secret the server's keys and Finished come from: its session's (FINDINGS F40). */
      readonly masterKey: string;
      /** The client_random of the ClientHello it answers: its keys and signatures depend on it (FINDINGS F73). */
      readonly clientRandom: number;
      /**
       * The server random ends in the TLS 1.2 downgrade sentinel: a server able to do TLS 1.3 negotiated TLS 1.2
       * (statem_lib.c check_for_downgrade). A client that allows TLS 1.3 by the time it reads it refuses it.
       */
      readonly downgrade: boolean;
      /**
       * The ServerHello alone: the server failed on the NewSessionTicket after it (a session with a timeout of 0,
       * sessions.ts statelessTicketCopy), and its fatal alert follows (FINDINGS F128).
       */
      readonly helloOnly: boolean;
    }
  | {
      readonly kind: 'clientFinished';
      readonly version: number;
      readonly hit: boolean;
      readonly ticketExpected: boolean;
      /**
       * A TLS 1.3 client wrote a ChangeCipherSpec before its Finished: SSL_OP_ENABLE_MIDDLEBOX_COMPAT when it wrote
       * the flight (ossl_statem_client_write_transition), whatever its options or existence later.
       */
      readonly middleboxCcs: boolean;
      /** The client_random of the handshake it belongs to (FINDINGS F92). */
      readonly clientRandom: number;
    }
  | {
      readonly kind: 'serverFinished';
      readonly ticket: Ticket | null;
      /** The client_random of the handshake it belongs to: a client that wrote another ClientHello since expects a ServerHello (FINDINGS F92). */
      readonly clientRandom: number;
    };

/**
 * How a fatal alert was written (FINDINGS F25): in plaintext (an SSL in init
 * that has no keys yet), or `sealed` under the keys of the connection or
 * handshake it belonged to. The reader reads it as an alert only with a read
 * state to match; otherwise it is a record it cannot use.
 */
export type AlertSeal = 'plain' | 'sealed';

/**
 * A record behind a waiting ClientHello: another ClientHello, or a fatal alert (a client's in init: plaintext).
 * The alert's record version is TLS1_VERSION while the client still waits for a ServerHello ('alert'), the
 * version it read from one once it did ('versionedAlert'): do_ssl3_write (FINDINGS F91).
 */
export type RecordAfterHello = ClientOffer | 'alert' | 'versionedAlert';

/** What a ClientHello offers for resumption (src/handshake/client.ts clientHello). */
export interface ClientOffer {
  /** The legacy session id sent: a TLS ≤ 1.2 session's id, else empty or 32 random bytes (client.ts randomLegacyId). */
  readonly sessionId: string;
  /** Its client_random: fresh in every ClientHello (World.nextClientRandom), kept when the write is retried. */
  readonly random: number;
  /** The TLS 1.2 session_ticket extension is sent (the client does not set SSL_OP_NO_TICKET). */
  readonly sendsTicketExtension: boolean;
  /** The TLS 1.2 ticket in it, or null for an empty extension. */
  readonly ticket: Ticket | null;
  /** The TLS 1.3 pre_shared_key identity offered, or null. */
  readonly psk: Ticket | null;
  /**
   * The client's version range when it wrote the hello (ssl_get_min_max_version): its supported_versions, or its
   * legacy_version alone below TLS 1.3. The server negotiates from what was written, whatever SSL_set_min/
   * max_proto_version or SSL_set_options did to the client since (FINDINGS F125).
   */
  readonly versions: readonly [number, number];
}

/** Settings SSL_new copies from its ctx (later SSL_CTX_set_* calls do not reach this SSL). */
export interface SslConfig {
  /** The ctx's method (TLS_method, TLS_client_method, TLS_server_method): the SSL's first s->method. */
  readonly method: string;
  /** The ctx has a server certificate and key (the harness installs one in every server-capable ctx). */
  readonly cert: boolean;
  readonly options: number;
  readonly maxEarlyData: number;
  readonly numTickets: number;
  readonly minProto: number;
  readonly maxProto: number;
  /**
   * s->quiet_shutdown (SSL_set_quiet_shutdown, any int): when nonzero, ssl3_shutdown sets both shutdown flags and
   * writes no close_notify. SSL_new copies the ctx's; SSL_dup takes its ctx's, not the SSL's (spec §3).
   */
  readonly quietShutdown: number;
}

/** The type of a record thrown away and still current (SslContext.recordThrownAway): a handshake one, or any other. */
export type ThrownAwayRecord = 'handshake' | 'other';

/** Where the bytes of SslContext.shortLeftover wait: still in the BIO, or read into s->rlayer.rbuf. */
export type ShortLeftover = 'bio' | 'rbuf';

export interface SslContext extends Counted {
  readonly id: string;
  /** The names of the references this SSL holds, in the ledgers of its session and contexts (holders.ts). */
  readonly holderNames: SslHolderNames;
  /** Copied from the ctx by SSL_new; the handshake changes s->max_early_data (client.ts clientHello). */
  readonly config: SslConfig;
  /** `s->ctx`: settings and certificates. */
  readonly ctx: string;
  /** `s->session_ctx`: the cache and the session callbacks (R16). */
  readonly sessionCtx: string;
  readonly session: string | null;
  /** SSL_SENT_SHUTDOWN (1) | SSL_RECEIVED_SHUTDOWN (2). */
  readonly shutdown: number;
  /** `s->hit`: the last handshake resumed (SSL_session_reused). */
  readonly hit: boolean;
  readonly sidCtx: string;
  /** s->server as SSL_set_connect_state / SSL_set_accept_state or the last handshake left it; null before any. */
  readonly role: 'client' | 'server' | null;
  /**
   * s->handshake_func (src/handshake/handshake-func.ts): null until the first
   * attach, then what SSL_do_handshake runs. It can disagree with s->method.
   */
  readonly handshakeFunc: 'connect' | 'accept' | 'undefined' | null;
  /** The negotiated version of the last handshake, 0 before. */
  readonly version: number;
  /** The SSL at the other end of the in-memory connection. */
  readonly peer: string | null;
  /**
   * Which BIO pair the SSL is attached to (0: none): both ends of a connection
   * share it. SSL_free or a later attach of either end destroys the pair, so
   * the other end finds its link changed or its peer freed (FINDINGS F6).
   */
  readonly link: number;
  readonly pendingTickets: readonly PendingTicket[];
  /**
   * How many of the peer's close_notify records wait in our read buffer: SSL_set_shutdown(peer, 0) lets its next
   * SSL_shutdown write another, and a read takes one at a time (FINDINGS F115).
   */
  readonly closeNotifiesPending: number;
  /**
   * Tickets written behind close_notify records not yet read (a server that sent close_notify, then wrote the
   * tickets SSL_new_session_ticket asked for): each with how many close_notifies are ahead of it. A read stops at a
   * close_notify, so a ticket is read only by the read after its last one (record-layer.ts; checked against 3.0.19).
   */
  readonly ticketsBehindCloseNotify: readonly TicketBehind[];
  /**
   * How many records wait that this SSL cannot read: written by a peer whose method was reset (FINDINGS F2),
   * an implicit ClientHello of a cleared peer (F9), the rest of a failed flight (F68). Reading one is a
   * fatal error, and one record is read each time (F67). A count the model does not know (the rest of a
   * flight, a body left behind a rejected header) is `UNKNOWN_RECORDS`: unreadable from there on. 0: none.
   */
  readonly undecryptablePending: number;
  /**
   * The peer's fatal alert waits in our read buffer (the error state writes
   * nothing more), before what the peer writes once cleared: another alert
   * (alertsBehind), a ClientHello. Read as an alert (record-layer.ts receiveAlert) when the
   * reader's read state matches its seal, else unreadable (FINDINGS F25).
   */
  readonly alertPending: AlertSeal | null;
  /**
   * More alerts the peer wrote right after the pending one, in order: a writer cleared after its fatal error
   * that fails again before it writes anything else (a client with no protocol version enabled fails before its
   * ClientHello, FINDINGS F7). The reader reads one record each time; SSL_clear'ed in between, it reads the next
   * alert as it did the first (checked against 3.0.19, FINDINGS F126). Empty while alertPending is null.
   */
  readonly alertsBehind: readonly AlertSeal[];
  /**
   * A handshake flight the peer wrote after its pending alert (it failed, was
   * SSL_clear'ed and served a ClientHello on the same pair): read only after
   * the alert, and then out of step with any handshake, unreadable (FINDINGS F71).
   */
  readonly flightAfterAlert: boolean;
  /**
   * A ClientHello waits in our read buffer, written by the peer's implicit
   * handshake (SSL_read in init after SSL_clear): a server in init serves it,
   * a connected SSL finds it unreadable (FINDINGS F9, F17).
   */
  readonly clientHelloPending: ClientOffer | null;
  /**
   * Records the peer wrote after its pending ClientHello, in order: its fatal
   * alert, or a second ClientHello. A server serves the ClientHello first, then
   * reads them and fails (checked against 3.0.19, FINDINGS F21); one that throws
   * the first ClientHello away serves a second one next (F23).
   */
  readonly recordsAfterHello: readonly RecordAfterHello[];
  /**
   * The ClientHello the state machine could not write (its BIO pair was gone):
   * bio_write on the orphaned half returns 0, a write error, not a fatal one, so
   * every later SSL_read or SSL_do_handshake writes it again, into a new pair
   * once one is attached (checked against 3.0.19, FINDINGS F21). SSL_clear drops it.
   */
  readonly helloUnsent: ClientOffer | null;
  /**
   * A method reset (SSL_copy_session_id) freed the buffering BIO with an unsent ClientHello in it: the state
   * machine, still at writing it, finds nothing left to flush and moves on from TLS_ST_CW_CLNT_HELLO, which
   * with a TLS 1.3 method is an internal error (FINDINGS F110). SSL_clear drops it with the state machine.
   */
  readonly helloDropped: boolean;
  /** The peer's next handshake flight, while the two carry a handshake on by reads. */
  readonly peerFlight: PeerFlight | null;
  /**
   * SSL_set_session or SSL_copy_session_id after version negotiation ran
   * SSL_set_ssl_method, whose ssl3_free/ssl3_new threw the connection's read
   * state away: any record read later is a fatal error (FINDINGS F2).
   */
  readonly methodReset: boolean;
  /**
   * s->method: the ctx's method, or after version negotiation the version's
   * own, named `VERSION:ROLE` (ssl_choose_client_version / _server_version).
   */
  readonly method: string;
  /**
   * The last operation on the SSL's BIO was a read that would block, so its
   * retry flag is still set: a read from a destroyed pair then looks like
   * "retry later" instead of an unexpected EOF (bio_read_intern, FINDINGS F6).
   */
  readonly readBlocked: boolean;
  /**
   * A server `before` whose SSL_read already ran its accept function (SSL_in_before
   * is false): it keeps that handshake function and its shutdown flags at the next attach.
   */
  readonly accepting: boolean;
  /**
   * s->cert holds a server certificate and key: copied from the ctx by SSL_new and
   * SSL_set_SSL_CTX, from another SSL by SSL_copy_session_id and SSL_dup.
   */
  readonly cert: boolean;
  /**
   * s->tmp_session_id: the legacy session id a TLS 1.3 client expects echoed (its own random id, or a
   * TLS 1.2 session's), or the one a TLS 1.3 server received; '' before any. SSL_clear leaves it (FINDINGS F12).
   */
  readonly tmpSessionId: string;
  /**
   * s->s3.client_random of the last ClientHello this SSL wrote (0 before any). SSL_clear zeroes it, but
   * no read can meet a server flight before the next ClientHello sets it again, so the model leaves it.
   */
  readonly clientRandom: number;
  /** The first SSL_shutdown could not write its close_notify (the BIO pair is gone): s3.alert_dispatch stays set. */
  readonly closeNotifyUnsent: boolean;
  /**
   * That close_notify's record waits in the record layer's write buffer (s->rlayer.wbuf, RECORD_LAYER_write_pending).
   * ssl3_free and ssl3_new (a method reset) clear s3.alert_dispatch but leave the record layer, so the record still
   * waits after `closeNotifyUnsent` is gone; SSL_clear (RECORD_LAYER_clear) drops it. While it waits ssl3_send_alert
   * seals and writes nothing new (FINDINGS F108).
   */
  readonly recordUnsent: boolean;
  /**
   * A record the state machine read with SSL_RECEIVED_SHUTDOWN set was thrown away (F23): ssl3_read_bytes set its
   * length to 0 without marking it read, so it is still the record layer's current one. While the flag stays set,
   * every read of the state machine throws that empty record away again and reads nothing from the BIO; the first
   * read without the flag skips it if it is a handshake record (or a ChangeCipherSpec), the type the state machine
   * asks for, and otherwise fails on it (FINDINGS F120); SSL_clear (RECORD_LAYER_clear) drops it (FINDINGS F113).
   * null when there is none.
   */
  readonly recordThrownAway: ThrownAwayRecord | null;
  /**
   * A client in a TLS 1.2 full handshake wrote its ChangeCipherSpec and Finished: s->enc_write_ctx is set
   * until the handshake ends (then the connection's keys). Its next ClientHello clears it; read only while
   * `handshaking` (bio-pair.ts hasWriteKeys, FINDINGS F98).
   */
  readonly clientWriteKeys: boolean;
  /**
   * s->statem.enc_read_state is ENC_READ_STATE_ALLOW_PLAIN_ALERTS: set when a TLS 1.3 server has written its
   * ServerHello flight and reads with the client's handshake keys, cleared when a server reads the client's
   * Finished (statem_srvr.c, statem_lib.c). Nothing else resets it, SSL_clear and method resets included: an SSL
   * that served a TLS 1.3 flight and never finished that handshake still takes a plaintext alert for an alert
   * once connected with TLS 1.3's method, in either role (record-layer.ts readsAlert, FINDINGS F121).
   */
  readonly plainAlertsAllowed: boolean;
  /**
   * The 2-byte body of a plaintext alert refused on its record header, shorter than the 5-byte header the next
   * read needs, with nothing written after it. ssl3_read_n reads the 2 bytes into s->rlayer.rbuf, finds nothing
   * more and would block (the retry flag set), no error; bytes the peer writes later complete a header that is
   * garbage (ssl3_get_record). 'bio': the bytes still wait in the BIO, lost with the pair but kept by SSL_clear;
   * 'rbuf': a read took them, and SSL_clear (RECORD_LAYER_clear, SSL3_BUFFER_clear) drops them while a new pair
   * does not. null: none (record-layer.ts settleLeftover; checked against 3.0.19, FINDINGS F122).
   */
  readonly shortLeftover: ShortLeftover | null;
  /**
   * s->ext.extra_tickets_expected: NewSessionTickets SSL_new_session_ticket asked for and not yet made. Nothing
   * resets it, SSL_clear included: a count left from before a clear goes into the next handshake's tickets
   * (src/handshake/new-session-ticket.ts; checked against 3.0.19).
   */
  readonly extraTickets: number;
  /** s->sent_tickets: the TLS 1.3 tickets this server made since its handshake (SSL_clear resets it). */
  readonly sentTickets: number;
  /**
   * The SSL is in init again after its handshake, to write the tickets SSL_new_session_ticket asked for
   * (ossl_statem_set_in_init): SSL_shutdown fails, ssl_clear_bad_session does nothing, and its next
   * SSL_read or SSL_do_handshake writes them (spec §6.6).
   */
  readonly ticketInit: boolean;
  /**
   * In init for good, the requested tickets never written (new-session-ticket.ts; checked against 3.0.19):
   * 'writeFailed': one was made but its write failed (the BIO pair is gone), and each later step retries that
   * write and fails again, whatever happens to the SSL's method; 'accepting': the method was reset first, and the
   * state machine started a new accept (it has counted it, and reads for a ClientHello). null: neither.
   */
  readonly ticketsStuck: 'writeFailed' | 'accepting' | null;
}

/** Protocol data the handshake and reads fill in; never the refcount, the ctx links or the session. */
export type ConnectionFields = Pick<
  SslContext,
  | 'config'
  | 'role'
  | 'handshakeFunc'
  | 'version'
  | 'hit'
  | 'peer'
  | 'link'
  | 'pendingTickets'
  | 'closeNotifiesPending'
  | 'ticketsBehindCloseNotify'
  | 'extraTickets'
  | 'sentTickets'
  | 'ticketInit'
  | 'ticketsStuck'
  | 'undecryptablePending'
  | 'alertPending'
  | 'alertsBehind'
  | 'flightAfterAlert'
  | 'clientHelloPending'
  | 'recordsAfterHello'
  | 'helloUnsent'
  | 'helloDropped'
  | 'peerFlight'
  | 'methodReset'
  | 'method'
  | 'readBlocked'
  | 'accepting'
  | 'cert'
  | 'tmpSessionId'
  | 'clientRandom'
  | 'closeNotifyUnsent'
  | 'recordUnsent'
  | 'recordThrownAway'
  | 'clientWriteKeys'
  | 'plainAlertsAllowed'
  | 'shortLeftover'
  | 'sidCtx'
>;

export type SslEvent =
  | { readonly type: 'UP_REF' | 'FREE'; readonly who: string; readonly line: number }
  | { readonly type: 'ACCESS' }
  | { readonly type: 'HANDSHAKE_DONE'; readonly fields: Partial<ConnectionFields> }
  | { readonly type: 'HANDSHAKE_WAIT'; readonly fields: Partial<ConnectionFields> }
  | { readonly type: 'FATAL'; readonly fields: Partial<ConnectionFields> }
  | { readonly type: 'SHUTDOWN' }
  | { readonly type: 'SET_SHUTDOWN'; readonly flags: number }
  | { readonly type: 'CLEAR' }
  | { readonly type: 'SET_SESSION'; readonly session: string | null; readonly line: number }
  | { readonly type: 'INSTALL_SESSION'; readonly session: string | null }
  | { readonly type: 'SET_CTX'; readonly ctx: string; readonly line: number }
  | { readonly type: 'CONNECTION'; readonly fields: Partial<ConnectionFields> };

export interface SslInput {
  readonly id: string;
  readonly ctx: string;
  readonly sidCtx: string;
  readonly config: SslConfig;
  readonly line: number;
}

type Ev = SslEvent & MachineEvent;
type P = { readonly context: SslContext; readonly event: Ev };

/** SSL_SENT_SHUTDOWN and SSL_RECEIVED_SHUTDOWN. */
const SENT = 1;
const RECEIVED = 2;

/** What SSL_clear resets (spec §3 SSL_clear), the patch of the `resetForClear` update. */
export const CLEARED = {
  hit: false,
  shutdown: 0,
  methodReset: false,
  closeNotifyUnsent: false,
  recordUnsent: false,
  recordThrownAway: null,
  accepting: false,
  helloUnsent: null,
  helloDropped: false,
  sentTickets: 0,
  ticketInit: false,
  ticketsStuck: null,
} as const satisfies Partial<SslContext>;

/** CLEARED for an SSL whose read buffer holds a short leftover: RECORD_LAYER_clear drops it (SslContext.shortLeftover). */
const CLEARED_DROPPING_RBUF = { ...CLEARED, shortLeftover: null } as const satisfies Partial<SslContext>;

/**
 * SSL_clear would change none of the fields of CLEARED: the SSL is as SSL_clear leaves it (src/handshake/clear.ts).
 * Field by field, not a loop over CLEARED's keys: a computed read of a context is V8's slow (megamorphic) path, and
 * every connect asks this of both ends. test/machines/ssl-clear.test.ts holds it to CLEARED.
 */
export function asCleared(c: SslContext): boolean {
  return (
    c.hit === CLEARED.hit &&
    c.shutdown === CLEARED.shutdown &&
    c.methodReset === CLEARED.methodReset &&
    c.closeNotifyUnsent === CLEARED.closeNotifyUnsent &&
    c.recordUnsent === CLEARED.recordUnsent &&
    c.recordThrownAway === CLEARED.recordThrownAway &&
    c.accepting === CLEARED.accepting &&
    c.helloUnsent === CLEARED.helloUnsent &&
    c.helloDropped === CLEARED.helloDropped &&
    c.sentTickets === CLEARED.sentTickets &&
    c.ticketInit === CLEARED.ticketInit &&
    c.ticketsStuck === CLEARED.ticketsStuck &&
    c.shortLeftover !== 'rbuf'
  );
}

/** The effects of SSL_free at refcount 0 (spec §3 SSL_free steps 2-5), in order. */
const teardown = [
  { type: 'releaseSession', params: ({ context }: P) => ({ session: context.session, who: context.holderNames.session }) },
  { type: 'releaseCtx', params: ({ context }: P) => ({ ctx: context.sessionCtx, who: context.holderNames.sessionCtx }) },
  { type: 'releaseCtx', params: ({ context }: P) => ({ ctx: context.ctx, who: context.holderNames.ctx }) },
];

/**
 * ssl_clear_bad_session on the current session: remove it from session_ctx's cache (spec §3), unless the SSL is
 * in init again to write requested tickets (the rule's `!SSL_in_init(s)`): no session then, and the world does nothing.
 */
const clearBadSession = {
  type: 'clearBadSession',
  params: ({ context }: P) => ({ ctx: context.sessionCtx, session: context.ticketInit ? null : context.session }),
};

/** SSL_set_session steps 1, 3, 4 (spec §3): the rule on the old session, +1 on the new, -1 on the old. */
const setSessionEffects = [
  {
    type: 'acquireSession',
    params: ({ context, event }: P) => ({
      session: event.type === 'SET_SESSION' ? event.session : null,
      who: context.holderNames.session,
      line: event.type === 'SET_SESSION' ? event.line : 0,
    }),
  },
  { type: 'releaseSession', params: ({ context }: P) => ({ session: context.session, who: context.holderNames.session }) },
  'setSession',
];

/** tls_finish_handshake: connected, or closed when SSL_set_shutdown already set SENT (spec §3). */
const handshakeDone = [
  { guard: 'sentShutdown', target: 'closed', actions: ['setConnection'] },
  { target: 'connected', actions: ['setConnection'] },
];

/** What SSL_clear does besides the session (spec §3 SSL_clear): reset hit and shutdown. */
const resetForClear = 'resetForClear';

const common = {
  UP_REF: { actions: ['addHolder'] },
  ACCESS: {},
  INSTALL_SESSION: {
    actions: [
      { type: 'releaseSession', params: ({ context }: P) => ({ session: context.session, who: context.holderNames.session }) },
      'setSession',
    ],
  },
  SET_CTX: {
    actions: [
      {
        type: 'acquireCtx',
        params: ({ context, event }: P) => ({
          ctx: event.type === 'SET_CTX' ? event.ctx : null,
          who: context.holderNames.ctx,
          line: event.type === 'SET_CTX' ? event.line : 0,
        }),
      },
      { type: 'releaseCtx', params: ({ context }: P) => ({ ctx: context.ctx, who: context.holderNames.ctx }) },
      'setCtx',
    ],
  },
  CONNECTION: { actions: ['setConnection'] },
} as const;

export const sslMachine = defineMachine<SslContext, Ev, SslInput>({
  id: 'Ssl',
  initialContext: (input) => ({
    id: input.id,
    holderNames: sslHolderNames(input.id),
    refs: 1,
    holders: Ledger.of('app', input.line),
    config: input.config,
    ctx: input.ctx,
    sessionCtx: input.ctx,
    session: null,
    shutdown: 0,
    hit: false,
    sidCtx: input.sidCtx,
    role: null,
    handshakeFunc: null,
    version: 0,
    peer: null,
    link: 0,
    pendingTickets: NO_TICKETS,
    closeNotifiesPending: 0,
    ticketsBehindCloseNotify: NO_TICKETS_BEHIND,
    undecryptablePending: 0,
    alertPending: null,
    alertsBehind: NO_ALERTS,
    flightAfterAlert: false,
    clientHelloPending: null,
    recordsAfterHello: NO_RECORDS,
    helloUnsent: null,
    helloDropped: false,
    peerFlight: null,
    methodReset: false,
    method: input.config.method,
    readBlocked: false,
    accepting: false,
    cert: input.config.cert,
    tmpSessionId: '',
    clientRandom: 0,
    closeNotifyUnsent: false,
    recordUnsent: false,
    recordThrownAway: null,
    clientWriteKeys: false,
    plainAlertsAllowed: false,
    shortLeftover: null,
    extraTickets: 0,
    sentTickets: 0,
    ticketInit: false,
    ticketsStuck: null,
  }),
  guards: {
    ...refGuards,
    sentShutdown: ({ context }) => (context.shutdown & SENT) !== 0,
    quietShutdown: ({ context }) => context.config.quietShutdown !== 0,
    ticketInit: ({ context }) => context.ticketInit,
    flagsSayNotSent: ({ event }) => event.type === 'SET_SHUTDOWN' && (event.flags & SENT) === 0,
    flagsSaySent: ({ event }) => event.type === 'SET_SHUTDOWN' && (event.flags & SENT) !== 0,
  },
  updates: {
    ...refUpdates,
    setSession: (_c, e) => (e.type === 'SET_SESSION' || e.type === 'INSTALL_SESSION' ? { session: e.session } : {}),
    dropSession: () => ({ session: null }),
    setCtx: (_c, e) => (e.type === 'SET_CTX' ? { ctx: e.ctx } : {}),
    setSent: (c) => ({ shutdown: c.shutdown | SENT }),
    // ssl3_shutdown with s->quiet_shutdown: s->shutdown = SENT | RECEIVED, whatever other bits were set
    setBothShutdown: () => ({ shutdown: SENT | RECEIVED }),
    setShutdown: (_c, e) => (e.type === 'SET_SHUTDOWN' ? { shutdown: e.flags } : {}),
    // SSL_clear resets the method and the state machine (with s->init_buf, so an unsent ClientHello is
    // dropped); the BIO pair (peer, link, what waits in it) stays attached.
    resetForClear: (c) => (c.shortLeftover === 'rbuf' ? CLEARED_DROPPING_RBUF : CLEARED),
    // The fields are the patch itself (both engines copy a patch into the context, neither keeps it).
    setConnection: (_c, e) =>
      e.type === 'CONNECTION' || e.type === 'HANDSHAKE_DONE' || e.type === 'HANDSHAKE_WAIT' || e.type === 'FATAL'
        ? e.fields
        : {},
  },
  signals: ['fault', 'clearBadSession', 'acquireSession', 'releaseSession', 'acquireCtx', 'releaseCtx'],
  config: {
    initial: 'before',
    states: {
      before: {
        on: {
          ...common,
          FREE: freeTransitions({ target: 'freed', actions: teardown }),
          HANDSHAKE_DONE: handshakeDone,
          HANDSHAKE_WAIT: { target: 'handshaking', actions: ['setConnection'] },
          FATAL: { target: 'failed', actions: ['setConnection'] },
          SHUTDOWN: {}, // spec §3: SSL_shutdown while in init returns -1 and sets nothing
          SET_SHUTDOWN: { actions: ['setShutdown'] },
          CLEAR: { actions: [resetForClear] },
          SET_SESSION: { actions: setSessionEffects },
        },
      },
      // In init mid-handshake: the state machine ran and waits for the peer's next flight, which may never
      // come (a stall) or come in a later read (FINDINGS F17). Like `failed`, no bad-session rule.
      handshaking: {
        on: {
          ...common,
          FREE: freeTransitions({ target: 'freed', actions: teardown }),
          HANDSHAKE_DONE: handshakeDone,
          HANDSHAKE_WAIT: { actions: ['setConnection'] },
          FATAL: { target: 'failed', actions: ['setConnection'] },
          SHUTDOWN: {},
          SET_SHUTDOWN: { actions: ['setShutdown'] },
          CLEAR: { target: 'before', actions: [resetForClear] },
          SET_SESSION: { actions: setSessionEffects },
        },
      },
      connected: {
        on: {
          ...common,
          FREE: freeTransitions({ target: 'freed', actions: [clearBadSession, ...teardown] }),
          // spec §3 ssl3_shutdown: a quiet shutdown sets both flags and sends nothing; else close_notify is sent
          SHUTDOWN: [
            { guard: 'ticketInit' }, // SSL_shutdown in init (tickets to write): -1, nothing set
            { guard: 'quietShutdown', target: 'closed', actions: ['setBothShutdown'] },
            { target: 'closed', actions: ['setSent'] },
          ],
          SET_SHUTDOWN: [{ guard: 'flagsSaySent', target: 'closed', actions: ['setShutdown'] }, { actions: ['setShutdown'] }],
          // spec §3 SSL_clear: a bad session is removed, marked and dropped; the SSL starts over. In init to write
          // requested tickets, ssl_clear_bad_session does nothing and returns 0: the session is kept.
          CLEAR: [
            { guard: 'ticketInit', target: 'before', actions: [resetForClear] },
            {
              target: 'before',
              actions: [
                clearBadSession,
                { type: 'releaseSession', params: ({ context }: P) => ({ session: context.session, who: context.holderNames.session }) },
                'dropSession',
                resetForClear,
              ],
            },
          ],
          SET_SESSION: { actions: [clearBadSession, ...setSessionEffects] },
          HANDSHAKE_DONE: { actions: [fault('handshake-twice')] },
          // ossl_statem_fatal after the handshake: back in init, in the error state (FINDINGS F2, F6)
          FATAL: { target: 'failed', actions: ['setConnection'] },
        },
      },
      closed: {
        on: {
          ...common,
          FREE: freeTransitions({ target: 'freed', actions: teardown }),
          SHUTDOWN: [{ guard: 'ticketInit' }, { guard: 'quietShutdown', actions: ['setBothShutdown'] }, {}],
          SET_SHUTDOWN: [{ guard: 'flagsSayNotSent', target: 'connected', actions: ['setShutdown'] }, { actions: ['setShutdown'] }],
          // A clean connection keeps its session for the next handshake (spec §3 SSL_clear).
          CLEAR: { target: 'before', actions: [resetForClear] },
          SET_SESSION: { actions: setSessionEffects },
          FATAL: { target: 'failed', actions: ['setConnection'] },
        },
      },
      failed: {
        on: {
          ...common,
          FREE: freeTransitions({ target: 'freed', actions: teardown }),
          SHUTDOWN: {},
          SET_SHUTDOWN: { actions: ['setShutdown'] },
          CLEAR: { target: 'before', actions: [resetForClear] },
          SET_SESSION: { actions: setSessionEffects },
          FATAL: { actions: ['setConnection'] },
        },
      },
      freed: {
        on: { ...freedTransitions, '*': { actions: [fault('use-after-free')] } },
      },
    },
  },
});
