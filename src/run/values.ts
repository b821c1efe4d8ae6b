/**
 * Evaluation of the trace language's plain values, shared by the runner (on
 * the model's running world) and the conformance compiler (statically, to
 * write the harness protocol, conformance/PROTOCOL.md).
 */
import type { Expr, Pos } from '../trace/ast.ts';
import { CONSTANTS } from '../trace/catalogue.ts';
import { HEX_OF_BYTE } from '../world/hex.ts';

/**
 * An integer expression whose value a double cannot hold exactly: a sum or
 * difference beyond 2^53 - 1, the limit the lexer puts on literals. C would
 * compute it exactly in 64 bits, so the model refuses it instead of running
 * a rounded value; the runner and the conformance compiler report it at `pos`.
 */
export class IntRangeError extends Error {
  constructor(
    readonly pos: Pos,
    readonly value: number,
  ) {
    super(`the value of this expression (about ${value}) is beyond the exact integers the model computes (-${Number.MAX_SAFE_INTEGER} to ${Number.MAX_SAFE_INTEGER})`);
    this.name = 'IntRangeError';
  }
}

/** Where an integer expression reads the clock and its integer variables. */
export interface IntEnv {
  /** `time(NULL)`: the simulated clock. */
  readonly now: number;
  /** The value of an integer variable. */
  intVar(name: string): number;
}

/** An integer expression: literals, constants, integer variables, `time(NULL)`, `|`, `+`, `-`. */
export function evalInt(expr: Expr, env: IntEnv): number {
  switch (expr.kind) {
    case 'int':
      return expr.value;
    case 'const':
      return CONSTANTS.get(expr.name) ?? 0;
    case 'var':
      return env.intVar(expr.name);
    case 'call':
      return env.now; // time(NULL), the only call the checker admits in an integer
    case 'binary': {
      const l = evalInt(expr.left, env);
      const r = evalInt(expr.right, env);
      // `|` of two exact integers below 2^53 stays below it; a sum or difference may not.
      if (expr.op === '|') return Number(BigInt(l) | BigInt(r));
      return exactly(expr.op === '+' ? l + r : l - r, expr.pos);
    }
    default:
      return 0;
  }
}

/** `value` if it is an exact integer, else an IntRangeError at `pos`. */
export function exactly(value: number, pos: Pos): number {
  if (!Number.isSafeInteger(value)) throw new IntRangeError(pos, value);
  return value;
}

/**
 * A string literal's bytes, hex-encoded (the lexer keeps one char per byte,
 * latin1). What `Buffer.from(value, 'latin1').toString('hex')` gives (a char
 * keeps its low byte), without a Buffer per argument of every call.
 */
export function bytesHex(value: string): string {
  let hex = '';
  for (let i = 0; i < value.length; i++) hex += HEX_OF_BYTE[value.charCodeAt(i) & 0xff]!;
  return hex;
}
