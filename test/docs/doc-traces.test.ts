/**
 * The traces behind docs/recipes.md and docs/anti-patterns.md: a recipe is a
 * correct call ordering, so it runs clean with no diagnostic at all; an
 * anti-pattern shows its misuse pattern with a diagnostic the catalogue names
 * for that pattern, announced so the trace still exits 0, and says how to fix it.
 */
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { checked, runAll } from '../../scripts/docs/common.ts';
import { antiPatternProblem, antiPatternTraces, NOT_EXPRESSED, PATTERNS, patternOf, recipeProblem, recipeTraces } from '../../scripts/docs/traces.ts';
import { exitCodeOf } from '../../src/run/load.ts';

const root = fileURLToPath(new URL('../..', import.meta.url)).replace(/\/$/, '');

describe('docs/recipes/*.trace', () => {
  const recipes = recipeTraces(root);
  it('has the recipes the documentation promises', () => {
    expect(recipes.length).toBeGreaterThanOrEqual(7);
  });
  for (const trace of recipes) {
    it(`${trace.path} runs clean, with expects and no diagnostic`, () => {
      const result = runAll(checked(trace));
      expect(result.failedExpects.map((r) => `line ${r.line}: ${r.call}`)).toEqual([]);
      expect(result.diagnostics.map((d) => `line ${d.line}: ${d.kind}: ${d.message}`)).toEqual([]);
      expect(exitCodeOf(result)).toBe(0);
      expect(recipeProblem(result)).toBeNull();
      expect(trace.paragraphs.length).toBeGreaterThan(0);
    });
  }
});

describe('docs/anti-patterns/*.trace', () => {
  const traces = antiPatternTraces(root);
  for (const trace of traces) {
    it(`${trace.path} shows its pattern, exits 0 and has a fix`, () => {
      const result = runAll(checked(trace));
      expect(result.unexpected.map((d) => `line ${d.line}: ${d.kind}`)).toEqual([]);
      expect(result.failedExpects.map((r) => `line ${r.line}: ${r.call}`)).toEqual([]);
      expect(antiPatternProblem(trace, result)).toBeNull();
      expect(trace.path).toMatch(new RegExp(`/${patternOf(trace).toLowerCase().replace('p', 'p0').replace(/^p0(\d\d)$/, 'p$1')}-`));
    });
  }

  it('covers every pattern P1-P12 once, by a trace or by a reason it cannot', () => {
    const traced = traces.map(patternOf);
    expect(new Set(traced).size).toBe(traced.length);
    expect(traced.filter((p) => p in NOT_EXPRESSED)).toEqual([]);
    expect([...traced, ...Object.keys(NOT_EXPRESSED)].sort()).toEqual(Object.keys(PATTERNS).sort());
  });
});
