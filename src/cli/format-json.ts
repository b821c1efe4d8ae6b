/**
 * `sslsim run --json`: JSON Lines, one object per step (docs/json-schema.md).
 * Keys are written in a fixed order so the output is byte-identical run to run.
 */
import type { RunResult, StepRecord } from '../run/runner.ts';

export function formatJson(result: RunResult): string {
  return result.records.map(jsonLine).join('\n') + '\n';
}

/** One record's line, without its newline (`sslsim run --json` writes each as the trace runs). */
export function jsonLine(r: StepRecord): string {
  return JSON.stringify(toJson(r));
}

function toJson(r: StepRecord): Record<string, unknown> {
  return {
    line: r.line,
    call: r.call,
    ret: r.ret,
    ...(r.reused ? { reused: r.reused } : {}),
    ...(r.expect ? { expect: r.expect } : {}),
    undefined: r.undefined,
    events: r.events,
    diagnostics: r.diagnostics.map((d) => ({
      kind: d.kind,
      severity: d.severity,
      line: d.line,
      message: d.message,
      cause: d.cause,
      explanation: d.explanation,
      consequence: d.consequence,
    })),
    state: r.state,
  };
}
