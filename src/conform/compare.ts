/**
 * Model against real libssl, step by step.
 *
 * A step is a source line that makes calls (a call statement, or an `expect`
 * with a call on a side): the model's record of that line (`sslsim run --json`)
 * against the harness's record(s) for the same line. Compared: `ret` of each
 * call, `reused`, the callbacks fired (`events`) and `state` (sessions:
 * refs/freed/resumable; ssl: refs/freed/session; ctx: refs/freed/cache/
 * sess_number), the observables of conformance/PROTOCOL.md. The model-only
 * fields (owner, handles, diagnostics, undefined, expect) are not. States may
 * list only what a step changed (`--changes`): each side's states are replayed
 * in order (last-shown.ts) and the objects either side listed since the last
 * compared step are compared as each side last showed them.
 *
 * Undefined behaviour: from the step where the model reports its first
 * undefined-behaviour diagnostic, states are no longer compared (the model
 * does not follow freed memory). Instead the real run must end in one of the
 * outcomes predicted (Diagnostic.outcomes) by the undefined-behaviour
 * diagnostics the model reported from then up to the real fault's step (all of
 * them for a leak or nothing visible): a fault at that step or a later one
 * (ASan sees a misuse only at the next free, NOTES.md N4), a leak, or nothing
 * visible. A later diagnostic can only add what its own step may show (an
 * eviction of a dangling entry is silent, N9). Without undefined behaviour the
 * real run must not fault and must leak exactly the sessions the model leaves alive.
 *
 * Confirmations (ConformReport.confirmed): the diagnostics whose predicted
 * consequence the real run shows, for `conform-all`'s summary and the CI check
 * test/conform/consequences.test.ts. An error is confirmed by a real failure
 * (never by `silent`) among its outcomes: a fault at a step where the model
 * reports an error (the predicted step), or a LeakSanitizer leak of exactly
 * the sessions the model leaves alive. A warning is confirmed by the fact it
 * warns about in libssl's own state at its step (not resumable, evicted).
 */
import type { RunResult, StepRecord } from '../run/runner.ts';
import type { CtxView, StateView } from '../run/observe.ts';
import type { CtxStats } from '../../machines/ssl-ctx.ts';
import { type Diagnostic, type DiagnosticKind, isUndefinedBehaviour, KINDS, type Outcome } from '../world/diagnostics.ts';
import type { CallbackEvent } from '../world/events.ts';
import type { CompiledTrace, ProtocolCall } from './compile.ts';
import { type HarnessRun, isFault, type RealFault, type RealState, type RealStep } from './harness.ts';
import { LastShown, type Table } from './last-shown.ts';

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
  /** The first undefined behaviour. */
  readonly diagnostic: Pick<Diagnostic, 'kind' | 'line' | 'message' | 'consequence'>;
  /** The outcomes of every undefined-behaviour diagnostic from the first up to the real fault's step (all of them without a fault). */
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
  /** The model's diagnostics whose consequence real libssl showed (see the module comment). */
  readonly confirmed?: readonly Confirmation[];
}

/** One diagnostic whose predicted consequence real libssl showed. */
export interface Confirmation {
  readonly kind: DiagnosticKind;
  readonly line: number;
  /** The real outcome, one of `predicted`; `observed` for a warning's fact. */
  readonly real: Outcome | 'observed';
  /** The diagnostic's own outcomes ([] for a warning). */
  readonly predicted: readonly Outcome[];
  /** What libssl did, in words: `double-free at line 30 (SSL_SESSION_free)`, `s2 resumable 0`. */
  readonly evidence: string;
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

export function compareRuns(model: RunResult, compiled: CompiledTrace, real: HarnessRun): ConformReport {
  const report = compareSteps(model, compiled, real);
  return { ...report, confirmed: confirmations(model, alignUnits(model, compiled), real, report) };
}

function compareSteps(model: RunResult, compiled: CompiledTrace, real: HarnessRun): Omit<ConformReport, 'confirmed'> {
  const units = alignUnits(model, compiled);
  const ubIndex = model.records.findIndex((r) => r.diagnostics.some(isUndefinedBehaviour));
  const ub = ubIndex < 0 ? null : model.records[ubIndex]!.diagnostics.find(isUndefinedBehaviour)!;
  const base = { file: model.file, steps: units.length, notes: real.notes };
  let compared = 0;
  // What each side last showed of every object (last-shown.ts), up to the states compared.
  const shown: Sides = { model: new LastShown(), real: new LastShown() };
  let modelNext = 0;
  let realNext = 0;
  for (const [i, unit] of units.entries()) {
    if (ub !== null && unit.recordIndex >= ubIndex) {
      const outcome = checkOutcome(ub, model, real, unit.first);
      return { ...base, compared, difference: null, outcome, agree: outcome.ok };
    }
    for (; modelNext <= unit.recordIndex; modelNext++) shown.model.note(model.records[modelNext]!.state);
    for (const end = Math.min(unit.first + unit.calls.length, real.records.length); realNext < end; realNext++) {
      const r = real.records[realNext]!;
      if (!isFault(r)) shown.real.note(r.state);
    }
    const diffs = compareUnit(unit, real, shown);
    shown.model.settle();
    shown.real.settle();
    if (diffs.length > 0) return { ...base, compared, difference: { line: unit.line, source: unit.record.call, step: i + 1, diffs }, outcome: null, agree: false };
    compared++;
  }
  if (ub !== null) {
    // The undefined behaviour came after the last call (it cannot: only calls report it); check the end anyway.
    const outcome = checkOutcome(ub, model, real, real.records.length);
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

function compareUnit(unit: Unit, real: HarnessRun, shown: Sides): FieldDiff[] {
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
  diffs.push(...compareShown(shown));
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

/** Per side, what its states showed of every object so far (last-shown.ts). */
interface Sides {
  readonly model: LastShown;
  readonly real: LastShown;
}

/** The objects either side listed since the last compared step, as each side last showed them. */
function compareShown(shown: Sides): FieldDiff[] {
  return [
    ...compareTable('sessions', SESSION_FIELDS, shown),
    ...compareTable('ssl', SSL_FIELDS, shown),
    ...compareTable('ctx', CTX_FIELDS, shown),
    ...compareCounters(shown),
  ];
}

/**
 * Each ctx's session counters (machines/ssl-ctx.ts CtxStats), one by one, so a difference names the counter
 * (`state.ctx.sctx.stats.timeouts`) whatever order either side lists them in. A ctx on one side only is
 * reported by compareTable already; a freed ctx has none (null) on both.
 */
function compareCounters(shown: Sides): FieldDiff[] {
  const diffs: FieldDiff[] = [];
  for (const id of idsOf(shown, 'ctx')) {
    const mv = shown.model.get<CtxView>('ctx', id);
    const rv = shown.real.get<CtxView>('ctx', id);
    if (mv === undefined || rv === undefined) continue;
    const m = mv.stats ?? null;
    const r = rv.stats ?? null;
    if (m === null || r === null) {
      if (m !== r) diffs.push({ path: `state.ctx.${id}.stats`, model: m, real: r });
      continue;
    }
    const keys = [...Object.keys(m), ...Object.keys(r).filter((k) => !Object.hasOwn(m, k))] as (keyof CtxStats)[];
    for (const k of keys) if (m[k] !== r[k]) diffs.push({ path: `state.ctx.${id}.stats.${k}`, model: m[k] ?? '(none)', real: r[k] ?? '(none)' });
  }
  return diffs;
}

/** The objects of `table` either side listed since the last compared step: the model's in its order, then the others. */
function idsOf(shown: Sides, table: Table): string[] {
  const model = shown.model.changed(table);
  return [...model, ...[...shown.real.changed(table)].filter((id) => !model.has(id))];
}

function compareTable<F extends string>(table: Table, fields: readonly F[], shown: Sides): FieldDiff[] {
  const diffs: FieldDiff[] = [];
  const pick = (o: Readonly<Record<F, unknown>>) => Object.fromEntries(fields.map((f) => [f, o[f]]));
  for (const id of idsOf(shown, table)) {
    const m = shown.model.get<Readonly<Record<F, unknown>>>(table, id);
    const r = shown.real.get<Readonly<Record<F, unknown>>>(table, id);
    if (m === undefined || r === undefined) {
      diffs.push({ path: `state.${table}.${id}`, model: m ? pick(m) : '(none)', real: r ? pick(r) : '(none)' });
      continue;
    }
    for (const f of fields) {
      if (JSON.stringify(m[f]) === JSON.stringify(r[f])) continue;
      if (table === 'ssl' && f === 'session' && reusedAddress(shown, m[f], r[f])) continue;
      diffs.push({ path: `state.${table}.${id}.${f}`, model: m[f], real: r[f] });
    }
  }
  return diffs;
}

/**
 * An SSL's session that the model has destroyed while the SSL still points at it: a dangling pointer, left by a
 * misuse reported earlier (a remove callback that freed a session it was only lent, say). libssl reuses freed
 * memory (in a long run, once ASan's quarantine has turned over), and the harness names a pointer by the object
 * now at its address: a newer session. The pointer is the same, so the field agrees when libssl names a session
 * created after the destroyed one (ids count up in creation order; conformance/PROTOCOL.md).
 */
function reusedAddress(shown: Sides, model: unknown, real: unknown): boolean {
  if (typeof model !== 'string' || typeof real !== 'string') return false;
  const destroyed = shown.model.get<{ readonly freed: boolean }>('sessions', model)?.freed === true;
  return destroyed && sessionNumber(real) > sessionNumber(model);
}

/** The creation number of a session id (`s12` gives 12), or 0 for anything else. */
function sessionNumber(id: string): number {
  return /^s\d+$/.test(id) ? Number(id.slice(1)) : 0;
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
  const alive = aliveAtEnd(model);
  const leaks = [...real.end.leaks];
  return JSON.stringify(alive) === JSON.stringify(leaks) ? [] : [{ path: 'leaks', model: alive, real: leaks }];
}

/** The sessions the model leaves alive, in creation order: its states replayed to the end (last-shown.ts). */
function aliveAtEnd(model: RunResult): string[] {
  const shown = new LastShown();
  for (const r of model.records) shown.note(r.state);
  return Object.entries(shown.state<StateView>().sessions).filter(([, s]) => !s.freed).map(([id]) => id);
}

/** The model's diagnostics, in order, with the index of the record that reported them. */
function modelDiagnostics(model: RunResult): { readonly d: Diagnostic; readonly record: number }[] {
  return model.records.flatMap((r, record) => r.diagnostics.map((d) => ({ d, record })));
}

/** The real run's outcome from protocol line `from` on, against the predictions made up to it. */
function checkOutcome(first: Diagnostic, model: RunResult, real: HarnessRun, from: number): OutcomeCheck {
  const fault = real.records.slice(from).find(isFault);
  const observed: OutcomeCheck['real'] = fault
    ? { outcome: fault.fault.kind, line: fault.line, call: fault.call, detail: fault.fault.detail.split('\n')[0] ?? '' }
    : real.end !== null && real.end.leaks.length > 0
      ? { outcome: 'leak', line: null, call: null, detail: `sessions never destroyed: ${real.end.leaks.join(', ')}` }
      : { outcome: 'silent', line: null, call: null, detail: 'no fault, nothing leaked' };
  const predicted = [...new Set(predictors(model, observed.line).flatMap((d) => d.outcomes))];
  return {
    diagnostic: { kind: first.kind, line: first.line, message: first.message, consequence: first.consequence },
    predicted,
    real: observed,
    ok: predicted.includes(observed.outcome),
  };
}

/** The undefined-behaviour diagnostics from the first up to source line `line` (all of them for null: the end). */
function predictors(model: RunResult, line: number | null): Diagnostic[] {
  const ub = modelDiagnostics(model).filter(({ d }) => isUndefinedBehaviour(d));
  const upTo = line === null ? ub : ub.filter(({ record }) => model.records[record]!.call !== END && model.records[record]!.line <= line);
  return upTo.map(({ d }) => d);
}

/** The diagnostics whose consequence the real run shows (module comment). */
function confirmations(model: RunResult, units: readonly Unit[], real: HarnessRun, report: Omit<ConformReport, 'confirmed'>): Confirmation[] {
  const out: Confirmation[] = [];
  // Warnings: the fact, in libssl's own state at the step (compared steps only), the states replayed (last-shown.ts).
  const shown = new LastShown();
  let next = 0;
  const replayTo = (end: number) => {
    for (; next < Math.min(end, real.records.length); next++) {
      const r = real.records[next]!;
      if (!isFault(r)) shown.note(r.state);
    }
  };
  for (const unit of units.slice(0, report.compared)) {
    const warnings = unit.record.diagnostics.filter((d) => d.severity === 'warning');
    if (warnings.length === 0) continue;
    replayTo(unit.first);
    const prev = unit.first > 0 ? shown.state<RealState>() : null;
    const lastIndex = unit.first + unit.calls.length - 1;
    replayTo(lastIndex + 1);
    const after = real.records[lastIndex];
    if (after === undefined || isFault(after)) continue;
    const state = shown.state<RealState>();
    for (const d of warnings) {
      const fact = warningFact(d.kind, after, state, prev);
      if (fact !== null) out.push({ kind: d.kind, line: d.line, real: 'observed', predicted: [], evidence: fact });
    }
  }
  if (!report.agree) return out;
  const all = modelDiagnostics(model).map(({ d }) => d).filter((d) => d.severity === 'error');
  const confirm = (ds: readonly Diagnostic[], outcome: Outcome, evidence: string) => {
    for (const d of ds) if (d.outcomes.includes(outcome)) out.push({ kind: d.kind, line: d.line, real: outcome, predicted: d.outcomes, evidence });
  };
  const o = report.outcome;
  if (o !== null && o.real.line !== null) {
    // A fault: at a step where the model reports an error; every error up to that step that predicted it.
    const faultLine = o.real.line;
    const atStep = model.records.some((r) => r.call !== END && r.line === faultLine && r.diagnostics.some((d) => d.severity === 'error'));
    if (atStep) confirm(all.filter((d) => d.line <= faultLine && !(d.kind === 'leak')), o.real.outcome, `${o.real.outcome} at line ${faultLine} (${o.real.call ?? ''})`);
    return out;
  }
  // A leak: exactly the sessions the model leaves alive (without undefined behaviour compareEnd already required it).
  const leaks = real.end?.leaks ?? [];
  if (leaks.length === 0) return out;
  const alive = aliveAtEnd(model);
  if (JSON.stringify(alive) === JSON.stringify([...leaks])) confirm(all, 'leak', `LeakSanitizer: sessions never destroyed: ${leaks.join(', ')} (the model's too)`);
  return out;
}

/** A warning's observable fact in libssl's state after its step, or null when libssl does not show it. */
function warningFact(kind: DiagnosticKind, after: RealStep, state: Pick<RealState, Table>, prev: Pick<RealState, Table> | null): string | null {
  const sessions = state.sessions;
  switch (kind) {
    case 'not-resumable': {
      // A session that was resumable before the step and is alive but not resumable after it.
      const spoiled = Object.entries(sessions).filter(([id, s]) => !s.freed && s.resumable === 0 && prev?.sessions[id]?.resumable === 1);
      return spoiled.length > 0 ? spoiled.map(([id, s]) => `${id} resumable 0 (refs ${s.refs})`).join(', ') : null;
    }
    case 'early-session': {
      // The session the call returned is not resumable.
      const id = typeof after.ret === 'string' ? after.ret : null;
      const s = id !== null ? sessions[id] : undefined;
      return s !== undefined && !s.freed && s.resumable === 0 ? `${id!} (returned) resumable 0` : null;
    }
    case 'capacity': {
      // A session that left a cache at this step, marked not resumable, while the cache holds fewer than it was sized for.
      if (prev === null) return null;
      for (const [ctx, c] of Object.entries(state.ctx)) {
        const evicted = (prev.ctx[ctx]?.cache ?? []).filter((id) => !c.cache.includes(id) && sessions[id]?.resumable !== 1);
        if (evicted.length > 0) return `${evicted.join(', ')} evicted from ${ctx}, now resumable 0; ${ctx} holds ${c.sess_number} (${c.cache.join(', ')})`;
      }
      return null;
    }
    default:
      return null;
  }
}
