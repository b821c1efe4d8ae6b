/**
 * Lowercase hex without Number#toString(16): the runs make a session id per
 * handshake, and radix conversion of a 32-bit number is the slow path of V8.
 */

/** Each byte's two lowercase hex digits. */
export const HEX_OF_BYTE: readonly string[] = Array.from({ length: 256 }, (_, b) => b.toString(16).padStart(2, '0'));

/** The eight hex digits of an unsigned 32-bit `x`, zero-padded. */
export function hex32(x: number): string {
  return HEX_OF_BYTE[x >>> 24]! + HEX_OF_BYTE[(x >>> 16) & 0xff]! + HEX_OF_BYTE[(x >>> 8) & 0xff]! + HEX_OF_BYTE[x & 0xff]!;
}
