import { readFileSync, writeFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { DOC_PATH, ERROR_EXAMPLES, exampleMessage, generatedSections, renderTraceDocs, SECTIONS } from '../../scripts/gen-trace-docs.ts';
import { CALLBACKS, CATALOGUE, CONSTANTS, DIAGNOSTIC_KINDS, METHODS, OBSERVERS } from '../../src/trace/catalogue.ts';
import { checkTrace } from '../../src/trace/check.ts';
import { parseTrace } from '../../src/trace/parser.ts';
import { printTrace } from '../../src/trace/printer.ts';

const path = new URL(`../../${DOC_PATH}`, import.meta.url);
const doc = readFileSync(path, 'utf8');

describe(DOC_PATH, () => {
  it('has its generated sections up to date with the catalogue (UPDATE_DOCS=1 to refresh)', () => {
    const fresh = renderTraceDocs(doc);
    if (process.env.UPDATE_DOCS === '1' && fresh !== doc) writeFileSync(path, fresh);
    else expect(doc, `${DOC_PATH} is stale: run UPDATE_DOCS=1 npx vitest run test/trace/docs.test.ts`).toBe(fresh);
  });

  it('contains every generated section exactly once', () => {
    expect(generatedSections(doc)).toEqual(Object.keys(SECTIONS));
  });

  it('names every function, observer, method, callback, constant and diagnostic kind', () => {
    const names = [
      ...CATALOGUE.keys(),
      ...OBSERVERS.keys(),
      ...METHODS,
      ...Object.values(CALLBACKS).flatMap((slot) => Object.keys(slot)),
      ...CONSTANTS.keys(),
      ...DIAGNOSTIC_KINDS,
    ];
    expect(names.filter((name) => !doc.includes(`\`${name}`))).toEqual([]);
  });

  it('shows only trace examples that parse, check and are in canonical form', () => {
    const blocks = [...doc.matchAll(/```trace\n([\s\S]*?)```/g)].map((m) => m[1]!);
    expect(blocks.length).toBeGreaterThanOrEqual(2);
    for (const block of blocks) {
      const trace = parseTrace(block, DOC_PATH);
      expect(() => checkTrace(trace)).not.toThrow();
      expect(printTrace(trace)).toBe(block);
    }
  });

  it('gives error examples that are all rejected, each with its own message', () => {
    const messages = ERROR_EXAMPLES.map(exampleMessage);
    expect(messages.every((m) => m.startsWith('example.trace:5:'))).toBe(true);
    expect(new Set(messages).size).toBe(messages.length);
  });
});
