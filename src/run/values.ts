/**
 * Evaluation of the trace language's plain values, shared by the runner (on
 * the model's running world) and the conformance compiler (statically, to
 * write the harness protocol, conformance/PROTOCOL.md).
 */
import type { Expr } from '../trace/ast.ts';
import { CONSTANTS } from '../trace/catalogue.ts';

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
      return expr.op === '|' ? Number(BigInt(l) | BigInt(r)) : expr.op === '+' ? l + r : l - r;
    }
    default:
      return 0;
  }
}

/** Each byte's two lowercase hex digits. */
const HEX_OF_BYTE: readonly string[] = Array.from({ length: 256 }, (_, b) => b.toString(16).padStart(2, '0'));

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
