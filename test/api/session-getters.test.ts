/**
 * The session getters of session 19 (src/api/session-api.ts): the fields they read, and NULL, which each of them
 * dereferences (ssl_sess.c has no NULL check; the three crashed under ASan with `sslsim conform`). Values checked
 * against 3.0.19 by examples/tickets/ticket-lifetime-hint.trace.
 */
import { describe, expect, it } from 'vitest';
import { runText } from '../../src/run/load.ts';

const GETTERS = ['SSL_SESSION_get_protocol_version', 'SSL_SESSION_has_ticket', 'SSL_SESSION_get_ticket_lifetime_hint'] as const;

describe('session getters', () => {
  it('read 0 from a bare SSL_SESSION_new, and a TLS 1.3 client session\'s version, ticket and capped hint', () => {
    const body = [
      'cctx = SSL_CTX_new(TLS_client_method())',
      'sctx = SSL_CTX_new(TLS_server_method())',
      'SSL_CTX_set_timeout(sctx, 1000000)',
      'e = SSL_SESSION_new()',
      ...GETTERS.map((g) => `${g}(e)`),
      'c = SSL_new(cctx)',
      's = SSL_new(sctx)',
      'connect(c, s)',
      'k = SSL_get0_session(c)',
      ...GETTERS.map((g) => `${g}(k)`),
      'ss = SSL_get0_session(s)',
      'SSL_SESSION_get_ticket_lifetime_hint(ss)',
    ];
    const records = runText([...body, ''].join('\n'), 'getters.trace').records;
    const ret = (line: number) => records.find((r) => r.line === line)?.ret;
    expect([5, 6, 7].map(ret)).toEqual([0, 0, 0]);
    expect([12, 13, 14].map(ret)).toEqual([0x304, 1, 604800]);
    expect(ret(16)).toBe(0); // the server only sends the hint (FINDINGS F124)
  });

  for (const getter of GETTERS) {
    it(`${getter}(NULL) is a null-dereference at that line`, () => {
      const text = ['cctx = SSL_CTX_new(TLS_client_method())', 'c = SSL_new(cctx)', 'saved = SSL_get1_session(c)', `${getter}(saved)`, ''].join('\n');
      const found = runText(text, 'null.trace').diagnostics.map((d) => [d.kind, d.line]);
      expect(found).toContainEqual(['null-dereference', 4]);
    });
  }
});
