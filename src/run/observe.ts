/**
 * The state part of a step record: every object ever created, alive or not,
 * in the schema of docs/json-schema.md and conformance/PROTOCOL.md (or a part
 * of them, ViewScope).
 */
import type { CtxStats } from '../../machines/ssl-ctx.ts';
import { isResumable } from '../../machines/ssl-session.ts';
import type { World } from '../world/world.ts';
import type { Variable } from './runner.ts';

export interface StateView {
  readonly sessions: Readonly<Record<string, { refs: number; freed: boolean; resumable: 0 | 1 | null; owner: string | null }>>;
  readonly ssl: Readonly<Record<string, { refs: number; freed: boolean; session: string | null }>>;
  readonly ctx: Readonly<Record<string, CtxView>>;
  readonly handles: Readonly<Record<string, string | null>>;
}

export interface CtxView {
  readonly refs: number;
  readonly freed: boolean;
  readonly cache: readonly string[];
  readonly sess_number: number;
  /**
   * The session counters (machines/ssl-ctx.ts CtxStats, named after their macros), null once freed. Only in the
   * views `sslsim conform` compares (observeState's `counters`): not part of `sslsim run --json`.
   */
  readonly stats?: CtxStats | null;
}

/**
 * Which objects a view lists:
 * - `all`: every object made so far, and the handles (`sslsim run --json`);
 * - `live`: only what `sslsim run`'s table of live objects shows: no freed object, and no handles. A long
 *   trace's view of every object and variable made so far grows with each step, and building it at each
 *   step made the text output of 25,000 calls take minutes;
 * - `freed-once`: the live objects and those freed since the previous view, no handles: what the harness
 *   prints with `--freed-once` (conformance/PROTOCOL.md), for `sslsim conform`. `shown` remembers, per
 *   kind, the freed objects a view has listed (the runner keeps one for the run).
 */
export type ViewScope = { readonly kind: 'all' } | { readonly kind: 'live' } | { readonly kind: 'freed-once'; readonly shown: FreedShown };

/** The freed objects a `freed-once` view has listed, per kind. */
export interface FreedShown {
  readonly session: Set<string>;
  readonly ssl: Set<string>;
  readonly ctx: Set<string>;
}

export function freedShown(): FreedShown {
  return { session: new Set(), ssl: new Set(), ctx: new Set() };
}

const ALL: ViewScope = { kind: 'all' };

/** Is a freed object left out of this view? Under `freed-once`, the first view after its free lists it. */
function skipFreed(scope: ViewScope, kind: keyof FreedShown, id: string): boolean {
  if (scope.kind === 'all') return false;
  if (scope.kind === 'live') return true;
  if (scope.shown[kind].has(id)) return true;
  scope.shown[kind].add(id);
  return false;
}

/**
 * `counters`: add each ctx's session counters, which `sslsim conform` compares with libssl's at every step
 * (conformance/PROTOCOL.md); the records of `sslsim run --json` leave them out (a trace reads them with
 * SSL_CTX_sess_hits and the other counter calls).
 */
export function observeState(world: World, vars: Iterable<readonly [string, Variable]>, counters = false, scope: ViewScope = ALL): StateView {
  const sessions: Record<string, StateView['sessions'][string]> = {};
  for (const [id, snap] of world.sessions) {
    const freed = snap.value === 'freed';
    if (freed && skipFreed(scope, 'session', id)) continue;
    const c = snap.context;
    sessions[id] = { refs: freed ? 0 : c.refs, freed, resumable: freed ? null : isResumable(c) ? 1 : 0, owner: freed ? null : c.owner };
  }
  const ssl: Record<string, StateView['ssl'][string]> = {};
  for (const [id, snap] of world.ssls) {
    const freed = snap.value === 'freed';
    if (freed && skipFreed(scope, 'ssl', id)) continue;
    ssl[id] = { refs: freed ? 0 : snap.context.refs, freed, session: freed ? null : snap.context.session };
  }
  const ctx: Record<string, StateView['ctx'][string]> = {};
  for (const [id, snap] of world.ctxs) {
    const freed = snap.value === 'freed';
    if (freed && skipFreed(scope, 'ctx', id)) continue;
    const c = snap.context;
    const view: CtxView = { refs: freed ? 0 : c.refs, freed, cache: freed ? [] : c.list.entries().map((e) => e.sid), sess_number: freed ? 0 : c.lhash.size };
    ctx[id] = counters ? { ...view, stats: freed ? null : c.stats } : view;
  }
  const handles: Record<string, string | null> = {};
  if (scope.kind === 'all') for (const [name, v] of vars) if (v.kind === 'object' || v.kind === 'null') handles[name] = v.kind === 'object' ? v.id : null;
  return { sessions, ssl, ctx, handles };
}
