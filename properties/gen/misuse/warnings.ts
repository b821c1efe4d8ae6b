/**
 * Recipes for the warning kinds: legal surprises, made of legal calls only,
 * so the trace goes on to the generated teardown and must stay free of errors.
 */
import { isResumable } from '../../../machines/ssl-session.ts';
import { pick, type SslRecord } from '../app-model.ts';
import { bytesArg, constants, intArg } from '../args.ts';
import { clear, get0, get1, newCtx, newSsl, setSession, sslFree } from '../calls.ts';
import type { Program } from '../program.ts';
import { usableCtxs, usableSsls } from '../queries.ts';
import { appHolds, type Injection, sessionWithId } from './helpers.ts';
import { holdsEarlySession } from '../../../src/run/ownership.ts';

/** A new client and server SSL on new default contexts (both negotiate TLS 1.3, spec §6.1), not yet connected. */
function freshPair(p: Program): [SslRecord, SslRecord] {
  const cctx = newCtx(p, 'client');
  const sctx = newCtx(p, 'server');
  return [newSsl(p, cctx), newSsl(p, sctx)];
}

/**
 * not-resumable (P12, spec §3 ssl_clear_bad_session): a connection that
 * completed its handshake and sent no close_notify, whose resumable session
 * (with an id) the application holds, is cleared (r % 3 = 0), given another
 * session (1) or freed (2, when that is its last reference): the session is
 * removed from session_ctx and marked not resumable.
 */
export function notResumable(p: Program, q: number, r: number): Injection {
  let ssl = pick(
    usableSsls(p).filter((s) => {
      const sid = p.world.ssl(s.id).session;
      // connected and out of init: a server in init for requested tickets applies no bad-session rule
      if (p.world.stateOf('ssl', s.id) !== 'connected' || p.world.ssl(s.id).ticketInit || sid === null) return false;
      const sess = p.world.session(sid);
      return isResumable(sess) && sess.sessionId !== '';
    }),
    q,
  );
  if (!ssl) {
    const [client, server] = freshPair(p);
    p.call('connect', [p.handle(client.names[0]!), p.handle(server.names[0]!)]);
    ssl = client;
  }
  if (!appHolds(p, p.world.ssl(ssl.id).session!)) get1(p, ssl);
  const line = p.nextLine;
  if (r % 3 === 1) setSession(p, ssl, null);
  else if (r % 3 === 2 && ssl.appRefs === 1) sslFree(p, ssl);
  else clear(p, ssl);
  return { from: line, line };
}

/**
 * early-session (P8, spec §6.3): a TLS 1.3 client after its handshake but
 * before it read a ticket holds a session that is not resumable; taking it
 * (SSL_get_session, SSL_get0_session or SSL_get1_session by r % 3) is the surprise.
 */
export function earlySession(p: Program, q: number, r: number): Injection {
  let ssl = pick(
    usableSsls(p).filter((s) => holdsEarlySession(p.world, s.id)),
    q,
  );
  if (!ssl) {
    const [client, server] = freshPair(p);
    p.call('handshake', [p.handle(client.names[0]!), p.handle(server.names[0]!)]);
    ssl = client;
  }
  const line = p.nextLine;
  if (r % 3 === 2) get1(p, ssl);
  else get0(p, ssl, r % 3 === 0 ? 'SSL_get_session' : 'SSL_get0_session');
  return { from: line, line };
}

/**
 * capacity (spec §4 "Important consequence"): a cache holding k >= 1
 * sessions, all with ids (so eviction can remove its tail), is given size
 * k + 1 and one more session: the add evicts one although k < k + 1.
 */
export function capacity(p: Program, q: number): Injection {
  const evictable = (id: string) => {
    const c = p.world.ctx(id);
    return c.lhash.size === c.list.size && c.list.entries().every((e) => p.world.session(e.sid).sessionId !== '');
  };
  let ctx = pick(
    usableCtxs(p).filter((c) => p.world.ctx(c.id).list.size > 0 && evictable(c.id)),
    q,
  );
  if (!ctx) {
    ctx = pick(
      usableCtxs(p).filter((c) => p.world.ctx(c.id).lhash.size === 0 && p.world.ctx(c.id).list.size === 0),
      q,
    ) ?? newCtx(p, 'server');
    const first = sessionWithId(p);
    p.call('SSL_CTX_add_session', [p.handle(ctx.name), p.handle(first.name)]);
  }
  const held = p.world.ctx(ctx.id).lhash.size;
  p.call('SSL_CTX_sess_set_cache_size', [p.handle(ctx.name), intArg(held + 1)]);
  const x = sessionWithId(p);
  const line = p.nextLine;
  p.call('SSL_CTX_add_session', [p.handle(ctx.name), p.handle(x.name)]);
  return { from: line, line };
}

/**
 * libssl-leak (FINDINGS F105): a TLS 1.2 client session that holds the
 * server's chain and a ticket, its id emptied by SSL_SESSION_set1_id, is
 * offered to a server of another context, which cannot decrypt the ticket.
 * The full handshake keeps the session object (its id is empty, spec §6.2)
 * and overwrites its chain. Built fresh: a generated sequence almost never
 * empties the id of a session with a chain.
 */
export function libsslLeak(p: Program): Injection {
  const cctx = newCtx(p, 'client');
  p.call('SSL_CTX_set_max_proto_version', [p.handle(cctx.name), constants('TLS1_2_VERSION')]);
  const first = newSsl(p, cctx);
  const firstServer = newSsl(p, newCtx(p, 'server'));
  p.call('connect', [p.handle(first.names[0]!), p.handle(firstServer.names[0]!)]);
  const x = get1(p, first);
  if (x === null) throw new Error('generator bug: a TLS 1.2 client has no session after connect');
  p.call('SSL_SESSION_set1_id', [p.handle(x.name), bytesArg(''), intArg(0)]);
  const again = newSsl(p, cctx);
  const otherServer = newSsl(p, newCtx(p, 'server'));
  setSession(p, again, x);
  const line = p.nextLine;
  p.call('connect', [p.handle(again.names[0]!), p.handle(otherServer.names[0]!)]);
  return { from: line, line };
}
