/**
 * The state part of a step record: every object ever created, alive or not,
 * in the schema of docs/json-schema.md and conformance/PROTOCOL.md.
 */
import { isResumable } from '../../machines/ssl-session.ts';
import type { World } from '../world/world.ts';
import type { Variable } from './runner.ts';

export interface StateView {
  readonly sessions: Readonly<Record<string, { refs: number; freed: boolean; resumable: 0 | 1 | null; owner: string | null }>>;
  readonly ssl: Readonly<Record<string, { refs: number; freed: boolean; session: string | null }>>;
  readonly ctx: Readonly<Record<string, { refs: number; freed: boolean; cache: readonly string[]; sess_number: number }>>;
  readonly handles: Readonly<Record<string, string | null>>;
}

export function observeState(world: World, vars: ReadonlyMap<string, Variable>): StateView {
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
    ctx[id] = { refs: freed ? 0 : c.refs, freed, cache: freed ? [] : c.list.map((e) => e.sid), sess_number: freed ? 0 : c.lhash.length };
  }
  const handles: Record<string, string | null> = {};
  for (const [name, v] of vars) if (v.kind === 'object' || v.kind === 'null') handles[name] = v.kind === 'object' ? v.id : null;
  return { sessions, ssl, ctx, handles };
}
