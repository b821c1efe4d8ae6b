/**
 * Regenerates the catalogue-derived sections of docs/trace-language.md.
 *
 * The document is hand-written prose with generated tables between markers:
 *
 *   <!-- generated:NAME -->
 *   ...replaced on every run...
 *   <!-- /generated:NAME -->
 *
 * so the tables of functions, pseudo-calls, observers, callbacks, constants
 * and diagnostic kinds cannot drift from the catalogue, and the error-message
 * examples are the messages the checker really prints. test/trace/docs.test.ts
 * fails when the file is stale; to refresh it run
 *
 *   UPDATE_DOCS=1 npx vitest run test/trace/docs.test.ts
 *
 * (or, on a Node that strips types, `node scripts/gen-trace-docs.ts`).
 */

import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { type ArgKind, CALLBACKS, CATALOGUE, type CallSpec, CONSTANTS, DIAGNOSTIC_KINDS, METHODS, OBSERVER_RETURNS, OBSERVERS } from '../src/trace/catalogue.ts';
import { checkTrace } from '../src/trace/check.ts';
import { TraceError } from '../src/trace/errors.ts';
import { parseTrace } from '../src/trace/parser.ts';

/** Where the document lives, relative to the repository root. */
export const DOC_PATH = 'docs/trace-language.md';

/** The trace every error example continues (its lines 1 to 4). */
export const EXAMPLE_PRELUDE = [
  'cctx = SSL_CTX_new(TLS_client_method())',
  'c1 = SSL_new(cctx)',
  'sess = SSL_SESSION_new()',
  'n = i2d_SSL_SESSION(sess, &der)',
] as const;

/** One bad line per error category, shown as line 5 after {@link EXAMPLE_PRELUDE}. */
export const ERROR_EXAMPLES: readonly string[] = [
  'SSL_SESION_free(sess)',
  'SSL_new(cctx, cctx)',
  'SSL_CTX_set_session_cache_mode(cctx, SSL_SESS_CACHE_CLEINT)',
  'SSL_free(c9)',
  'SSL_CTX_set_timeout(cctx, t)',
  'SSL_free(sess)',
  'SSL_CTX_set_timeout(cctx, sess)',
  'SSL_set_session(c1, 0)',
  'SSL_CTX_sess_set_new_cb(cctx, remove_cb_log)',
  'SSL_CTX_sess_set_get_cb(cctx, get_cb_hit)',
  'ctx2 = SSL_CTX_new(DTLS_method())',
  'ctx2 = SSL_CTX_new(TLS_method)',
  'x = SSL_free(c1)',
  'SSL_SESS_CACHE_OFF = SSL_new(cctx)',
  'refcount(sess)',
  'expect refcont(sess) == 1',
  'expect refcount(n) == 1',
  'expect refcount(sess) == sess',
  'expect SSL_session_reused(c1) == NULL',
  'SSL_CTX_set_timeout(cctx, SSL_CTX_get_timeout(cctx))',
  'SSL_free(&der)',
  'copy = d2i_SSL_SESSION(sess, &der, n)',
  'copy = d2i_SSL_SESSION(NULL, der, n)',
  'expect diagnostic use-after-fre',
  'SSL_SESSION_set1_id(sess, "a\\q", 2)',
  'SSL_CTX_set_timeout(cctx, 010)',
];

const cell = (text: string): string => text.replace(/\|/g, '\\|');
const code = (text: string): string => '`' + cell(text) + '`';
const signature = (name: string, args: readonly ArgKind[]): string => `${name}(${args.join(', ')})`;

function table(header: readonly string[], rows: readonly (readonly string[])[]): string {
  const line = (cells: readonly string[]): string => `| ${cells.join(' | ')} |`;
  return [line(header), line(header.map(() => '---')), ...rows.map(line)].join('\n');
}

function functionsTable(): string {
  const rows = [...CATALOGUE.values()]
    .filter((c) => !c.pseudo)
    .map((c: CallSpec) => [code(signature(c.name, c.args)), code(c.returns), c.ownership === 'none' ? '' : c.ownership, cell(c.summary)]);
  return table(['Call', 'Returns', 'Pointer', 'Model'], rows);
}

function pseudoCallsTable(): string {
  const rows = [...CATALOGUE.values()].filter((c) => c.pseudo).map((c) => [code(signature(c.name, c.args)), code(c.returns), cell(c.summary)]);
  return table(['Pseudo-call', 'Returns', 'What it does'], rows);
}

function observersTable(): string {
  const rows = [...OBSERVERS].map(([name, o]) => [code(signature(name, o.args)), code(OBSERVER_RETURNS.get(name) ?? 'int'), cell(o.summary)]);
  return table(['Observer', 'Yields', 'Reads'], rows);
}

function methodsList(): string {
  return METHODS.map((m) => `- \`${m}()\``).join('\n');
}

function callbacksTable(): string {
  const setters = { 'new-cb': 'SSL_CTX_sess_set_new_cb', 'remove-cb': 'SSL_CTX_sess_set_remove_cb', 'get-cb': 'SSL_CTX_sess_set_get_cb' } as const;
  const rows = (Object.keys(CALLBACKS) as (keyof typeof CALLBACKS)[]).flatMap((slot) =>
    Object.entries(CALLBACKS[slot]).map(([name, behaviour]) => [code(name), `\`${slot}\` (${code(setters[slot])})`, cell(behaviour)]),
  );
  return table(['Callback', 'Slot (installed with)', 'Behaviour'], rows);
}

function constantsTable(): string {
  const rows = [...CONSTANTS].map(([name, value]) => [code(name), code('0x' + value.toString(16)), String(value)]);
  return table(['Constant', 'Hex', 'Decimal'], rows);
}

function diagnosticsList(): string {
  return DIAGNOSTIC_KINDS.map((k) => `- \`${k}\``).join('\n');
}

/** The message the front end gives for one example line (line 5 of `example.trace`). */
export function exampleMessage(line: string): string {
  try {
    checkTrace(parseTrace([...EXAMPLE_PRELUDE, line].join('\n'), 'example.trace'));
  } catch (e) {
    if (e instanceof TraceError) return e.message;
    throw e;
  }
  throw new Error(`error example is accepted: ${line}`);
}

function errorExamplesTable(): string {
  return table(['Line 5', 'Reported'], ERROR_EXAMPLES.map((line) => [code(line), code(exampleMessage(line))]));
}

/** Every generated section, by marker name. */
export const SECTIONS: Readonly<Record<string, () => string>> = {
  functions: functionsTable,
  'pseudo-calls': pseudoCallsTable,
  observers: observersTable,
  methods: methodsList,
  callbacks: callbacksTable,
  constants: constantsTable,
  diagnostics: diagnosticsList,
  'error-examples': errorExamplesTable,
};

const MARKED = /(<!-- generated:([a-z-]+) -->\n)[\s\S]*?(<!-- \/generated:\2 -->)/g;

/** The names of the generated sections present in a document, in order. */
export function generatedSections(doc: string): string[] {
  return [...doc.matchAll(MARKED)].map((m) => m[2]!);
}

/**
 * The document with every generated section re-rendered.
 *
 * @throws Error for a marker naming no known section
 */
export function renderTraceDocs(doc: string): string {
  return doc.replace(MARKED, (_whole, open: string, name: string, close: string) => {
    const render = SECTIONS[name];
    if (render === undefined) throw new Error(`${DOC_PATH}: unknown generated section ${name}`);
    return `${open}${render()}\n${close}`;
  });
}

/** Rewrites the document in place; returns whether it changed. */
export function updateTraceDocs(root: string): boolean {
  const path = `${root}/${DOC_PATH}`;
  const before = readFileSync(path, 'utf8');
  const after = renderTraceDocs(before);
  if (after !== before) writeFileSync(path, after);
  return after !== before;
}

if (process.argv[1] !== undefined && fileURLToPath(import.meta.url) === process.argv[1]) {
  const root = fileURLToPath(new URL('..', import.meta.url)).replace(/\/$/, '');
  console.log(updateTraceDocs(root) ? `updated ${DOC_PATH}` : `${DOC_PATH} is up to date`);
}
