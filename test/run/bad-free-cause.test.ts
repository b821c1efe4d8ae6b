/**
 * The cause of a bad-free names why the application held nothing (FINDINGS F94):
 * a borrowed handle (SSL_get0_session) never carried a reference; an owned one
 * (created, SSL_get1_session, SSL_CTX_new) did, and the cause is the line where
 * the application released its last reference.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { runText } from '../../src/run/load.ts';

function badFree(text: string) {
  const d = runText(text, 'cause.trace').diagnostics.find((x) => x.kind === 'bad-free');
  if (!d) throw new Error('no bad-free');
  return d;
}

describe('bad-free cause', () => {
  it('a get1 handle freed after its reference went through an alias: the release', () => {
    const d = badFree(readFileSync('examples/misuse/bad-free-after-own-release.trace', 'utf8'));
    expect(d.line).toBe(18);
    expect(d.cause?.line).toBe(17);
    expect(d.cause?.what).toMatch(/released its last reference/);
  });

  it('a session freed twice while a cache holds it: the first free', () => {
    const d = badFree(
      ['ctx = SSL_CTX_new(TLS_server_method())', 's = SSL_SESSION_new()', 'SSL_SESSION_set1_id(s, "abc", 3)', 'SSL_CTX_add_session(ctx, s)', 'SSL_SESSION_free(s)', 'SSL_SESSION_free(s)', 'SSL_CTX_free(ctx)', ''].join('\n'),
    );
    expect([d.line, d.cause?.line]).toEqual([6, 5]);
  });

  it('a ctx freed twice while an SSL holds it: the first free', () => {
    const d = badFree(['ctx = SSL_CTX_new(TLS_method())', 'c = SSL_new(ctx)', 'SSL_CTX_free(ctx)', 'SSL_CTX_free(ctx)', 'SSL_free(c)', ''].join('\n'));
    expect([d.line, d.cause?.line]).toEqual([4, 3]);
  });

  it('a ctx freed twice: the explanation and consequence speak of the SSL_CTX and its SSLs, not of a session', () => {
    const d = badFree(['ctx = SSL_CTX_new(TLS_method())', 'c = SSL_new(ctx)', 'SSL_CTX_free(ctx)', 'SSL_CTX_free(ctx)', 'SSL_free(c)', ''].join('\n'));
    expect(d.explanation).toMatch(/SSL_CTX_free calls than SSL_CTX_new and SSL_CTX_up_ref/);
    expect(d.consequence).toMatch(/SSL c\/ctx, SSL c\/session_ctx/);
    expect(d.consequence).toMatch(/SSL_free, which releases s->session_ctx and then s->ctx/);
    expect(d.consequence).toMatch(/SSL_set_SSL_CTX moving s->ctx away/);
    expect(`${d.explanation} ${d.consequence}`).not.toMatch(/SSL_get0_session|SSL_SESSION_free|a cache that still links it/);
  });

  it("the later double free's cause names who released the last reference in words, not the ledger's labels", () => {
    const text = ['ctx = SSL_CTX_new(TLS_method())', 'c = SSL_new(ctx)', 'SSL_CTX_free(ctx)', 'SSL_CTX_free(ctx)', 'SSL_free(c)', ''].join('\n');
    const d = runText(text, 'cause.trace').diagnostics.find((x) => x.kind === 'double-free');
    expect(d?.line).toBe(5);
    expect(d?.cause?.what).toBe('ctx was destroyed here (last reference released by SSL c/session_ctx)');
    // SSL_CTX_free ends with OPENSSL_free: unlike a session's, the block is not zeroed (spec §10 M2 is about sessions).
    expect(d?.explanation).toMatch(/SSL_CTX_free does not zero the block/);
    expect(`${d?.explanation} ${d?.consequence}`).not.toMatch(/OPENSSL_clear_free zeroed/);
  });

  it('a borrowed handle: where it was borrowed', () => {
    const d = badFree(readFileSync('examples/misuse/m01-free-borrowed-cached.trace', 'utf8'));
    expect(d.cause?.what).toMatch(/without a reference \(borrowed\)/);
  });
});
