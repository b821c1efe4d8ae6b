/**
 * Argument builders: each gives the text a trace line shows and the value the
 * runner computes for that text (src/run/runner.ts `arg`), so the shadow
 * world receives exactly what a replay will.
 */
import { CONSTANTS } from '../../src/trace/catalogue.ts';
import type { GenArg } from './program.ts';

export const NULL_ARG: GenArg = { text: 'NULL', arg: { kind: 'null' } };

export function intArg(value: number): GenArg {
  return { text: String(value), arg: { kind: 'int', value } };
}

/** `A | B | …` of named constants (an empty list is `0`). */
export function constants(...names: readonly string[]): GenArg {
  if (names.length === 0) return intArg(0);
  let value = 0n;
  for (const name of names) {
    const v = CONSTANTS.get(name);
    if (v === undefined) throw new Error(`generator bug: unknown constant ${name}`);
    value |= BigInt(v);
  }
  return { text: names.join(' | '), arg: { kind: 'int', value: Number(value) } };
}

/** `time(NULL)`, `time(NULL) + n` or `time(NULL) - n`, read at `now` (the clock does not move within a call). */
export function timeArg(now: number, offset: number): GenArg {
  const text = offset === 0 ? 'time(NULL)' : `time(NULL) ${offset > 0 ? '+' : '-'} ${Math.abs(offset)}`;
  return { text, arg: { kind: 'int', value: now + offset } };
}

/** An integer variable plus an offset: `t1 + 100`. */
export function varPlus(name: string, value: number, offset: number): GenArg {
  const text = offset === 0 ? name : `${name} ${offset > 0 ? '+' : '-'} ${Math.abs(offset)}`;
  return { text, arg: { kind: 'int', value: value + offset } };
}

/** A byte string of printable ASCII (no escapes needed). */
export function bytesArg(value: string): GenArg {
  if (!/^[ -!#-[\]-~]*$/.test(value)) throw new Error(`generator bug: ${JSON.stringify(value)} needs escapes`);
  return { text: `"${value}"`, arg: { kind: 'bytes', hex: Buffer.from(value, 'latin1').toString('hex') } };
}

/** A method (`TLS_client_method()`) or a callback name: the runner passes it by name. */
export function methodArg(name: string): GenArg {
  return { text: `${name}()`, arg: { kind: 'name', name } };
}

export function callbackArg(name: string): GenArg {
  return { text: name, arg: { kind: 'name', name } };
}
