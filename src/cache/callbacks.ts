/**
 * The three session callbacks: how libssl calls them (spec §5) and the named
 * behaviours a trace installs, which stand for real applications' callbacks,
 * the broken ones of misuse patterns P2, P3 and P4 included.
 *
 * The application's external store (one per context, keyed by session id)
 * is what `new_cb_store` fills, `remove_cb_evict_store` prunes and the
 * `get_cb_store_*` behaviours serve from.
 */
import { makeDiagnostic } from '../world/diagnostics.ts';
import type { World } from '../world/world.ts';
import { ACCESS } from '../../machines/refcount.ts';

const removeVia = (ctx: string) => ({ kind: 'callback', cb: 'remove', ctx, describe: `remove_session_cb of ${ctx}` }) as const;

/**
 * remove_session_cb(ctx, sess): a borrowed pointer; the cache's reference, if any, is still held (spec §5).
 * `lockHeldBy`: the flush or eviction that calls it holding ctx's write lock (spec §5, paths 2 and 3), or null.
 */
export function callRemoveCb(world: World, ctx: string, sid: string, lockHeldBy: string | null): void {
  const behaviour = world.ctx(ctx).removeCb;
  if (behaviour === null) return;
  // A destroyed session (a flush reaching a dangling entry) has no count to report: the harness's
  // callback dies reading it (ASan), so there is no event to record (F52).
  if (!world.isFreed('session', sid)) world.events.push({ cb: 'remove', ctx, sess: sid, refs: world.session(sid).refs });
  world.within(removeVia(ctx), () => {
    if (behaviour === 'remove_cb_evict_store') evictFromStore(world, ctx, sid);
    else if (behaviour === 'remove_cb_free') world.sendSession(sid, { type: 'FREE', who: 'remove_cb', line: 0 });
    else if (behaviour === 'remove_cb_remove') removeFromCallback(world, ctx, sid, lockHeldBy);
    // remove_cb_log only looks.
  });
}

/**
 * remove_cb_remove: SSL_CTX_remove_session(ctx, sess) from inside the callback (misuse P10, Traffic Server #1386).
 * remove_session_lock reads the id's length (non-zero: the session was just removed by it), then takes the lock:
 * - under a flush or an eviction the thread holds it already; glibc's rwlock refuses its owner a second write lock
 *   (EDEADLK), CRYPTO_THREAD_write_lock returns 0 and so does the call, having done nothing (spec §5: "deadlock or
 *   error"; the harness shows the error);
 * - otherwise the entry is gone, so the call marks the session and calls remove_cb again, which calls it again:
 *   the recursion ends in a stack overflow (ASan: stack-overflow).
 */
function removeFromCallback(world: World, ctx: string, sid: string, lockHeldBy: string | null): void {
  world.sendSession(sid, ACCESS); // c->session_id_length
  const name = world.describe(sid);
  const diagnostic = lockHeldBy !== null
    ? makeDiagnostic(
        'callback-contract',
        world.line,
        `remove_session_cb of ${ctx} calls SSL_CTX_remove_session(${ctx}, ${name}) while ${lockHeldBy} holds ${ctx}'s lock`,
        'The nested call cannot take the write lock its own thread holds: glibc refuses it (EDEADLK) and the call returns 0 without doing anything; ' +
          'a lock that does not detect this deadlocks. From SSL_CTX_remove_session, where the lock is not held (an explicit removal, the bad-session rule, ' +
          'an expired lookup, a fatal alert), the same callback recurses until the stack overflows (spec §5; Traffic Server #1386).',
        null,
        ['crash', 'hang'],
      )
    : {
        ...makeDiagnostic(
          'callback-contract',
          world.line,
          `remove_session_cb of ${ctx} calls SSL_CTX_remove_session(${ctx}, ${name}), which calls remove_session_cb again: the recursion never ends`,
          'SSL_CTX_remove_session calls remove_session_cb after releasing the lock and whether or not it found the session (spec §4, §5), so each nested ' +
            'call finds nothing, marks the session and calls the callback again, until the stack overflows: a crash (Traffic Server #1386), ' +
            'or a hang for as long as the stack takes to fill.',
          null,
          // The conformance harness's watchdog may stop a slow machine's recursion before the stack overflows.
          ['crash', 'hang'],
        ),
        undefinedBehaviour: true as const,
      };
  world.report({ ...diagnostic, subject: `remove-cb-reentry:${ctx}` });
}

/**
 * The correct external-cache remove callback: forget the entry with the
 * session's id, free the store's reference. A store is keyed by id, so the
 * entry may hold another object with that id (remove_session_lock passes its
 * argument, which need not be the cached object: a dup of it, spec §4).
 */
function evictFromStore(world: World, ctx: string, sid: string): void {
  const store = world.stores.get(ctx);
  const key = world.session(sid).sessionId;
  const entry = store?.get(key);
  if (!store || !entry) return;
  store.delete(key);
  if (entry.owned) world.sendSession(entry.sid, { type: 'FREE', who: world.ctx(ctx).holderNames.store, line: entry.line });
}

/**
 * new_session_cb(ssl, sess) as ssl_update_cache calls it (spec §5, §6.4): the
 * library takes a reference for the callback first; a return of 1 gives it to
 * the application, 0 makes the library drop it.
 */
export function callNewCb(world: World, ssl: string, sessionCtx: string, sid: string): void {
  const behaviour = world.ctx(sessionCtx).newCb;
  if (behaviour === null) return;
  world.sendSession(sid, { type: 'UP_REF', who: 'new_cb', line: world.line });
  const refs = world.session(sid).refs;
  const ret = runNewCb(world, behaviour, sessionCtx, sid);
  world.events.push({ cb: 'new', ssl, sess: sid, refs, ret });
  if (ret === 0) world.sendSession(sid, { type: 'FREE', who: 'new_cb', line: world.line });
}

function runNewCb(world: World, behaviour: string, ctx: string, sid: string): 0 | 1 {
  switch (behaviour) {
    case 'new_cb_store':
      keepInStore(world, ctx, sid, true);
      world.sendSession(sid, { type: 'TRANSFER', from: 'new_cb', to: world.ctx(ctx).holderNames.store, line: world.line });
      return 1;
    case 'new_cb_store_return0':
      keepInStore(world, ctx, sid, false);
      world.report(
        makeDiagnostic(
          'callback-contract',
          world.line,
          `new_session_cb keeps ${world.describe(sid)} in its store but returns 0, so it holds no reference`,
          'The library drops the callback\'s reference right away. The stored pointer stays valid only while a cache or SSL holds the session; after the next removal, flush or SSL_free it dangles and serving it from the store is a use-after-free (spec §10 M8; Traffic Server #7883).',
          null,
        ),
      );
      return 0;
    case 'new_cb_forget_return1':
      world.sendSession(sid, { type: 'TRANSFER', from: 'new_cb', to: 'app', line: world.line });
      world.report(
        makeDiagnostic(
          'callback-contract',
          world.line,
          `new_session_cb returns 1 for ${world.describe(sid)} (it takes the reference) but keeps no pointer to free it with`,
          'The session can never be freed: one leaked SSL_SESSION per new session (spec §10 M9; Node.js #33931).',
          null,
        ),
      );
      return 1;
    default: // new_cb_ignore
      return 0;
  }
}

function keepInStore(world: World, ctx: string, sid: string, owned: boolean): void {
  const store = world.stores.get(ctx);
  if (!store) return;
  const key = world.session(sid).sessionId;
  const old = store.get(key);
  store.set(key, { sid, owned, line: world.line });
  // A correct store replaces an older entry with the same id and frees its reference.
  if (old && old.owned && old.sid !== sid) world.sendSession(old.sid, { type: 'FREE', who: world.ctx(ctx).holderNames.store, line: old.line });
}

/** What get_session_cb returned: a session the library now owns a reference on (or believes it does), or null. */
export interface GetCbResult {
  readonly sid: string | null;
  readonly copy: 0 | 1;
}

/**
 * get_session_cb(ssl, id, len, &copy) (spec §5): `*copy` starts at 1. The
 * library's handling of the result (the not_resumable check, the up-ref for
 * copy = 1, the internal store) is in lookup.ts.
 */
export function callGetCb(world: World, ssl: string, sessionCtx: string, sessionId: string): GetCbResult | null {
  const behaviour = world.ctx(sessionCtx).getCb;
  if (behaviour === null) return null;
  const entry = behaviour === 'get_cb_miss' ? undefined : world.stores.get(sessionCtx)?.get(sessionId);
  const sid = entry?.sid ?? null;
  // *copy as each behaviour leaves it: transfer sets 0 only when it hands a session over; nocopy sets 0
  // before it looks, so a miss says 0 too (conformance/runtime/callbacks.c get_cb_store_nocopy, FINDINGS F54).
  const copy: 0 | 1 = behaviour === 'get_cb_store_nocopy' ? 0 : behaviour === 'get_cb_store_copy' || sid === null ? 1 : 0;
  const via = { kind: 'callback', cb: 'get', ctx: sessionCtx, describe: `get_session_cb of ${sessionCtx}` } as const;
  world.within(via, () => {
    if (sid === null) return;
    world.sendSession(sid, ACCESS); // the stored pointer may dangle (P4)
    // transfer: the application up-refs and hands that reference over (correct);
    // nocopy: it hands over a reference it never took (P3, rust-openssl #996).
    if (behaviour === 'get_cb_store_transfer') world.sendSession(sid, { type: 'UP_REF', who: 'lookup', line: world.line });
    if (behaviour === 'get_cb_store_nocopy') world.sendSession(sid, { type: 'TRANSFER', from: 'get_cb', to: 'lookup', line: world.line });
  });
  world.events.push({ cb: 'get', ssl, ret: sid, copy });
  return { sid, copy };
}
