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

/**
 * A handler's result. Made only by the functions below (`int`, `VOID`, `objectRet`, `derRet`), which give
 * every Ret the same fields in the same order: one hidden class, so the runner's reads of `kind` stay
 * monomorphic (with a literal per kind they were V8's megamorphic path, 2% of a run, bench/HISTORY.md session 14).
 */
export type Ret =
  | { readonly kind: 'int'; readonly value: number }
  | { readonly kind: 'void' }
  | { readonly kind: 'object'; readonly id: string | null; readonly owned: boolean; readonly borrowedFrom: string | null }
  | { readonly kind: 'der'; readonly der: EncodedSession | null; readonly length: number };

export interface Call {
  readonly world: World;
  readonly args: readonly Arg[];
  /** The variable the result is assigned to, if any (SSL and SSL_CTX ids are their first variable's name). */
  readonly target: string | null;
}

export type Handler = (call: Call) => Ret;

/** Every Ret, with all the fields any kind has (see Ret). */
function makeRet(kind: Ret['kind'], value: number, id: string | null, owned: boolean, borrowedFrom: string | null, der: EncodedSession | null, length: number): Ret {
  return { kind, value, id, owned, borrowedFrom, der, length } as Ret;
}

/** The results -1, 0 and 1, most calls' return values, made once: a Ret is never changed nor kept by identity. */
const SMALL_INTS: readonly Ret[] = [-1, 0, 1].map((value) => makeRet('int', value, null, false, null, null, 0));

export const int = (value: number): Ret =>
  value >= -1 && value <= 1 && Number.isInteger(value) && !Object.is(value, -0) ? SMALL_INTS[value + 1]! : makeRet('int', value, null, false, null, null, 0);
export const VOID: Ret = makeRet('void', 0, null, false, null, null, 0);
/** A pointer result: `owned` when the caller now holds a reference, else borrowed (from the SSL `borrowedFrom`, for a get0). */
export const objectRet = (id: string | null, owned: boolean, borrowedFrom: string | null = null): Ret => makeRet('object', 0, id, owned, borrowedFrom, null, 0);
/** i2d_SSL_SESSION's result: the encoding and its length (null and 0 when it encodes nothing). */
export const derRet = (der: EncodedSession | null, length: number): Ret => makeRet('der', 0, null, false, null, der, length);

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

/**
 * C's conversion of a trace integer to a 32-bit parameter or field. A trace
 * integer is a double, exact up to 2^53; both conversions take it modulo 2^32,
 * as the harness's casts from `long long` do (conformance/src/worker.c).
 */
/** `unsigned int` / `uint32_t`: -1 is 0xFFFFFFFF, 2^32 is 0. */
export const toUint32 = (value: number): number => value >>> 0;
/** `int`: 0x100000303 is 0x303. */
export const toInt32 = (value: number): number => value | 0;

/** An argument that is a literal NULL, or a variable holding NULL. */
export function isNullArg(call: Call, i: number): boolean {
  return call.args[i]?.kind === 'null';
}

/**
 * The first `len` bytes of a string argument, hex-encoded, as `memcpy(dst, p, len)` reads them: the C
 * harness passes the literal zero-padded (worker.c a_bytes), so `"abc", 4` is 61 62 63 00 and `"", 1` one
 * zero byte (FINDINGS F31). `len` is at most 32 here: every caller refuses a longer one first.
 */
export function bytesOfLength(call: Call, i: number, len: number): string {
  const hex = hexArg(call, i);
  return hex.length >= len * 2 ? hex.slice(0, len * 2) : hex.padEnd(len * 2, '0');
}
