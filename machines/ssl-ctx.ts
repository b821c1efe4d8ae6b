/**
 * SslCtx: the lifecycle of one `SSL_CTX` and the structure of its session cache.
 *
 * The OpenSSL contract (spec §1.3, §1.5, §4):
 * - `SSL_CTX_new` gives refcount 1; every SSL holds two more (§1.3), so the
 *   context, and its cache, outlive `SSL_CTX_free` while SSLs remain (§10 M6).
 * - At refcount 0, `SSL_CTX_free` first flushes the whole cache
 *   (`SSL_CTX_flush_sessions(ctx, 0)`: remove_cb for every session, tail first),
 *   then frees the rest (§4 SSL_CTX_free). Here: `destroying` while the world
 *   runs that flush, then `freed`.
 * - The cache is an lhash keyed by (ssl_version, session id) plus a doubly
 *   linked list sorted by expiry (`calc_timeout`), head = latest (§1.5). The
 *   cache holds one reference per session (§1.2), taken and dropped by the
 *   cache procedures of `src/cache/`, which drive this machine's primitive
 *   events: `LH_INSERT`, `LH_DELETE`, `LIST_ADD`, `LIST_REMOVE`.
 * - `sess_number` is the lhash's item count, not the list length (§1.5).
 */
import { defineMachine, type MachineEvent } from './kit/definition.ts';
import { type CtxHolderNames, ctxHolderNames } from './holders.ts';
import { Ledger } from './ledger.ts';
import { type Counted, fault, freedTransitions, freeTransitions, refGuards, refUpdates } from './refcount.ts';
import { DOWN_LOAD, keyHash, LHash } from './lhash.ts';
import { SessionList } from './session-list.ts';
import type { Expiry } from './session-timeout.ts';
import { SSL_OP_ENABLE_MIDDLEBOX_COMPAT, SSL_OP_NO_COMPRESSION } from './ssl-options.ts';

/**
 * A node of the lhash. `key` is the key the session had when inserted (a later set1_id leaves it stale, §2);
 * `hash` is ssl_session_hash of it, which the node keeps and every lookup compares first (FINDINGS F50).
 */
export interface HashNode {
  readonly key: string;
  readonly sid: string;
  readonly hash: number;
}

export type MethodKind = 'TLS_method' | 'TLS_client_method' | 'TLS_server_method';

/** Settings an application changes with SSL_CTX_set_* (spec §4). */
export interface CtxSettings {
  readonly method: MethodKind;
  readonly mode: number;
  readonly cacheSize: number;
  readonly timeout: number;
  readonly options: number;
  readonly numTickets: number;
  readonly maxEarlyData: number;
  readonly minProto: number;
  readonly maxProto: number;
  /** ctx->quiet_shutdown (SSL_CTX_set_quiet_shutdown, any int; nonzero is on): SSL_new copies it. */
  readonly quietShutdown: number;
  readonly sidCtx: string;
  readonly newCb: string | null;
  readonly removeCb: string | null;
  readonly getCb: string | null;
}

/**
 * The counters of SSL_CTX_ctrl (spec §4 Statistics and sizes), named after their macros (`sess_hits` is
 * SSL_CTX_sess_hits).
 */
export interface CtxStats {
  /** Handshakes started (tls_setup_handshake). */
  readonly connect: number;
  readonly accept: number;
  /** Renegotiations started: the model has none, so nothing counts them and they stay 0 (conform checks libssl's). */
  readonly connect_renegotiate: number;
  readonly accept_renegotiate: number;
  readonly accept_good: number;
  readonly connect_good: number;
  readonly hits: number;
  readonly misses: number;
  readonly timeouts: number;
  readonly cache_full: number;
  readonly cb_hits: number;
}

export interface CtxContext extends Counted, CtxSettings {
  readonly id: string;
  /** The names of the references held on its behalf: its cache's and its external store's (holders.ts). */
  readonly holderNames: CtxHolderNames;
  readonly stats: CtxStats;
  /** The hash table, its buckets and how it has grown (machines/lhash.ts, FINDINGS F53); changed in place. */
  readonly lhash: LHash;
  /** The expiry-sorted list, head (latest expiry) first (machines/session-list.ts); changed in place. */
  readonly list: SessionList;
}

export type CtxEvent =
  | { readonly type: 'UP_REF' | 'FREE'; readonly who: string; readonly line: number }
  | { readonly type: 'ACCESS' }
  | { readonly type: 'DESTROY' }
  | { readonly type: 'CONFIGURE'; readonly settings: Partial<CtxSettings> }
  | { readonly type: 'COUNT'; readonly stat: keyof CtxStats; readonly by?: -1 }
  | { readonly type: 'LH_INSERT'; readonly key: string; readonly sid: string }
  | { readonly type: 'LH_DELETE'; readonly key: string; readonly sid: string; readonly flushing?: boolean }
  | { readonly type: 'LH_REPLACE'; readonly key: string; readonly sid: string; readonly by: string }
  | { readonly type: 'LIST_ADD'; readonly sid: string; readonly expiry: Expiry }
  | { readonly type: 'LIST_REMOVE'; readonly sid: string };

export interface CtxInput {
  readonly id: string;
  readonly method: MethodKind;
  readonly line: number;
}

type Ev = CtxEvent & MachineEvent;

/** SSL_CTX_new's defaults (spec §4 SSL_CTX_new). */
export function defaultSettings(method: MethodKind): CtxSettings {
  return {
    method,
    mode: 0x2, // SSL_SESS_CACHE_SERVER
    cacheSize: 20480, // SSL_SESSION_CACHE_MAX_SIZE_DEFAULT
    timeout: 7200, // tls1_default_timeout; the man page's 300 s is wrong (spec §11.1)
    // SSL_OP_NO_COMPRESSION | SSL_OP_ENABLE_MIDDLEBOX_COMPAT: SSL_CTX_new_ex sets both;
    // the spec's §4 list omits them, the harness returns them from set_options (FINDINGS F4)
    options: SSL_OP_NO_COMPRESSION | SSL_OP_ENABLE_MIDDLEBOX_COMPAT,
    numTickets: 2,
    maxEarlyData: 0,
    minProto: 0,
    maxProto: 0,
    quietShutdown: 0,
    sidCtx: '',
    newCb: null,
    removeCb: null,
    getCb: null,
  };
}

const ZERO_STATS: CtxStats = { connect: 0, accept: 0, connect_renegotiate: 0, accept_renegotiate: 0, accept_good: 0, connect_good: 0, hits: 0, misses: 0, timeouts: 0, cache_full: 0, cb_hits: 0 };

/**
 * A copy of `stats` with one counter moved by `by`: a new object, as state views keep the old one. Written out
 * field by field in ZERO_STATS's order (the JSON's): a spread with a computed key made V8 build a slow copy, at
 * every handshake's two or three counts.
 */
function bumped(stats: CtxStats, stat: keyof CtxStats, by: number): CtxStats {
  const next: { -readonly [K in keyof CtxStats]: number } = {
    connect: stats.connect,
    accept: stats.accept,
    connect_renegotiate: stats.connect_renegotiate,
    accept_renegotiate: stats.accept_renegotiate,
    accept_good: stats.accept_good,
    connect_good: stats.connect_good,
    hits: stats.hits,
    misses: stats.misses,
    timeouts: stats.timeouts,
    cache_full: stats.cache_full,
    cb_hits: stats.cb_hits,
  };
  next[stat] += by;
  return next;
}

/** The patch of an update that changed the table or the list in place. */
const NO_CHANGE: Partial<CtxContext> = Object.freeze({});

const cacheEvents = {
  LH_INSERT: { actions: ['lhInsert'] },
  LH_DELETE: { actions: ['lhDelete'] },
  LH_REPLACE: { actions: ['lhReplace'] },
  LIST_ADD: { actions: ['listAdd'] },
  LIST_REMOVE: { actions: ['listRemove'] },
  COUNT: { actions: ['count'] },
  ACCESS: {},
} as const;

export const sslCtxMachine = defineMachine<CtxContext, Ev, CtxInput>({
  id: 'SslCtx',
  initialContext: (input) => {
    // Written out, not spread: a literal with a spread keeps only the fields before it in the object itself, and
    // every field after it (the settings, the counters, the cache) one load further away.
    const d = defaultSettings(input.method);
    return {
      id: input.id,
      holderNames: ctxHolderNames(input.id),
      refs: 1,
      holders: Ledger.of('app', input.line),
      method: d.method,
      mode: d.mode,
      cacheSize: d.cacheSize,
      timeout: d.timeout,
      options: d.options,
      numTickets: d.numTickets,
      maxEarlyData: d.maxEarlyData,
      minProto: d.minProto,
      maxProto: d.maxProto,
      quietShutdown: d.quietShutdown,
      sidCtx: d.sidCtx,
      newCb: d.newCb,
      removeCb: d.removeCb,
      getCb: d.getCb,
      stats: ZERO_STATS,
      lhash: new LHash(),
      list: new SessionList(),
    };
  },
  guards: { ...refGuards },
  updates: {
    ...refUpdates,
    // The settings are the patch itself (both engines copy a patch into the context, neither keeps it).
    configure: (_c, e) => (e.type === 'CONFIGURE' ? e.settings : {}),
    count: (c, e) => (e.type === 'COUNT' ? { stats: bumped(c.stats, e.stat, e.by ?? 1) } : {}),
    // The table and the list change in place, as the ledger does; an update returns an empty patch.
    // OPENSSL_LH_insert: grow first if the load calls for it, then append to the chain (machines/lhash.ts).
    lhInsert: (c, e) => {
      if (e.type === 'LH_INSERT') c.lhash.insert({ key: e.key, sid: e.sid, hash: keyHash(e.key) });
      return NO_CHANGE;
    },
    // OPENSSL_LH_delete: then shrink if the load fell; a flush sets the down-load to 0 (FINDINGS F53).
    lhDelete: (c, e) => {
      if (e.type === 'LH_DELETE') c.lhash.delete(e.key, e.sid, e.flushing ? 0 : DOWN_LOAD);
      return NO_CHANGE;
    },
    // OPENSSL_LH_insert of an equal key: the node keeps its stored hash and its place in the chain (FINDINGS F51).
    lhReplace: (c, e) => {
      if (e.type === 'LH_REPLACE') c.lhash.replace(e.key, e.sid, e.by);
      return NO_CHANGE;
    },
    listAdd: (c, e) => {
      if (e.type === 'LIST_ADD') c.list.add({ sid: e.sid, expiry: e.expiry });
      return NO_CHANGE;
    },
    listRemove: (c, e) => {
      if (e.type === 'LIST_REMOVE') c.list.remove(e.sid);
      return NO_CHANGE;
    },
  },
  signals: ['fault', 'flushAll'],
  config: {
    initial: 'live',
    states: {
      live: {
        on: {
          ...cacheEvents,
          UP_REF: { actions: ['addHolder'] },
          // spec §4 SSL_CTX_free: at 0, flush(ctx, 0) before anything is freed.
          FREE: freeTransitions({ target: 'destroying', actions: [{ type: 'flushAll', params: {} }] }),
          CONFIGURE: { actions: ['configure'] },
        },
      },
      destroying: {
        on: {
          ...cacheEvents,
          DESTROY: { target: 'freed' },
          FREE: { actions: [fault('double-free')] },
          '*': { actions: [fault('use-after-free')] },
        },
      },
      freed: {
        on: { ...freedTransitions, '*': { actions: [fault('use-after-free')] } },
      },
    },
  },
});
