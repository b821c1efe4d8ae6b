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
  sslOptions: { weight: 2 },
  sslQuery: { weight: 1 },
  newTicket: { weight: 1 },
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

/**
 * Weights that replace some of OPS's in a plan (`npm run conform -- --focus`): a campaign that makes
 * the ops near a suspected bug frequent reaches, in sequences of 1,500 calls, states that plain
 * plans reached only in sequences of 4,000 (README, "Focused campaigns").
 */
export type OpWeights = Readonly<Partial<Record<OpKind, number>>>;

/** One op: its kind by weight (shrinking toward `connect`, the first), and four small parameters. */
export function opArbOf(weights: OpWeights = {}): fc.Arbitrary<Op> {
  const kinds = (Object.keys(OPS) as OpKind[]).map((kind) => ({ arbitrary: fc.constant(kind), weight: weights[kind] ?? OPS[kind].weight }));
  return fc.record({ kind: fc.oneof(...kinds.filter((k) => k.weight > 0)), a: param, b: param, c: param, d: param }).map((r): Op => r);
}

/** One op with OPS's weights. */
export const opArb: fc.Arbitrary<Op> = opArbOf();

/**
 * A plan for a trace of at most `maxCalls` calls. Ops that do not apply are
 * skipped and the budget cuts the rest, so the plan may be longer than the
 * trace (size 'max': fast-check's default size would stop near 10 ops).
 */
export function planArb(maxCalls: number, weights?: OpWeights): fc.Arbitrary<Plan> {
  return fc.array(weights === undefined ? opArb : opArbOf(weights), { maxLength: Math.ceil(maxCalls * 1.5), size: 'max' });
}

/**
 * `op=weight,op=weight` (a campaign's `--focus`): the weights it gives, or the reason it is not one.
 * A weight is an integer from 0 (the op never comes) to 1000; at least one op keeps a weight above 0.
 */
export function parseOpWeights(text: string): OpWeights | string {
  const weights: Partial<Record<OpKind, number>> = {};
  for (const item of text.split(',')) {
    const m = /^\s*(\w+)\s*=\s*(\d+)\s*$/.exec(item);
    if (!m) return `expected op=weight, got ${JSON.stringify(item)}`;
    const [, name, raw] = m;
    if (!Object.hasOwn(OPS, name!)) return `unknown op ${name} (ops: ${Object.keys(OPS).join(', ')})`;
    const weight = Number(raw);
    if (weight > 1000) return `the weight of ${name} must be at most 1000, got ${raw}`;
    weights[name as OpKind] = weight;
  }
  if ((Object.keys(OPS) as OpKind[]).every((k) => (weights[k] ?? OPS[k].weight) === 0)) return 'every op has weight 0';
  return weights;
}
