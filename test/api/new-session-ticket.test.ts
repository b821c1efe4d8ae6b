/**
 * SSL_new_session_ticket (src/handshake/new-session-ticket.ts): the call's answer, the server in init until its
 * next read or handshake step writes the tickets, and where they go. Values checked against 3.0.19 by
 * examples/tickets/new-session-ticket.trace and new-session-ticket-edges.trace under `sslsim conform`
 * (properties/gen/FINDINGS.md F127).
 */
import { describe, expect, it } from 'vitest';
import { runText } from '../../src/run/load.ts';

/** The return value of each line of `body`, run after a TLS 1.3 client ctx (caching) and server ctx with one SSL each (c, s). */
function returns(body: string[]): (number | string | null)[] {
  const head = [
    'cctx = SSL_CTX_new(TLS_client_method())',
    'sctx = SSL_CTX_new(TLS_server_method())',
    'SSL_CTX_set_session_cache_mode(cctx, SSL_SESS_CACHE_CLIENT)',
    'c = SSL_new(cctx)',
    's = SSL_new(sctx)',
  ];
  const result = runText([...head, ...body, ''].join('\n'), 'nst.trace');
  return result.records.slice(head.length, head.length + body.length).map((r) => r.ret);
}

describe('SSL_new_session_ticket', () => {
  it('is refused before the handshake, by a client and below TLS 1.3', () => {
    expect(returns(['SSL_new_session_ticket(s)', 'connect(c, s)', 'SSL_new_session_ticket(c)'])).toEqual([0, 1, 0]);
    expect(returns(['SSL_set_max_proto_version(c, TLS1_2_VERSION)', 'connect(c, s)', 'SSL_new_session_ticket(s)'])).toEqual([1, 1, 0]);
  });

  it('counts requests; the server\'s next read writes them all and the client\'s read takes them', () => {
    const r = returns(['connect(c, s)', 'SSL_new_session_ticket(s)', 'SSL_new_session_ticket(s)', 'read(c)', 'read(s)', 'read(c)', 'SSL_CTX_sess_number(cctx)']);
    expect(r).toEqual([1, 1, 1, 0, 0, 2, 4]);
  });

  it('leaves the server in init until then: SSL_shutdown fails and sets nothing', () => {
    expect(returns(['connect(c, s)', 'SSL_new_session_ticket(s)', 'SSL_shutdown(s)', 'SSL_get_shutdown(s)', 'read(s)', 'SSL_shutdown(s)'])).toEqual([1, 1, -1, 0, 0, 0]);
  });

  it('keeps a stateful server\'s session through SSL_free without close_notify (no bad-session rule in init)', () => {
    const body = ['SSL_set_options(s, SSL_OP_NO_TICKET)', 'connect(c, s)', 'SSL_new_session_ticket(s)', 'SSL_free(s)', 'SSL_CTX_sess_number(sctx)'];
    expect(returns(body).at(-1)).toBe(2);
    expect(returns(body.filter((l) => !l.startsWith('SSL_new_session_ticket'))).at(-1)).toBe(1);
  });

  it('makes up for num_tickets raised after the handshake', () => {
    expect(returns(['connect(c, s)', 'SSL_set_num_tickets(s, 5)', 'SSL_new_session_ticket(s)', 'read(s)', 'read(c)']).at(-1)).toBe(3);
  });

  it('puts tickets written after the server\'s close_notify behind it', () => {
    const r = returns(['connect(c, s)', 'SSL_shutdown(s)', 'SSL_new_session_ticket(s)', 'read(s)', 'read(c)', 'SSL_set_shutdown(c, 0)', 'read(c)']);
    expect(r).toEqual([1, 0, 1, 0, 0, null, 1]);
  });

  it('survives SSL_clear: the next handshake writes the requests, with sessions of empty id that new_cb never sees', () => {
    const result = runText(
      [
        'cctx = SSL_CTX_new(TLS_client_method())',
        'sctx = SSL_CTX_new(TLS_server_method())',
        'SSL_CTX_sess_set_new_cb(sctx, new_cb_ignore)',
        'c = SSL_new(cctx)',
        's = SSL_new(sctx)',
        'connect(c, s)',
        'SSL_new_session_ticket(s)',
        'SSL_new_session_ticket(s)',
        'SSL_new_session_ticket(s)',
        'SSL_clear(s)',
        'SSL_clear(c)',
        'handshake(c, s)',
        'read(c)',
        'ss = SSL_get0_session(s)',
        'SSL_SESSION_is_resumable(ss)',
        '',
      ].join('\n'),
      'clear.trace',
    );
    expect(result.records[12]!.ret).toBe(3);
    expect(result.records[14]!.ret).toBe(0);
    expect(result.records[11]!.events).toEqual([]);
  });

  it('on a freed SSL is a use-after-free', () => {
    const result = runText(['sctx = SSL_CTX_new(TLS_server_method())', 's = SSL_new(sctx)', 'SSL_free(s)', 'SSL_new_session_ticket(s)', ''].join('\n'), 'uaf.trace');
    expect(result.diagnostics.map((d) => [d.kind, d.line])).toContainEqual(['use-after-free', 4]);
  });
});
