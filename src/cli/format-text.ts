/**
 * `sslsim run`: each step with its return value, the callbacks it fired, a
 * compact table of live objects and their refcounts, and the diagnostics in
 * colour with their explanation (NO_COLOR and non-terminals get plain text).
 */
import pc from 'picocolors';
import type { RunResult, StepRecord } from '../run/runner.ts';
import type { Diagnostic } from '../world/diagnostics.ts';
import type { CallbackEvent } from '../world/events.ts';
import { liveObjects } from './live-objects.ts';

export function formatText(result: RunResult): string {
  const steps = new StepFormatter();
  return result.records.map((r) => steps.format(r)).join('') + '\n' + summary(result) + '\n';
}

/**
 * The text of one record after another, as `sslsim run` writes them while the trace runs: the table of live
 * objects is printed when it differs from the previous step's. The run's summary line follows the last.
 */
export class StepFormatter {
  private previous = '';

  /** The record's lines, each ending in a newline. */
  format(r: StepRecord): string {
    const out = [stepLine(r)];
    for (const e of r.events) out.push(`      ${pc.cyan('callback')} ${eventText(e)}`);
    const table = liveObjects(r.state);
    if (table !== this.previous) out.push(`      ${pc.dim(table)}`);
    this.previous = table;
    for (const d of r.diagnostics) out.push(...diagnosticLines(d));
    return out.join('\n') + '\n';
  }
}

function stepLine(r: StepRecord): string {
  const line = String(r.line).padStart(4);
  const mark = r.undefined ? pc.magenta(' [undefined]') : '';
  if (r.expect) {
    const verdict = r.expect.ok ? pc.green('ok') : pc.red(`FAILED (got ${String(r.expect.left)})`);
    return `${line}  ${r.call}  ${verdict}${mark}`;
  }
  const ret = r.ret === null ? '' : pc.dim(` -> ${String(r.ret)}`);
  const reused = r.reused ? pc.dim(` (reused: client ${r.reused.client}, server ${r.reused.server})`) : '';
  return `${line}  ${r.call}${ret}${reused}${mark}`;
}

function eventText(e: CallbackEvent): string {
  if (e.cb === 'new') return `new_session_cb(${e.ssl}, ${e.sess}) refcount ${e.refs} on entry, returned ${e.ret}`;
  if (e.cb === 'remove') return `remove_session_cb(${e.ctx}, ${e.sess}) refcount ${e.refs} on entry`;
  return `get_session_cb(${e.ssl}) returned ${e.ret ?? 'NULL'}, *copy = ${e.copy}`;
}

function diagnosticLines(d: Diagnostic): string[] {
  const colour = d.severity === 'error' ? pc.red : pc.yellow;
  const lines = [`      ${colour(pc.bold(`${d.severity} ${d.kind}`))} line ${d.line}: ${d.message}`];
  if (d.cause) lines.push(`        ${pc.dim('cause:')} line ${d.cause.line}: ${d.cause.what}`);
  lines.push(`        ${pc.dim('why:')} ${d.explanation}`);
  lines.push(`        ${pc.dim('then:')} ${d.consequence}`);
  return lines;
}

/** The last line: PASS or FAIL, and the counts of diagnostics and expects. */
export function summary(result: RunResult): string {
  const errors = result.diagnostics.filter((d) => d.severity === 'error').length;
  const warnings = result.diagnostics.length - errors;
  const expects = result.records.filter((r) => r.expect);
  const failed = result.failedExpects.length;
  const verdict = result.unexpected.length === 0 && failed === 0 ? pc.green('PASS') : pc.red('FAIL');
  const ub = result.undefinedSince !== null ? `, undefined behaviour from line ${result.undefinedSince}` : '';
  return `${verdict} ${result.file}: ${errors} error(s) (${errors - result.unexpected.length} expected), ${warnings} warning(s), ${expects.length - failed}/${expects.length} expect(s) hold${ub}`;
}
