/**
 * Names for what a handshake went through, read off the shadow world around
 * it: the version, whether an offered session resumed, and why an offer
 * could not (spec §6.1 the client's own checks, §7 the server's). They feed
 * the coverage summary; nothing is asserted on them.
 */
import { isResumable } from '../../machines/ssl-session.ts';
import { clientSupports } from '../../src/handshake/versions.ts';
import type { Program } from './program.ts';

/** What the client offered, read before the handshake. */
export interface Offer {
  readonly session: string | null;
  readonly reasons: readonly string[];
}

/** Reads the client's offer and what, by the spec, stands in its way. */
export function readOffer(p: Program, client: string, server: string): Offer {
  const c = p.world.ssl(client);
  if (c.session === null) return { session: null, reasons: [] };
  const s = p.world.session(c.session);
  const reasons: string[] = [];
  if (!isResumable(s)) reasons.push('offer:not-resumable');
  else if (!clientSupports(c, s.version)) reasons.push('offer:version-not-allowed');
  if (s.sidCtx !== p.world.ssl(server).sidCtx) reasons.push('offer:sid-ctx-mismatch');
  if (p.world.now > s.time + s.timeout) reasons.push('offer:expired');
  return { session: c.session, reasons };
}

export function noteHandshake(p: Program, fn: string, client: string, offer: Offer, ret: number): void {
  const b = p.branches;
  b.add(fn === 'connect' ? 'connect' : 'handshake-then-read');
  if (ret !== 1) {
    b.add('handshake-failed');
    return;
  }
  const c = p.world.ssl(client);
  const version = c.version === 0x304 ? 'tls1.3' : 'tls1.2';
  b.add(version);
  if (offer.session === null) return;
  b.add(c.hit ? `resumed-${version}` : `offer-refused-${version}`);
  if (c.hit) return;
  for (const r of offer.reasons) b.add(r);
  // Nothing on the client's side stood in the way: the server could not find or open it (another context's
  // ticket keys or cache, an evicted or single-use entry, spec §6.5-§7).
  if (offer.reasons.length === 0) b.add('offer:unknown-to-server');
}
