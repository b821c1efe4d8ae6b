/**
 * The state part of a step record: every object ever created, alive or not,
 * in the schema of docs/json-schema.md and conformance/PROTOCOL.md.
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
  /** Only in the views `sslsim conform` compares (observeState's `counters`): not part of `sslsim run --json`. */
  readonly stats?: CtxCounters | null;
}

/** The session counters of SSL_CTX_ctrl, by the names of their macros (SSL_CTX_sess_hits, ...); null once freed. */
export interface CtxCounters {
  readonly connect: number;
  readonly connect_renegotiate: number;
  readonly connect_good: number;
  readonly accept: number;
  readonly accept_renegotiate: number;
  readonly accept_good: number;
  readonly hits: number;
  readonly cb_hits: number;
  readonly misses: number;
  readonly timeouts: number;
  readonly cache_full: number;
}

/** By the names of the harness's record (conformance/src/worker.c), compared one by one (compare.ts compareCounters). */
function countersOf(s: CtxStats): CtxCounters {
  // no renegotiation in the model: its two counters stay 0, which conform checks against libssl's
  return { connect: s.connect, connect_renegotiate: 0, connect_good: s.connect_good, accept: s.accept, accept_renegotiate: 0, accept_good: s.accept_good, hits: s.hit, cb_hits: s.cb_hit, misses: s.miss, timeouts: s.timeout, cache_full: s.cache_full };
}

/**
 * `counters`: add each ctx's session counters, which `sslsim conform` compares with libssl's at every step
 * (conformance/PROTOCOL.md); the records of `sslsim run --json` leave them out (a trace reads them with
 * SSL_CTX_sess_hits and the other counter calls).
 */
export function observeState(world: World, vars: ReadonlyMap<string, Variable>, counters = false): StateView {
  const sessions: Record<string, StateView['sessions'][string]> = {};
  for (const [id, snap] of world.sessions) {
    const freed = snap.value === 'freed';
    const c = snap.context;
    sessions[id] = { refs: freed ? 0 : c.refs, freed, resumable: freed ? null : isResumable(c) ? 1 : 0, owner: freed ? null : c.owner };
  }
  const ssl: Record<string, StateView['ssl'][string]> = {};
  for (const [id, snap] of world.ssls) {
    const freed = snap.value === 'freed';
    ssl[id] = { refs: freed ? 0 : snap.context.refs, freed, session: freed ? null : snap.context.session };
  }
  const ctx: Record<string, StateView['ctx'][string]> = {};
  for (const [id, snap] of world.ctxs) {
    const freed = snap.value === 'freed';
    const c = snap.context;
    const view: CtxView = { refs: freed ? 0 : c.refs, freed, cache: freed ? [] : c.list.map((e) => e.sid), sess_number: freed ? 0 : c.lhash.length };
    ctx[id] = counters ? { ...view, stats: freed ? null : countersOf(c.stats) } : view;
  }
  const handles: Record<string, string | null> = {};
  for (const [name, v] of vars) if (v.kind === 'object' || v.kind === 'null') handles[name] = v.kind === 'object' ? v.id : null;
  return { sessions, ssl, ctx, handles };
}
