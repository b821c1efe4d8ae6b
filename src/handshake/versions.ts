/**
 * Protocol version negotiation between the two SSLs' own settings (copied
 * from their contexts at SSL_new): the version bounds (0: no bound) and the
 * SSL_OP_NO_TLSv1* options, as statem_lib.c reads them.
 */
import type { SslContext } from '../../machines/ssl.ts';

const TLS1_2_VERSION = 0x303;
const TLS1_3_VERSION = 0x304;

/**
 * tls_version_table (statem_lib.c), highest first, with each version method's
 * mask (methods.c IMPLEMENT_tls_meth_func). SSL 3 is built out of 3.0.19
 * (OPENSSL_NO_SSL3: its entry has no method, a hole), so it is never enabled.
 */
const TABLE: readonly { readonly version: number; readonly mask: number }[] = [
  { version: 0x304, mask: 1 << 29 }, // SSL_OP_NO_TLSv1_3
  { version: 0x303, mask: 1 << 27 }, // SSL_OP_NO_TLSv1_2
  { version: 0x302, mask: 1 << 28 }, // SSL_OP_NO_TLSv1_1
  { version: 0x301, mask: 1 << 26 }, // SSL_OP_NO_TLSv1
];

/**
 * ssl_method_error == 0: the version is within the SSL's bounds and its
 * SSL_OP_NO_ option is clear (the security level, 1, allows every TLS
 * version). `options & mask` reads the low 32 bits, exactly (F33).
 */
function enabled(s: SslContext, entry: (typeof TABLE)[number]): boolean {
  const { minProto, maxProto, options } = s.config;
  if (minProto !== 0 && entry.version < minProto) return false;
  if (maxProto !== 0 && entry.version > maxProto) return false;
  return (options & entry.mask) === 0;
}

/**
 * ssl_get_min_max_version (statem_lib.c): walking the table from the top, an
 * enabled version after a hole starts the range again, so SSL_OP_NO_X
 * disables every version above X when one below X is enabled: the range is
 * the lowest contiguous run of enabled versions (FINDINGS F34). Null when no
 * version is enabled (SSL_R_NO_PROTOCOLS_AVAILABLE).
 */
function minMaxVersion(s: SslContext): readonly [number, number] | null {
  let min = 0;
  let max = 0;
  let hole = true;
  for (const entry of TABLE) {
    if (!enabled(s, entry)) {
      hole = true;
    } else if (hole) {
      max = min = entry.version;
      hole = false;
    } else {
      min = entry.version;
    }
  }
  return max === 0 ? null : [min, max];
}

/** ssl_version_supported, for a server: enabled, and TLS 1.3 only with a certificate (is_tls13_capable). */
function serverSupports(server: SslContext, version: number): boolean {
  const entry = TABLE.find((e) => e.version === version);
  return entry !== undefined && enabled(server, entry) && (version !== TLS1_3_VERSION || server.cert);
}

/**
 * ssl_choose_server_version: the version the server picks from the client's
 * ClientHello; 0 when there is none (the server's fatal protocol_version
 * alert). A client whose range reaches TLS 1.3 sends supported_versions, its
 * range from the top, and the server takes the highest it supports; an
 * older client sends only its highest version, and the server takes the
 * highest version it allows that is not above it (below the client's range
 * it is TLS 1.1 or less, which fails anyway: conformance/NOTES.md N8).
 */
export function negotiate(range: readonly [number, number], server: SslContext): number {
  const [cmin, cmax] = range;
  if (cmax === 0) return 0;
  if (cmax >= TLS1_3_VERSION) {
    for (let v = cmax; v >= cmin; v--) if (serverSupports(server, v)) return v;
    return 0;
  }
  const legacy = Math.min(cmax, TLS1_2_VERSION);
  for (const entry of TABLE) if (entry.version <= legacy && enabled(server, entry)) return entry.version;
  return 0;
}

/** ssl_version_supported for a client: is a session's version one the client allows (tls_construct_client_hello)? */
export function clientSupports(client: SslContext, version: number): boolean {
  const entry = TABLE.find((e) => e.version === version);
  return entry !== undefined && enabled(client, entry);
}

/** The SSL's version range now, [0, 0] when it has none (ssl_get_min_max_version fails). */
export function versionRange(s: SslContext): readonly [number, number] {
  return minMaxVersion(s) ?? NO_RANGE;
}

const NO_RANGE: readonly [number, number] = Object.freeze([0, 0] as const);

/**
 * statem_lib.c check_for_downgrade: a server that negotiated TLS 1.2 and supports TLS 1.3 ends its random with
 * the downgrade sentinel (TLS 1.1 and below never reach a ServerHello here: conformance/NOTES.md N8).
 */
export function signalsDowngrade(server: SslContext, version: number): boolean {
  return version === TLS1_2_VERSION && serverSupports(server, TLS1_3_VERSION);
}

/**
 * ssl_choose_client_version, on the client's settings when it reads the ServerHello: the version must lie in its
 * range then, and a TLS 1.2 answer carrying the downgrade sentinel is refused by a client that now allows more
 * (SSL_R_INAPPROPRIATE_FALLBACK). Its settings may have changed since its ClientHello (FINDINGS F125).
 */
export function clientAccepts(client: SslContext, version: number, downgrade: boolean): boolean {
  const range = minMaxVersion(client);
  if (range === null) return false;
  const [min, max] = range;
  if (version < min || version > max) return false;
  return !(downgrade && version === TLS1_2_VERSION && max > version);
}

/** ssl_set_client_hello_version: the client offers the top of its range (0 when it has none). */
export function clientMaxVersion(client: SslContext): number {
  return minMaxVersion(client)?.[1] ?? 0;
}

/**
 * ssl_get_min_max_version: does the SSL's own settings enable any version?
 * (FINDINGS F7: a client without one fails before its ClientHello.) A range
 * of SSL 3 alone enables none (F35), nor do SSL_OP_NO_ options covering the
 * whole range (F34).
 */
export function hasVersions(s: SslContext): boolean {
  return minMaxVersion(s) !== null;
}
