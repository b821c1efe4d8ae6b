/**
 * SSL_SESSION ops (spec §2): creation, copies, references, serialisation and
 * the field setters. The id of a session is changed only while no cache holds
 * it: a cached session's hash node keeps its old key (spec §2
 * SSL_SESSION_set1_id, conformance NOTES N1), which dangles once the session
 * dies, so re-keying a cached session is mutating shared state (pattern P5),
 * not something a legal program does.
 */
import { pick } from '../app-model.ts';
import { bytesArg, intArg, timeArg, varPlus } from '../args.ts';
import { d2i, i2d, sessionDup, sessionFree, sessionNew, sessionUpRef } from '../calls.ts';
import type { Op } from '../plan.ts';
import type { Program } from '../program.ts';
import { cachedAnywhere, ownedSessions, usableSessions } from '../queries.ts';

/** Ids shared between sessions on purpose: equal keys make SSL_CTX_add_session replace (spec §4 case b). */
const IDS = ['a', 'b', 'c', 'a', 'b', 'c', 'd', 'x'.repeat(33)] as const;

function sessionAt(p: Program, b: number) {
  return pick(usableSessions(p), b);
}

function setId(p: Program, name: string, index: number): void {
  const id = IDS[index % IDS.length]!;
  p.call('SSL_SESSION_set1_id', [p.handle(name), bytesArg(id), intArg(id.length)]);
}

/** SSL_SESSION_new, usually given an id so it can be cached and removed. */
export function sessionNewOp(p: Program, op: Op): void {
  const s = sessionNew(p);
  if (op.b % 4 !== 0) setId(p, s.name, op.c);
}

export function sessionDupOp(p: Program, op: Op): void {
  const s = sessionAt(p, op.b);
  if (s) sessionDup(p, s);
}

export function sessionUpRefOp(p: Program, op: Op): void {
  const s = pick(ownedSessions(p), op.b);
  if (s) sessionUpRef(p, s);
}

export function sessionFreeOp(p: Program, op: Op): void {
  const s = pick(ownedSessions(p), op.b);
  if (s) sessionFree(p, s);
}

/** i2d, usually of a session from a handshake (a bare SSL_SESSION_new encodes to 0) and then straight back with d2i. */
export function i2dOp(p: Program, op: Op): void {
  const usable = usableSessions(p);
  const encodable = usable.filter((s) => p.world.session(s.id).cipher);
  const s = pick(op.c % 4 !== 3 && encodable.length > 0 ? encodable : usable, op.b);
  if (!s) return;
  const der = i2d(p, s);
  if (op.c % 2 === 0) d2i(p, der);
}

export function d2iOp(p: Program, op: Op): void {
  const der = pick(p.app.ders, op.b);
  if (der) d2i(p, der);
}

/** set_time to the past, the future, or relative to an earlier time(NULL) reading; re-sorts in the owner's list. */
export function setTimeOp(p: Program, op: Op): void {
  const s = sessionAt(p, op.b);
  if (!s) return;
  const offsets = [-100, 100, -8000, 0] as const;
  const offset = offsets[op.c % 4]!;
  const reading = pick(p.app.times, op.d);
  const value = reading && op.d % 2 === 0 ? varPlus(reading.name, reading.value, offset) : timeArg(p.world.now, offset);
  p.call('SSL_SESSION_set_time', [p.handle(s.name), value]);
}

/** 0 expires it at once, -1 is refused; re-sorts in the owner's list (spec §2). */
const TIMEOUTS = [0, 10, 300, 7200, 100000, -1, 5, 1] as const;

export function setTimeoutOp(p: Program, op: Op): void {
  const s = sessionAt(p, op.b);
  if (s) p.call('SSL_SESSION_set_timeout', [p.handle(s.name), intArg(TIMEOUTS[op.c]!)]);
}

/** set1_id only on a session no cache holds (see the header); a 33-byte id is refused. */
export function setIdOp(p: Program, op: Op): void {
  const s = sessionAt(p, op.b);
  if (s && !cachedAnywhere(p, s.id)) setId(p, s.name, op.c);
}

export function setIdContextOp(p: Program, op: Op): void {
  const s = sessionAt(p, op.b);
  const value = op.c % 2 === 0 ? 'A' : 'B';
  if (s) p.call('SSL_SESSION_set1_id_context', [p.handle(s.name), bytesArg(value), intArg(1)]);
}

const QUERIES = [
  'SSL_SESSION_is_resumable',
  'SSL_SESSION_get_time',
  'SSL_SESSION_get_timeout',
  'SSL_SESSION_get_protocol_version',
  'SSL_SESSION_has_ticket',
  'SSL_SESSION_get_ticket_lifetime_hint',
] as const;

export function sessionQueryOp(p: Program, op: Op): void {
  const s = sessionAt(p, op.b);
  if (s) p.call(QUERIES[(op.c + 8 * op.d) % QUERIES.length]!, [p.handle(s.name)]);
}
