/**
 * Every trace under examples/ runs clean: its expect lines hold and every
 * error diagnostic it produces is one an `expect diagnostic` line predicted.
 * Running twice gives byte-identical JSON (determinism).
 *
 * The probes under conformance/probes/ need not run clean (they leave objects
 * for the leak check, and misuse some), but the expect lines they do carry
 * must hold: `npm test` checks the same steps against libssl with conform-all.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { formatJson } from '../../src/cli/format-json.ts';
import { exitCodeOf, runText } from '../../src/run/load.ts';

function traces(dir: string): string[] {
  return readdirSync(dir).sort().flatMap((n) => {
    const p = join(dir, n);
    return statSync(p).isDirectory() ? traces(p) : n.endsWith('.trace') ? [p] : [];
  });
}

describe('examples', () => {
  for (const file of traces('examples')) {
    it(file, () => {
      const text = readFileSync(file, 'utf8');
      const result = runText(text, file);
      const failures = result.failedExpects.map((r) => `line ${r.line}: ${r.call} got ${String(r.expect?.left)}`);
      const unexpected = result.unexpected.map((d) => `line ${d.line}: ${d.kind}: ${d.message}`);
      expect([...failures, ...unexpected]).toEqual([]);
      expect(exitCodeOf(result)).toBe(0);
      expect(formatJson(runText(text, file))).toBe(formatJson(result));
    });
  }
});

describe('probes', () => {
  for (const file of traces('conformance/probes')) {
    it(`${file}: its expect lines hold`, () => {
      const result = runText(readFileSync(file, 'utf8'), file);
      expect(result.failedExpects.map((r) => `line ${r.line}: ${r.call} got ${String(r.expect?.left)}`)).toEqual([]);
    });
  }
});
