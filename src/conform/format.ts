/**
 * The text `sslsim conform` prints: `agree: N steps compared`, or the first
 * difference as a two-column table of just the fields that differ, or, for a
 * trace with undefined behaviour, the predicted outcomes against the real one.
 */
import type { ConformReport, FieldDiff } from './compare.ts';

export function formatReport(r: ConformReport): string {
  const out: string[] = [];
  if (r.difference) {
    const d = r.difference;
    out.push(d.step > 0 ? `${r.file}:${d.line}: differ at step ${d.step} of ${r.steps}: ${d.source}` : `${r.file}:${d.line}: differ at the end of the trace`);
    out.push(...table(d.diffs));
    out.push(`(${r.compared} steps agreed before it)`);
  } else if (r.outcome) {
    const o = r.outcome;
    const at = o.real.line !== null ? ` at line ${o.real.line} (${o.real.call})` : '';
    out.push(`${r.outcome.ok ? 'agree' : 'differ'}: ${r.compared} steps compared, then undefined behaviour at line ${o.diagnostic.line} (${o.diagnostic.kind})`);
    out.push(`  model:     ${o.diagnostic.message}`);
    out.push(`  predicted: ${o.predicted.join(' | ') || '(nothing)'}`);
    out.push(`  libssl:    ${o.real.outcome}${at}: ${o.real.detail}`);
  } else {
    out.push(`agree: ${r.compared} steps compared`);
  }
  return out.join('\n') + '\n';
}

/** One summary line for conform-all. */
export function formatSummary(r: ConformReport, ms: number): string {
  const time = `${Math.round(ms)} ms`;
  if (r.difference) {
    const d = r.difference;
    const fields = d.diffs.map((f) => f.path).slice(0, 4).join(', ') + (d.diffs.length > 4 ? `, +${d.diffs.length - 4}` : '');
    return `${r.file}:${d.line}: differ after ${r.compared} of ${r.steps} steps: ${d.source}: ${fields} (${time})`;
  }
  if (r.outcome) {
    const o = r.outcome;
    const at = o.real.line !== null ? ` at line ${o.real.line}` : '';
    return `${r.file}: ${o.ok ? 'agree' : 'differ'}: ${r.compared} steps compared; ${o.diagnostic.kind} at line ${o.diagnostic.line}: predicted ${o.predicted.join('|')}, libssl ${o.real.outcome}${at} (${time})`;
  }
  return `${r.file}: agree: ${r.compared} steps compared (${time})`;
}

function table(diffs: readonly FieldDiff[]): string[] {
  const rows = diffs.flatMap((d) => {
    const m = lines(d.path, d.model);
    const r = lines(d.path, d.real);
    return Array.from({ length: Math.max(m.length, r.length) }, (_, i) => [i === 0 ? d.path : '', m[i] ?? '', r[i] ?? ''] as const);
  });
  const all = [['field', 'model', 'libssl'] as const, ...rows];
  const w0 = Math.max(...all.map((r) => r[0].length));
  const w1 = Math.max(...all.map((r) => r[1].length));
  return all.map(([a, b, c]) => `  ${a.padEnd(w0)}  ${b.padEnd(w1)}  ${c}`.trimEnd());
}

/** A value as one or more table lines (the callback events get one line each). */
function lines(path: string, v: unknown): string[] {
  if (path === 'events' && Array.isArray(v)) return v.length === 0 ? ['(none)'] : v.map(String);
  return [typeof v === 'string' ? v : JSON.stringify(v)];
}
