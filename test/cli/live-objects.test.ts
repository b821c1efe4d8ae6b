/**
 * The live-object table of `sslsim run` (and of the docs' step tables): one named group per kind,
 * so that an SSL handle called `s1` and the session with id `s1` cannot be confused.
 */
import { describe, expect, it } from 'vitest';
import { liveObjects } from '../../src/cli/live-objects.ts';
import { runText } from '../../src/run/load.ts';

const TRACE = [
  'cctx = SSL_CTX_new(TLS_client_method())',
  'sctx = SSL_CTX_new(TLS_server_method())',
  'SSL_CTX_set_max_proto_version(cctx, TLS1_2_VERSION)',
  'SSL_CTX_set_options(sctx, SSL_OP_NO_TICKET)',
  'c1 = SSL_new(cctx)',
  's1 = SSL_new(sctx)',
  'connect(c1, s1)',
  'SSL_free(c1)',
  'SSL_free(s1)',
  'SSL_CTX_free(cctx)',
  'SSL_CTX_free(sctx)',
  '',
].join('\n');

describe('live objects', () => {
  const records = runText(TRACE, 'table.trace').records;
  const after = (line: number) => liveObjects(records.find((r) => r.line === line)!.state);

  it('groups contexts, SSLs and sessions, each under its kind', () => {
    // After the TLS 1.2 connection: the server cached its session (NO_TICKET: an id); each SSL holds one session.
    const table = after(7);
    expect(table).toMatch(/^ctx cctx:3 \[\] sctx:3 \[s\d\]  ssl c1:1→s\d s1:1→s\d  session s\d:\d s\d:\d$/);
  });

  it('an SSL called s1 and the session s1 appear in different groups', () => {
    const table = after(7);
    const [ssl, session] = [table.indexOf('ssl '), table.indexOf('session ')];
    expect(table.slice(ssl, session)).toContain(' s1:1→');
    expect(table.slice(session)).toMatch(/ s1:\d/);
  });

  it('says so when nothing is left', () => {
    expect(after(11)).toBe('(no live objects)');
  });
});
