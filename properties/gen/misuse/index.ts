/**
 * Misuse injection: a legal prefix, then one misuse of a given kind where it
 * applies (made applicable with legal calls when the prefix has nothing
 * suitable), returning the line where the model must report it.
 *
 * Then the program goes on as if nothing had happened, as a buggy
 * application does: the rest of the plan, and the generated teardown. That is
 * how the delayed failures of spec §10 appear (a dangling entry met by a
 * later flush, a store pointer served after its session died), and it runs
 * the model through the states between a misuse and the undefined behaviour
 * it leads to. (`continue: false` stops right after the misuse.) The leak is
 * the teardown with one release left out, so it comes after the whole plan.
 */
import fc from 'fast-check';
import type { DiagnosticKind } from '../../../src/world/diagnostics.ts';
import { KINDS } from '../../../src/world/diagnostics.ts';
import { DEFAULT_MAX_CALLS, type GeneratedTrace, runPlan, traceOf } from '../materialize.ts';
import { type OpWeights, type Plan, planArb } from '../plan.ts';
import { Program, type StepHook } from '../program.ts';
import { teardown } from '../teardown.ts';
import { badFree, callbackContract, crossContext, danglingCacheEntry, doubleFree, nullDereference, staleBorrow, useAfterFree } from './errors.ts';
import type { Injection } from './helpers.ts';
import { leak } from './leak.ts';
import { capacity, earlySession, libsslLeak, notResumable } from './warnings.ts';

export const MISUSE_KINDS = Object.keys(KINDS) as DiagnosticKind[];

export interface MisuseTrace extends GeneratedTrace {
  readonly kind: DiagnosticKind;
  /** Where the model must report `kind`: the misuse's line (for a leak, the line that acquired the reference). */
  readonly line: number;
  /** The first line of the injected misuse: every line before it is legal. */
  readonly from: number;
}


type Recipe = (p: Program, q: number, r: number) => Injection;

const RECIPES: Readonly<Record<DiagnosticKind, Recipe>> = {
  'bad-free': badFree,
  'use-after-free': useAfterFree,
  'double-free': doubleFree,
  'stale-borrow': staleBorrow,
  'dangling-cache-entry': danglingCacheEntry,
  'cross-context': crossContext,
  'callback-contract': callbackContract,
  leak,
  'null-dereference': nullDereference,
  'not-resumable': notResumable,
  'early-session': earlySession,
  capacity,
  'libssl-leak': libsslLeak,
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
  /** Most calls of the random part, prefix and rest of the plan together (default 40); injection and teardown come on top. */
  readonly maxCalls?: number;
  readonly hook?: StepHook;
  /** Go on after the misuse with the rest of the plan and the teardown (default true). */
  readonly continue?: boolean;
}

export function materializeMisuse(kind: DiagnosticKind, m: MisusePlan, options: MisuseOptions = {}): MisuseTrace {
  const maxCalls = options.maxCalls ?? DEFAULT_MAX_CALLS;
  const goOn = options.continue ?? true;
  const p = new Program(options.hook ?? null);
  const cut = kind === 'leak' ? m.plan.length : m.at % (m.plan.length + 1);
  runPlan(p, m.plan.slice(0, cut), Math.max(0, maxCalls - RESERVE));
  const prefixCalls = p.calls;
  const { from, line } = RECIPES[kind](p, m.q, m.r);
  const injectionCalls = p.calls - prefixCalls;
  if (goOn && kind !== 'leak') {
    // The random part, prefix and rest of the plan, keeps its budget of maxCalls; the injection comes on top.
    runPlan(p, m.plan.slice(cut), maxCalls + injectionCalls);
  }
  const body = p.calls - injectionCalls;
  if (goOn && kind !== 'leak') teardown(p);
  const trace = traceOf(p, m.plan, body);
  return { ...trace, kind, line, from, [fc.toStringMethod]: () => `${kind} at line ${line}\n${trace.text}` } as MisuseTrace;
}

export function misusePlan(options: { readonly maxCalls?: number; readonly weights?: OpWeights } = {}): fc.Arbitrary<MisusePlan> {
  return fc.record({ plan: planArb(options.maxCalls ?? DEFAULT_MAX_CALLS, options.weights), at: fc.nat(), q: fc.nat(7), r: fc.nat(5) });
}

/** A trace with one misuse of `kind`: `{ text, kind, line, from, … }`. */
export function misuseTrace(kind: DiagnosticKind, options: { readonly maxCalls?: number; readonly weights?: OpWeights } = {}): fc.Arbitrary<MisuseTrace> {
  return misusePlan(options).map((m) => materializeMisuse(kind, m, options));
}
