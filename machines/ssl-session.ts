/**
 * SslSession: the lifecycle of one `SSL_SESSION`.
 *
 * The OpenSSL contract (spec §1.1, §1.2, §2):
 * - `SSL_SESSION_new`, `SSL_SESSION_dup` and `d2i_SSL_SESSION` return a session
 *   with refcount 1 that belongs to the caller; every SSL using it, every
 *   cache holding it, a new-session callback that returned 1 and every
 *   `SSL_get1_session` hold one more.
 * - `SSL_SESSION_free` drops one; at 0 the object is destroyed, **whether or
 *   not a cache still links it** (§2 SSL_SESSION_free): a cache entry then
 *   dangles, and libssl crashes or hangs when it next walks the list (§10 M1).
 * - `not_resumable` is a one-way mark set by `SSL_CTX_remove_session`, flushes
 *   and evictions (§4) and cleared only on internal copies (§2 ssl_session_dup).
 * - `owner` is the raw pointer to the ctx whose cache list links the session;
 *   it is no reference and no guard (§9).
 * - `peer_chain`, the server's certificates a client session keeps from its
 *   full handshake, is copied by `ssl_session_dup` and not encoded by i2d
 *   (§2). A second full handshake on the same object overwrites it without
 *   freeing it (statem_clnt.c tls_process_server_certificate): libssl's own
 *   leak, a `peer-chain-overwritten` fault (FINDINGS F105).
 *
 * States: `live` until the count reaches 0, then `freed`, where every event is
 * a fault (`use-after-free`, or `double-free` for a second free).
 */
import { defineMachine, type MachineEvent } from './kit/definition.ts';
import { Ledger } from './ledger.ts';
import { calculateTimeout, type Expiry } from './session-timeout.ts';
import { type Counted, fault, freedTransitions, freeTransitions, refGuards, refUpdates } from './refcount.ts';

/** A ticket as the model needs it: who can decrypt it and what it encodes. */
export interface Ticket {
  /** The server ctx (session_ctx) whose keys encrypted it, or whose cache a stateful ticket names. */
  readonly issuer: string;
  /** TLS 1.3 stateful ticket: a session id looked up in the server's cache (spec §6.6). */
  readonly stateful: boolean;
  /** The server session a stateless ticket encodes (spec §2 i2d: what is encoded), or the id a stateful one names. */
  readonly state: EncodedSession;
  /**
   * The NewSessionTicket's ticket_lifetime_hint, which the client keeps as its session's tick_lifetime_hint
   * (statem_clnt.c tls_process_new_session_ticket). The server only writes it (create_ticket_prequel): its own
   * session keeps none.
   */
  readonly lifetimeHint: number;
}

/** The fields `i2d_SSL_SESSION` encodes (spec §2): not `not_resumable`, not the cache links. */
export interface EncodedSession {
  readonly sessionId: string;
  readonly sidCtx: string;
  readonly version: number;
  readonly time: number;
  readonly timeout: number;
  readonly cipher: boolean;
  /**
   * s->session->peer is set: the server certificate a client stored in a full handshake
   * (tls_process_server_certificate), copied by dup and d2i (FINDINGS F101).
   */
  readonly peer: boolean;
  readonly ticket: Ticket | null;
  readonly tickLifetimeHint: number;
  readonly maxEarlyData: number;
  /**
   * The master secret, by identity: the model's id of the session whose full
   * handshake made it, shared by both ends and every copy (dup, d2i, ticket);
   * '' for none (SSL_SESSION_new). A TLS <= 1.2 resumption needs the same one
   * on both sides (FINDINGS F40).
   */
  readonly masterKey: string;
}

export interface SessionContext extends Counted, EncodedSession {
  /** The model's id: `s1`, `s2`, … in creation order. */
  readonly id: string;
  readonly notResumable: boolean;
  /** The ctx whose cache list links this session (OpenSSL's `owner`), or null. */
  readonly owner: string | null;
  /**
   * `peer_chain`: the line of the full handshake whose server Certificate gave this client session its chain
   * (a dup keeps its source's), or 0 for none (SSL_SESSION_new, d2i, every server session: the model's
   * clients send no certificate).
   */
  readonly peerChain: number;
}

export type SessionEvent =
  | { readonly type: 'UP_REF' | 'FREE'; readonly who: string; readonly line: number }
  | { readonly type: 'ACCESS' }
  | { readonly type: 'TRANSFER'; readonly from: string; readonly to: string; readonly line: number }
  | { readonly type: 'MARK_NOT_RESUMABLE' }
  | { readonly type: 'MARK_RESUMABLE' }
  | { readonly type: 'LINK'; readonly owner: string }
  | { readonly type: 'UNLINK' }
  | { readonly type: 'SET_TIME'; readonly time: number }
  | { readonly type: 'SET_TIMEOUT'; readonly timeout: number }
  | { readonly type: 'SET_ID'; readonly sessionId: string }
  | { readonly type: 'SET_SID_CTX'; readonly sidCtx: string }
  | { readonly type: 'PEER_CERTIFICATE'; readonly line: number }
  | { readonly type: 'FILL'; readonly fields: Partial<EncodedSession> };

export interface SessionInput {
  readonly id: string;
  /** Who holds the first reference (the caller of SSL_SESSION_new, or an SSL for a handshake session). */
  readonly who: string;
  readonly line: number;
  readonly fields: EncodedSession;
  readonly notResumable?: boolean;
  /** ssl_session_dup copies the source's chain (spec §2: "Up-refs peer and peer_chain"). */
  readonly peerChain?: number;
}

/** SSL_SESSION_new's defaults (spec §2): no id, no ticket, version 0, timeout 304 s. */
export function freshSessionFields(now: number): EncodedSession {
  return {
    sessionId: '',
    sidCtx: '',
    version: 0,
    time: now,
    timeout: 304, // spec §2 SSL_SESSION_new: "5 minute" default, 60*5+4
    cipher: false,
    peer: false,
    ticket: null,
    tickLifetimeHint: 0,
    maxEarlyData: 0,
    masterKey: '',
  };
}

type Ev = SessionEvent & MachineEvent;

/** The fault of an overwritten peer chain, with the line of the handshake that gave the old one (its cause). */
const peerChainOverwritten = {
  type: 'fault',
  params: ({ context }: { context: SessionContext }) => ({ kind: 'peer-chain-overwritten', chainLine: context.peerChain }),
} as const;

export const sslSessionMachine = defineMachine<SessionContext, Ev, SessionInput>({
  id: 'SslSession',
  // Every field written out, in one fixed order (the encoded ones in EncodedSession's): a spread of
  // `fields` built the context key by key, and sessions are the objects a run creates most.
  initialContext: ({ id, who, line, fields, notResumable, peerChain }) => ({
    id,
    refs: 1,
    holders: Ledger.of(who, line),
    notResumable: notResumable ?? false,
    owner: null,
    sessionId: fields.sessionId,
    sidCtx: fields.sidCtx,
    version: fields.version,
    time: fields.time,
    timeout: fields.timeout,
    cipher: fields.cipher,
    peer: fields.peer,
    ticket: fields.ticket,
    tickLifetimeHint: fields.tickLifetimeHint,
    maxEarlyData: fields.maxEarlyData,
    masterKey: fields.masterKey,
    peerChain: peerChain ?? 0,
  }),
  guards: {
    ...refGuards,
    // TRANSFER relabels a reference; only a real holder can hand one over.
    transferrerHolds: ({ context, event }) => event.type === 'TRANSFER' && context.holders.holds(event.from),
    holdsPeerChain: ({ context }) => context.peerChain !== 0,
  },
  updates: {
    ...refUpdates,
    // The giver's latest entry becomes the receiver's, in place: the count does not change.
    transfer: (c, e) => {
      if (e.type === 'TRANSFER') c.holders.relabel(e.from, e.to, e.line);
      return {};
    },
    adoptUnbacked: (c, e) => {
      if (e.type === 'TRANSFER') c.holders.add(e.to, e.line);
      return {};
    },
    markNotResumable: () => ({ notResumable: true }),
    markResumable: () => ({ notResumable: false }),
    link: (_c, e) => (e.type === 'LINK' ? { owner: e.owner } : {}),
    unlink: () => ({ owner: null }),
    setTime: (_c, e) => (e.type === 'SET_TIME' ? { time: e.time } : {}),
    setTimeout: (_c, e) => (e.type === 'SET_TIMEOUT' ? { timeout: e.timeout } : {}),
    setId: (_c, e) => (e.type === 'SET_ID' ? { sessionId: e.sessionId } : {}),
    setSidCtx: (_c, e) => (e.type === 'SET_SID_CTX' ? { sidCtx: e.sidCtx } : {}),
    storePeerCertificate: (_c, e) => (e.type === 'PEER_CERTIFICATE' ? { peer: true, peerChain: e.line } : {}),
    // Handshake data only: the lifecycle fields (refs, holders, owner, not_resumable) never change through FILL.
    fill: (_c, e) => (e.type === 'FILL' ? pickEncoded(e.fields) : {}),
  },
  signals: ['fault'],
  config: {
    initial: 'live',
    states: {
      live: {
        on: {
          UP_REF: { actions: ['addHolder'] },
          FREE: freeTransitions({ target: 'freed', actions: [] }),
          ACCESS: {},
          // A hand-over by a party that holds nothing (get_session_cb with *copy = 0 and no up-ref, P3): the
          // receiver believes it owns a reference the count does not contain.
          TRANSFER: [{ guard: 'transferrerHolds', actions: ['transfer'] }, { actions: [fault('bad-transfer'), 'adoptUnbacked'] }],
          MARK_NOT_RESUMABLE: { actions: ['markNotResumable'] },
          MARK_RESUMABLE: { actions: ['markResumable'] },
          LINK: { actions: ['link'] },
          UNLINK: { actions: ['unlink'] },
          SET_TIME: { actions: ['setTime'] },
          SET_TIMEOUT: { actions: ['setTimeout'] },
          SET_ID: { actions: ['setId'] },
          SET_SID_CTX: { actions: ['setSidCtx'] },
          FILL: { actions: ['fill'] },
          // A client's full handshake stores the server's Certificate: `peer` (FINDINGS F101) and `peer_chain`,
          // whose old value tls_process_server_certificate never frees (FINDINGS F105).
          PEER_CERTIFICATE: [
            { guard: 'holdsPeerChain', actions: [peerChainOverwritten, 'storePeerCertificate'] },
            { actions: ['storePeerCertificate'] },
          ],
        },
      },
      freed: {
        on: { ...freedTransitions, '*': { actions: [fault('use-after-free')] } },
      },
    },
  },
});

/**
 * The encoded fields a FILL gives, and no other (a FILL never reaches refs, holders, owner or not_resumable).
 * Written out field by field rather than a loop over the names with `in` and a computed store: FILL is the
 * session update a handshake sends most, and the loop built each patch through V8's generic paths. A field
 * is given when it is not undefined (no encoded field ever is): an `in` test on patches of many shapes cost
 * four times a read (bench/HISTORY.md session 14).
 */
function pickEncoded(f: Partial<EncodedSession>): Partial<EncodedSession> {
  const out: { -readonly [K in keyof EncodedSession]?: EncodedSession[K] } = {};
  if (f.sessionId !== undefined) out.sessionId = f.sessionId;
  if (f.sidCtx !== undefined) out.sidCtx = f.sidCtx;
  if (f.version !== undefined) out.version = f.version;
  if (f.time !== undefined) out.time = f.time;
  if (f.timeout !== undefined) out.timeout = f.timeout;
  if (f.cipher !== undefined) out.cipher = f.cipher;
  if (f.peer !== undefined) out.peer = f.peer;
  if (f.ticket !== undefined) out.ticket = f.ticket;
  if (f.tickLifetimeHint !== undefined) out.tickLifetimeHint = f.tickLifetimeHint;
  if (f.maxEarlyData !== undefined) out.maxEarlyData = f.maxEarlyData;
  if (f.masterKey !== undefined) out.masterKey = f.masterKey;
  return out;
}

/** spec §2 SSL_SESSION_is_resumable: `!not_resumable && (session_id_length > 0 || ticklen > 0)`. */
export function isResumable(s: SessionContext): boolean {
  return !s.notResumable && (s.sessionId.length > 0 || s.ticket !== null);
}

/** spec §1.5 ssl_session_calculate_timeout: when the session expires (session-timeout.ts). */
export function expiryOf(s: Pick<SessionContext, 'time' | 'timeout'>): Expiry {
  return calculateTimeout(s.time, s.timeout);
}

/** spec §1.5: the lhash key is (ssl_version, session id). */
export function cacheKey(s: Pick<SessionContext, 'version' | 'sessionId'>): string {
  return `${s.version}:${s.sessionId}`;
}

/** The fields i2d encodes, read off a session (spec §2). */
export function encode(s: SessionContext): EncodedSession {
  return {
    sessionId: s.sessionId,
    sidCtx: s.sidCtx,
    version: s.version,
    time: s.time,
    timeout: s.timeout,
    cipher: s.cipher,
    peer: s.peer,
    ticket: s.ticket,
    tickLifetimeHint: s.tickLifetimeHint,
    maxEarlyData: s.maxEarlyData,
    masterKey: s.masterKey,
  };
}
