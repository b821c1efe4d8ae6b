/**
 * Model against real libssl, step by step.
 *
 * A step is a source line that makes calls (a call statement, or an `expect`
 * with a call on a side): the model's record of that line (`sslsim run --json`)
 * against the harness's record(s) for the same line. Compared: `ret` of each
 * call, `reused`, the callbacks fired (`events`) and `state` (sessions:
 * refs/freed/resumable; ssl: refs/freed/session; ctx: refs/freed/cache/
 * sess_number), the observables of conformance/PROTOCOL.md. The model-only
 * fields (owner, handles, diagnostics, undefined, expect) are not.
 *
 * Undefined behaviour: from the step where the model reports its first
 * undefined-behaviour diagnostic, states are no longer compared (the model
 * does not follow freed memory). Instead the real run must end in one of the
 * outcomes that diagnostic predicts (Diagnostic.outcomes): a fault at that
 * step or a later one (ASan sees a misuse only at the next free, NOTES.md N4),
 * a leak, or nothing visible. Without undefined behaviour the real run must
 * not fault and must leak exactly the sessions the model leaves alive.
 */
import type { RunResult, StepRecord } from '../run/runner.ts';
import type { StateView } from '../run/observe.ts';
import { type Diagnostic, KINDS, type Outcome } from '../world/diagnostics.ts';
import type { CallbackEvent } from '../world/events.ts';
import type { CompiledTrace, ProtocolCall } from './compile.ts';
import { type HarnessRun, isFault, type RealFault, type RealState, type RealStep } from './harness.ts';

/** One field that differs, with both sides. */
export interface FieldDiff {
  readonly path: string;
  readonly model: unknown;
  readonly real: unknown;
}

/** The first step where the model and libssl disagree. */
export interface Difference {
  /** The source line; for the end of the trace, the last line. */
  readonly line: number;
  /** The statement as written (printed canonically), or `(end of trace)`. */
  readonly source: string;
  /** 1-based index of the step among the trace's steps with calls (0 for the end of the trace). */
  readonly step: number;
  readonly diffs: readonly FieldDiff[];
}

/** What the model predicted for its first undefined behaviour, and what real libssl did. */
export interface OutcomeCheck {
  readonly diagnostic: Pick<Diagnostic, 'kind' | 'line' | 'message' | 'consequence'>;
  readonly predicted: readonly Outcome[];
  readonly real: { readonly outcome: Outcome; readonly line: number | null; readonly call: string | null; readonly detail: string };
  readonly ok: boolean;
}

export interface ConformReport {
  readonly file: string;
  /** Steps compared field by field (before any undefined behaviour). */
  readonly compared: number;
  /** Steps with calls in the whole trace. */
  readonly steps: number;
  readonly difference: Difference | null;
  readonly outcome: OutcomeCheck | null;
  readonly agree: boolean;
  /** The harness's notes (list/lhash disagreements, LeakSanitizer), for the reader. */
  readonly notes: readonly string[];
}

/** The calls of one source line, with the model's record and the harness's records. */
interface Unit {
  readonly line: number;
  readonly calls: readonly ProtocolCall[];
  /** Index of the first of them among the protocol lines (and so the harness's records). */
  readonly first: number;
  readonly record: StepRecord;
  readonly recordIndex: number;
}

const END = '(end of trace)';

/** Is the diagnostic undefined behaviour (diagnostics.ts KINDS)? */
export function isUndefinedBehaviour(d: Diagnostic): boolean {
  return d.severity === 'error' && KINDS[d.kind].undefinedBehaviour;
}

export function compareRuns(model: RunResult, compiled: CompiledTrace, real: HarnessRun): ConformReport {
  const units = alignUnits(model, compiled);
  const ubIndex = model.records.findIndex((r) => r.diagnostics.some(isUndefinedBehaviour));
  const ub = ubIndex < 0 ? null : model.records[ubIndex]!.diagnostics.find(isUndefinedBehaviour)!;
  const base = { file: model.file, steps: units.length, notes: real.notes };
  let compared = 0;
  for (const [i, unit] of units.entries()) {
    if (ub !== null && unit.recordIndex >= ubIndex) {
      const outcome = checkOutcome(ub, real, unit.first);
      return { ...base, compared, difference: null, outcome, agree: outcome.ok };
    }
    const diffs = compareUnit(unit, real);
    if (diffs.length > 0) return { ...base, compared, difference: { line: unit.line, source: unit.record.call, step: i + 1, diffs }, outcome: null, agree: false };
    compared++;
  }
  if (ub !== null) {
    // The undefined behaviour came after the last call (it cannot: only calls report it); check the end anyway.
    const outcome = checkOutcome(ub, real, real.records.length);
    return { ...base, compared, difference: null, outcome, agree: outcome.ok };
  }
  const end = compareEnd(model, real);
  const difference = end.length > 0 ? { line: model.records.findLast((r) => r.call === END)?.line ?? 0, source: END, step: 0, diffs: end } : null;
  return { ...base, compared, difference, outcome: null, agree: difference === null };
}

/** Groups the protocol lines by source line and finds each line's model record, in order. */
function alignUnits(model: RunResult, compiled: CompiledTrace): Unit[] {
  const units: Unit[] = [];
  let next = 0;
  for (let i = 0; i < compiled.calls.length; ) {
    const line = compiled.calls[i]!.line;
    let j = i;
    while (j < compiled.calls.length && compiled.calls[j]!.line === line) j++;
    // A line's own record comes before the end-of-trace record, which may carry the same (last) line number.
    let recordIndex = next;
    while (recordIndex < model.records.length && !(model.records[recordIndex]!.line === line && model.records[recordIndex]!.call !== END)) recordIndex++;
    if (recordIndex === model.records.length) throw new Error(`${model.file}:${line}: the model has no record for this line`);
    units.push({ line, calls: compiled.calls.slice(i, j), first: i, record: model.records[recordIndex]!, recordIndex });
    next = recordIndex + 1;
    i = j;
  }
  return units;
}

function compareUnit(unit: Unit, real: HarnessRun): FieldDiff[] {
  const diffs: FieldDiff[] = [];
  const reals: RealStep[] = [];
  for (const [k, call] of unit.calls.entries()) {
    const r = real.records[unit.first + k];
    if (r === undefined) return [{ path: 'output', model: 'a record', real: 'nothing (the harness stopped early)' }];
    if (r.line !== call.line || r.call !== call.fn) throw new Error(`harness record ${unit.first + k} is line ${r.line} ${r.call}, expected line ${call.line} ${call.fn}`);
    if (isFault(r)) return [{ path: 'fault', model: 'none', real: faultText(r) }];
    reals.push(r);
    const retPath = unit.calls.length > 1 ? `ret (${call.fn}, ${call.origin} side)` : 'ret';
    const modelRet = call.origin === 'statement' ? unit.record.ret : call.origin === 'left' ? unit.record.expect?.left : unit.record.expect?.right;
    if (!sameRet(call.fn, modelRet ?? null, r.ret)) diffs.push({ path: retPath, model: modelRet ?? null, real: r.ret });
    if (r.reused !== undefined || unit.record.reused !== undefined) {
      const m = unit.record.reused;
      if (m?.client !== r.reused?.client) diffs.push({ path: 'reused.client', model: m?.client ?? '(none)', real: r.reused?.client ?? '(none)' });
      if (m?.server !== r.reused?.server) diffs.push({ path: 'reused.server', model: m?.server ?? '(none)', real: r.reused?.server ?? '(none)' });
    }
  }
  const modelEvents = unit.record.events.map(eventText);
  const realEvents = reals.flatMap((r) => r.events).map(eventText);
  if (modelEvents.join('; ') !== realEvents.join('; ')) diffs.push({ path: 'events', model: modelEvents, real: realEvents });
  diffs.push(...compareState(unit.record.state, reals.at(-1)!.state));
  return diffs;
}

/**
 * Return values. i2d_SSL_SESSION's length is a stand-in in the model (src/api/session-api.ts
 * derLength: it does not encode certificates or keys), so only "0 or a length" is compared.
 */
function sameRet(fn: string, model: number | string | null, real: number | string | null): boolean {
  if (fn === 'i2d_SSL_SESSION' && typeof model === 'number' && typeof real === 'number') return model > 0 === real > 0;
  return model === real;
}

const SESSION_FIELDS = ['refs', 'freed', 'resumable'] as const;
const SSL_FIELDS = ['refs', 'freed', 'session'] as const;
const CTX_FIELDS = ['refs', 'freed', 'cache', 'sess_number'] as const;

export function compareState(model: StateView, real: RealState): FieldDiff[] {
  return [
    ...compareTable('sessions', model.sessions, real.sessions, SESSION_FIELDS),
    ...compareTable('ssl', model.ssl, real.ssl, SSL_FIELDS),
    ...compareTable('ctx', model.ctx, real.ctx, CTX_FIELDS),
  ];
}

function compareTable<F extends string>(
  table: string,
  model: Readonly<Record<string, Readonly<Record<F, unknown>>>>,
  real: Readonly<Record<string, Readonly<Record<F, unknown>>>>,
  fields: readonly F[],
): FieldDiff[] {
  const diffs: FieldDiff[] = [];
  const pick = (o: Readonly<Record<F, unknown>>) => Object.fromEntries(fields.map((f) => [f, o[f]]));
  const ids = [...Object.keys(model), ...Object.keys(real).filter((id) => !Object.hasOwn(model, id))];
  for (const id of ids) {
    const m = Object.hasOwn(model, id) ? model[id] : undefined;
    const r = Object.hasOwn(real, id) ? real[id] : undefined;
    if (m === undefined || r === undefined) {
      diffs.push({ path: `state.${table}.${id}`, model: m ? pick(m) : '(none)', real: r ? pick(r) : '(none)' });
      continue;
    }
    for (const f of fields) if (JSON.stringify(m[f]) !== JSON.stringify(r[f])) diffs.push({ path: `state.${table}.${id}.${f}`, model: m[f], real: r[f] });
  }
  return diffs;
}

/** A callback event in one short, key-order-independent line: `new(ssl=s1, sess=s2, refs=3, ret=1)`. */
export function eventText(e: CallbackEvent): string {
  switch (e.cb) {
    case 'new':
      return `new(ssl=${e.ssl}, sess=${e.sess}, refs=${e.refs}, ret=${e.ret})`;
    case 'remove':
      return `remove(ctx=${e.ctx}, sess=${e.sess}, refs=${e.refs})`;
    case 'get':
      return `get(ssl=${e.ssl}, ret=${e.ret ?? 'NULL'}, copy=${e.copy})`;
  }
}

function faultText(f: RealFault): string {
  return `${f.fault.kind} at line ${f.line} (${f.call}): ${f.fault.detail.split('\n')[0] ?? ''}`;
}

/** Sessions alive at the end (model) against the harness's leaks; any fault is a difference already. */
function compareEnd(model: RunResult, real: HarnessRun): FieldDiff[] {
  if (real.end === null) return [{ path: 'end', model: 'an end line', real: 'none' }];
  const last = model.records.findLast((r) => r.call === END) ?? model.records.at(-1);
  const alive = last ? Object.entries(last.state.sessions).filter(([, s]) => !s.freed).map(([id]) => id) : [];
  const leaks = [...real.end.leaks];
  return JSON.stringify(alive) === JSON.stringify(leaks) ? [] : [{ path: 'leaks', model: alive, real: leaks }];
}

/** The real run's outcome from protocol line `from` on, against the diagnostic's predictions. */
function checkOutcome(d: Diagnostic, real: HarnessRun, from: number): OutcomeCheck {
  const fault = real.records.slice(from).find(isFault);
  const observed: OutcomeCheck['real'] = fault
    ? { outcome: fault.fault.kind, line: fault.line, call: fault.call, detail: fault.fault.detail.split('\n')[0] ?? '' }
    : real.end !== null && real.end.leaks.length > 0
      ? { outcome: 'leak', line: null, call: null, detail: `sessions never destroyed: ${real.end.leaks.join(', ')}` }
      : { outcome: 'silent', line: null, call: null, detail: 'no fault, nothing leaked' };
  return {
    diagnostic: { kind: d.kind, line: d.line, message: d.message, consequence: d.consequence },
    predicted: d.outcomes,
    real: observed,
    ok: d.outcomes.includes(observed.outcome),
  };
}
