/**
 * The early-session warning (P8, spec §6.3) gives advice that fits the connection: with tickets
 * waiting in the client's buffer, read them first; with none sent (a server with
 * SSL_CTX_set_num_tickets(ctx, 0)), there is nothing to read, and saying so is the point; with
 * SSL_RECEIVED_SHUTDOWN set, SSL_read returns 0 at once and reads nothing. A session
 * that is not resumable for another reason is not this surprise, and gets no such warning.
 */
import { describe, expect, it } from 'vitest';
import { runText } from '../../src/run/load.ts';

/** The early-session warnings of one TLS 1.3 connection whose client session is taken right after `drive`. */
function warnings(setup: string[], drive: string) {
  const text = ['cctx = SSL_CTX_new(TLS_client_method())', 'sctx = SSL_CTX_new(TLS_server_method())', ...setup, 'c = SSL_new(cctx)', 's = SSL_new(sctx)', drive, 'sess = SSL_get1_session(c)'];
  const teardown = ['SSL_SESSION_free(sess)', 'SSL_free(c)', 'SSL_free(s)', 'SSL_CTX_free(cctx)', 'SSL_CTX_free(sctx)', ''];
  return runText([...text, ...teardown].join('\n'), 'early.trace').diagnostics.filter((d) => d.kind === 'early-session');
}

/** The one warning, at the SSL_get1_session line. */
function earlySession(setup: string[], drive: string) {
  const found = warnings(setup, drive);
  expect(found.map((d) => d.line)).toEqual([6 + setup.length]);
  return found[0]!;
}

describe('early-session advice', () => {
  it('tickets waiting after handshake(): read them first, with the count', () => {
    const d = earlySession([], 'handshake(c, s)');
    expect(d.message).toMatch(/\(2 waiting\)/);
    expect(d.consequence).toMatch(/read\(c\)/);
  });

  it('a server that sends no tickets: none waiting, and no advice to read', () => {
    const d = earlySession(['SSL_CTX_set_num_tickets(sctx, 0)'], 'connect(c, s)');
    expect(d.message).toMatch(/has no ticket and none is waiting/);
    expect(d.consequence).toMatch(/SSL_CTX_set_num_tickets\(ctx, 0\)/);
    expect(d.consequence).not.toMatch(/read\(c\)/);
  });

  it('tickets waiting but SSL_RECEIVED_SHUTDOWN set by hand: reads return 0, so no advice to read', () => {
    // The drive is two lines: the line of SSL_get1_session moves down by one.
    const found = warnings([], 'handshake(c, s)\nSSL_set_shutdown(c, SSL_RECEIVED_SHUTDOWN)');
    expect(found.map((d) => d.line)).toEqual([7]);
    expect(found[0]!.message).toMatch(/\(2 waiting\), and none can be read now/);
    expect(found[0]!.consequence).toMatch(/SSL_RECEIVED_SHUTDOWN/);
    expect(found[0]!.consequence).not.toMatch(/read\(c\)/);
  });

  it('tickets read by connect(): the session is a ticket session, no warning', () => {
    expect(warnings([], 'connect(c, s)')).toEqual([]);
  });

  it('a ticket session the client cache removed (marked not resumable, spec §4): no warning', () => {
    const setup = ['SSL_CTX_set_session_cache_mode(cctx, SSL_SESS_CACHE_CLIENT)'];
    const drive = 'connect(c, s)\ng = SSL_get0_session(c)\nSSL_CTX_remove_session(cctx, g)';
    expect(warnings(setup, drive)).toEqual([]);
  });

  it('a bare session the application gave the connected client: no warning', () => {
    expect(warnings([], 'connect(c, s)\nx = SSL_SESSION_new()\nSSL_shutdown(c)\nSSL_set_session(c, x)\nSSL_SESSION_free(x)')).toEqual([]);
  });
});
