/**
 * The generated application's own bookkeeping: which variables hold owned
 * references, which are borrowed get0 pointers and from which SSL, which
 * contexts fill the external store. This is what a careful C programmer
 * keeps in their head; the generator emits a call only when this model says
 * it is legal (spec §1.2-§1.4 for who holds what, §3 SSL_get_session for how
 * long a borrow lasts).
 *
 * Object state that libssl decides (is the SSL connected? is the session
 * cached, and where?) is not duplicated here: it is read from the shadow world.
 */
import type { EncodedSession } from '../../machines/ssl-session.ts';

/** Which side an SSL made from this context can play (TLS_method: both). */
export type Role = 'client' | 'server' | 'any';

export interface CtxRecord {
  readonly name: string;
  readonly id: string;
  readonly role: Role;
  /** References the application holds (SSL_CTX_new, SSL_CTX_up_ref); 0 means it may not be used any more. */
  appRefs: number;
  /** References it ever took: 1 means the one it holds is the one SSL_CTX_new gave. */
  acquisitions: number;
  /** new_cb_store was installed at some point: the store may own sessions, so teardown calls store_free_all. */
  storeUsed: boolean;
}

export interface SslRecord {
  readonly id: string;
  /** Every variable naming this SSL (SSL_dup of a connected SSL returns the same one). */
  readonly names: string[];
  appRefs: number;
  /** References it ever took (SSL_new, SSL_up_ref, SSL_dup of a connected SSL). */
  acquisitions: number;
}

/** Where a session came from: the contexts of the connection that made it, to resume against. */
export interface Origin {
  readonly clientCtx: string | null;
  readonly serverCtx: string | null;
}

export interface SessionRecord {
  readonly name: string;
  readonly id: string;
  /** Owned (new, dup, d2i, get1) or borrowed (get0/get_session from `borrowedFrom`). */
  readonly owned: boolean;
  /** Owned references held through this variable (1, plus SSL_SESSION_up_ref); 0 once released. */
  refs: number;
  /** References ever taken through this variable (1 for an owned one, plus up_refs). */
  acquisitions: number;
  readonly borrowedFrom: string | null;
  readonly origin: Origin | null;
}

export interface DerRecord {
  readonly name: string;
  readonly lengthName: string;
  readonly length: number;
  /** What the runner's `&der` variable holds (null for an empty encoding). */
  readonly value: EncodedSession | null;
}

export interface AppModel {
  readonly ctxs: CtxRecord[];
  readonly ssls: SslRecord[];
  readonly sessions: SessionRecord[];
  readonly ders: DerRecord[];
  /** Integer variables holding time(NULL) readings, with the value read. */
  readonly times: { readonly name: string; readonly value: number }[];
}

export function emptyAppModel(): AppModel {
  return { ctxs: [], ssls: [], sessions: [], ders: [], times: [] };
}

/** The element at a plan index, wrapping, or undefined for an empty list. */
export function pick<T>(items: readonly T[], index: number): T | undefined {
  return items.length === 0 ? undefined : items[index % items.length];
}
