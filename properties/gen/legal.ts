/**
 * Random legal traces: every owned reference released exactly once, borrowed
 * pointers used only while their SSL holds the session, correct callbacks
 * only, a session added to one context's cache at most, and a teardown that
 * frees everything (see app-model.ts, queries.ts, teardown.ts for the rules).
 * Warnings (not-resumable, early-session, capacity) are legal surprises and
 * may appear; error diagnostics must not.
 */
import type fc from 'fast-check';
import { DEFAULT_MAX_CALLS, type GeneratedTrace, materialize } from './materialize.ts';
import { type OpWeights, type Plan, planArb } from './plan.ts';

export interface LegalOptions {
  /** Most calls of the random part (default 40); the teardown is added after it. */
  readonly maxCalls?: number;
  /** Weights replacing some of OPS's (a focused campaign); OPS's when absent. */
  readonly weights?: OpWeights;
}

/** The plans behind legal traces (for suites that re-materialize with a hook). */
export function legalPlan(options: LegalOptions = {}): fc.Arbitrary<Plan> {
  return planArb(options.maxCalls ?? DEFAULT_MAX_CALLS, options.weights);
}

/** A legal trace. Shrinks through its plan, so a counterexample is a short legal trace. */
export function legalTrace(options: LegalOptions = {}): fc.Arbitrary<GeneratedTrace> {
  const maxCalls = options.maxCalls ?? DEFAULT_MAX_CALLS;
  return legalPlan(options).map((plan) => materialize(plan, { maxCalls }));
}
