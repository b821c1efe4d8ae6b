/**
 * The random trace generator of the property suites, for other suites and the bench.
 *
 * Traces are text in the trace language (`sslsim run` replays them), built
 * from an abstract plan that fast-check generates and shrinks, so a failing
 * case shrinks to a short, readable, legal trace.
 *
 * @example
 *   import fc from 'fast-check';
 *   import { legalTrace, misuseTrace, coverage, formatCoverage } from './gen/index.ts';
 *
 *   fc.assert(fc.property(legalTrace({ maxCalls: 40 }), (t) => check(t.text)));
 *   fc.assert(fc.property(misuseTrace('double-free'), (t) => reportedAt(t.text, t.kind, t.line)));
 *   console.log(formatCoverage(coverage(seen)));   // seen: GeneratedTrace[] (or { text }[])
 *
 *   // Without fast-check's runner (the bench): a fixed sample, or one long trace.
 *   const traces = sampleLegalTraces(1000, { seed: 1 });
 *   const long = sampleLegalTraces(1, { seed: 1, maxCalls: 100_000 })[0];
 */
import fc from 'fast-check';
import { legalTrace, type LegalOptions } from './legal.ts';
import type { GeneratedTrace } from './materialize.ts';

export { legalPlan, legalTrace, type LegalOptions } from './legal.ts';
export { DEFAULT_MAX_CALLS, type GeneratedTrace, type GenOptions, materialize } from './materialize.ts';
export { type MisuseOptions, type MisusePlan, type MisuseTrace, MISUSE_KINDS, materializeMisuse, misusePlan, misuseTrace } from './misuse/index.ts';
export { type Op, type OpKind, OPS, type OpWeights, opArbOf, parseOpWeights, type Plan, planArb } from './plan.ts';
export type { StepHook, StepView } from './program.ts';
export { coverage, type CoverageInput, type CoverageReport, formatCoverage } from './coverage.ts';

/** `count` legal traces from a fixed seed: the same list every time. */
export function sampleLegalTraces(count: number, options: LegalOptions & { readonly seed: number }): GeneratedTrace[] {
  return fc.sample(legalTrace(options), { numRuns: count, seed: options.seed });
}
