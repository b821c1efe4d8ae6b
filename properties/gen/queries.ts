/**
 * What the application may legally touch right now: the app model's records
 * filtered by the rules of a careful program, with the state libssl decides
 * read off the shadow world.
 */
import type { CtxRecord, Role, SessionRecord, SslRecord } from './app-model.ts';
import type { Program } from './program.ts';

/** A context the application still holds a reference to (only those may be passed to calls). */
export function usableCtxs(p: Program, role: Role | null = null): CtxRecord[] {
  return p.app.ctxs.filter((c) => c.appRefs > 0 && (role === null || c.role === 'any' || role === 'any' || c.role === role));
}

/** An SSL the application holds a reference to. SSL references belong to the application alone, so it is alive. */
export function usableSsls(p: Program): SslRecord[] {
  return p.app.ssls.filter((s) => s.appRefs > 0);
}


/** `before`, `handshaking`, `connected`, `closed`, `failed` or `freed` (machines/ssl.ts). */
export function sslState(p: Program, ssl: SslRecord): string {
  return p.world.stateOf('ssl', ssl.id);
}

/**
 * Can this SSL be the client (or server) of a handshake? `connect` refuses an
 * SSL whose current ctx was made with the other side's method.
 */
export function canPlay(p: Program, ssl: SslRecord, role: 'client' | 'server'): boolean {
  const method = p.world.ctx(p.world.ssl(ssl.id).ctx).method;
  return role === 'client' ? method !== 'TLS_server_method' : method !== 'TLS_client_method';
}

/** SSLs that have not started a handshake (new, or SSL_clear'ed) and can play `role`. */
export function freshSsls(p: Program, role: 'client' | 'server', except: SslRecord | null = null): SslRecord[] {
  return usableSsls(p).filter((s) => s !== except && sslState(p, s) === 'before' && canPlay(p, s, role));
}

/**
 * May this session variable be passed to a call? Owned: while the application
 * still holds its reference. Borrowed: only while the SSL it came from is
 * alive and still holds that very session (spec §3 SSL_get_session, R3).
 */
export function sessionUsable(p: Program, s: SessionRecord): boolean {
  // After a misuse the model may have destroyed what a variable names; a buggy program goes on using it
  // (FINDINGS F3 was the model's flush looping forever over such a session). Legal programs never do.
  if (s.owned) return s.refs > 0;
  const from = p.app.ssls.find((r) => r.id === s.borrowedFrom);
  return from !== undefined && from.appRefs > 0 && p.world.ssl(from.id).session === s.id;
}

export function usableSessions(p: Program): SessionRecord[] {
  return p.app.sessions.filter((s) => sessionUsable(p, s));
}

/** Owned session variables that still hold a reference: what SSL_SESSION_free may release. */
export function ownedSessions(p: Program): SessionRecord[] {
  return p.app.sessions.filter((s) => s.owned && s.refs > 0);
}

/** Is the session linked in, or hashed by, any context's cache? */
export function cachedAnywhere(p: Program, sid: string): boolean {
  for (const [, snap] of p.world.ctxs) {
    if (snap.value === 'freed') continue;
    if (snap.context.list.holds(sid) || snap.context.lhash.holds(sid)) return true;
  }
  return false;
}

/**
 * May the application add this session to ctx's cache? Only if no other
 * context's cache holds it: a session has one pair of list links (spec §9,
 * the documented "one SSL_SESSION, one SSL_CTX" rule).
 */
export function addableTo(p: Program, sid: string, ctx: string): boolean {
  const s = p.world.session(sid);
  if (s.owner !== null && s.owner !== ctx) return false;
  for (const [id, snap] of p.world.ctxs) {
    if (id === ctx || snap.value === 'freed') continue;
    if (snap.context.lhash.holds(sid) || snap.context.list.holds(sid)) return false;
  }
  return true;
}
