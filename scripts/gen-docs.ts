/**
 * Regenerates every generated document under docs/ (not docs/trace-language.md,
 * which scripts/gen-trace-docs.ts keeps):
 *
 * - docs/ownership.md, from the catalogue and runs of the callback behaviours;
 * - docs/recipes.md, from docs/recipes/*.trace and what the model computes for them;
 * - docs/anti-patterns.md, from docs/anti-patterns/*.trace and their diagnostics;
 * - docs/diagrams/*.{dot,svg} and docs/statecharts.md, from the three machine definitions;
 * - the generated sections of docs/json-schema.md (real records of `sslsim run --json`).
 *
 * test/docs/*.test.ts fail when a committed document differs from what this
 * produces. Refresh with `npm run docs` (or `UPDATE_DOCS=1 npx vitest run test/docs`).
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { formatJson } from '../src/cli/format-json.ts';
import { runText } from '../src/run/load.ts';
import { renderOwnership } from './docs/ownership.ts';
import { definitionOf, DIAGRAMS_DIR, machineDot, MACHINES, renderStatechartsMd, renderSvg } from './docs/statecharts.ts';
import { renderAntiPatterns, renderRecipes } from './docs/traces.ts';

export const JSON_SCHEMA_DOC = 'docs/json-schema.md';

/**
 * The records docs/json-schema.md shows, as `sslsim run --json` prints them:
 * a file, and the statement whose record is shown.
 */
export const JSON_EXAMPLES: Readonly<Record<string, { readonly file: string; readonly call: string }>> = {
  'example-callbacks': { file: 'docs/recipes/03-server-external-cache.trace', call: 'expect connect(cli2, srv2) == 1' },
  'example-diagnostic': { file: 'docs/anti-patterns/p07-freed-while-cached.trace', call: 'SSL_free(srv1)' },
};

/** One real record, pretty-printed, with the command that prints it. */
export function jsonExample(root: string, name: string): string {
  const ex = JSON_EXAMPLES[name];
  if (!ex) throw new Error(`${JSON_SCHEMA_DOC}: unknown generated section ${name}`);
  const output = formatJson(runText(readFileSync(join(root, ex.file), 'utf8'), ex.file));
  const line = output.split('\n').find((l) => l !== '' && (JSON.parse(l) as { call: string }).call === ex.call);
  if (line === undefined) throw new Error(`${ex.file}: no record for ${ex.call}`);
  return [`\`node dist/src/cli/main.js run --json ${ex.file}\`, the record of \`${ex.call}\`:`, '', '```json', JSON.stringify(JSON.parse(line), null, 2), '```'].join('\n');
}

const MARKED = /(<!-- generated:([a-z-]+) -->\n)[\s\S]*?(<!-- \/generated:\2 -->)/g;

/** docs/json-schema.md with its generated sections re-rendered (the rest is hand-written). */
export function renderJsonSchemaDoc(root: string, doc: string): string {
  return doc.replace(MARKED, (_whole, open: string, name: string, close: string) => `${open}${jsonExample(root, name)}\n${close}`);
}

export function generatedSectionNames(doc: string): string[] {
  return [...doc.matchAll(MARKED)].map((m) => m[2]!);
}

/** Every generated file, by repository-relative path, with the content it must have. */
export async function generateDocs(root: string): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  out.set('docs/ownership.md', renderOwnership());
  out.set('docs/recipes.md', renderRecipes(root));
  out.set('docs/anti-patterns.md', renderAntiPatterns(root));
  for (const m of MACHINES) {
    const dot = machineDot(definitionOf(m.key));
    out.set(`${DIAGRAMS_DIR}/${m.file}.dot`, dot);
    out.set(`${DIAGRAMS_DIR}/${m.file}.svg`, await renderSvg(dot));
  }
  out.set('docs/statecharts.md', renderStatechartsMd());
  out.set(JSON_SCHEMA_DOC, renderJsonSchemaDoc(root, readFileSync(join(root, JSON_SCHEMA_DOC), 'utf8')));
  return out;
}

/** Writes every generated file that differs; returns the paths written. */
export async function writeDocs(root: string): Promise<string[]> {
  const written: string[] = [];
  for (const [path, content] of await generateDocs(root)) {
    const full = join(root, path);
    if (existsSync(full) && readFileSync(full, 'utf8') === content) continue;
    mkdirSync(dirname(full), { recursive: true });
    writeFileSync(full, content);
    written.push(path);
  }
  return written;
}

if (process.argv[1] !== undefined && fileURLToPath(import.meta.url) === process.argv[1]) {
  const root = fileURLToPath(new URL('..', import.meta.url)).replace(/\/$/, '');
  const written = await writeDocs(root);
  console.log(written.length ? written.map((p) => `updated ${p}`).join('\n') : 'docs are up to date');
}
