/**
 * The compact table of live objects after a step, shared by `sslsim run` and
 * the generated docs: `ctx cctx:3 [s2 s1]  ssl c1:1→s2  session s1:2 s2:2(nr)`.
 *
 * Each kind has its own group, named, because SSL handles and session ids can
 * read alike: session ids are `s1`, `s2`, … in creation order, and a server
 * SSL is as often called `s1` (the issue's own example does).
 */
import type { StateView } from '../run/observe.ts';

export function liveObjects(state: StateView): string {
  const groups = [
    group('ctx', Object.entries(state.ctx).filter(([, c]) => !c.freed).map(([id, c]) => `${id}:${c.refs} [${c.cache.join(' ')}]`)),
    group('ssl', Object.entries(state.ssl).filter(([, s]) => !s.freed).map(([id, s]) => `${id}:${s.refs}${s.session ? `→${s.session}` : ''}`)),
    group('session', Object.entries(state.sessions).filter(([, s]) => !s.freed).map(([id, s]) => `${id}:${s.refs}${s.resumable ? '' : '(nr)'}`)),
  ].filter((g) => g !== null);
  return groups.length ? groups.join('  ') : '(no live objects)';
}

function group(kind: string, entries: string[]): string | null {
  return entries.length ? `${kind} ${entries.join(' ')}` : null;
}
