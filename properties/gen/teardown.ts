/**
 * The generated teardown: release everything the application still owns, in
 * an order a careful program uses. Every connected SSL sends close_notify
 * (so its session stays resumable, spec §3); then the SSLs are freed, then
 * the external stores new_cb_store filled are emptied (spec §5), then the
 * sessions, then the contexts (whose SSL_CTX_free flushes their caches, §4).
 *
 * The teardown is a list of releases so the leak injection can leave exactly
 * one out.
 */
import { type CtxRecord, type SessionRecord, type SslRecord } from './app-model.ts';
import { ctxFree, sessionFree, shutdown, sslFree, storeFreeAll } from './calls.ts';
import type { Program } from './program.ts';
import { ownedSessions, sslState, usableCtxs, usableSsls } from './queries.ts';

export interface Release {
  readonly call: 'SSL_free' | 'SSL_SESSION_free' | 'SSL_CTX_free' | 'store_free_all';
  readonly name: string;
  /**
   * The line that acquired the reference this release gives back, when that
   * is unambiguous: the object's (or variable's) only reference, never
   * up-ref'd. Leaving such a release out must produce a leak reported at that line.
   */
  readonly acquiredLine: number | null;
  readonly run: () => void;
}

/**
 * Every connected SSL says goodbye first (SSL_shutdown sends close_notify, so
 * its session stays resumable, spec §3), before any SSL is freed: a peer freed
 * first would leave the other side writing to a dead connection.
 */
function shutdownAll(p: Program): void {
  for (const ssl of usableSsls(p)) {
    if (sslState(p, ssl) !== 'connected') continue;
    shutdown(p, ssl);
  }
}

function sslReleases(p: Program, ssl: SslRecord): Release[] {
  const name = ssl.names[0]!;
  const only = ssl.acquisitions === 1 && ssl.appRefs === 1 ? p.lineOf(name) : null;
  return Array.from({ length: ssl.appRefs }, () => ({ call: 'SSL_free' as const, name, acquiredLine: only, run: () => sslFree(p, ssl) }));
}

function sessionReleases(p: Program, s: SessionRecord): Release[] {
  const only = s.acquisitions === 1 && s.refs === 1 ? p.lineOf(s.name) : null;
  return Array.from({ length: s.refs }, () => ({ call: 'SSL_SESSION_free' as const, name: s.name, acquiredLine: only, run: () => sessionFree(p, s) }));
}

function ctxReleases(p: Program, ctx: CtxRecord): Release[] {
  const only = ctx.acquisitions === 1 && ctx.appRefs === 1 ? p.lineOf(ctx.name) : null;
  return Array.from({ length: ctx.appRefs }, () => ({ call: 'SSL_CTX_free' as const, name: ctx.name, acquiredLine: only, run: () => ctxFree(p, ctx) }));
}

/** What the teardown will release, in order, for the program as it stands. */
export function planTeardown(p: Program): Release[] {
  return [
    ...usableSsls(p).flatMap((s) => sslReleases(p, s)),
    // Every store ever filled, even of a context the application already let go: the store is the application's.
    ...p.app.ctxs.filter((c) => c.storeUsed).map((c): Release => ({ call: 'store_free_all', name: c.name, acquiredLine: null, run: () => storeFreeAll(p, c) })),
    ...ownedSessions(p).flatMap((s) => sessionReleases(p, s)),
    ...usableCtxs(p).flatMap((c) => ctxReleases(p, c)),
  ];
}

/** Runs the teardown (shutdowns, then the releases), leaving out the release at index `omit` (for the leak injection) if given. */
export function teardown(p: Program, omit: number | null = null): void {
  const releases = planTeardown(p);
  shutdownAll(p);
  releases.forEach((r, i) => {
    if (i !== omit) r.run();
  });
}
