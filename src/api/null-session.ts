/**
 * A NULL session argument (spec §10, last paragraph; checked in ssl_sess.c,
 * ssl_asn1.c and against 3.0.19 by conformance/fixtures/m9-null-session-crash).
 *
 * Some session functions check for NULL and return a default; the others
 * dereference it. NULL reaches them from SSL_get1_session/SSL_get0_session
 * before a handshake, from a failed d2i_SSL_SESSION, or as a literal.
 */
import { makeDiagnostic } from '../world/diagnostics.ts';
import type { World } from '../world/world.ts';
import { type Call, derRet, type Handler, int, objectRet, type Ret } from './types.ts';
import { idLength, MAX_ID_LENGTH } from './id-bytes.ts';

/** What a function does with NULL in its session argument: a default return, or a dereference. */
interface NullRule {
  readonly arg: number;
  /** The return value when it checks; null when it dereferences (for set1_id only within the length limit). */
  readonly checked: Ret | null;
}

const NULL_RULES: ReadonlyMap<string, NullRule> = new Map([
  ['SSL_SESSION_up_ref', { arg: 0, checked: null }], // CRYPTO_UP_REF(&ss->references)
  ['SSL_SESSION_dup', { arg: 0, checked: null }], // ssl_session_dup_intern: memcpy from src
  ['SSL_SESSION_is_resumable', { arg: 0, checked: null }],
  ['SSL_SESSION_set1_id', { arg: 0, checked: null }], // after the length check
  ['SSL_SESSION_set1_id_context', { arg: 0, checked: null }], // after the length check
  ['SSL_CTX_add_session', { arg: 1, checked: null }], // SSL_SESSION_up_ref(c) first
  ['SSL_SESSION_get_protocol_version', { arg: 0, checked: null }], // return s->ssl_version
  ['SSL_SESSION_has_ticket', { arg: 0, checked: null }], // s->ext.ticklen
  ['SSL_SESSION_get_ticket_lifetime_hint', { arg: 0, checked: null }], // s->ext.tick_lifetime_hint
  ['i2d_SSL_SESSION', { arg: 0, checked: derRet(null, 0) }],
  ['SSL_SESSION_get_time', { arg: 0, checked: int(0) }],
  ['SSL_SESSION_set_time', { arg: 0, checked: int(0) }],
  ['SSL_SESSION_get_timeout', { arg: 0, checked: int(0) }],
  ['SSL_SESSION_set_timeout', { arg: 0, checked: int(0) }],
  ['SSL_CTX_remove_session', { arg: 1, checked: int(0) }], // remove_session_lock: c != NULL
]);

/** set1_id and set1_id_context reject an over-long length (an unsigned int, FINDINGS F30) before they touch the session. */
const LENGTH_CHECKED_FIRST: ReadonlyMap<string, number> = new Map([
  ['SSL_SESSION_set1_id', MAX_ID_LENGTH],
  ['SSL_SESSION_set1_id_context', MAX_ID_LENGTH],
]);

/** Wraps a handler so that a NULL session argument gets its rule instead of reaching the world. */
export function withNullRule(fn: string, handler: Handler): Handler {
  const rule = NULL_RULES.get(fn);
  if (!rule) return handler;
  return (call) => {
    if (call.args[rule.arg]?.kind !== 'null') return handler(call);
    const limit = LENGTH_CHECKED_FIRST.get(fn);
    if (limit !== undefined && idLength(call, rule.arg + 2) > limit) return int(0);
    if (rule.checked) return rule.checked;
    reportNullDereference(call, fn, rule.arg);
    return fn === 'SSL_SESSION_dup' ? objectRet(null, false) : int(0);
  };
}

function reportNullDereference(call: Call, fn: string, arg: number): void {
  const world: World = call.world;
  world.report(
    makeDiagnostic(
      'null-dereference',
      world.line,
      `${fn} is given a NULL session (argument ${arg + 1}) and dereferences it`,
      `3.0.19 reads or writes address 0 here: the process dies with SIGSEGV (ASan: "SEGV on unknown address", a small offset from 0).`,
      null,
    ),
  );
}
