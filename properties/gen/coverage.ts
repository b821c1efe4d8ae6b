/**
 * Coverage of a set of traces: which catalogue calls, constants and callback
 * behaviours they use, which diagnostic kinds the model reported, and which
 * behaviours (branches) it went through. Counts are numbers of traces, not of
 * occurrences. For a summary at the end of a suite:
 *
 * @example
 *   const report = coverage(traces);          // GeneratedTrace[] or { text }[]
 *   console.log(formatCoverage(report));
 */
import type { Expr } from '../../src/trace/ast.ts';
import { CALLBACKS, CATALOGUE, CONSTANTS } from '../../src/trace/catalogue.ts';
import { parseTrace } from '../../src/trace/parser.ts';
import { runText } from '../../src/run/load.ts';
import type { RunResult } from '../../src/run/runner.ts';
import { KINDS } from '../../src/world/diagnostics.ts';

export interface CoverageInput {
  readonly text: string;
  /** Branches the generator noted (GeneratedTrace.branches). */
  readonly branches?: readonly string[];
  /** The trace's run, if the caller has it already (else it is run here). */
  readonly result?: RunResult;
}

export interface CoverageReport {
  readonly traces: number;
  readonly calls: ReadonlyMap<string, number>;
  /** Catalogue calls no trace made. */
  readonly missingCalls: readonly string[];
  readonly constants: ReadonlyMap<string, number>;
  readonly missingConstants: readonly string[];
  readonly callbacks: ReadonlyMap<string, number>;
  readonly diagnostics: ReadonlyMap<string, number>;
  readonly missingDiagnostics: readonly string[];
  readonly branches: ReadonlyMap<string, number>;
}

const CALLBACK_NAMES = new Set(Object.values(CALLBACKS).flatMap((slot) => Object.keys(slot)));

/** The catalogue calls, constants and callback names an expression mentions. */
function walk(e: Expr, seen: Set<string>): void {
  switch (e.kind) {
    case 'call':
      if (CATALOGUE.has(e.name)) seen.add(`call:${e.name}`);
      for (const a of e.args) walk(a, seen);
      return;
    case 'const':
      seen.add(`const:${e.name}`);
      return;
    case 'var':
      if (CALLBACK_NAMES.has(e.name)) seen.add(`callback:${e.name}`);
      return;
    case 'binary':
      walk(e.left, seen);
      walk(e.right, seen);
      return;
    default:
      return;
  }
}

/** What the run itself shows: failed handshakes, resumptions, callbacks, undefined behaviour. */
function runBranches(result: RunResult, seen: Set<string>): void {
  for (const r of result.records) {
    const fn = r.call.replace(/^\w+ = /, '').split('(')[0];
    if ((fn === 'connect' || fn === 'handshake') && r.ret === 0) seen.add('branch:handshake-failed');
    if (r.reused?.client === 1) seen.add('branch:resumed');
    if (r.undefined) seen.add('branch:undefined-behaviour');
    for (const e of r.events) seen.add(`branch:callback:${e.cb}`);
  }
  for (const d of result.diagnostics) seen.add(`diagnostic:${d.kind}`);
}

/** Everything one trace covers, as prefixed keys. */
function traceKeys(input: CoverageInput): Set<string> {
  const seen = new Set<string>();
  for (const line of parseTrace(input.text, 'coverage.trace').lines) {
    const s = line.statement;
    if (s?.kind === 'call') walk(s.call, seen);
    else if (s?.kind === 'expect') {
      walk(s.left, seen);
      walk(s.right, seen);
    }
  }
  runBranches(input.result ?? runText(input.text, 'coverage.trace'), seen);
  for (const b of input.branches ?? []) seen.add(`branch:${b}`);
  return seen;
}

function section(counts: ReadonlyMap<string, number>, prefix: string): Map<string, number> {
  const out = new Map<string, number>();
  for (const [k, n] of [...counts].sort(([a], [b]) => a.localeCompare(b))) if (k.startsWith(prefix)) out.set(k.slice(prefix.length), n);
  return out;
}

export function coverage(traces: Iterable<CoverageInput>): CoverageReport {
  const counts = new Map<string, number>();
  let n = 0;
  for (const t of traces) {
    n++;
    for (const k of traceKeys(t)) counts.set(k, (counts.get(k) ?? 0) + 1);
  }
  const calls = section(counts, 'call:');
  const constants = section(counts, 'const:');
  const diagnostics = section(counts, 'diagnostic:');
  return {
    traces: n,
    calls,
    missingCalls: [...CATALOGUE.keys()].filter((c) => !calls.has(c)),
    constants,
    missingConstants: [...CONSTANTS.keys()].filter((c) => !constants.has(c)),
    callbacks: section(counts, 'callback:'),
    diagnostics,
    missingDiagnostics: Object.keys(KINDS).filter((k) => !diagnostics.has(k)),
    branches: section(counts, 'branch:'),
  };
}

function line(title: string, counts: ReadonlyMap<string, number>): string {
  return `${title} (${counts.size}): ${[...counts].map(([k, v]) => `${k} ${v}`).join(', ') || '-'}`;
}

/** A few lines for the end of a run: counts are "in how many traces". */
export function formatCoverage(r: CoverageReport): string {
  return [
    `coverage over ${r.traces} traces`,
    `calls: ${r.calls.size}/${CATALOGUE.size}${r.missingCalls.length ? `, never: ${r.missingCalls.join(', ')}` : ''}`,
    `constants: ${r.constants.size}/${CONSTANTS.size}${r.missingConstants.length ? `, never: ${r.missingConstants.join(', ')}` : ''}`,
    line('callbacks', r.callbacks),
    line('diagnostics', r.diagnostics),
    line('branches', r.branches),
  ].join('\n');
}
