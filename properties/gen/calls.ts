/**
 * The calls that acquire or release references, each emitted together with
 * its bookkeeping in the app model, so every owned reference the generator
 * takes is known and released exactly once (spec §1.2-§1.4).
 */
import type { CtxRecord, DerRecord, Origin, Role, SessionRecord, SslRecord } from './app-model.ts';
import { methodArg, NULL_ARG } from './args.ts';
import type { Program } from './program.ts';

const METHOD: Readonly<Record<Role, string>> = { client: 'TLS_client_method', server: 'TLS_server_method', any: 'TLS_method' };
const CTX_PREFIX: Readonly<Record<Role, string>> = { client: 'cctx', server: 'sctx', any: 'ctx' };
const SSL_PREFIX: Readonly<Record<Role, string>> = { client: 'cli', server: 'srv', any: 'ssl' };

export function newCtx(p: Program, role: Role): CtxRecord {
  const name = p.fresh(CTX_PREFIX[role]);
  p.call('SSL_CTX_new', [methodArg(METHOD[role])], name);
  const rec: CtxRecord = { name, id: name, role, appRefs: 1, acquisitions: 1, storeUsed: false };
  p.app.ctxs.push(rec);
  return rec;
}

export function ctxUpRef(p: Program, ctx: CtxRecord): void {
  p.call('SSL_CTX_up_ref', [p.handle(ctx.name)]);
  ctx.appRefs++;
  ctx.acquisitions++;
}

/** Releases one of the application's references; the ctx lives on while SSLs hold theirs (spec §10 M6). */
export function ctxFree(p: Program, ctx: CtxRecord): void {
  p.call('SSL_CTX_free', [p.handle(ctx.name)]);
  ctx.appRefs--;
}

export function newSsl(p: Program, ctx: CtxRecord): SslRecord {
  const name = p.fresh(SSL_PREFIX[ctx.role]);
  p.call('SSL_new', [p.handle(ctx.name)], name);
  const rec: SslRecord = { id: name, names: [name], appRefs: 1, acquisitions: 1 };
  p.app.ssls.push(rec);
  return rec;
}

export function sslUpRef(p: Program, ssl: SslRecord): void {
  p.call('SSL_up_ref', [p.handle(ssl.names[0]!)]);
  ssl.appRefs++;
  ssl.acquisitions++;
}

export function sslFree(p: Program, ssl: SslRecord): void {
  p.call('SSL_free', [p.handle(ssl.names[0]!)]);
  ssl.appRefs--;
}

/** SSL_dup: after a handshake the same SSL with +1 (spec §1.4), before it a new SSL. */
export function sslDup(p: Program, ssl: SslRecord): SslRecord {
  const name = p.fresh('dup');
  const ret = p.call('SSL_dup', [p.handle(ssl.names[0]!)], name);
  const id = ret.kind === 'object' ? ret.id : null;
  p.branches.add(id === ssl.id ? 'ssl-dup:same-ssl' : 'ssl-dup:new-ssl');
  if (id === ssl.id) {
    ssl.names.push(name);
    ssl.appRefs++;
    ssl.acquisitions++;
    return ssl;
  }
  if (id === null) throw new Error('generator bug: SSL_dup returned NULL');
  const rec: SslRecord = { id, names: [name], appRefs: 1, acquisitions: 1 };
  p.app.ssls.push(rec);
  return rec;
}

export function shutdown(p: Program, ssl: SslRecord): void {
  p.call('SSL_shutdown', [p.handle(ssl.names[0]!)]);
}

/** The contexts of the connection `ssl` belongs to, to resume a session taken from it. */
function originOf(p: Program, sslId: string): Origin {
  const s = p.world.ssl(sslId);
  const peerCtx = s.peer === null ? null : p.world.ssl(s.peer).sessionCtx;
  if (s.role === 'server') return { clientCtx: peerCtx, serverCtx: s.sessionCtx };
  return { clientCtx: s.sessionCtx, serverCtx: peerCtx };
}

/** SSL_get_session / SSL_get0_session: a borrowed pointer, or NULL (then nothing is recorded). */
export function get0(p: Program, ssl: SslRecord, fn: 'SSL_get_session' | 'SSL_get0_session'): SessionRecord | null {
  const name = p.fresh('peek');
  const ret = p.call(fn, [p.handle(ssl.names[0]!)], name);
  if (ret.kind !== 'object' || ret.id === null) return null;
  const rec: SessionRecord = { name, id: ret.id, owned: false, refs: 0, acquisitions: 0, borrowedFrom: ssl.id, origin: originOf(p, ssl.id) };
  p.app.sessions.push(rec);
  return rec;
}

/** SSL_get1_session: +1 for the application, or NULL without a reference (spec §3). */
export function get1(p: Program, ssl: SslRecord): SessionRecord | null {
  const name = p.fresh('sess');
  const ret = p.call('SSL_get1_session', [p.handle(ssl.names[0]!)], name);
  if (ret.kind !== 'object' || ret.id === null) return null;
  return ownedSession(p, name, ret.id, originOf(p, ssl.id));
}

function ownedSession(p: Program, name: string, id: string, origin: Origin | null): SessionRecord {
  const rec: SessionRecord = { name, id, owned: true, refs: 1, acquisitions: 1, borrowedFrom: null, origin };
  p.app.sessions.push(rec);
  return rec;
}

export function sessionNew(p: Program): SessionRecord {
  const name = p.fresh('sess');
  const ret = p.call('SSL_SESSION_new', [], name);
  return ownedSession(p, name, ret.kind === 'object' ? (ret.id ?? '') : '', null);
}

export function sessionDup(p: Program, src: SessionRecord): SessionRecord {
  const name = p.fresh('copy');
  const ret = p.call('SSL_SESSION_dup', [p.handle(src.name)], name);
  return ownedSession(p, name, ret.kind === 'object' ? (ret.id ?? '') : '', src.origin);
}

export function sessionUpRef(p: Program, s: SessionRecord): void {
  p.call('SSL_SESSION_up_ref', [p.handle(s.name)]);
  s.refs++;
  s.acquisitions++;
}

export function sessionFree(p: Program, s: SessionRecord): void {
  p.call('SSL_SESSION_free', [p.handle(s.name)]);
  s.refs--;
}

/** `nK = i2d_SSL_SESSION(s, &derK)`: plain data, no reference. */
export function i2d(p: Program, s: SessionRecord): DerRecord {
  const name = p.fresh('der');
  const lengthName = p.fresh('n');
  const ret = p.call('i2d_SSL_SESSION', [p.handle(s.name), { text: `&${name}`, arg: { kind: 'der', name, der: null, length: 0 } }], lengthName);
  const rec: DerRecord = { name, lengthName, length: ret.kind === 'der' ? ret.length : 0, value: ret.kind === 'der' ? ret.der : null };
  p.app.ders.push(rec);
  return rec;
}

/** `d2i_SSL_SESSION(NULL, &der, n)`: a new owned session, or NULL for an empty encoding. */
export function d2i(p: Program, der: DerRecord): SessionRecord | null {
  const name = p.fresh('decoded');
  const ret = p.call(
    'd2i_SSL_SESSION',
    [NULL_ARG, { text: `&${der.name}`, arg: { kind: 'der', name: der.name, der: der.value, length: der.length } }, { text: der.lengthName, arg: { kind: 'int', value: der.length } }],
    name,
  );
  if (ret.kind !== 'object' || ret.id === null) return null;
  p.branches.add('i2d-d2i-round-trip');
  return ownedSession(p, name, ret.id, null);
}

/** The application frees every session its store owns for this ctx (the pseudo-call of the trace language). */
export function storeFreeAll(p: Program, ctx: CtxRecord): void {
  p.call('store_free_all', [p.handle(ctx.name)]);
}

/** SSL_set_session with a session or NULL (spec §3: the bad-session rule on the old one, +1 new, -1 old). */
export function setSession(p: Program, ssl: SslRecord, session: SessionRecord | null): void {
  p.call('SSL_set_session', [p.handle(ssl.names[0]!), session ? p.handle(session.name) : NULL_ARG]);
}

/** SSL_copy_session_id(to, from): `to` shares `from`'s session (spec §3). */
export function copySessionId(p: Program, to: SslRecord, from: SslRecord): void {
  p.call('SSL_copy_session_id', [p.handle(to.names[0]!), p.handle(from.names[0]!)]);
}

/** SSL_clear: back to `before`, with the ctx's method again. */
export function clear(p: Program, ssl: SslRecord): void {
  p.call('SSL_clear', [p.handle(ssl.names[0]!)]);
}

/**
 * SSL_CTX_sess_set_new_cb with a correct behaviour. new_cb_store makes the
 * store own sessions, so the teardown must call store_free_all: noted with
 * the call itself, so a budget cut right after it cannot lose it.
 */
export function setNewCb(p: Program, ctx: CtxRecord, behaviour: 'new_cb_store' | 'new_cb_ignore'): void {
  p.call('SSL_CTX_sess_set_new_cb', [p.handle(ctx.name), { text: behaviour, arg: { kind: 'name', name: behaviour } }]);
  if (behaviour === 'new_cb_store') ctx.storeUsed = true;
}
