/**
 * The names references go by in the ledgers (machines/ledger.ts): `ssl:c1`
 * for SSL c1's `s->session`, `ssl:c1/ctx` and `ssl:c1/session_ctx` for its
 * two references on contexts, `cache:sctx` for a session in sctx's cache,
 * `store:sctx` for one in the application's external store of sctx.
 *
 * An object's names are made once, when it is created, and kept in its
 * context (`holderNames`), where whoever takes or releases a reference in
 * its name reads them. A ledger compares the name of every release with its
 * entries, and two copies of one name cost a character-by-character
 * comparison (and a Map lookup a hash of the whole string) where one shared
 * string costs a pointer comparison.
 */

/** The names of the references an SSL holds. */
export interface SslHolderNames {
  /** On its current session (`s->session`). */
  readonly session: string;
  /** On `s->ctx`. */
  readonly ctx: string;
  /** On `s->session_ctx`. */
  readonly sessionCtx: string;
}

/** The names of the references held on behalf of a ctx. */
export interface CtxHolderNames {
  /** The cache's (its hash table's) on each session in it. */
  readonly cache: string;
  /** The application's external store's on each session it owns. */
  readonly store: string;
}

export function sslHolderNames(id: string): SslHolderNames {
  return { session: `ssl:${id}`, ctx: `ssl:${id}/ctx`, sessionCtx: `ssl:${id}/session_ctx` };
}

export function ctxHolderNames(id: string): CtxHolderNames {
  return { cache: `cache:${id}`, store: `store:${id}` };
}
