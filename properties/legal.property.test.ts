/**
 * Property (a): a legal program is clean.
 *
 * Take any random legal sequence of calls (properties/gen: every owned
 * reference released exactly once, borrowed pointers used only while their
 * SSL holds the session, correct callbacks only, each session cached by one
 * context at most), followed by the generated teardown that frees everything.
 * Replayed by the runner, as `sslsim run` does:
 * - the model reports no error diagnostic (warnings, the legal surprises
 *   not-resumable, early-session and capacity, may appear);
 * - at the end nothing is alive: no leak, every session, SSL and SSL_CTX freed;
 * - the runner ends in the same object states as the generator's shadow world,
 *   so what the generator read while choosing calls is what a replay sees.
 *
 * A failure prints the shrunk trace; FC_SEED replays it (properties/seed.setup.ts).
 * The generator's own reach is checked at the end on a fixed sample (not on the
 * random seed, so that a rare branch cannot make the suite flaky).
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { runText } from '../src/run/load.ts';
import { observeState } from '../src/run/observe.ts';
import { CATALOGUE } from '../src/trace/catalogue.ts';
import { coverage, formatCoverage } from './gen/coverage.ts';
import { legalTrace } from './gen/legal.ts';
import { materialize } from './gen/materialize.ts';
import type { World } from '../src/world/world.ts';

const RUNS = 1000;

/** The object states only (not the variables, which the shadow world does not have). */
function objects(state: ReturnType<typeof observeState>) {
  return { sessions: state.sessions, ssl: state.ssl, ctx: state.ctx };
}

describe('(a) random legal programs', () => {
  it('report no error, free everything, and replay as generated', () => {
    fc.assert(
      fc.property(legalTrace(), (trace) => {
        // The shadow world at the end: the same plan again, with a hook (materializing is deterministic).
        const shadow: { world: World | null } = { world: null };
        materialize(trace.plan, { hook: (s) => (shadow.world = s.world) });
        const result = runText(trace.text, 'legal.trace');
        const errors = result.diagnostics.filter((d) => d.severity === 'error').map((d) => `line ${d.line}: ${d.kind}: ${d.message}`);
        expect(errors, trace.text).toEqual([]);
        const end = result.records.at(-1)!.state;
        const alive = [...Object.entries(end.sessions), ...Object.entries(end.ssl), ...Object.entries(end.ctx)].filter(([, o]) => !o.freed).map(([id]) => id);
        expect(alive, trace.text).toEqual([]);
        if (shadow.world !== null) expect(objects(end), trace.text).toEqual(objects(observeState(shadow.world, new Map())));
      }),
      { numRuns: RUNS },
    );
  });
});

describe('the generator', () => {
  // A fixed sample: these are facts about the generator, checked the same way every run.
  const sample = fc.sample(legalTrace(), { numRuns: RUNS, seed: 20260 });
  const report = coverage(sample);

  it('reaches every call of the catalogue', () => {
    expect(report.missingCalls).toEqual([]);
    expect(report.calls.size).toBe(CATALOGUE.size);
  });

  // SSL_OP_NO_COMPRESSION changes nothing the model observes (Debian's libssl has no compression methods).
  it('uses every constant but SSL 3 and TLS 1.0/1.1 (never negotiated), the two size constants and SSL_OP_NO_COMPRESSION', () => {
    expect([...report.missingConstants].sort()).toEqual([
      'SSL3_VERSION',
      'SSL_MAX_SSL_SESSION_ID_LENGTH',
      'SSL_OP_NO_COMPRESSION',
      'SSL_OP_NO_SSLv3',
      'SSL_SESSION_CACHE_MAX_SIZE_DEFAULT',
      'TLS1_1_VERSION',
      'TLS1_VERSION',
    ]);
  });

  it('installs every correct callback and none of the broken ones', () => {
    expect([...report.callbacks.keys()].sort()).toEqual([
      'get_cb_miss',
      'get_cb_store_copy',
      'get_cb_store_transfer',
      'new_cb_ignore',
      'new_cb_store',
      'remove_cb_evict_store',
      'remove_cb_log',
    ]);
  });

  it('goes through both versions, resumption and its failures, callbacks, eviction, expiry, SSL reuse, SSL_dup, i2d/d2i and the three warnings', () => {
    const wanted = [
      'tls1.2',
      'tls1.3',
      'resumed-tls1.2',
      'resumed-tls1.3',
      'handshake-failed',
      'offer:expired',
      'offer:sid-ctx-mismatch',
      'offer:version-not-allowed',
      'offer:not-resumable',
      'tickets-read-later',
      'callback:new',
      'callback:remove',
      'callback:get:copy0',
      'callback:get:copy1',
      'stat:cache_full',
      'stat:timeouts',
      'stat:cb_hits',
      'ssl-reused-after-clear',
      'ssl-dup:same-ssl',
      'ssl-dup:new-ssl',
      'i2d-d2i-round-trip',
    ];
    expect(wanted.filter((b) => !report.branches.has(b))).toEqual([]);
    expect([...report.diagnostics.keys()].sort()).toEqual(['capacity', 'early-session', 'not-resumable']);
    console.log(formatCoverage(report));
  });

  it('gives the same text for the same plan, and stays within its call budget', () => {
    for (const t of sample.slice(0, 100)) {
      expect(materialize(t.plan).text).toBe(t.text);
      expect(t.bodyCalls).toBeLessThanOrEqual(40);
    }
    expect(fc.sample(legalTrace({ maxCalls: 10 }), { numRuns: 100, seed: 1 }).every((t) => t.bodyCalls <= 10)).toBe(true);
  });
});
