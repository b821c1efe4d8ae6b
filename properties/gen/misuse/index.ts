/**
 * Misuse injection: a legal prefix, then one misuse of a given kind where it
 * applies (made applicable with legal calls when the prefix has nothing
 * suitable), returning the line where the model must report it.
 *
 * After an error the trace stops (the model promises nothing about what
 * follows undefined behaviour, and a bad free makes every later release
 * ambiguous); after a warning, which is legal, the generated teardown
 * follows; the leak is the teardown with one release left out.
 */
import fc from 'fast-check';
import type { DiagnosticKind } from '../../../src/world/diagnostics.ts';
import { KINDS } from '../../../src/world/diagnostics.ts';
import { DEFAULT_MAX_CALLS, type GeneratedTrace, runPlan, traceOf } from '../materialize.ts';
import { type Plan, planArb } from '../plan.ts';
import { Program, type StepHook } from '../program.ts';
import { teardown } from '../teardown.ts';
import { badFree, callbackContract, crossContext, danglingCacheEntry, doubleFree, staleBorrow, useAfterFree } from './errors.ts';
import type { Injection } from './helpers.ts';
import { leak } from './leak.ts';
import { capacity, earlySession, notResumable } from './warnings.ts';

export const MISUSE_KINDS = Object.keys(KINDS) as DiagnosticKind[];

export interface MisuseTrace extends GeneratedTrace {
  readonly kind: DiagnosticKind;
  /** Where the model must report `kind`: the misuse's line (for a leak, the line that acquired the reference). */
  readonly line: number;
  /** The first line of the injected misuse: every line before it is legal. */
  readonly from: number;
}

type Recipe = (p: Program, q: number, r: number) => Injection;

const RECIPES: Readonly<Record<DiagnosticKind, { readonly inject: Recipe; readonly then: 'stop' | 'teardown' | 'done' }>> = {
  'bad-free': { inject: badFree, then: 'stop' },
  'use-after-free': { inject: useAfterFree, then: 'stop' },
  'double-free': { inject: doubleFree, then: 'stop' },
  'stale-borrow': { inject: staleBorrow, then: 'stop' },
  'dangling-cache-entry': { inject: danglingCacheEntry, then: 'stop' },
  'cross-context': { inject: crossContext, then: 'stop' },
  'callback-contract': { inject: callbackContract, then: 'stop' },
  leak: { inject: leak, then: 'done' },
  'not-resumable': { inject: notResumable, then: 'teardown' },
  'early-session': { inject: earlySession, then: 'teardown' },
  capacity: { inject: capacity, then: 'teardown' },
};

/** Calls kept free for the injection: a recipe that finds nothing suitable builds it (at most ~12 calls). */
const RESERVE = 14;

export interface MisusePlan {
  readonly plan: Plan;
  /** How many of the plan's ops form the legal prefix (modulo its length + 1). */
  readonly at: number;
  readonly q: number;
  readonly r: number;
}

export interface MisuseOptions {
  readonly maxCalls?: number;
  readonly hook?: StepHook;
}

export function materializeMisuse(kind: DiagnosticKind, m: MisusePlan, options: MisuseOptions = {}): MisuseTrace {
  const p = new Program(options.hook ?? null);
  const prefix = m.plan.slice(0, m.at % (m.plan.length + 1));
  runPlan(p, prefix, Math.max(0, (options.maxCalls ?? DEFAULT_MAX_CALLS) - RESERVE));
  const body = p.calls;
  const recipe = RECIPES[kind];
  const { from, line } = recipe.inject(p, m.q, m.r);
  if (recipe.then === 'teardown') teardown(p);
  return { ...traceOf(p, m.plan, body), kind, line, from };
}

export function misusePlan(options: { readonly maxCalls?: number } = {}): fc.Arbitrary<MisusePlan> {
  return fc.record({ plan: planArb(options.maxCalls ?? DEFAULT_MAX_CALLS), at: fc.nat(), q: fc.nat(7), r: fc.nat(5) });
}

/** A trace with one misuse of `kind`: `{ text, kind, line, from, … }`. */
export function misuseTrace(kind: DiagnosticKind, options: { readonly maxCalls?: number } = {}): fc.Arbitrary<MisuseTrace> {
  return misusePlan(options).map((m) => materializeMisuse(kind, m, options));
}
