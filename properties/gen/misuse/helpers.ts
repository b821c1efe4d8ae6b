/**
 * What the misuse recipes share: objects to misuse, found in the legal prefix
 * when there are suitable ones and made fresh otherwise, so a recipe applies
 * at any point of any prefix.
 */
import type { CtxRecord, SessionRecord, SslRecord } from '../app-model.ts';
import { pick } from '../app-model.ts';
import { bytesArg, intArg } from '../args.ts';
import { newCtx, newSsl, sessionNew } from '../calls.ts';
import type { Program } from '../program.ts';
import { usableCtxs } from '../queries.ts';

/** Where the misuse sits: the first line of the injected misuse, and the line the model must report it at. */
export interface Injection {
  readonly from: number;
  readonly line: number;
}

/** A usable context (any role), the `q`-th, or a new server context. */
export function someCtx(p: Program, q: number, except: CtxRecord | null = null): CtxRecord {
  return pick(
    usableCtxs(p).filter((c) => c !== except),
    q,
  ) ?? newCtx(p, 'server');
}

/** A new session with an id no other session of the trace has (`"m1"`, `"m2"`, …): removable and cacheable. */
export function sessionWithId(p: Program): SessionRecord {
  const s = sessionNew(p);
  const id = p.fresh('m');
  p.call('SSL_SESSION_set1_id', [p.handle(s.name), bytesArg(id), intArg(id.length)]);
  return s;
}

/** A new SSL on a usable (or new) context, still `before` its first handshake. */
export function freshSsl(p: Program, q: number): SslRecord {
  return newSsl(p, someCtx(p, q));
}

/** Does the application hold a reference to this session (the runner's ledger entry `app`)? */
export function appHolds(p: Program, sid: string): boolean {
  return p.world.session(sid).holders.holds('app');
}

/** `call(args)` as the misuse itself: emitted at the next line, which it returns. */
export function misuse(p: Program, fn: string, args: Parameters<Program['call']>[1], assign: string | null = null): number {
  const line = p.nextLine;
  p.call(fn, args, assign);
  return line;
}
