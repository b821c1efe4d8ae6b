/**
 * What an API handler receives and returns.
 *
 * The runner evaluates a call's arguments (handles to object ids, integer
 * expressions on the simulated clock, byte strings to hex) and hands them to
 * the handler of that function, which drives the world. A handler returns the
 * C return value; a pointer result names the object and says whether the
 * caller now owns a reference (`owned`) or only borrows it.
 */
import type { EncodedSession } from '../../machines/ssl-session.ts';
import type { World } from '../world/world.ts';

export type Arg =
  | { readonly kind: 'int'; readonly value: number }
  | { readonly kind: 'null' }
  | { readonly kind: 'object'; readonly id: string; readonly handle: string; readonly line: number }
  | { readonly kind: 'bytes'; readonly hex: string }
  | { readonly kind: 'name'; readonly name: string }
  | { readonly kind: 'der'; readonly name: string; readonly der: EncodedSession | null; readonly length: number };

export type Ret =
  | { readonly kind: 'int'; readonly value: number }
  | { readonly kind: 'void' }
  | { readonly kind: 'object'; readonly id: string | null; readonly owned: boolean; readonly borrowedFrom?: string }
  | { readonly kind: 'der'; readonly der: EncodedSession | null; readonly length: number };

export interface Call {
  readonly world: World;
  readonly args: readonly Arg[];
  /** The variable the result is assigned to, if any (SSL and SSL_CTX ids are their first variable's name). */
  readonly target: string | null;
}

export type Handler = (call: Call) => Ret;

/** The results -1, 0 and 1, most calls' return values, made once: a Ret is never changed nor kept by identity. */
const SMALL_INTS: readonly Ret[] = [-1, 0, 1].map((value) => ({ kind: 'int', value }));

export const int = (value: number): Ret => (value >= -1 && value <= 1 && Number.isInteger(value) && !Object.is(value, -0) ? SMALL_INTS[value + 1]! : { kind: 'int', value });
export const VOID: Ret = { kind: 'void' };

export function objectArg(call: Call, i: number): string | null {
  const a = call.args[i];
  return a?.kind === 'object' ? a.id : null;
}
export function intArg(call: Call, i: number): number {
  const a = call.args[i];
  return a?.kind === 'int' ? a.value : 0;
}
export function hexArg(call: Call, i: number): string {
  const a = call.args[i];
  return a?.kind === 'bytes' ? a.hex : '';
}
export function nameArg(call: Call, i: number): string | null {
  const a = call.args[i];
  return a?.kind === 'name' ? a.name : null;
}
