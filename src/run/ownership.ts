/**
 * The application's side of ownership: borrowed pointers that outlive their
 * SSL's hold (P1), TLS 1.3 sessions taken before their tickets (P8), and the
 * references still owned at the end (P9).
 */
import { isResumable } from '../../machines/ssl-session.ts';
import { TLS1_3 } from '../handshake/sessions.ts';
import { receivedShutdown } from '../handshake/record-layer.ts';
import type { Arg } from '../api/types.ts';
import { type Diagnostic, makeDiagnostic } from '../world/diagnostics.ts';
import { describeHolder } from '../world/faults.ts';
import type { World } from '../world/world.ts';
import type { Variable } from './runner.ts';

/**
 * A get0 pointer used after its SSL let go of that session, while the
 * application owns no reference of its own. A destroyed object is left to the
 * machine, which reports the use after free. The message names the use:
 * `fn (argument arg+1)`, built only when there is one to report.
 */
export function checkBorrow(world: World, name: string, v: Extract<Variable, { kind: 'object' }>, fn: string, arg: number): Diagnostic | null {
  if (v.owned || v.borrowedFrom === null || v.objKind !== 'session' || world.isFreed('session', v.id)) return null;
  const session = world.session(v.id);
  if (session.holders.holds('app')) return null;
  const ssl = v.borrowedFrom;
  const stillHeld = !world.isFreed('ssl', ssl) && world.ssl(ssl).session === v.id;
  if (stillHeld) return null;
  const keepers = session.holders.list().map((h) => describeHolder(h.who)).join(', ') || 'nobody';
  return makeDiagnostic(
    'stale-borrow',
    world.line,
    `${name} is passed to ${fn} (argument ${arg + 1}), but ${ssl} no longer holds that session and the application owns no reference`,
    `It is alive now only because of ${keepers}; when they let go, ${name} dangles and this use becomes a use-after-free (spec §10 M3, M12; Cyrus IMAP #2143).`,
    { line: v.line, what: `${name} was borrowed from ${ssl} here (SSL_get_session / SSL_get0_session take no reference)` },
  );
}

/**
 * A TLS 1.3 client's session read before any ticket arrived (spec §6.3, P8): the connection's own
 * handshake session, a TLS 1.3 session with no ticket, not resumable. A session with a ticket that is
 * not resumable for another reason (SSL_CTX_remove_session marks it, spec §4) and one the application
 * gave the SSL (SSL_SESSION_new has version 0) are not this surprise. The advice depends on whether
 * tickets wait in the client's buffer (a `handshake`, or reads that stopped short) or none does: a
 * server with `SSL_CTX_set_num_tickets(ctx, 0)` (or `SSL_set_num_tickets`) sends none, and a server sends its tickets only once
 * it has read the client's Finished (spec §6.3 "Tickets sent").
 */
export function earlySessionWarning(world: World, arg: Arg | undefined): Diagnostic | null {
  if (arg?.kind !== 'object' || !holdsEarlySession(world, arg.id)) return null;
  const waiting = world.ssl(arg.id).pendingTickets.length;
  if (waiting > 0 && receivedShutdown(world, arg.id)) {
    // ssl_read_internal returns 0 at once once SSL_RECEIVED_SHUTDOWN is set (handshake/connect.ts readPending): no read
    // reaches the tickets (checked against 3.0.19). A peer's close_notify comes after its tickets, so here it was set by hand.
    return makeDiagnostic(
      'early-session',
      world.line,
      `the session of TLS 1.3 client ${arg.id} is taken before a NewSessionTicket was read (${waiting} waiting), and none can be read now: it is not resumable`,
      `${arg.id}'s shutdown flags include SSL_RECEIVED_SHUTDOWN (SSL_set_shutdown), so SSL_read returns 0 at once and never reaches the tickets. ` +
        'Read the tickets before setting it, or collect sessions in new_session_cb.',
      null,
    );
  }
  if (waiting > 0) {
    return makeDiagnostic(
      'early-session',
      world.line,
      `the session of TLS 1.3 client ${arg.id} is taken before a NewSessionTicket was read (${waiting} waiting): it is not resumable`,
      `Read the tickets first (SSL_read, here \`read(${arg.id})\`), then take SSL_get1_session, or collect sessions in new_session_cb.`,
      null,
    );
  }
  return makeDiagnostic(
    'early-session',
    world.line,
    `the session of TLS 1.3 client ${arg.id} has no ticket and none is waiting to be read: it is not resumable`,
    'Only a session from a NewSessionTicket resumes, and none is waiting: a server with SSL_CTX_set_num_tickets(ctx, 0) or SSL_set_num_tickets(ssl, 0) sends none, and a ' +
      "server sends its tickets only after it has read the client's Finished. Take SSL_get1_session after the client has read one, or " +
      'collect sessions in new_session_cb.',
    null,
  );
}

/** Does this SSL, a TLS 1.3 client past its handshake, hold its handshake's session, with no ticket and not resumable? */
export function holdsEarlySession(world: World, ssl: string): boolean {
  if (world.isFreed('ssl', ssl)) return false;
  const s = world.ssl(ssl);
  if (s.role !== 'client' || s.version !== TLS1_3 || s.session === null) return false;
  if (!['connected', 'closed'].includes(world.stateOf('ssl', ssl))) return false;
  const session = world.session(s.session);
  return session.version === TLS1_3 && session.ticket === null && !isResumable(session);
}

/** Every reference the application, or its store, still owns at the end of the trace. */
export function leakDiagnostics(world: World): Diagnostic[] {
  const out: Diagnostic[] = [];
  const tables = [
    ['session', world.sessions],
    ['ssl', world.ssls],
    ['ctx', world.ctxs],
  ] as const;
  for (const [kind, table] of tables) {
    for (const [id, snap] of table) {
      if (snap.value === 'freed') continue;
      for (const h of snap.context.holders.list()) {
        if (h.who !== 'app' && !h.who.startsWith('store:')) continue;
        const byStore = h.who.startsWith('store:');
        out.push(
          makeDiagnostic(
            'leak',
            h.line,
            byStore
              ? `${world.describe(id, kind)} is still owned by the application's store for ${h.who.slice(6)} at the end`
              : `${world.describe(id, kind)} is still owned by the application at the end (refcount ${snap.context.refs})`,
            byStore ? `Free the store's references (store_free_all(${h.who.slice(6)})) before exit.` : 'Nothing releases it: the memory (and, for an SSL or SSL_CTX, everything it holds) is never freed. LeakSanitizer reports it at exit.',
            { line: h.line, what: 'the reference was acquired here' },
          ),
        );
      }
    }
  }
  return out;
}
