/**
 * The capacity warning (spec §4 SSL_CTX_add_session, N-1): it says where the evicted sessions went, and
 * names remove_session_cb only when the context has one.
 */
import { describe, expect, it } from 'vitest';
import { runText } from '../../src/run/load.ts';

function capacityWarning(setup: string[]) {
  const text = [
    'ctx = SSL_CTX_new(TLS_server_method())',
    'SSL_CTX_sess_set_cache_size(ctx, 2)',
    ...setup,
    'a = SSL_SESSION_new()',
    'SSL_SESSION_set1_id(a, "a", 1)',
    'SSL_CTX_add_session(ctx, a)',
    'b = SSL_SESSION_new()',
    'SSL_SESSION_set1_id(b, "b", 1)',
    'SSL_CTX_add_session(ctx, b)',
    'SSL_SESSION_free(a)',
    'SSL_SESSION_free(b)',
    'SSL_CTX_free(ctx)',
    '',
  ].join('\n');
  const found = runText(text, 'capacity.trace').diagnostics.filter((d) => d.kind === 'capacity');
  expect(found).toHaveLength(1);
  return found[0]!;
}

describe('capacity advice', () => {
  it('without a remove callback, no word of one', () => {
    const d = capacityWarning([]);
    expect(d.consequence).toBe('The cache keeps at most 1 session, not 2; the evicted sessions were marked not resumable.');
  });

  it('with one, the evicted sessions were passed to it', () => {
    const d = capacityWarning(['SSL_CTX_sess_set_remove_cb(ctx, remove_cb_log)']);
    expect(d.consequence).toMatch(/marked not resumable and passed to remove_session_cb\.$/);
  });
});
