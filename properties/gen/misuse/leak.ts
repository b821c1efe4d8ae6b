/**
 * leak (P9): the generated teardown with one release left out. Only a release
 * whose reference is unambiguous (the one an SSL_new, SSL_CTX_new or owned
 * session variable took, never up-ref'd, and no up-ref'd variable on the same
 * session) is left out, so the leak must be reported at the line that
 * acquired it: the runner reports every reference still owned at the end with
 * its acquiring line as the diagnostic's line (src/run/ownership.ts).
 */
import { pick } from '../app-model.ts';
import { sessionNew } from '../calls.ts';
import type { Program } from '../program.ts';
import { ownedSessions } from '../queries.ts';
import { planTeardown, type Release, teardown } from '../teardown.ts';
import type { Injection } from './helpers.ts';

/** Can this release be left out with a predictable leak line? */
function unambiguous(p: Program, r: Release): boolean {
  if (r.acquiredLine === null || r.call === 'store_free_all') return false;
  if (r.call !== 'SSL_SESSION_free') return true;
  // Another variable on the same object that was up-ref'd releases its references by the latest line first,
  // which could be this variable's: keep the bookkeeping of the ledger out of the prediction.
  const mine = ownedSessions(p).find((s) => s.name === r.name)!;
  return ownedSessions(p).every((s) => s.id !== mine.id || s.acquisitions === 1);
}

export function leak(p: Program, q: number): Injection {
  const candidates = () =>
    planTeardown(p)
      .map((r, i) => [r, i] as const)
      .filter(([r]) => unambiguous(p, r));
  if (candidates().length === 0) sessionNew(p);
  const [release, index] = pick(candidates(), q)!;
  teardown(p, index);
  return { from: release.acquiredLine!, line: release.acquiredLine! };
}
