/**
 * The generated documents under docs/ are what scripts/gen-docs.ts produces
 * from the catalogue, the machines and the doc traces today. A stale document
 * fails here; refresh with `npm run docs` (or UPDATE_DOCS=1 npx vitest run test/docs).
 */
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { generateDocs, generatedSectionNames, JSON_EXAMPLES, JSON_SCHEMA_DOC } from '../../scripts/gen-docs.ts';
import { DIAGRAMS_DIR } from '../../scripts/docs/statecharts.ts';

const root = fileURLToPath(new URL('../..', import.meta.url)).replace(/\/$/, '');
const generated = await generateDocs(root);

describe('generated docs (npm run docs to refresh)', () => {
  for (const [path, fresh] of generated) {
    it(`${path} is up to date`, () => {
      const full = join(root, path);
      let committed: string | null;
      try {
        committed = readFileSync(full, 'utf8');
      } catch {
        committed = null;
      }
      if (process.env.UPDATE_DOCS === '1' && committed !== fresh) writeFileSync(full, fresh);
      else expect(committed, `${path} is stale: run npm run docs`).toBe(fresh);
    });
  }

  it(`${DIAGRAMS_DIR} holds only generated diagrams`, () => {
    const present = readdirSync(join(root, DIAGRAMS_DIR)).map((n) => `${DIAGRAMS_DIR}/${n}`).sort();
    expect(present).toEqual([...generated.keys()].filter((p) => p.startsWith(`${DIAGRAMS_DIR}/`)).sort());
  });

  it(`${JSON_SCHEMA_DOC} has each generated example exactly once`, () => {
    expect(generatedSectionNames(readFileSync(join(root, JSON_SCHEMA_DOC), 'utf8'))).toEqual(Object.keys(JSON_EXAMPLES));
  });

  it('are generated the same way twice (deterministic)', async () => {
    const again = await generateDocs(root);
    expect([...again]).toEqual([...generated]);
  });
});
