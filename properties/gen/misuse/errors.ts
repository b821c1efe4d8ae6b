/**
 * Recipes for the error kinds (spec §10, misuse patterns P1-P7): each finds
 * (or makes) what the misuse needs, with legal calls, then emits the one
 * illegal call (or two, for a free and the release it undermines) and
 * returns the line where, by the spec, the model must report the kind. The
 * preconditions are stated on the model's state, never on its diagnostics.
 */
import { type SslRecord, pick } from '../app-model.ts';
import { constants } from '../args.ts';
import { ctxFree, get0, newCtx, newSsl, sessionFree, sessionNew, setSession, sslFree } from '../calls.ts';
import type { GenArg, Program } from '../program.ts';
import { ownedSessions, sessionUsable, sslState, usableCtxs, usableSessions, usableSsls } from '../queries.ts';
import { appHolds, freshSsl, type Injection, misuse, sessionWithId, someCtx } from './helpers.ts';

/** Marks a connected SSL as having sent close_notify, so releasing its session applies no bad-session rule (§3). */
function markShutDown(p: Program, ssl: SslRecord): void {
  if (sslState(p, ssl) === 'connected') p.call('SSL_set_shutdown', [p.handle(ssl.names[0]!), constants('SSL_SENT_SHUTDOWN')]);
}

/**
 * bad-free (P1, M1; M10 for a context): release a reference the application
 * does not own. r even: SSL_SESSION_free of a get0 pointer to a session the
 * application holds nothing on. r odd: one SSL_CTX_free too many while SSLs
 * still hold the context.
 */
export function badFree(p: Program, q: number, r: number): Injection {
  if (r % 2 === 1) {
    const ctx = someCtx(p, q);
    if (!p.world.ctx(ctx.id).holders.list().some((h) => h.who.startsWith('ssl:'))) newSsl(p, ctx);
    while (ctx.appRefs > 0) ctxFree(p, ctx);
    const line = misuse(p, 'SSL_CTX_free', [p.handle(ctx.name)]);
    return { from: line, line };
  }
  let ssl = pick(
    usableSsls(p).filter((s) => {
      const sid = p.world.ssl(s.id).session;
      return sid !== null && !appHolds(p, sid);
    }),
    q,
  );
  if (!ssl) {
    ssl = freshSsl(p, q);
    const x = sessionNew(p);
    setSession(p, ssl, x);
    sessionFree(p, x);
  }
  const borrowed = get0(p, ssl, 'SSL_get0_session')!;
  const line = misuse(p, 'SSL_SESSION_free', [p.handle(borrowed.name)]);
  return { from: line, line };
}

/** An object the application can destroy by releasing its one reference, and how to name and release it. */
interface Destroyable {
  readonly kind: 'session' | 'ssl' | 'ctx';
  readonly name: string;
  readonly release: () => void;
}

/** r % 3 picks the kind: a session only the application holds, an SSL, a context no SSL holds (new ones if none). */
function destroyable(p: Program, q: number, r: number): Destroyable {
  switch (r % 3) {
    case 0: {
      const s = pick(
        ownedSessions(p).filter((s) => s.refs === 1 && p.world.session(s.id).refs === 1),
        q,
      ) ?? sessionNew(p);
      return { kind: 'session', name: s.name, release: () => sessionFree(p, s) };
    }
    case 1: {
      const ssl = pick(
        usableSsls(p).filter((s) => s.appRefs === 1),
        q,
      ) ?? freshSsl(p, q);
      return { kind: 'ssl', name: ssl.names[0]!, release: () => sslFree(p, ssl) };
    }
    default: {
      const ctx = pick(
        usableCtxs(p).filter((c) => c.appRefs === 1 && p.world.ctx(c.id).refs === 1),
        q,
      ) ?? newCtx(p, 'client');
      return { kind: 'ctx', name: ctx.name, release: () => ctxFree(p, ctx) };
    }
  }
}

const USES: Readonly<Record<Destroyable['kind'], readonly string[]>> = {
  session: ['SSL_SESSION_get_time', 'SSL_SESSION_is_resumable', 'SSL_SESSION_get_timeout', 'SSL_SESSION_up_ref', 'SSL_SESSION_has_ticket'],
  ssl: ['SSL_session_reused', 'SSL_clear', 'SSL_up_ref', 'SSL_get1_session', 'SSL_get_options'],
  ctx: ['SSL_CTX_sess_number', 'SSL_CTX_get_timeout', 'SSL_CTX_up_ref', 'SSL_CTX_get_session_cache_mode', 'SSL_CTX_get_options'],
};

/** use-after-free (M3): destroy an object by releasing its last reference, then pass it to a call. */
export function useAfterFree(p: Program, q: number, r: number): Injection {
  const target = destroyable(p, q, r);
  target.release();
  const uses = USES[target.kind];
  const fn = uses[q % uses.length]!;
  const line = misuse(p, fn, [p.handle(target.name)]);
  return { from: line, line };
}

const FREES: Readonly<Record<Destroyable['kind'], string>> = { session: 'SSL_SESSION_free', ssl: 'SSL_free', ctx: 'SSL_CTX_free' };

/** double-free (M2): release the last reference, then release it again. */
export function doubleFree(p: Program, q: number, r: number): Injection {
  const target = destroyable(p, q, r);
  target.release();
  const line = misuse(p, FREES[target.kind], [p.handle(target.name)]);
  return { from: line, line };
}

const READS = ['SSL_SESSION_get_time', 'SSL_SESSION_is_resumable', 'SSL_SESSION_get_timeout'] as const;

/**
 * stale-borrow (M12, R3): borrow an SSL's session that something else (a
 * cache, a store, another SSL) also holds and the application does not; the
 * SSL lets go of it (SSL_set_session NULL, after close_notify so no
 * bad-session rule); then use the borrowed pointer. The session is alive, so
 * this is a stale borrow, not a use after free.
 */
export function staleBorrow(p: Program, q: number): Injection {
  let ssl = pick(
    usableSsls(p).filter((s) => {
      const sid = p.world.ssl(s.id).session;
      return sid !== null && !appHolds(p, sid) && p.world.session(sid).holders.list().some((h) => h.who !== `ssl:${s.id}`);
    }),
    q,
  );
  if (!ssl) {
    const ctx = someCtx(p, q);
    const x = sessionWithId(p);
    p.call('SSL_CTX_add_session', [p.handle(ctx.name), p.handle(x.name)]);
    ssl = newSsl(p, ctx);
    setSession(p, ssl, x);
    sessionFree(p, x);
  }
  const borrowed = get0(p, ssl, 'SSL_get0_session')!;
  markShutDown(p, ssl);
  setSession(p, ssl, null);
  const line = misuse(p, READS[q % READS.length]!, [p.handle(borrowed.name)]);
  return { from: line, line };
}

/**
 * dangling-cache-entry (M1, P7): a cached session held by exactly one SSL and
 * the cache loses an unbacked reference (a free of a get0 pointer: the bad
 * free); when the SSL lets go, the session is destroyed while the cache still
 * links it. Without such an SSL: a session the application cached and
 * released, freed once more, dies in the cache at that free.
 */
export function danglingCacheEntry(p: Program, q: number): Injection {
  const ssl = pick(
    usableSsls(p).filter((s) => {
      const sid = p.world.ssl(s.id).session;
      if (sid === null) return false;
      const sess = p.world.session(sid);
      const who = sess.holders.list().map((h) => h.who).sort();
      return sess.owner !== null && sess.refs === 2 && who.length === 2 && who[0] === `cache:${sess.owner}` && who[1] === `ssl:${s.id}`;
    }),
    q,
  );
  if (ssl) {
    const borrowed = get0(p, ssl, 'SSL_get0_session')!;
    const from = misuse(p, 'SSL_SESSION_free', [p.handle(borrowed.name)]);
    markShutDown(p, ssl);
    const line = p.nextLine;
    setSession(p, ssl, null);
    return { from, line };
  }
  const ctx = someCtx(p, q);
  const x = sessionWithId(p);
  p.call('SSL_CTX_add_session', [p.handle(ctx.name), p.handle(x.name)]);
  sessionFree(p, x);
  const line = misuse(p, 'SSL_SESSION_free', [p.handle(x.name)]);
  return { from: line, line };
}

/** A handle on a session listed in some context's cache: a usable variable, or a get0 from an SSL holding it. */
function cachedSessionHandle(p: Program, q: number): { handle: GenArg; owner: string } | null {
  const vars = usableSessions(p).filter((s) => p.world.session(s.id).owner !== null);
  const v = pick(vars, q);
  if (v) return { handle: p.handle(v.name), owner: p.world.session(v.id).owner! };
  const ssl = pick(
    usableSsls(p).filter((s) => {
      const sid = p.world.ssl(s.id).session;
      return sid !== null && p.world.session(sid).owner !== null;
    }),
    q,
  );
  if (!ssl) return null;
  const borrowed = get0(p, ssl, 'SSL_get0_session')!;
  return sessionUsable(p, borrowed) ? { handle: p.handle(borrowed.name), owner: p.world.session(borrowed.id).owner! } : null;
}

/** cross-context (M4, P6): SSL_CTX_add_session to B of a session listed in A's cache. */
export function crossContext(p: Program, q: number): Injection {
  const found = cachedSessionHandle(p, q);
  if (found) {
    const other = pick(
      usableCtxs(p).filter((c) => c.id !== found.owner),
      q,
    ) ?? newCtx(p, 'server');
    const line = misuse(p, 'SSL_CTX_add_session', [p.handle(other.name), found.handle]);
    return { from: line, line };
  }
  const a = someCtx(p, q);
  const b = someCtx(p, q + 1, a);
  const x = sessionWithId(p);
  p.call('SSL_CTX_add_session', [p.handle(a.name), p.handle(x.name)]);
  const line = misuse(p, 'SSL_CTX_add_session', [p.handle(b.name), p.handle(x.name)]);
  return { from: line, line };
}

/**
 * callback-contract (P2, P4, P10; M7, M8, M9): r % 4 = 0 or 3, remove_cb_free
 * or remove_cb_remove (which re-enters the cache) and an SSL_CTX_remove_session
 * of a session with an id (remove_cb always runs then, §4); 1 and 2,
 * new_cb_store_return0 or new_cb_forget_return1 on a new server context, then
 * a full handshake with a new client context (TLS 1.3 by default: new_cb per
 * ticket; q odd, TLS 1.2 with SSL_OP_NO_TICKET: new_cb for the session-id
 * session, §5).
 */
export function callbackContract(p: Program, q: number, r: number): Injection {
  if (r % 4 === 0 || r % 4 === 3) {
    const behaviour = r % 4 === 0 ? 'remove_cb_free' : 'remove_cb_remove';
    const ctx = someCtx(p, q);
    const s = pick(
      usableSessions(p).filter((s) => p.world.session(s.id).sessionId !== ''),
      q,
    ) ?? sessionWithId(p);
    const from = misuse(p, 'SSL_CTX_sess_set_remove_cb', [p.handle(ctx.name), { text: behaviour, arg: { kind: 'name', name: behaviour } }]);
    const line = misuse(p, 'SSL_CTX_remove_session', [p.handle(ctx.name), p.handle(s.name)]);
    return { from, line };
  }
  const behaviour = r % 4 === 1 ? 'new_cb_store_return0' : 'new_cb_forget_return1';
  const sctx = newCtx(p, 'server');
  const cctx = newCtx(p, 'client');
  if (q % 2 === 1) {
    p.call('SSL_CTX_set_options', [p.handle(sctx.name), constants('SSL_OP_NO_TICKET')]);
    p.call('SSL_CTX_set_max_proto_version', [p.handle(cctx.name), constants('TLS1_2_VERSION')]);
  }
  const from = misuse(p, 'SSL_CTX_sess_set_new_cb', [p.handle(sctx.name), { text: behaviour, arg: { kind: 'name', name: behaviour } }]);
  const client = newSsl(p, cctx);
  const server = newSsl(p, sctx);
  const line = misuse(p, 'connect', [p.handle(client.names[0]!), p.handle(server.names[0]!)]);
  return { from, line };
}

/**
 * null-dereference (spec §10): SSL_get1_session of an SSL before its first
 * handshake returns NULL, and the result goes unchecked into a function that
 * dereferences it; r picks the function.
 */
export function nullDereference(p: Program, q: number, r: number): Injection {
  const ssl = freshSsl(p, q);
  const name = p.fresh('sess');
  p.call('SSL_get1_session', [p.handle(ssl.names[0]!)], name);
  const x: GenArg = { text: name, arg: { kind: 'null' } }; // the variable holds NULL: Program.handle refuses it
  const line =
    r % 4 === 0
      ? misuse(p, 'SSL_SESSION_up_ref', [x])
      : r % 4 === 1
        ? misuse(p, 'SSL_SESSION_is_resumable', [x])
        : r % 4 === 2
          ? misuse(p, 'SSL_SESSION_dup', [x])
          : misuse(p, 'SSL_CTX_add_session', [p.handle(someCtx(p, q).name), x]);
  return { from: line, line };
}
