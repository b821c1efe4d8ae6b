/**
 * How a connection fails (statem.c ossl_statem_fatal, s3_msg.c ssl3_send_alert): the error state, with or without
 * an alert to the peer, and what stays in the read buffer. An alert removes and marks s->session unless
 * SSL_SENT_SHUTDOWN is set (spec §8, FINDINGS F25); the write state it goes out under decides whether the peer can
 * read it (FINDINGS F98). Reading records, and failing on them, is record-layer.ts.
 */
import { removeSession } from '../cache/remove-session.ts';
import { type AlertSeal } from '../../machines/ssl.ts';
import type { World } from '../world/world.ts';
import { TLS1_3 } from './sessions.ts';
import { canWrite, nothingWaiting, pairAlive, writeAlert } from './bio-pair.ts';

const SENT = 1;

/**
 * ossl_statem_fatal with an alert to send (statem.c ossl_statem_send_fatal):
 * the SSL goes back into init, in the error state, and sends the alert
 * (sendAlert).
 */
export function fatal(world: World, ssl: string, ret: number): number {
  sendAlert(world, ssl);
  return errorState(world, ssl, ret);
}

/**
 * ssl3_send_alert (s3_msg.c) of a fatal alert: once SSL_SENT_SHUTDOWN is set
 * it returns -1 at once, before the session leaves the cache and with nothing
 * written (FINDINGS F25). Otherwise SSL_CTX_remove_session(s->session_ctx,
 * s->session), and the alert reaches a live peer, whose next read fails on it
 * (FINDINGS F18), unless the SSL cannot write (canWrite). True when the alert
 * was written.
 */
export function sendAlert(world: World, ssl: string, afterServerHello = false): boolean {
  const { session, sessionCtx, shutdown, peer } = world.ssl(ssl);
  if ((shutdown & SENT) !== 0) return false;
  if (session !== null) removeSession(world, sessionCtx, session);
  if (!pairAlive(world, ssl) || !canWrite(world, ssl)) return false;
  writeAlert(world, peer ?? '', alertSeal(world, ssl), afterServerHello);
  world.sendSsl(ssl, { type: 'CONNECTION', fields: { readBlocked: false } }); // bio_write clears the retry flags (F6)
  return true;
}

/**
 * The write state an alert goes out under (FINDINGS F25): in init, before any
 * keys, plaintext; a connected SSL seals it with the connection's keys, and so
 * does a server mid-handshake that already switched its write keys (TLS 1.3
 * after its first flight, a TLS 1.2 resumption after its Finished:
 * statem_srvr.c ossl_statem_server_post_work). null: the SSL's s3 state was
 * thrown away, and what it writes is unreadable (FINDINGS F2).
 */
function alertSeal(world: World, ssl: string): AlertSeal | null {
  const state = world.stateOf('ssl', ssl);
  const s = world.ssl(ssl);
  if (state === 'connected' || state === 'closed') return s.methodReset ? null : 'sealed';
  if (state === 'handshaking' && s.role === 'server' && (s.version === TLS1_3 || s.hit)) return 'sealed';
  return 'plain';
}

/**
 * A handshake message that fails (a ServerHello the client refuses, the
 * ChangeCipherSpec of a resumption it did not expect): the fatal error with its
 * alert, and the rest of the flight it was reading stays in the BIO, out of
 * step with any later handshake (checked against 3.0.19, FINDINGS F68): `left`
 * records, each read and failed on alone (flightRecords, FINDINGS F88).
 */
export function flightFailed(world: World, ssl: string, ret: number, left: number): number {
  world.sendSsl(ssl, { type: 'CONNECTION', fields: { undecryptablePending: left } });
  return failLeavingBuffer(world, ssl, ret, true); // a client that read a ServerHello (FINDINGS F91)
}

/**
 * The fatal error with its alert, as `fatal`, leaving the read buffer as it
 * is: for SSLfatal raised while writing (tls13_enc after a method reset,
 * FINDINGS F62), where nothing was read, and after a read that consumed what it
 * read. What waits stays there, for the reads of an SSL_clear'ed SSL on the
 * same pair (checked against 3.0.19, FINDINGS F65).
 */
export function failLeavingBuffer(world: World, ssl: string, ret: number, afterServerHello = false): number {
  sendAlert(world, ssl, afterServerHello);
  return errorStateLeavingBuffer(world, ssl, ret);
}

/** The error state, no alert sent, the read buffer as it is (what was read is already consumed). */
export function errorStateLeavingBuffer(world: World, ssl: string, ret: number): number {
  world.sendSsl(ssl, { type: 'FATAL', fields: { helloUnsent: null } }); // the error state never writes again
  return ret;
}

/**
 * SSLfatal(s, SSL_AD_NO_ALERT, ...) (statem.c ossl_statem_send_fatal): the
 * error state, nothing sent, the session left where it is (FINDINGS F25).
 */
export function errorState(world: World, ssl: string, ret: number): number {
  const fields = nothingWaiting();
  fields.helloUnsent = null; // the error state never writes again
  world.sendSsl(ssl, { type: 'FATAL', fields });
  return ret;
}
