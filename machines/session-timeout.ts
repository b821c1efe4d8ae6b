/**
 * When a session expires, as 3.0.19 computes it (spec §1.5 "Overflowed
 * timeouts"; ssl_sess.c `ssl_session_calculate_timeout`, `timeoutcmp`,
 * `sess_timedout`, with the 64-bit `time_t` of our machines).
 *
 * `calc_timeout` is `time + timeout`, unless that sum would pass
 * TMAX = 2^63 - 1: then `timeout_ovf` is set and the session never times out
 * and sorts after every session that did not overflow. The test is done in
 * unsigned 64-bit arithmetic, `timeout > (time_t)((uint64_t)TMAX - (uint64_t)time)`,
 * so a negative `time` (SSL_SESSION_set_time(s, -1), or one decoded by
 * d2i_SSL_SESSION) overflows too: such a session never expires.
 *
 * Times and timeouts are the trace's integers, at most 2^53 - 1 in size (the
 * lexer's limit), but their sum is not: the usual case is summed in doubles,
 * anything else exactly in BigInt, and `calc` is whichever it is (JavaScript
 * compares a number with a bigint exactly).
 */

/** A session's `calc_timeout` and `timeout_ovf`. */
export interface Expiry {
  readonly calc: number | bigint;
  readonly ovf: boolean;
}

const TMAX = (1n << 63n) - 1n;

/** ssl_session_calculate_timeout. */
export function calculateTimeout(time: number, timeout: number): Expiry {
  if (time >= 0) {
    const sum = time + timeout;
    // Exact, and far below TMAX: no overflow.
    if (Number.isSafeInteger(sum)) return { calc: sum, ovf: false };
  }
  const t = BigInt(time);
  const to = BigInt(timeout);
  const overflow = BigInt.asIntN(64, BigInt.asUintN(64, TMAX - BigInt.asUintN(64, t)));
  if (to > overflow) return { calc: BigInt.asIntN(64, to - overflow), ovf: true };
  return { calc: BigInt.asIntN(64, t + to), ovf: false };
}

/** timeoutcmp: -1, 0 or 1; an overflowed expiry is later than any other. */
export function timeoutCmp(a: Expiry, b: Expiry): number {
  if (a.ovf !== b.ovf) return a.ovf ? 1 : -1;
  return a.calc < b.calc ? -1 : a.calc > b.calc ? 1 : 0;
}

/** sess_timedout(t, s): `t > calc_timeout`, never for an overflowed timeout. */
export function sessTimedOut(t: number, e: Expiry): boolean {
  return !e.ovf && t > e.calc;
}
