/**
 * docs/recipes.md and docs/anti-patterns.md: each entry is a trace under
 * docs/recipes/ or docs/anti-patterns/ whose header comment carries its prose,
 * followed by what the model computes when it runs the trace (the steps and
 * refcounts, the reference ledger of every session, the diagnostics). Nothing
 * the model says is written by hand, so the documents cannot drift from it.
 */
import { isResumable } from '../../machines/ssl-session.ts';
import { KINDS } from '../../src/world/diagnostics.ts';
import type { RunResult, StepRecord } from '../../src/run/runner.ts';
import { exitCodeOf } from '../../src/run/load.ts';
import type { CallbackEvent } from '../../src/world/events.ts';
import { liveObjects } from '../../src/cli/live-objects.ts';
import {
  cell,
  checked,
  code,
  type DocTrace,
  GENERATED_NOTE,
  holderText,
  readDocTrace,
  runAll,
  runPrefix,
  table,
  traceFiles,
} from './common.ts';

export const RECIPES_DIR = 'docs/recipes';
export const ANTI_PATTERNS_DIR = 'docs/anti-patterns';

/**
 * The misuse patterns of misuse-patterns-and-real-bugs.md §1 (pattern tags),
 * in short. The traces name their pattern; the diagnostics catalogue
 * (src/world/diagnostics.ts KINDS) names the patterns each kind detects.
 */
export const PATTERNS: Readonly<Record<string, string>> = {
  P1: 'a borrowed (get0) pointer freed or kept past its validity',
  P2: 'a double release in a callback (free inside remove_session_cb, a wrapper dropping a transferred reference)',
  P3: "get_session_cb's *copy flag or reference hand-over wrong",
  P4: "new_session_cb's return value disagrees with whether it kept the reference",
  P5: 'mutating a session or context that is shared or cached',
  P6: 'a session or callbacks tied to the wrong SSL_CTX',
  P7: 'an object freed or unlinked while cache bookkeeping still points at it',
  P8: 'TLS 1.3 semantics: tickets arrive after the handshake, several per connection, single use',
  P9: 'leaks and unbounded growth',
  P10: 'teardown order and re-entrancy',
  P11: 'refcount imbalance on error and out-of-memory paths',
  P12: '"bad session" invalidation surprises (SSL_free without SSL_shutdown)',
};

/** Patterns with no trace, and why: the trace language and the model cannot express them. */
export const NOT_EXPRESSED: Readonly<Record<string, string>> = {
  P5: 'The model is single-threaded and has no diagnostic for mutating a cached session: the races of this pattern (CVE-2015-1791, ssl_session_dup racing list updates) need threads. What a trace can show, a cached session re-keyed by SSL_SESSION_set1_id, is legal and only leaves a stale hash key (spec §2 SSL_SESSION_set1_id).',
  P11: 'The model has no allocation failures to inject: every call succeeds or fails as the spec says for valid memory.',
};

// ---- rendering helpers -------------------------------------------------------

function eventText(e: CallbackEvent): string {
  if (e.cb === 'new') return `new_session_cb(${e.ssl}, ${e.sess}): refcount ${e.refs} on entry, returned ${e.ret}`;
  if (e.cb === 'remove') return `remove_session_cb(${e.ctx}, ${e.sess}): refcount ${e.refs} on entry`;
  return `get_session_cb(${e.ssl}): returned ${e.ret ?? 'NULL'}, *copy = ${e.copy}`;
}

function resultText(r: StepRecord): string {
  if (r.expect) return r.expect.ok ? 'holds' : `**FAILED** (got ${String(r.expect.left)})`;
  const ret = r.ret === null ? '' : `→ ${String(r.ret)}`;
  const reused = r.reused ? ` (reused: client ${r.reused.client}, server ${r.reused.server})` : '';
  return ret + reused;
}

const LEGEND =
  'Live objects, grouped by kind (`ctx`, `ssl`, `session`): `name:refcount`; a context lists its cache from head (latest expiry) to tail, an SSL points at its session (`→`), ' +
  '`(nr)` marks a session that is not resumable. A blank cell means nothing changed.';

function stepsTable(result: RunResult): string {
  let previous = '';
  const rows = result.records.map((r) => {
    const objects = liveObjects(r.state);
    const shown = objects === previous ? '' : code(objects);
    previous = objects;
    return [String(r.line), code(r.call), cell(resultText(r)), cell(r.events.map(eventText).join('; ')), shown];
  });
  return table(['Line', 'Step', 'Result', 'Callbacks', 'Live objects after the step'], rows);
}

/** The variable names that pointed at each session during the run, from the records' handles. */
function sessionNames(result: RunResult): Map<string, string[]> {
  const names = new Map<string, string[]>();
  for (const r of result.records) {
    for (const [name, id] of Object.entries(r.state.handles)) {
      if (id === null || !(id in r.state.sessions)) continue;
      const list = names.get(id) ?? [];
      if (!list.includes(name)) list.push(name);
      names.set(id, list);
    }
  }
  return names;
}

/**
 * Who holds each session's references after each step, read from the model's
 * reference ledger (machines/refcount.ts): the trace is re-run up to each step
 * and the ledger of every session compared with the step before.
 */
function ledgerTimeline(trace: DocTrace, result: RunResult): string {
  const ct = checked(trace);
  // The statement of each line (the end-of-trace record shares the last line number: it is not a statement).
  const statement = new Map(result.records.filter((r) => r.call !== '(end of trace)').map((r) => [r.line, r.call]));
  const last = new Map<string, string>();
  const rows = new Map<string, string[][]>();
  ct.steps.forEach((step, i) => {
    if (step.kind === 'expect-diagnostic') return;
    const world = runPrefix(ct, i + 1).world;
    for (const [id, snap] of world.sessions) {
      const freed = snap.value === 'freed';
      const c = snap.context;
      const holders = freed ? '' : c.holders.list().map((h) => holderText(h.who, h.line)).join(', ');
      const row = freed
        ? ['freed', '', '', '']
        : [String(c.refs), holders || '(nobody)', c.owner ?? '', isResumable(c) ? 'yes' : 'no'];
      const key = row.join('|');
      if (last.get(id) === key) continue;
      last.set(id, key);
      const list = rows.get(id) ?? [];
      list.push([String(step.line), code(statement.get(step.line) ?? ''), ...row.map(cell)]);
      rows.set(id, list);
    }
  });
  const names = sessionNames(result);
  const out: string[] = [];
  const transient: string[] = [];
  for (const [id, list] of [...rows].sort(([a], [b]) => Number(a.slice(1)) - Number(b.slice(1)))) {
    // A session libssl makes and frees within one step (a temporary copy) has a one-row history: say it in a sentence.
    if (list.length === 1 && list[0]![2] === 'freed' && !names.has(id)) {
      transient.push(`\`${id}\` (line ${list[0]![0]})`);
      continue;
    }
    const known = names.get(id);
    const label = known ? `\`${id}\` (${known.map((n) => `\`${n}\``).join(', ')})` : `\`${id}\` (made inside libssl, never named by the trace)`;
    out.push(`Session ${label}:`, '', table(['After line', 'Step', 'Refcount', 'References held by', 'In the cache of', 'Resumable'], list), '');
  }
  if (transient.length > 0) out.push(`Made and freed inside libssl within a single step: ${transient.join(', ')}.`);
  return out.join('\n').trimEnd();
}

function traceBlock(trace: DocTrace): string {
  const end = trace.bodyStart + trace.body.trimEnd().split('\n').length - 1;
  return [`[\`${trace.path}\`](${trace.path.replace(/^docs\//, '')}), lines ${trace.bodyStart}-${end}:`, '', '```trace', trace.body.trimEnd(), '```'].join('\n');
}

function anchor(title: string): string {
  return title
    .toLowerCase()
    .replace(/[^a-z0-9 _-]/g, '')
    .trim()
    .replace(/ /g, '-');
}

/**
 * `recipe 03` / `recipes 01 and 07` in a trace's prose become links to those
 * recipes of docs/recipes.md (the number is the trace's file-name prefix).
 */
function linkRecipes(root: string, text: string): string {
  const recipes = recipeTraces(root);
  const link = (nn: string): string => {
    const i = recipes.findIndex((t) => t.path.startsWith(`${RECIPES_DIR}/${nn}-`));
    if (i < 0) throw new Error(`no recipe ${nn} (${text})`);
    return `[${i + 1}](recipes.md#${anchor(`${i + 1} ${recipes[i]!.title}`)})`;
  };
  return text.replace(/\brecipe (\d\d)\b/g, (_m, a: string) => `recipe ${link(a)}`).replace(/\brecipes (\d\d) and (\d\d)\b/g, (_m, a: string, b: string) => `recipes ${link(a)} and ${link(b)}`);
}

// ---- recipes -------------------------------------------------------------------

export function recipeTraces(root: string): DocTrace[] {
  return traceFiles(root, RECIPES_DIR).map((p) => readDocTrace(root, p));
}

/** Why a recipe is not fit to be documented as correct, or null. */
export function recipeProblem(result: RunResult): string | null {
  if (exitCodeOf(result) !== 0) return 'it does not run clean';
  if (result.diagnostics.length > 0) return `it reports ${result.diagnostics.map((d) => d.kind).join(', ')}`;
  if (!result.records.some((r) => r.expect)) return 'it has no expect line';
  return null;
}

export function renderRecipes(root: string): string {
  const traces = recipeTraces(root);
  const out: string[] = [
    '# Recipes: correct call orderings',
    '',
    GENERATED_NOTE(`${RECIPES_DIR}/*.trace`),
    '',
    'Each recipe is a trace that uses the session API the way OpenSSL 3.0.19 expects. Its prose is the header comment of the trace; ' +
      'everything under "What the model computes" is the output of running the trace through the model, so it cannot drift from it. ' +
      'Every recipe runs clean: its `expect` lines hold and the model reports no diagnostic, not even a warning ' +
      '(`node dist/src/cli/main.js run-all docs/recipes` in CI). The names of the trace language are in [trace-language.md](trace-language.md), ' +
      'who owns what each call returns in [ownership.md](ownership.md), and the mistakes these recipes avoid in [anti-patterns.md](anti-patterns.md).',
    '',
    ...traces.map((t, i) => `${i + 1}. [${t.title}](#${anchor(`${i + 1} ${t.title}`)})`),
    '',
  ];
  traces.forEach((trace, i) => {
    const result = runAll(checked(trace));
    const problem = recipeProblem(result);
    if (problem) throw new Error(`${trace.path}: not a recipe: ${problem}`);
    out.push(
      `## ${i + 1}. ${trace.title}`,
      '',
      ...trace.paragraphs.flatMap((p) => [p, '']),
      traceBlock(trace),
      '',
      '### What the model computes',
      '',
      `${result.records.filter((r) => r.expect).length} expect lines hold; no diagnostic. ${LEGEND}`,
      '',
      stepsTable(result),
      '',
      '#### Who holds each session',
      '',
      'From the model\'s reference ledger after each step that changed a session: `app (line N)` is a reference the application ' +
        'acquired at line N, an SSL\'s name is that SSL\'s reference, and `cache of X` / `store of X` are the internal cache of X and the ' +
        'application\'s external store for X.',
      '',
      ledgerTimeline(trace, result),
      '',
    );
  });
  return out.join('\n').trimEnd() + '\n';
}

// ---- anti-patterns -------------------------------------------------------------

export function antiPatternTraces(root: string): DocTrace[] {
  return traceFiles(root, ANTI_PATTERNS_DIR).map((p) => readDocTrace(root, p));
}

/** The pattern tag a trace declares (`Pattern: P7`). */
export function patternOf(trace: DocTrace): string {
  const p = trace.fields.get('Pattern')?.trim() ?? '';
  if (!(p in PATTERNS)) throw new Error(`${trace.path}: "# Pattern: Pn" names no pattern of misuse-patterns-and-real-bugs.md (${p})`);
  return p;
}

/** Why an anti-pattern trace is not fit to be documented, or null. */
export function antiPatternProblem(trace: DocTrace, result: RunResult): string | null {
  if (exitCodeOf(result) !== 0) return 'it does not run clean (announce every diagnostic with `expect diagnostic KIND`)';
  if (result.diagnostics.length === 0) return 'the model reports nothing';
  const pattern = patternOf(trace);
  const kinds = result.diagnostics.map((d) => d.kind);
  if (!kinds.some((k) => KINDS[k].pattern.split(', ').includes(pattern))) return `none of its diagnostics (${kinds.join(', ')}) is one the catalogue names for ${pattern}`;
  if (!trace.fields.has('Fix')) return 'its header has no "Fix:" paragraph';
  return null;
}

function diagnosticsSection(result: RunResult): string {
  const rows = result.records.flatMap((r) =>
    r.diagnostics.map((d) => [
      r.call === '(end of trace)' ? 'end of trace' : `${r.line}: ${code(r.call)}`,
      `\`${d.kind}\` (${d.severity})`,
      String(d.line),
      cell(d.message),
      d.cause ? cell(`line ${d.cause.line}: ${d.cause.what}`) : '',
    ]),
  );
  const out = [table(['Reported at', 'Kind', 'Line', 'Message', 'Cause'], rows), '', 'Why it is wrong:', ''];
  const seen = new Set<string>();
  for (const d of result.diagnostics) {
    if (!seen.has(d.kind)) {
      seen.add(d.kind);
      out.push(`- **\`${d.kind}\`**: ${d.explanation}`);
    }
  }
  out.push('', 'What real 3.0.19 does then:', '');
  for (const d of result.diagnostics) out.push(`- line ${d.line}, \`${d.kind}\`: ${d.consequence}`);
  if (result.undefinedSince !== null) {
    out.push('', `From line ${result.undefinedSince} on the program has undefined behaviour: the model marks every later step \`undefined\` and its state after that point is one possible outcome, not a prediction.`);
  }
  return out.join('\n');
}

export function renderAntiPatterns(root: string): string {
  const traces = antiPatternTraces(root);
  const runs = traces.map((t) => ({ trace: t, result: runAll(checked(t)) }));
  const summary = runs.map(({ trace, result }, i) => [
    patternOf(trace),
    `[${trace.title}](#${anchor(`${i + 1} ${patternOf(trace)} ${trace.title}`)})`,
    [...new Set(result.diagnostics.map((d) => `\`${d.kind}\``))].join(', '),
  ]);
  const out: string[] = [
    '# Anti-patterns: the misuse patterns as traces',
    '',
    GENERATED_NOTE(`${ANTI_PATTERNS_DIR}/*.trace`),
    '',
    'One trace per misuse pattern of `misuse-patterns-and-real-bugs.md` that the trace language can express, each after a real bug. ' +
      'The prose and the fix are the header comment of the trace; the diagnostics are what the model reports when it runs the trace. ' +
      'Each trace announces its diagnostics with `expect diagnostic KIND`, so it exits 0 and CI runs it like any other ' +
      '(`node dist/src/cli/main.js run-all docs/anti-patterns`). The correct orderings are in [recipes.md](recipes.md).',
    '',
    table(['Pattern', 'Anti-pattern', 'The model reports'], summary),
    '',
  ];
  runs.forEach(({ trace, result }, i) => {
    const problem = antiPatternProblem(trace, result);
    if (problem) throw new Error(`${trace.path}: not an anti-pattern: ${problem}`);
    const pattern = patternOf(trace);
    const bug = trace.fields.get('Real bug');
    out.push(
      `## ${i + 1}. ${pattern}: ${trace.title}`,
      '',
      `*Pattern ${pattern}: ${PATTERNS[pattern]}.*`,
      '',
      ...trace.paragraphs.flatMap((p) => [linkRecipes(root, p), '']),
      ...(bug ? [`Real bug: ${bug}`, ''] : []),
      traceBlock(trace),
      '',
      '### What the model reports',
      '',
      diagnosticsSection(result),
      '',
      '### Fix',
      '',
      linkRecipes(root, trace.fields.get('Fix') ?? ''),
      '',
    );
  });
  out.push('## Patterns without a trace', '');
  for (const [p, why] of Object.entries(NOT_EXPRESSED)) out.push(`- **${p}** (${PATTERNS[p]}): ${linkRecipes(root, why)}`);
  return out.join('\n').trimEnd() + '\n';
}
