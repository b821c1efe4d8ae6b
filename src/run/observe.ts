/**
 * The state part of a step record: every object ever created, alive or not,
 * in the schema of docs/json-schema.md and conformance/PROTOCOL.md (or a part
 * of them, ViewScope).
 */
import type { CtxStats } from '../../machines/ssl-ctx.ts';
import { isResumable } from '../../machines/ssl-session.ts';
import type { ObjectKind, World } from '../world/world.ts';
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
 * - `changes`: the objects whose view differs from the one the previous view listed for them (every
 *   object the first time), no handles: what the harness prints with `--changes`
 *   (conformance/PROTOCOL.md), for `sslsim conform`. `shown` keeps, per kind, each object's last listed
 *   view (the runner keeps one for the run).
 */
export type ViewScope = { readonly kind: 'all' } | { readonly kind: 'live' } | { readonly kind: 'changes'; readonly shown: ShownViews };

/** The view a `changes` scope last listed for each object, per kind. */
export interface ShownViews {
  readonly session: Map<string, object>;
  readonly ssl: Map<string, object>;
  readonly ctx: Map<string, object>;
}

export function shownViews(): ShownViews {
  return { session: new Map(), ssl: new Map(), ctx: new Map() };
}

const ALL: ViewScope = { kind: 'all' };

/** Is a freed object left out of this view without building it? Under `live` always; under `changes` once shown freed. */
function skipFreed(scope: ViewScope, kind: keyof ShownViews, id: string): boolean {
  if (scope.kind === 'all') return false;
  if (scope.kind === 'live') return true;
  return (scope.shown[kind].get(id) as { freed?: boolean } | undefined)?.freed === true;
}

/** Does the view go in? Under `changes`, only if it differs from the last one listed (which it then becomes). */
function listed(scope: ViewScope, kind: keyof ShownViews, id: string, view: object): boolean {
  if (scope.kind !== 'changes') return true;
  const last = scope.shown[kind].get(id);
  if (last !== undefined && sameView(last, view)) return false;
  scope.shown[kind].set(id, view);
  return true;
}

/** Two views of one object, field by field: numbers, strings, null, a list of ids, the counters. */
function sameView(a: object, b: object): boolean {
  const x = a as Record<string, unknown>;
  const y = b as Record<string, unknown>;
  for (const key of Object.keys(y)) {
    const u = x[key];
    const v = y[key];
    if (u === v) continue;
    if (Array.isArray(u) && Array.isArray(v)) {
      if (u.length !== v.length || u.some((e, i) => e !== v[i])) return false;
    } else if (u !== null && v !== null && typeof u === 'object' && typeof v === 'object') {
      if (!sameView(u, v)) return false;
    } else return false;
  }
  return true;
}

/**
 * The objects whose views may go in, in creation order: every one made, or under `changes`, when the world
 * notes which objects steps touched (World.trackChanges), only those touched since the last view; the views
 * of the others are the ones last listed.
 */
function candidates<S>(world: World, scope: ViewScope, kind: ObjectKind, table: ReadonlyMap<string, S>): Iterable<readonly [string, S]> {
  const changes = world.changes;
  if (scope.kind !== 'changes' || changes === null) return table;
  return changes.take(kind).map((id) => [id, table.get(id)!] as const);
}

/**
 * `counters`: add each ctx's session counters, which `sslsim conform` compares with libssl's at every step
 * (conformance/PROTOCOL.md); the records of `sslsim run --json` leave them out (a trace reads them with
 * SSL_CTX_sess_hits and the other counter calls).
 */
export function observeState(world: World, vars: Iterable<readonly [string, Variable]>, counters = false, scope: ViewScope = ALL): StateView {
  const sessions: Record<string, StateView['sessions'][string]> = {};
  for (const [id, snap] of candidates(world, scope, 'session', world.sessions)) {
    const freed = snap.value === 'freed';
    if (freed && skipFreed(scope, 'session', id)) continue;
    const c = snap.context;
    const view = { refs: freed ? 0 : c.refs, freed, resumable: freed ? null : isResumable(c) ? (1 as const) : (0 as const), owner: freed ? null : c.owner };
    if (listed(scope, 'session', id, view)) sessions[id] = view;
  }
  const ssl: Record<string, StateView['ssl'][string]> = {};
  for (const [id, snap] of candidates(world, scope, 'ssl', world.ssls)) {
    const freed = snap.value === 'freed';
    if (freed && skipFreed(scope, 'ssl', id)) continue;
    const view = { refs: freed ? 0 : snap.context.refs, freed, session: freed ? null : snap.context.session };
    if (listed(scope, 'ssl', id, view)) ssl[id] = view;
  }
  const ctx: Record<string, StateView['ctx'][string]> = {};
  for (const [id, snap] of candidates(world, scope, 'ctx', world.ctxs)) {
    const freed = snap.value === 'freed';
    if (freed && skipFreed(scope, 'ctx', id)) continue;
    const c = snap.context;
    const base: CtxView = { refs: freed ? 0 : c.refs, freed, cache: freed ? [] : c.list.entries().map((e) => e.sid), sess_number: freed ? 0 : c.lhash.size };
    const view = counters ? { ...base, stats: freed ? null : c.stats } : base;
    if (listed(scope, 'ctx', id, view)) ctx[id] = view;
  }
  const handles: Record<string, string | null> = {};
  if (scope.kind === 'all') for (const [name, v] of vars) if (v.kind === 'object' || v.kind === 'null') handles[name] = v.kind === 'object' ? v.id : null;
  return { sessions, ssl, ctx, handles };
}
