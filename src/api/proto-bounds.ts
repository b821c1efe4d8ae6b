/**
 * The protocol version bounds and the 64-bit options, as SSL_CTX_ctrl and SSL_ctrl set them (ssl_lib.c):
 * the same checks for a context and for one SSL, whose own copies SSL_new made (spec §3 SSL_new).
 */

const SSL3_VERSION = 0x300;
const TLS1_VERSION = 0x301;
const TLS1_3_VERSION = 0x304;
const DTLS1_BAD_VER = 0x100;
const DTLS1_2_VERSION = 0xfefd;

/**
 * SSL_CTRL_SET_MIN/MAX_PROTO_VERSION: ssl_check_allowed_versions(min, max) && ssl_set_version_bound(method
 * version, (int)larg, &bound), where the method is the ctx's (s->ctx->method for an SSL), always a
 * TLS_ANY_VERSION one here. The new bound, or null when the call returns 0 and changes nothing. 0 removes the
 * bound; a DTLS version returns 1 and is ignored by the TLS methods (FINDINGS F35).
 */
export function newProtoBound(key: 'minProto' | 'maxProto', version: number, minProto: number, maxProto: number): number | null {
  const [min, max] = key === 'minProto' ? [version, maxProto] : [minProto, version];
  if (!allowedVersions(min, max)) return null;
  return versionBound(version, key === 'minProto' ? minProto : maxProto);
}

/** ssl_lib.c ssl_check_allowed_versions, as 3.0.19 is built (of the versions, only SSL 3 is compiled out: OPENSSL_NO_SSL3). */
function allowedVersions(minVersion: number, maxVersion: number): boolean {
  const isDtls = (v: number): boolean => v === DTLS1_BAD_VER || v >> 8 === 0xfe; // DTLS1_VERSION_MAJOR
  const minIsDtls = isDtls(minVersion);
  const maxIsDtls = isDtls(maxVersion);
  // "Mixing DTLS and TLS versions will lead to sadness; deny it." (0 is either)
  if ((minIsDtls && !maxIsDtls && maxVersion !== 0) || (maxIsDtls && !minIsDtls && minVersion !== 0)) return false;
  if (minIsDtls || maxIsDtls) return true; // no DTLS version is compiled out: nothing to check
  let min = minVersion === 0 ? SSL3_VERSION : minVersion;
  const max = maxVersion === 0 ? TLS1_3_VERSION : maxVersion;
  if (min === SSL3_VERSION) min = TLS1_VERSION; // OPENSSL_NO_SSL3
  return !(min <= SSL3_VERSION && SSL3_VERSION <= max); // OPENSSL_NO_SSL3: a range holding SSL 3 is refused
}

/**
 * statem_lib.c ssl_set_version_bound for a TLS_ANY_VERSION method: the new bound, or null for a value
 * that is neither a TLS version (SSL3_VERSION to TLS1_3_VERSION) nor a DTLS one (DTLS1_BAD_VER, or
 * DTLS1_2_VERSION to 0xff00 in DTLS order); a DTLS version keeps the bound as it is.
 */
function versionBound(version: number, current: number): number | null {
  if (version === 0) return 0;
  const validTls = version >= SSL3_VERSION && version <= TLS1_3_VERSION;
  const ordinal = version === DTLS1_BAD_VER ? 0xff00 : version; // dtls_ver_ordinal
  const validDtls = ordinal >= DTLS1_2_VERSION && ordinal <= 0xff00;
  if (!validTls && !validDtls) return null;
  return validTls ? version : current;
}

/**
 * The uint64_t options as libssl's return value, which the harness prints as a signed long long
 * (worker.c f_SSL_CTX_set_options): the options modulo 2^64, read as two's complement. Exact as a
 * number: a trace integer's magnitude is below 2^53, so its bits 53 to 63 are all equal (its sign),
 * and | and & ~ of such values keep them equal; the result lies in [-2^53, 2^53).
 */
export function options64(bits: bigint): number {
  return Number(BigInt.asIntN(64, bits));
}
