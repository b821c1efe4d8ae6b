/**
 * The cache's expiry-sorted list links (spec §1.5, §9).
 *
 * A session has one pair of links and an `owner` pointer. `SSL_SESSION_list_remove`
 * compares the links with the given context's sentinels; when the session is
 * linked into another context's list the comparison is wrong and the unlink
 * writes into the wrong context: the cross-context misuse of §9 (P6).
 */
import { expiryOf } from '../../machines/ssl-session.ts';
import { makeDiagnostic } from '../world/diagnostics.ts';
import type { World } from '../world/world.ts';

/** SSL_SESSION_list_remove(ctx, s). */
export function listRemove(world: World, ctx: string, sid: string): void {
  const owner = world.session(sid).owner;
  if (owner === null) {
    // A session destroyed while (or before being) linked keeps no owner in the model, but its list node
    // is still in ctx's list: the unlink writes through freed memory (undefined behaviour, reported where
    // the session was touched); dropping the node keeps every walk finite (FINDINGS F3).
    if (world.isFreed('session', sid) && world.ctx(ctx).list.holds(sid)) world.sendCtx(ctx, { type: 'LIST_REMOVE', sid });
    return; // not linked: nothing to do (next/prev are NULL)
  }
  if (owner !== ctx) reportCrossContext(world, ctx, sid, owner);
  // Same ctx: a clean unlink. Another ctx (undefined behaviour): the splice of §9's
  // "middle of A" case, the only one that leaves a usable list to continue with.
  world.sendCtx(owner, { type: 'LIST_REMOVE', sid });
  world.sendSession(sid, { type: 'UNLINK' });
}

/** SSL_SESSION_list_add(ctx, s): unlink if linked, sorted insert, owner = ctx. */
export function listAdd(world: World, ctx: string, sid: string): void {
  listRemove(world, ctx, sid);
  world.sendCtx(ctx, { type: 'LIST_ADD', sid, expiry: expiryOf(world.session(sid)) });
  world.sendSession(sid, { type: 'LINK', owner: ctx });
}

function reportCrossContext(world: World, ctx: string, sid: string, owner: string): void {
  world.report(
    makeDiagnostic(
      'cross-context',
      world.line,
      `${world.describe(sid)} is linked into the cache list of ${owner}, and the cache of ${ctx} relinks it`,
      `${owner}'s hash table keeps the session and its reference while its list loses it or is corrupted: depending on where the session sat in ${owner}'s list, 3.0.19 later segfaults or aborts in SSL_CTX_free(${owner}) or SSL_CTX_free(${ctx}), hangs, or silently leaks ${owner}'s reference (spec §9).`,
      { line: world.infoOf('session', sid)?.createdLine ?? 0, what: `the session was created here; it was cached by ${owner} first` },
    ),
  );
}
