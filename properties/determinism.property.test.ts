/**
 * Property (d): runs are deterministic.
 *
 * Running the same random trace twice, each time on a fresh world, gives
 * byte-identical output: the `sslsim run --json` JSON Lines (formatJson) and
 * the text report (formatText). The traces are legal ones and ones with an
 * injected misuse, so the paths after undefined behaviour are covered too.
 * Generating is deterministic as well: the same plan gives the same text.
 *
 * A failure prints the shrunk trace; FC_SEED replays it (properties/seed.setup.ts).
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { formatJson } from '../src/cli/format-json.ts';
import { formatText } from '../src/cli/format-text.ts';
import { runText } from '../src/run/load.ts';
import { legalPlan } from './gen/legal.ts';
import { materialize } from './gen/materialize.ts';
import { materializeMisuse, MISUSE_KINDS, misusePlan } from './gen/misuse/index.ts';

const RUNS = 1000;

/** A generated text and a second generation from the same plan; prints as the trace in a counterexample. */
const pair = (text: string, again: string) => ({ text, again, [fc.toStringMethod]: () => `\n${text}` });

/** A legal trace or, half the time, one with a misuse of a random kind; generated twice to compare. */
const traces = fc.oneof(
  legalPlan().map((plan) => pair(materialize(plan).text, materialize(plan).text)),
  fc.tuple(fc.constantFrom(...MISUSE_KINDS), misusePlan()).map(([kind, m]) => pair(materializeMisuse(kind, m).text, materializeMisuse(kind, m).text)),
);

describe('(d) determinism', () => {
  it('the same trace gives byte-identical --json and text output, and the same plan the same trace', () => {
    fc.assert(
      fc.property(traces, ({ text, again }) => {
        expect(again).toBe(text);
        const first = runText(text, 'same.trace');
        const second = runText(text, 'same.trace');
        expect(formatJson(second)).toBe(formatJson(first));
        expect(formatText(second)).toBe(formatText(first));
      }),
      { numRuns: RUNS },
    );
  });
});
