/**
 * The comparison on hand-made records: the model's (`sslsim run --json`
 * schema) against the harness's (conformance/PROTOCOL.md). A difference must
 * be reported at the step where it first appears, with only the fields that
 * differ; undefined behaviour switches from comparing states to checking the
 * predicted outcomes.
 */
import { describe, expect, it } from 'vitest';
import type { CompiledTrace, ProtocolCall } from '../../src/conform/compile.ts';
import { compareRuns } from '../../src/conform/compare.ts';
import { formatReport } from '../../src/conform/format.ts';
import type { HarnessRun, RealFault, RealState, RealStep } from '../../src/conform/harness.ts';
import type { StateView } from '../../src/run/observe.ts';
import type { RunResult, StepRecord } from '../../src/run/runner.ts';
import { type DiagnosticKind, makeDiagnostic } from '../../src/world/diagnostics.ts';
import type { CallbackEvent } from '../../src/world/events.ts';

/** A state with one ctx and its sessions: `refs` per session id (0 = freed), `cache` the ctx's list. */
function modelState(refs: Record<string, number>, cache: string[] = []): StateView {
  const sessions = Object.fromEntries(
    Object.entries(refs).map(([id, r]) => [id, { refs: r, freed: r === 0, resumable: r === 0 ? null : (1 as const), owner: cache.includes(id) ? 'ctx' : null }]),
  );
  return {
    sessions,
    ssl: {},
    ctx: { ctx: { refs: 1, freed: false, cache, sess_number: cache.length, stats: NO_COUNTS } },
    handles: { ctx: 'ctx', ...Object.fromEntries(Object.keys(refs).map((id) => [`h_${id}`, id])) },
  };
}
/** The counters of a ctx that has seen no handshake. */
const NO_COUNTS = { connect: 0, connect_renegotiate: 0, connect_good: 0, accept: 0, accept_renegotiate: 0, accept_good: 0, hits: 0, cb_hits: 0, misses: 0, timeouts: 0, cache_full: 0 };

function realState(refs: Record<string, number>, cache: string[] = []): RealState {
  const sessions = Object.fromEntries(Object.entries(refs).map(([id, r]) => [id, { refs: r, freed: r === 0, resumable: r === 0 ? null : (1 as const) }]));
  return { sessions, ssl: {}, ctx: { ctx: { refs: 1, freed: false, cache, sess_number: cache.length, stats: NO_COUNTS } } };
}

interface Step {
  line: number;
  fn: string;
  source?: string;
  model: { ret: number | string | null; state: StateView; events?: CallbackEvent[]; diagnostics?: DiagnosticKind[]; expect?: StepRecord['expect'] };
  /** One record per call of the line, or a fault. */
  real: (RealStep | RealFault)[];
  calls?: Partial<ProtocolCall>[];
}

function build(steps: Step[], end: { modelState: StateView; leaks: string[] | null }) {
  const calls: ProtocolCall[] = steps.flatMap((s) =>
    (s.calls ?? [{}]).map((c) => ({ line: s.line, col: 1, target: '-', fn: s.fn, args: [], origin: 'statement' as const, ...c })),
  );
  const compiled: CompiledTrace = { file: 't.trace', clock: 1800000000, calls, text: '' };
  const records: StepRecord[] = steps.map((s) => ({
    line: s.line,
    call: s.source ?? `${s.fn}(...)`,
    ret: s.model.ret,
    events: s.model.events ?? [],
    diagnostics: (s.model.diagnostics ?? []).map((k) => makeDiagnostic(k, s.line, `${k} here`, 'later trouble', null)),
    state: s.model.state,
    undefined: false,
    ...(s.model.expect ? { expect: s.model.expect } : {}),
  }));
  const last = steps.at(-1)?.line ?? 1;
  records.push({ line: last, call: '(end of trace)', ret: null, events: [], diagnostics: [], state: end.modelState, undefined: false });
  const model: RunResult = { file: 't.trace', records, diagnostics: [], unexpected: [], failedExpects: [], undefinedSince: null };
  const real: HarnessRun = { records: steps.flatMap((s) => s.real), end: end.leaks === null ? null : { leaks: end.leaks }, notes: [], ms: 0 };
  return { model, compiled, real };
}

const ok = (line: number, call: string, ret: RealStep['ret'], state: RealState, events: CallbackEvent[] = []): RealStep => ({ line, call, ret, events, state });

describe('compareRuns', () => {
  it('agrees when every observable matches, ignoring the model-only fields (owner, handles)', () => {
    const { model, compiled, real } = build(
      [
        { line: 1, fn: 'SSL_SESSION_new', model: { ret: 's1', state: modelState({ s1: 1 }) }, real: [ok(1, 'SSL_SESSION_new', 's1', realState({ s1: 1 }))] },
        { line: 2, fn: 'SSL_SESSION_free', model: { ret: null, state: modelState({ s1: 0 }) }, real: [ok(2, 'SSL_SESSION_free', null, realState({ s1: 0 }))] },
      ],
      { modelState: modelState({ s1: 0 }), leaks: [] },
    );
    const report = compareRuns(model, compiled, real);
    expect(report).toMatchObject({ agree: true, compared: 2, steps: 2, difference: null, outcome: null });
    expect(formatReport(report)).toBe('agree: 2 steps compared\n');
  });

  it('reports the first differing step with just the differing fields, side by side', () => {
    const remove: CallbackEvent = { cb: 'remove', ctx: 'ctx', sess: 's1', refs: 2 };
    const { model, compiled, real } = build(
      [
        { line: 1, fn: 'SSL_SESSION_new', model: { ret: 's1', state: modelState({ s1: 1 }) }, real: [ok(1, 'SSL_SESSION_new', 's1', realState({ s1: 1 }))] },
        {
          line: 3,
          fn: 'SSL_CTX_add_session',
          source: 'SSL_CTX_add_session(ctx, s)',
          model: { ret: 1, state: modelState({ s1: 2 }, ['s1']) },
          real: [ok(3, 'SSL_CTX_add_session', 1, realState({ s1: 3 }, ['s1']), [remove])],
        },
        // A later step that also differs must not be the one reported.
        { line: 4, fn: 'SSL_SESSION_free', model: { ret: null, state: modelState({ s1: 1 }, ['s1']) }, real: [ok(4, 'SSL_SESSION_free', 7, realState({ s1: 1 }, ['s1']))] },
      ],
      { modelState: modelState({ s1: 1 }, ['s1']), leaks: ['s1'] },
    );
    const report = compareRuns(model, compiled, real);
    expect(report.agree).toBe(false);
    expect(report.compared).toBe(1);
    expect(report.difference).toEqual({
      line: 3,
      source: 'SSL_CTX_add_session(ctx, s)',
      step: 2,
      diffs: [
        { path: 'events', model: [], real: ['remove(ctx=ctx, sess=s1, refs=2)'] },
        { path: 'state.sessions.s1.refs', model: 2, real: 3 },
      ],
    });
    expect(formatReport(report)).toBe(
      [
        't.trace:3: differ at step 2 of 3: SSL_CTX_add_session(ctx, s)',
        '  field                   model   libssl',
        '  events                  (none)  remove(ctx=ctx, sess=s1, refs=2)',
        '  state.sessions.s1.refs  2       3',
        '(1 steps agreed before it)',
        '',
      ].join('\n'),
    );
  });

  it("takes an SSL's destroyed session named by a newer session's id for the same dangling pointer, and nothing else", () => {
    // c's session s1 was destroyed while c still points at it; libssl may have made s2 at that address since.
    const withSsl = (state: StateView | RealState, session: string) => ({ ...state, ssl: { c: { refs: 1, freed: false, session } } });
    const run = (modelSessions: Record<string, number>, realSession: string) => {
      const { model, compiled, real } = build(
        [
          {
            line: 7,
            fn: 'SSL_SESSION_new',
            model: { ret: 's2', state: withSsl(modelState(modelSessions), 's1') as StateView },
            real: [ok(7, 'SSL_SESSION_new', 's2', withSsl(realState(modelSessions), realSession) as RealState)],
          },
        ],
        { modelState: withSsl(modelState(modelSessions), 's1') as StateView, leaks: Object.keys(modelSessions).filter((id) => modelSessions[id]! > 0) },
      );
      return compareRuns(model, compiled, real);
    };
    expect(run({ s1: 0, s2: 1 }, 's2').agree).toBe(true);
    // a live session is no dangling pointer: libssl naming another is a difference
    expect(run({ s1: 1, s2: 1 }, 's2').difference?.diffs).toEqual([{ path: 'state.ssl.c.session', model: 's1', real: 's2' }]);
    // an older session cannot sit at the address of one destroyed later
    expect(run({ s0: 1, s1: 0 }, 's0').difference?.diffs).toEqual([{ path: 'state.ssl.c.session', model: 's1', real: 's0' }]);
  });

  it("compares each ctx's session counters, which only conform's records carry (FINDINGS F81)", () => {
    const ctx = (stats: typeof NO_COUNTS) => ({ ctx: { refs: 1, freed: false, cache: [], sess_number: 0, stats } });
    const { model, compiled, real } = build(
      [
        {
          line: 5,
          fn: 'connect',
          model: { ret: 1, state: { ...modelState({}), ctx: ctx({ ...NO_COUNTS, accept_good: 1, timeouts: 2 }) } },
          real: [ok(5, 'connect', 1, { ...realState({}), ctx: ctx({ ...NO_COUNTS, accept_good: 1, timeouts: 1 }) })],
        },
      ],
      { modelState: { ...modelState({}), ctx: ctx(NO_COUNTS) }, leaks: [] },
    );
    expect(compareRuns(model, compiled, real).difference?.diffs).toEqual([{ path: 'state.ctx.ctx.stats.timeouts', model: 2, real: 1 }]);
    // The same counters listed in another order are the same counters.
    const reversed = Object.fromEntries(Object.entries({ ...NO_COUNTS, accept_good: 1, timeouts: 2 }).reverse()) as typeof NO_COUNTS;
    const same = build(
      [{ line: 5, fn: 'connect', model: { ret: 1, state: { ...modelState({}), ctx: ctx({ ...NO_COUNTS, accept_good: 1, timeouts: 2 }) } }, real: [ok(5, 'connect', 1, { ...realState({}), ctx: ctx(reversed) })] }],
      { modelState: { ...modelState({}), ctx: ctx(NO_COUNTS) }, leaks: [] },
    );
    expect(compareRuns(same.model, same.compiled, same.real).difference).toBeNull();
  });

  it('compares ret, reused, objects missing on one side, and i2d lengths only as zero or not', () => {
    const s = realState({ s1: 1 });
    const m = modelState({ s1: 1 });
    const base = (real: RealStep, modelRet: number | string | null, reused?: StepRecord['reused']) => {
      const built = build([{ line: 5, fn: real.call, model: { ret: modelRet, state: m }, real: [real] }], { modelState: m, leaks: ['s1'] });
      if (reused) (built.model.records[0] as { reused?: StepRecord['reused'] }).reused = reused;
      return compareRuns(built.model, built.compiled, built.real);
    };
    expect(base(ok(5, 'i2d_SSL_SESSION', 1490, s), 132).agree).toBe(true);
    expect(base(ok(5, 'i2d_SSL_SESSION', 0, s), 132).difference?.diffs).toEqual([{ path: 'ret', model: 132, real: 0 }]);
    expect(base(ok(5, 'SSL_get1_session', 's1', s), null).difference?.diffs).toEqual([{ path: 'ret', model: null, real: 's1' }]);
    expect(base({ ...ok(5, 'connect', 1, s), reused: { client: 1, server: 1 } }, 1, { client: 1, server: 0 }).difference?.diffs).toEqual([
      { path: 'reused.server', model: 0, real: 1 },
    ]);
    expect(base(ok(5, 'SSL_SESSION_new', 's1', realState({ s1: 1, s2: 0 })), 's1').difference?.diffs).toEqual([
      { path: 'state.sessions.s2', model: '(none)', real: { refs: 0, freed: true, resumable: null } },
    ]);
  });

  it('joins the events of two calls on one expect line and takes the state after the second', () => {
    const { model, compiled, real } = build(
      [
        {
          line: 8,
          fn: 'SSL_CTX_sess_number',
          model: { ret: null, state: modelState({ s9: 2 }), expect: { ok: true, left: 0, right: 0 } },
          calls: [{ origin: 'left' }, { origin: 'right' }],
          real: [ok(8, 'SSL_CTX_sess_number', 0, realState({ s9: 1 })), ok(8, 'SSL_CTX_sess_number', 1, realState({ s9: 2 }))],
        },
      ],
      { modelState: modelState({ s9: 2 }), leaks: ['s9'] },
    );
    expect(compareRuns(model, compiled, real).difference?.diffs).toEqual([{ path: 'ret (SSL_CTX_sess_number, right side)', model: 0, real: 1 }]);
  });

  it('a fault before any undefined behaviour is a difference at that step', () => {
    const { model, compiled, real } = build(
      [
        { line: 1, fn: 'SSL_SESSION_new', model: { ret: 's1', state: modelState({ s1: 1 }) }, real: [ok(1, 'SSL_SESSION_new', 's1', realState({ s1: 1 }))] },
        {
          line: 2,
          fn: 'SSL_SESSION_free',
          model: { ret: null, state: modelState({ s1: 0 }), diagnostics: ['bad-free'] },
          real: [{ line: 2, call: 'SSL_SESSION_free', fault: { kind: 'double-free', detail: 'AddressSanitizer: attempting double-free' } }],
        },
      ],
      { modelState: modelState({ s1: 0 }), leaks: null },
    );
    const report = compareRuns(model, compiled, real);
    expect(report.difference).toMatchObject({ line: 2, step: 2, diffs: [{ path: 'fault', model: 'none', real: expect.stringMatching(/^double-free at line 2/) }] });
  });

  it('after the first undefined behaviour, checks the real outcome against the predicted ones instead of states', () => {
    const steps = (later: RealStep | RealFault): Step[] => [
      { line: 1, fn: 'SSL_SESSION_new', model: { ret: 's1', state: modelState({ s1: 1 }) }, real: [ok(1, 'SSL_SESSION_new', 's1', realState({ s1: 1 }))] },
      // The model's double-free: its state is not compared (the real refs -1 would differ).
      { line: 2, fn: 'SSL_SESSION_free', model: { ret: null, state: modelState({ s1: 0 }), diagnostics: ['double-free'] }, real: [ok(2, 'SSL_SESSION_free', null, realState({ s1: 5 }))] },
      { line: 3, fn: 'SSL_SESSION_free', model: { ret: null, state: modelState({ s1: 0 }) }, real: [later] },
    ];
    const fault: RealFault = { line: 3, call: 'SSL_SESSION_free', fault: { kind: 'double-free', detail: 'AddressSanitizer: attempting double-free on 0x6190' } };
    const a = build(steps(fault), { modelState: modelState({ s1: 0 }), leaks: null });
    const agreed = compareRuns(a.model, a.compiled, a.real);
    expect(agreed).toMatchObject({ agree: true, compared: 1, difference: null });
    expect(agreed.outcome).toMatchObject({
      diagnostic: { kind: 'double-free', line: 2 },
      predicted: ['double-free', 'heap-corruption', 'crash'],
      real: { outcome: 'double-free', line: 3, call: 'SSL_SESSION_free' },
      ok: true,
    });
    expect(formatReport(agreed)).toContain('  libssl:    double-free at line 3 (SSL_SESSION_free): AddressSanitizer');

    const b = build(steps(ok(3, 'SSL_SESSION_free', null, realState({ s1: 0 }))), { modelState: modelState({ s1: 0 }), leaks: [] });
    const silent = compareRuns(b.model, b.compiled, b.real);
    expect(silent.agree).toBe(false);
    expect(silent.outcome?.real).toMatchObject({ outcome: 'silent', line: null });
    expect(formatReport(silent).split('\n')[0]).toBe('differ: 1 steps compared, then undefined behaviour at line 2 (double-free)');
  });

  it('without undefined behaviour, the sessions alive at the end must be the harness leaks', () => {
    const run = (leaks: string[]) => {
      const { model, compiled, real } = build(
        [{ line: 1, fn: 'SSL_SESSION_new', model: { ret: 's1', state: modelState({ s1: 1 }), diagnostics: [] }, real: [ok(1, 'SSL_SESSION_new', 's1', realState({ s1: 1 }))] }],
        { modelState: modelState({ s1: 1 }), leaks },
      );
      return compareRuns(model, compiled, real);
    };
    expect(run(['s1']).agree).toBe(true);
    expect(run([]).difference).toEqual({ line: 1, source: '(end of trace)', step: 0, diffs: [{ path: 'leaks', model: ['s1'], real: [] }] });
  });
});

describe('compareRuns on --changes states (conformance/PROTOCOL.md): an object a state leaves out is as its side last showed it', () => {
  const newSession = (line: number, id: string, m: StateView, r: RealState): Step => ({ line, fn: 'SSL_SESSION_new', model: { ret: id, state: m }, real: [ok(line, 'SSL_SESSION_new', id, r)] });
  const free = (line: number, m: StateView, r: RealState): Step => ({ line, fn: 'SSL_SESSION_free', model: { ret: null, state: m }, real: [ok(line, 'SSL_SESSION_free', null, r)] });
  const upRef = (line: number, m: StateView, r: RealState): Step => ({ line, fn: 'SSL_SESSION_up_ref', model: { ret: 1, state: m }, real: [ok(line, 'SSL_SESSION_up_ref', 1, r)] });

  it('agrees when both sides leave out what did not change, freed objects included', () => {
    const steps = (m3: StateView, r3: RealState) => [
      newSession(1, 's1', modelState({ s1: 1 }), realState({ s1: 1 })),
      free(2, modelState({ s1: 0 }), realState({ s1: 0 })),
      newSession(3, 's2', m3, r3),
    ];
    const { model, compiled, real } = build(steps(modelState({ s2: 1 }), realState({ s2: 1 })), { modelState: modelState({}), leaks: ['s2'] });
    expect(compareRuns(model, compiled, real)).toMatchObject({ agree: true, compared: 3 });
    // Either side may list every object (the harness without --changes): an unchanged one reads the same.
    for (const [m3, r3] of [
      [modelState({ s2: 1 }), realState({ s1: 0, s2: 1 })],
      [modelState({ s1: 0, s2: 1 }), realState({ s2: 1 })],
    ] as const) {
      const mixed = build(steps(m3, r3), { modelState: modelState({}), leaks: ['s2'] });
      expect(compareRuns(mixed.model, mixed.compiled, mixed.real)).toMatchObject({ agree: true, compared: 3 });
    }
  });

  it('an object one side lists is compared with what the other side last showed', () => {
    // The model takes a reference libssl does not: libssl's state leaves s1 out, unchanged at refs 1.
    const { model, compiled, real } = build(
      [newSession(1, 's1', modelState({ s1: 1 }), realState({ s1: 1 })), upRef(2, modelState({ s1: 2 }), realState({}))],
      { modelState: modelState({}), leaks: ['s1'] },
    );
    expect(compareRuns(model, compiled, real).difference).toMatchObject({ line: 2, diffs: [{ path: 'state.sessions.s1.refs', model: 2, real: 1 }] });
  });

  it('an object only one side ever showed is missing on the other', () => {
    const { model, compiled, real } = build(
      [newSession(1, 's1', modelState({ s1: 1 }), realState({ s1: 1 })), newSession(2, 's2', modelState({ s2: 1 }), realState({ s2: 1, s3: 1 }))],
      { modelState: modelState({}), leaks: ['s1', 's2', 's3'] },
    );
    expect(compareRuns(model, compiled, real).difference).toMatchObject({ line: 2, diffs: [{ path: 'state.sessions.s3', model: '(none)', real: { refs: 1, freed: false, resumable: 1 } }] });
  });

  it('a side that showed an object destroyed differs from one that shows it alive, whatever later states leave out', () => {
    // libssl freed s1 at line 2, the model only at line 3: line 2 differs.
    const { model, compiled, real } = build(
      [newSession(1, 's1', modelState({ s1: 1 }), realState({ s1: 1 })), free(2, modelState({}), realState({ s1: 0 })), free(3, modelState({ s1: 0 }), realState({}))],
      { modelState: modelState({}), leaks: [] },
    );
    expect(compareRuns(model, compiled, real).difference).toMatchObject({ line: 2, diffs: [{ path: 'state.sessions.s1.refs', model: 1, real: 0 }, { path: 'state.sessions.s1.freed' }, { path: 'state.sessions.s1.resumable' }] });
  });

  it("compares what an expect line's first call changed, though its last state leaves it out", () => {
    const steps = (m2: StateView) => [
      newSession(1, 's1', modelState({ s1: 1 }), realState({ s1: 1 })),
      {
        line: 2,
        fn: 'SSL_SESSION_free',
        model: { ret: null, state: m2, expect: { ok: true, left: 0, right: 0 } },
        calls: [{ origin: 'left' as const }, { origin: 'right' as const, fn: 'SSL_CTX_sess_number' }],
        real: [ok(2, 'SSL_SESSION_free', 0, realState({ s1: 0 })), ok(2, 'SSL_CTX_sess_number', 0, realState({}))],
      },
    ];
    const agreeing = build(steps(modelState({ s1: 0 })), { modelState: modelState({}), leaks: [] });
    expect(compareRuns(agreeing.model, agreeing.compiled, agreeing.real)).toMatchObject({ agree: true, compared: 2 });
    const differing = build(steps(modelState({})), { modelState: modelState({}), leaks: [] });
    expect(compareRuns(differing.model, differing.compiled, differing.real).difference).toMatchObject({ line: 2, diffs: [{ path: 'state.sessions.s1.refs', model: 1, real: 0 }, {}, {}] });
  });

  it('the sessions alive at the end are those of the replayed states', () => {
    const { model, compiled, real } = build(
      [newSession(1, 's1', modelState({ s1: 1 }), realState({ s1: 1 })), newSession(2, 's2', modelState({ s2: 1 }), realState({ s2: 1 })), free(3, modelState({ s1: 0 }), realState({ s1: 0 }))],
      { modelState: modelState({}), leaks: ['s2'] },
    );
    expect(compareRuns(model, compiled, real)).toMatchObject({ agree: true, compared: 3 });
    const leaky = build(
      [newSession(1, 's1', modelState({ s1: 1 }), realState({ s1: 1 })), newSession(2, 's2', modelState({ s2: 1 }), realState({ s2: 1 }))],
      { modelState: modelState({}), leaks: ['s2'] },
    );
    expect(compareRuns(leaky.model, leaky.compiled, leaky.real).difference?.diffs).toEqual([{ path: 'leaks', model: ['s1', 's2'], real: ['s2'] }]);
  });
});

describe('formatReport', () => {
  it('shows a difference in the leaks at the end of the trace', () => {
    const report = {
      file: 't.trace',
      compared: 3,
      steps: 3,
      difference: { line: 9, source: '(end of trace)', step: 0, diffs: [{ path: 'leaks', model: ['s2'], real: [] }] },
      outcome: null,
      agree: false,
      notes: [],
    };
    expect(formatReport(report)).toBe(['t.trace:9: differ at the end of the trace', '  field  model   libssl', '  leaks  ["s2"]  []', '(3 steps agreed before it)', ''].join('\n'));
  });
});
