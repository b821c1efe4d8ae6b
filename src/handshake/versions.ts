/**
 * Protocol version negotiation between the two SSLs' own ranges (copied from
 * their contexts at SSL_new). 0 means the library's bound: TLS 1.0 below, TLS 1.3 above.
 */
import type { SslContext } from '../../machines/ssl.ts';

const LOWEST = 0x301;
const HIGHEST = 0x304;
const TLS1_2_VERSION = 0x303;

function range(s: SslContext): readonly [number, number] {
  return [s.config.minProto || LOWEST, s.config.maxProto || HIGHEST];
}

/** The version both accept, the highest one; 0 when there is none (the server's fatal protocol_version alert). */
export function negotiate(client: SslContext, server: SslContext): number {
  const [cmin, cmax] = range(client);
  const [smin, smaxOwn] = range(server);
  // ssl_version_supported: a server is TLS 1.3 capable only with a certificate (is_tls13_capable)
  const smax = server.cert ? smaxOwn : Math.min(smaxOwn, TLS1_2_VERSION);
  const version = Math.min(cmax, smax);
  return version >= Math.max(cmin, smin) ? version : 0;
}

/** ssl_version_supported: is a session's version within the client's range? */
export function clientSupports(client: SslContext, version: number): boolean {
  const [min, max] = range(client);
  return version >= min && version <= max;
}

/** ssl_set_client_hello_version: the client offers its highest version. */
export function clientMaxVersion(client: SslContext): number {
  return range(client)[1];
}

/** ssl_get_min_max_version: does the SSL's own range hold any version? */
export function hasVersions(s: SslContext): boolean {
  const [min, max] = range(s);
  return min <= max;
}
