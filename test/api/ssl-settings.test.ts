/**
 * An SSL's own settings (src/api/ssl-settings-api.ts): each setter changes the SSL's copy only, returns what
 * ssl_lib.c returns, and reaches the handshake; a freed SSL is a use-after-free. Values checked against 3.0.19
 * by examples/api/ssl-options-per-connection.trace and ssl-settings-kept-and-copied.trace under `sslsim conform`.
 */
import { describe, expect, it } from 'vitest';
import { runText } from '../../src/run/load.ts';

/** The return value of each line of `body` run after a client and a server ctx with one SSL each (c, s). */
function returns(body: string[]): (number | string | null)[] {
  const head = ['cctx = SSL_CTX_new(TLS_client_method())', 'sctx = SSL_CTX_new(TLS_server_method())', 'c = SSL_new(cctx)', 's = SSL_new(sctx)'];
  const result = runText([...head, ...body, ''].join('\n'), 'settings.trace');
  return result.records.slice(head.length, head.length + body.length).map((r) => r.ret);
}

const DEFAULT_OPTIONS = 0x120000; // SSL_OP_NO_COMPRESSION | SSL_OP_ENABLE_MIDDLEBOX_COMPAT
const NO_TICKET = 0x4000;

describe('SSL options', () => {
  it('start as the ctx had them at SSL_new, and change for this SSL only', () => {
    expect(returns(['SSL_set_options(s, SSL_OP_NO_TICKET)', 'SSL_get_options(s)', 'SSL_CTX_get_options(sctx)', 's2 = SSL_new(sctx)', 'SSL_get_options(s2)'])).toEqual([
      DEFAULT_OPTIONS | NO_TICKET,
      DEFAULT_OPTIONS | NO_TICKET,
      DEFAULT_OPTIONS,
      's2',
      DEFAULT_OPTIONS,
    ]);
  });

  it('are 64 bits wide, returned as the harness prints a uint64_t', () => {
    expect(returns(['SSL_set_options(c, 0x100000000)', 'SSL_clear_options(c, -1)', 'SSL_set_options(c, -1)'])).toEqual([DEFAULT_OPTIONS + 2 ** 32, 0, -1]);
  });

  it('decide the handshake: a server SSL with SSL_OP_NO_TICKET caches its TLS 1.2 session by id', () => {
    const body = ['SSL_set_max_proto_version(c, TLS1_2_VERSION)', 'SSL_set_options(s, SSL_OP_NO_TICKET)', 'connect(c, s)', 'SSL_CTX_sess_number(sctx)'];
    expect(returns(body).at(-1)).toBe(1);
    expect(returns(body.filter((l) => !l.includes('NO_TICKET'))).at(-1)).toBe(0);
  });
});

describe('SSL version bounds', () => {
  it('refuse what the ctx refuses, and leave the bound unchanged', () => {
    expect(returns(['SSL_set_min_proto_version(c, 12)', 'SSL_set_max_proto_version(c, SSL3_VERSION)', 'SSL_set_min_proto_version(c, SSL3_VERSION)', 'SSL_set_max_proto_version(c, 0xfefd)'])).toEqual([0, 1, 1, 0]);
  });

  it('fail a handshake whose ranges do not meet, and survive SSL_clear', () => {
    expect(returns(['SSL_set_min_proto_version(s, TLS1_3_VERSION)', 'SSL_set_max_proto_version(c, TLS1_2_VERSION)', 'connect(c, s)', 'SSL_clear(c)', 'SSL_clear(s)', 'connect(c, s)'])).toEqual([1, 1, 0, 1, 1, 0]);
  });
});

describe('TLS 1.3 tickets of a server SSL', () => {
  it('follow SSL_set_num_tickets, and SSL_dup takes the ctx\'s count, not the SSL\'s (FINDINGS F10)', () => {
    const body = ['SSL_CTX_set_session_cache_mode(cctx, SSL_SESS_CACHE_CLIENT)', 'SSL_set_num_tickets(s, 1)', 'd = SSL_dup(s)', 'connect(c, s)', 'SSL_CTX_sess_number(cctx)', 'c2 = SSL_new(cctx)', 'connect(c2, d)', 'SSL_CTX_sess_number(cctx)'];
    const r = returns(body);
    expect(r[4]).toBe(1);
    expect(r[7]).toBe(3);
  });
});

describe('reads of an SSL', () => {
  it('SSL_get_shutdown follows SSL_shutdown, the peer\'s close_notify and SSL_set_shutdown', () => {
    expect(returns(['connect(c, s)', 'SSL_shutdown(c)', 'SSL_get_shutdown(c)', 'read(s)', 'SSL_get_shutdown(s)', 'SSL_set_shutdown(s, 7)', 'SSL_get_shutdown(s)'])).toEqual([1, 0, 1, 0, 2, null, 7]);
  });

  it('SSL_get_SSL_CTX is the current ctx, borrowed: freeing it is a bad-free when the application holds none', () => {
    const result = runText(
      ['ctx = SSL_CTX_new(TLS_method())', 'ctx2 = SSL_CTX_new(TLS_method())', 's = SSL_new(ctx)', 'SSL_set_SSL_CTX(s, ctx2)', 'k = SSL_get_SSL_CTX(s)', 'SSL_CTX_free(ctx2)', 'SSL_CTX_free(k)', ''].join('\n'),
      'borrowed.trace',
    );
    expect(result.records[4]!.ret).toBe('ctx2');
    expect(result.diagnostics.map((d) => [d.kind, d.line])).toContainEqual(['bad-free', 7]);
  });

  it('a setter or getter on a freed SSL is a use-after-free at that line', () => {
    for (const call of ['SSL_set_options(c, 1)', 'SSL_get_shutdown(c)', 'SSL_set_num_tickets(c, 1)', 'SSL_get_SSL_CTX(c)', 'SSL_set_quiet_shutdown(c, 1)', 'SSL_get_quiet_shutdown(c)']) {
      const result = runText(['cctx = SSL_CTX_new(TLS_client_method())', 'c = SSL_new(cctx)', 'SSL_free(c)', call, ''].join('\n'), 'uaf.trace');
      expect(result.diagnostics.map((d) => [d.kind, d.line])).toContainEqual(['use-after-free', 4]);
    }
  });
});

describe('quiet shutdown (ssl3_shutdown with s->quiet_shutdown)', () => {
  it('is copied from the ctx by SSL_new, kept as any int, and later ctx changes do not reach the SSL', () => {
    expect(returns(['SSL_CTX_set_quiet_shutdown(cctx, -5)', 'c2 = SSL_new(cctx)', 'SSL_CTX_set_quiet_shutdown(cctx, 0)', 'SSL_get_quiet_shutdown(c2)', 'SSL_get_quiet_shutdown(c)', 'SSL_CTX_get_quiet_shutdown(cctx)'])).toEqual([
      null,
      'c2',
      null,
      -5,
      0,
      0,
    ]);
  });

  it('sets both flags and writes no close_notify: the peer reads none, and its own close_notify is never read', () => {
    expect(returns(['connect(c, s)', 'SSL_set_quiet_shutdown(c, 1)', 'SSL_shutdown(c)', 'SSL_get_shutdown(c)', 'read(s)', 'SSL_get_shutdown(s)', 'SSL_shutdown(s)', 'SSL_shutdown(s)'])).toEqual([
      1, null, 1, 3, 0, 0, 0, -1,
    ]);
  });

  it('replaces flags SSL_set_shutdown wrote, after a close_notify already sent too', () => {
    expect(returns(['connect(c, s)', 'SSL_shutdown(c)', 'SSL_set_shutdown(c, 13)', 'SSL_set_quiet_shutdown(c, 2)', 'SSL_shutdown(c)', 'SSL_get_shutdown(c)'])).toEqual([1, 0, null, null, 1, 3]);
  });

  it('still fails in init (-1, nothing set), and SSL_dup takes the ctx\'s setting, not the SSL\'s', () => {
    expect(returns(['SSL_set_quiet_shutdown(c, 1)', 'SSL_shutdown(c)', 'SSL_get_shutdown(c)', 'd = SSL_dup(c)', 'SSL_get_quiet_shutdown(d)'])).toEqual([null, -1, 0, 'd', 0]);
  });

  it('keeps the session: SSL_free after it is no bad-session removal', () => {
    const body = ['SSL_CTX_set_session_cache_mode(cctx, SSL_SESS_CACHE_CLIENT)', 'SSL_set_max_proto_version(c, TLS1_2_VERSION)', 'connect(c, s)', 'SSL_set_quiet_shutdown(c, 1)', 'SSL_shutdown(c)', 'SSL_free(c)', 'SSL_CTX_sess_number(cctx)'];
    expect(returns(body).at(-1)).toBe(1);
    expect(returns(body.filter((l) => !l.startsWith('SSL_shutdown'))).at(-1)).toBe(0);
  });
});

describe('the handshake state (SSL_in_init, SSL_in_before, SSL_is_init_finished)', () => {
  const state = ['SSL_in_init(s)', 'SSL_in_before(s)', 'SSL_is_init_finished(s)'];

  it('before, after and again in init for a requested ticket, then after SSL_clear', () => {
    expect(returns([...state, 'connect(c, s)', ...state, 'SSL_new_session_ticket(s)', ...state, 'read(s)', ...state, 'SSL_clear(s)', ...state])).toEqual([
      1, 1, 0, 1, 0, 0, 1, 1, 1, 0, 0, 0, 0, 0, 1, 1, 1, 1, 0,
    ]);
  });

  it('a failed handshake is in init, and past before', () => {
    expect(returns(['SSL_set_max_proto_version(c, TLS1_2_VERSION)', 'SSL_set_min_proto_version(s, TLS1_3_VERSION)', 'connect(c, s)', 'SSL_in_init(c)', 'SSL_is_init_finished(c)', 'SSL_in_before(c)'])).toEqual([
      1, 1, 0, 1, 0, 0,
    ]);
  });
});
