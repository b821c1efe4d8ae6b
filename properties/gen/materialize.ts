/**
 * From a plan to a trace: run each op on a fresh program (skipping ops that
 * do not apply or would pass the call budget), then the generated teardown.
 * Deterministic: the same plan always gives the same text.
 */
import fc from 'fast-check';
import { OP_IMPLS } from './ops/index.ts';
import type { Plan } from './plan.ts';
import { OutOfBudget, Program, type StepHook } from './program.ts';
import { teardown } from './teardown.ts';

/** The default bound on the random part of a trace (the teardown comes on top). */
export const DEFAULT_MAX_CALLS = 40;

export interface GenOptions {
  /** Most calls the random part may make; the teardown that frees everything is added after it. Default 40. */
  readonly maxCalls?: number;
  /** Called after every call, with the shadow world (for invariant checks). */
  readonly hook?: StepHook;
}

/** A generated trace: text `sslsim run` accepts, and what the generator knows about it. */
export interface GeneratedTrace {
  readonly text: string;
  readonly plan: Plan;
  /** Behaviours the model went through (see branches.ts and Program.branches). */
  readonly branches: readonly string[];
  /** Calls of the random part, and of the whole trace. */
  readonly bodyCalls: number;
  readonly calls: number;
}

/** Runs the ops of `plan` that apply until the program holds `maxCalls` calls (the last op may stop half-way). */
export function runPlan(p: Program, plan: Plan, maxCalls: number): void {
  p.limit = maxCalls;
  try {
    for (const op of plan) OP_IMPLS[op.kind](p, op);
  } catch (e) {
    if (!(e instanceof OutOfBudget)) throw e;
  } finally {
    p.limit = null;
  }
}

/** The finished trace of a program; prints as its text in fast-check's counterexamples. */
export function traceOf(p: Program, plan: Plan, bodyCalls: number): GeneratedTrace {
  const text = p.text();
  return {
    text,
    plan,
    branches: [...p.branches].sort(),
    bodyCalls,
    calls: p.calls,
    [fc.toStringMethod]: () => `\n${text}`,
  } as GeneratedTrace;
}

/** The legal trace of a plan: its ops, then the teardown. */
export function materialize(plan: Plan, options: GenOptions = {}): GeneratedTrace {
  const p = new Program(options.hook ?? null);
  runPlan(p, plan, options.maxCalls ?? DEFAULT_MAX_CALLS);
  const body = p.calls;
  teardown(p);
  return traceOf(p, plan, body);
}
