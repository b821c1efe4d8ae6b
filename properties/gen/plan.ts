/**
 * The abstract plan fast-check generates and shrinks: a list of operation
 * choices with small integer parameters. A plan means nothing by itself; the
 * materializer (materialize.ts) walks it against the app model and the shadow
 * world, turns each op into legal calls, and skips an op that does not apply
 * (no SSL to free, no session to add…). So removing any op, or lowering any
 * parameter, still gives a legal trace, which is what lets a counterexample
 * shrink to a short readable one.
 *
 * Parameters `a`…`d` are indexes into whatever candidates exist at that point
 * (taken modulo their number) or into a small table of values; 0 is always
 * the simplest choice, so shrinking moves toward it.
 */
import fc from 'fast-check';

/** Every kind of op, with its weight in random plans. */
export const OPS = {
  // connections and time (spec §6, §7)
  connect: { weight: 8 },
  resume: { weight: 6 },
  read: { weight: 2 },
  advanceTime: { weight: 2 },
  readClock: { weight: 1 },
  // SSL_CTX (spec §4, §5)
  ctxNew: { weight: 1 },
  ctxMode: { weight: 3 },
  ctxCacheSize: { weight: 2 },
  ctxTimeout: { weight: 2 },
  ctxSidCtx: { weight: 1 },
  ctxOptions: { weight: 2 },
  ctxTickets: { weight: 2 },
  ctxProto: { weight: 3 },
  ctxCallback: { weight: 4 },
  ctxQuery: { weight: 1 },
  ctxUpRef: { weight: 1 },
  ctxFree: { weight: 1 },
  ctxFlush: { weight: 2 },
  ctxAdd: { weight: 3 },
  ctxRemove: { weight: 2 },
  storeFree: { weight: 1 },
  // SSL (spec §3)
  sslNew: { weight: 1 },
  sslUpRef: { weight: 1 },
  sslFree: { weight: 2 },
  shutdown: { weight: 2 },
  setShutdown: { weight: 1 },
  clear: { weight: 2 },
  setSession: { weight: 2 },
  getSession: { weight: 5 },
  reused: { weight: 1 },
  copySessionId: { weight: 1 },
  setSslCtx: { weight: 1 },
  sslDup: { weight: 1 },
  sslSidCtx: { weight: 1 },
  // SSL_SESSION (spec §2)
  sessionNew: { weight: 2 },
  sessionDup: { weight: 1 },
  sessionUpRef: { weight: 1 },
  sessionFree: { weight: 2 },
  i2d: { weight: 1 },
  d2i: { weight: 1 },
  setTime: { weight: 1 },
  setTimeout: { weight: 2 },
  setId: { weight: 1 },
  setIdContext: { weight: 1 },
  sessionQuery: { weight: 1 },
} as const satisfies Record<string, { weight: number }>;

export type OpKind = keyof typeof OPS;

export interface Op {
  readonly kind: OpKind;
  readonly a: number;
  readonly b: number;
  readonly c: number;
  readonly d: number;
}

export type Plan = readonly Op[];

const param = fc.nat(7);

/** One op: its kind by weight (shrinking toward `connect`, the first), and four small parameters. */
export const opArb: fc.Arbitrary<Op> = fc
  .record({
    kind: fc.oneof(...(Object.keys(OPS) as OpKind[]).map((kind) => ({ arbitrary: fc.constant(kind), weight: OPS[kind].weight }))),
    a: param,
    b: param,
    c: param,
    d: param,
  })
  .map((r): Op => r);

/**
 * A plan for a trace of at most `maxCalls` calls. Ops that do not apply are
 * skipped and the budget cuts the rest, so the plan may be longer than the
 * trace (size 'max': fast-check's default size would stop near 10 ops).
 */
export function planArb(maxCalls: number): fc.Arbitrary<Plan> {
  return fc.array(opArb, { maxLength: Math.ceil(maxCalls * 1.5), size: 'max' });
}
