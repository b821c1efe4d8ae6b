/**
 * Property: the reference ledger (machines/ledger.ts), short or long enough
 * to be indexed, behaves as the plain list it replaced: entries in
 * acquisition order, a release removes the releaser's entry taken at that
 * line or else its latest, a hand-over relabels the giver's latest entry in place.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { type Holder, Ledger } from '../machines/ledger.ts';

/** The reference list's entries have no `seq`: the ledger's order is what is compared, through `list()`. */
type Entry = Pick<Holder, 'who' | 'line'>;

type Op =
  | { readonly op: 'add'; readonly who: string; readonly line: number }
  | { readonly op: 'drop'; readonly who: string; readonly line: number }
  | { readonly op: 'relabel'; readonly from: string; readonly to: string; readonly line: number };

/** The ledger as the immutable list it was: the reference semantics. */
function reference(list: readonly Entry[], o: Op): readonly Entry[] {
  if (o.op === 'add') return [...list, { who: o.who, line: o.line }];
  if (o.op === 'drop') {
    let index = -1;
    for (let i = 0; i < list.length; i++) {
      if (list[i]!.who !== o.who) continue;
      index = i;
      if (list[i]!.line === o.line) break;
    }
    return index < 0 ? list : list.toSpliced(index, 1);
  }
  const i = list.findLastIndex((h) => h.who === o.from);
  return i < 0 ? list : list.with(i, { who: o.to, line: o.line });
}

const who = fc.constantFrom('app', 'ssl:c1', 'ssl:c1/ctx', 'ssl:c2/ctx', 'cache:x', 'store:x', 'lookup');
const line = fc.integer({ min: 0, max: 4 });
// Adds outweigh the rest so that ledgers often grow past the indexing threshold.
const op: fc.Arbitrary<Op> = fc.oneof(
  { weight: 5, arbitrary: fc.record({ op: fc.constant('add' as const), who, line }) },
  { weight: 3, arbitrary: fc.record({ op: fc.constant('drop' as const), who, line }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant('relabel' as const), from: who, to: who, line }) },
);

describe('Ledger', () => {
  it('agrees with the plain list after every operation', () => {
    fc.assert(
      fc.property(fc.array(op, { maxLength: 120 }), (ops) => {
        const ledger = Ledger.empty();
        let list: readonly Entry[] = [];
        for (const o of ops) {
          if (o.op === 'add') ledger.add(o.who, o.line);
          else if (o.op === 'drop') ledger.drop(o.who, o.line);
          else ledger.relabel(o.from, o.to, o.line);
          list = reference(list, o);
          expect(ledger.list().map(({ who, line }) => ({ who, line }))).toEqual(list);
          expect(ledger.list().map((h) => h.seq)).toEqual([...ledger.list().map((h) => h.seq)].sort((a, b) => a - b));
          expect(ledger.size).toBe(list.length);
          for (const w of ['app', 'ssl:c1', 'ssl:c1/ctx', 'cache:x', 'lookup']) expect(ledger.holds(w)).toBe(list.some((h) => h.who === w));
        }
      }),
      { numRuns: 300 },
    );
  });
});
