/**
 * Property (c): one misuse, injected at a random point, is reported with its
 * kind at its line.
 *
 * For each diagnostic kind, take a random legal prefix and inject one misuse
 * of that kind where it applies (properties/gen/misuse: a free of a borrowed
 * pointer, a use or a second free after the last release, a borrowed pointer
 * used after its SSL let go, a session destroyed while cached, a session
 * added to a second context's cache, a callback breaking its contract, a
 * missing free, and the three legal surprises); the program then goes on as
 * if nothing had happened (the rest of its plan and the teardown), as a
 * buggy application does. Replayed by the runner:
 * - the model reports that kind at the line the spec says (for a leak, the
 *   line that acquired the reference never released);
 * - nothing is reported as an error before the misuse: the prefix is legal;
 * - a leak is the only error of its trace, and a warning's trace (legal from
 *   end to end) has no error at all.
 *
 * A failure prints the kind, the expected line and the shrunk trace; FC_SEED
 * replays it (properties/seed.setup.ts).
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { runText } from '../src/run/load.ts';
import { KINDS } from '../src/world/diagnostics.ts';
import { MISUSE_KINDS, misuseTrace } from './gen/misuse/index.ts';

const RUNS = 1000;

describe('(c) an injected misuse is reported at its line', () => {
  for (const kind of MISUSE_KINDS) {
    it(kind, () => {
      fc.assert(
        fc.property(misuseTrace(kind), (t) => {
          const result = runText(t.text, `${kind}.trace`);
          const where = `${kind} expected at line ${t.line}\n${t.text}`;
          const seen = result.diagnostics.map((d) => `${d.line}: ${d.kind}`);
          expect(seen, where).toContain(`${t.line}: ${kind}`);
          // Steps before the misuse: the legal prefix (and the recipe's legal set-up) reports no error.
          const early = result.records
            .filter((r) => r.line < t.from && r.call !== '(end of trace)')
            .flatMap((r) => r.diagnostics)
            .filter((d) => d.severity === 'error');
          expect(early.map((d) => `${d.line}: ${d.kind}: ${d.message}`), where).toEqual([]);
          const errors = result.diagnostics.filter((d) => d.severity === 'error').map((d) => `${d.line}: ${d.kind}`);
          if (kind === 'leak') expect(errors, where).toEqual([`${t.line}: leak`]);
          if (KINDS[kind].severity === 'warning') expect(errors, where).toEqual([]);
        }),
        { numRuns: RUNS },
      );
    });
  }
});
