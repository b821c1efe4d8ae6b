/**
 * Property (b): the world's invariants hold after every step.
 *
 * After each call of a random legal program, and of a program with one
 * injected misuse up to its first undefined behaviour, the invariants of
 * src/world/invariants.ts hold: every live object's refcount equals the
 * number of holders in its ledger, and each holder is a pointer that exists
 * (and each pointer has its holder); an object is freed exactly when its
 * count is 0; every context's cache list is sorted by expiry, head latest,
 * under each session's current time + timeout; hash table and list hold the
 * same sessions; each listed session's owner is that context; and no step
 * grows a cache of size N past N-1 sessions (1 for N = 1).
 *
 * With a misuse, an error diagnostic breaks the ledger invariants by design
 * (a bad free lowers the count but not the ledger, or destroys an object a
 * pointer still names), so from the step of the first error only the others
 * are checked; from the first undefined behaviour, none.
 *
 * The steps are those of the generator's shadow world, which a replay of the
 * text reproduces (checked by legal.property.test.ts).
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { cacheCounts, checkCapacity, checkWorld, type CacheCounts, type Violation } from '../src/world/invariants.ts';
import { legalPlan } from './gen/legal.ts';
import { materialize } from './gen/materialize.ts';
import { materializeMisuse, MISUSE_KINDS, misusePlan } from './gen/misuse/index.ts';
import type { StepHook } from './gen/program.ts';

const RUNS = 1000;

/** Plans that print as their trace in a counterexample (a plan's JSON says little). */
const legalPlans = legalPlan().map((plan) => ({ plan, [fc.toStringMethod]: () => `\n${materialize(plan).text}` }));
const misusePlans = fc
  .tuple(fc.constantFrom(...MISUSE_KINDS), misusePlan())
  .map(([kind, m]) => ({ kind, m, [fc.toStringMethod]: () => String(materializeMisuse(kind, m)) }));

interface Watch {
  readonly hook: StepHook;
  /** The first step with a violation, as `line N: text: violations`, or null. */
  readonly failure: () => string | null;
  /** Steps checked with the ledger invariants, and without. */
  readonly counts: () => { ledger: number; structural: number };
}

/** A step hook that checks the invariants after every step, the ledger ones until the first error. */
function watch(): Watch {
  let before: CacheCounts = new Map();
  let ledger = true;
  let failure: string | null = null;
  const counts = { ledger: 0, structural: 0 };
  const hook: StepHook = ({ line, text, world, diagnostics }) => {
    if (failure !== null || world.undefinedSince !== null) return;
    if (diagnostics.some((d) => d.severity === 'error')) ledger = false;
    const violations: Violation[] = [...checkWorld(world, { ledger }), ...checkCapacity(before, world)];
    before = cacheCounts(world);
    counts[ledger ? 'ledger' : 'structural']++;
    if (violations.length > 0) failure = `line ${line}: ${text}: ${violations.map((v) => `${v.invariant} ${v.subject}: ${v.message}`).join('; ')}`;
  };
  return { hook, failure: () => failure, counts: () => counts };
}

describe('(b) invariants after every step', () => {
  it('of random legal programs, teardown included', () => {
    fc.assert(
      fc.property(legalPlans, ({ plan }) => {
        const w = watch();
        const trace = materialize(plan, { hook: w.hook });
        expect(w.failure(), trace.text).toBeNull();
        // Every step was checked in full: a legal program never loses the ledger.
        expect(w.counts().structural).toBe(0);
        expect(w.counts().ledger).toBe(trace.calls);
      }),
      { numRuns: RUNS },
    );
  });

  it('of programs with one injected misuse, up to the first undefined behaviour', () => {
    fc.assert(
      fc.property(misusePlans, ({ kind, m }) => {
        const w = watch();
        const trace = materializeMisuse(kind, m, { hook: w.hook });
        expect(w.failure(), `${kind} at line ${trace.line}\n${trace.text}`).toBeNull();
        // The legal prefix is always checked with the ledger.
        expect(w.counts().ledger).toBeGreaterThanOrEqual(trace.from - 1);
      }),
      { numRuns: RUNS },
    );
  });

  it('and they see what a misuse breaks: the ledger after a bad free, the cache after a cross-context add', () => {
    // The other side of the coin: the predicates are not vacuous. At the step of a bad free the count no
    // longer matches the ledger (or the object died under a pointer); at a cross-context add the first
    // context's hash table keeps a session its list lost (spec §9).
    const broken = fc.constantFrom(['bad-free', ['refcount-is-ledger', 'pointers-are-held']] as const, ['cross-context', ['cache-hash-matches-list', 'cache-owner']] as const);
    fc.assert(
      fc.property(broken, misusePlan(), ([kind, expected], m) => {
        // The misuse's line is known once materialized; materializing again is deterministic.
        const { line } = materializeMisuse(kind, m);
        let seen: Violation[] | null = null;
        const trace = materializeMisuse(kind, m, {
          hook: (step) => {
            if (step.line === line) seen = checkWorld(step.world);
          },
        });
        expect(seen, trace.text).not.toBeNull();
        expect((seen ?? []).some((v: Violation) => (expected as readonly string[]).includes(v.invariant)), `${kind} at line ${trace.line}\n${trace.text}`).toBe(true);
      }),
      { numRuns: RUNS },
    );
  });
});
