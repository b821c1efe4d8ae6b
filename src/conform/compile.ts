/**
 * From a checked trace to the line protocol of the C harness
 * (conformance/PROTOCOL.md): `clock T0`, then one line per call the trace
 * makes, `LINE TAB TARGET TAB FUNCTION TAB ARG...`.
 *
 * A call is a call statement or a call written as a side of an `expect`
 * (`expect connect(c1, s1) == 1` handshakes on real libssl too). Observers and
 * plain values of `expect` lines are the model's business and are not sent.
 *
 * Integer arguments are evaluated here, before anything runs: constants, `|`,
 * `+`, `-`, `time(NULL)` (the simulated clock, which only `advance_time`
 * moves) and variables assigned by `time(NULL)`. A variable assigned by any
 * other call holds a value only the run knows (a DER length differs between
 * the model and libssl), so it is sent as `v:NAME` (plus or minus a constant)
 * and the harness substitutes its own result. What cannot be written that way
 * is bad input: a TraceError at the expression.
 */
import type { Expr, Pos } from '../trace/ast.ts';
import type { ArgKind } from '../trace/catalogue.ts';
import type { CheckedTrace, Step } from '../trace/check.ts';
import { TraceError } from '../trace/errors.ts';
import { bytesHex, evalInt, exactly, IntRangeError } from '../run/values.ts';
import { CLOCK_START } from '../world/world.ts';

type CallExpr = Extract<Expr, { kind: 'call' }>;

/** One protocol line. */
export interface ProtocolCall {
  readonly line: number;
  readonly col: number;
  /** The variable the result is assigned to, or `-`. */
  readonly target: string;
  readonly fn: string;
  readonly args: readonly string[];
  /** What on the source line made the call: the statement itself or a side of its `expect`. */
  readonly origin: 'statement' | 'left' | 'right';
}

export interface CompiledTrace {
  readonly file: string;
  readonly clock: number;
  readonly calls: readonly ProtocolCall[];
  /** The whole protocol input: the clock line, then one line per call. */
  readonly text: string;
}

/** `LINE TAB TARGET TAB FUNCTION TAB ARG...` */
export function protocolLine(c: ProtocolCall): string {
  return [String(c.line), c.target, c.fn, ...c.args].join('\t');
}

/**
 * Compiles a checked trace (the same one the runner runs).
 *
 * @throws TraceError for an integer the protocol cannot carry.
 */
export function compileTrace(checked: CheckedTrace): CompiledTrace {
  const calls = new Compiler(checked).run();
  const text = [`clock ${CLOCK_START}`, ...calls.map(protocolLine)].join('\n') + '\n';
  return { file: checked.file, clock: CLOCK_START, calls, text };
}

/** An integer argument: a constant, or a run-time variable plus a constant. */
interface Linear {
  readonly variable: string | null;
  readonly k: number;
}

class Compiler {
  private now = CLOCK_START;
  /** Integer variables: their value when it is known before the run, `null` when only the run knows it. */
  private readonly ints = new Map<string, number | null>();
  private readonly calls: ProtocolCall[] = [];

  constructor(private readonly checked: CheckedTrace) {}

  run(): ProtocolCall[] {
    try {
      for (const step of this.checked.steps) this.step(step);
    } catch (e) {
      if (e instanceof IntRangeError) throw this.error(e.pos, e.message);
      throw e;
    }
    return this.calls;
  }

  private step(step: Step): void {
    if (step.kind === 'call') {
      const s = step.statement;
      this.call(s.call, step.spec.args, s.assign?.name ?? '-', 'statement');
      if (s.call.name === 'advance_time') this.advance(s.call);
      for (const d of step.defines) {
        if (d.kind !== 'int') this.ints.delete(d.name);
        // time(NULL) is the simulated clock: known statically. Any other integer result is the run's.
        else this.ints.set(d.name, s.call.name === 'time' ? this.now : null);
      }
      return;
    }
    if (step.kind === 'expect') {
      if (step.left.form === 'call') this.call(step.left.expr, step.left.spec.args, '-', 'left');
      if (step.right.form === 'call') this.call(step.right.expr, step.right.spec.args, '-', 'right');
    }
  }

  private call(e: CallExpr, kinds: readonly ArgKind[], target: string, origin: ProtocolCall['origin']): void {
    const args = e.args.map((a, i) => this.arg(a, kinds[i] ?? 'int', e.name, i));
    this.calls.push({ line: e.pos.line, col: e.pos.col, target, fn: e.name, args, origin });
  }

  /** advance_time moves the clock as the model does: forward only (src/api/pseudo-api.ts). */
  private advance(e: CallExpr): void {
    const amount = e.args[0];
    if (amount === undefined) return;
    const lin = this.linear(amount);
    if (lin.variable !== null) throw this.error(amount.pos, `advance_time needs an amount known before the run, but ${lin.variable} is the result of a call`);
    this.now += Math.max(0, lin.k);
  }

  private arg(e: Expr, want: ArgKind, fn: string, index: number): string {
    const where = `argument ${index + 1} of ${fn}`;
    switch (want) {
      case 'ctx':
      case 'ssl':
      case 'session':
      case 'handle':
      case 'ctx?':
      case 'session?':
      case 'ssl?':
        if (e.kind === 'null' && want.endsWith('?')) return 'n:';
        if (e.kind === 'var') return `h:${e.name}`;
        break;
      case 'int': {
        const lin = this.linear(e);
        if (lin.variable !== null) return `v:${lin.variable}${lin.k === 0 ? '' : lin.k > 0 ? `+${lin.k}` : `${lin.k}`}`;
        // The advance_time amount goes out clamped, as the model applies it.
        return `i:${fn === 'advance_time' ? Math.max(0, lin.k) : lin.k}`;
      }
      case 'method':
        if (e.kind === 'call') return `m:${e.name}`;
        break;
      case 'bytes':
      case 'bytes?':
        if (e.kind === 'string') return `b:${bytesHex(e.value)}`;
        if (e.kind === 'null' && want === 'bytes?') return 'n:';
        break;
      case 'new-cb':
      case 'remove-cb':
      case 'get-cb':
        if (e.kind === 'var') return `c:${e.name}`;
        break;
      case 'der-out':
        if (e.kind === 'addr') return `o:${e.name}`;
        break;
      case 'der-in':
        if (e.kind === 'addr') return `d:${e.name}`;
        break;
      case 'null':
        if (e.kind === 'null') return 'n:';
        break;
    }
    // The checker admits none of these; a trace reaching here was not checked.
    throw this.error(e.pos, `${where}: cannot be written in the harness protocol`);
  }

  /** Does the expression read a variable whose value only the run knows? */
  private runtime(e: Expr): boolean {
    if (e.kind === 'var') return this.ints.get(e.name) === null;
    if (e.kind === 'binary') return this.runtime(e.left) || this.runtime(e.right);
    return false;
  }

  /** An integer expression as a constant, or as one run-time variable plus a constant. */
  private linear(e: Expr): Linear {
    if (!this.runtime(e)) return { variable: null, k: evalInt(e, { now: this.now, intVar: (name) => this.ints.get(name) ?? 0 }) };
    if (e.kind === 'var') return { variable: e.name, k: 0 };
    if (e.kind === 'binary' && e.op !== '|') {
      const l = this.linear(e.left);
      const r = this.linear(e.right);
      if (e.op === '+' && (l.variable === null || r.variable === null)) return { variable: l.variable ?? r.variable, k: exactly(l.k + r.k, e.pos) };
      if (e.op === '-' && r.variable === null) return { variable: l.variable, k: exactly(l.k - r.k, e.pos) };
    }
    throw this.error(
      e.pos,
      'this integer depends on the result of a call in a way the harness protocol cannot carry (only NAME, NAME + K and NAME - K can be)',
    );
  }

  private error(pos: Pos, reason: string): TraceError {
    return TraceError.at(this.checked.file, pos, reason);
  }
}
