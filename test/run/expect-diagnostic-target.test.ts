/**
 * Which call an `expect diagnostic` is about (FINDINGS F95): the nearest line
 * that makes a call, an `expect` with a real call included, and after such an
 * `expect` the call statement before it as well (the rule before F95).
 */
import { describe, expect, it } from 'vitest';
import { runText } from '../../src/run/load.ts';

function run(lines: string[]) {
  const r = runText([...lines, ''].join('\n'), 'target.trace');
  return { failed: r.failedExpects.map((x) => x.line), unexpected: r.unexpected.map((d) => `${d.line}:${d.kind}`) };
}

const head = ['ctx = SSL_CTX_new(TLS_server_method())', 'c = SSL_new(ctx)', 's = SSL_SESSION_new()', 'SSL_set_session(c, s)', 'SSL_SESSION_free(s)', 'g = SSL_get0_session(c)'];

describe('expect diagnostic', () => {
  it('is about a real call made by the expect before it', () => {
    expect(run([...head, 'expect SSL_SESSION_up_ref(g) == 1', 'SSL_SESSION_free(g)', 'SSL_SESSION_free(g)', 'expect diagnostic bad-free', 'SSL_free(c)', 'expect diagnostic double-free', 'SSL_CTX_free(ctx)'])).toEqual({ failed: [], unexpected: [] });
    expect(run([...head, 'SSL_free(c)', 'expect SSL_SESSION_is_resumable(g) == 0', 'expect diagnostic use-after-free', 'SSL_CTX_free(ctx)'])).toEqual({ failed: [], unexpected: [] });
  });

  it('after such an expect, still finds the call statement before it', () => {
    expect(run([...head, 'SSL_SESSION_free(g)', 'expect SSL_CTX_sess_number(ctx) == 0', 'expect diagnostic bad-free', 'SSL_free(c)', 'expect diagnostic double-free', 'SSL_CTX_free(ctx)'])).toEqual({ failed: [], unexpected: [] });
  });

  it('is not about an expect that only observes', () => {
    expect(run([...head, 'SSL_free(c)', 'expect refcount(g) == 0', 'expect diagnostic use-after-free', 'SSL_CTX_free(ctx)'])).toEqual({ failed: [9], unexpected: [] });
  });

  it('leak: after the acquiring call, about that line; after the last call, about any (F96)', () => {
    const base = ['ctx = SSL_CTX_new(TLS_server_method())', 'a = SSL_SESSION_new()', 'b = SSL_SESSION_new()'];
    expect(run([base[0]!, base[1]!, 'expect diagnostic leak', base[2]!, 'SSL_SESSION_free(b)', 'SSL_CTX_free(ctx)'])).toEqual({ failed: [], unexpected: [] });
    expect(run([...base, 'expect diagnostic leak', 'SSL_SESSION_free(a)', 'SSL_CTX_free(ctx)'])).toEqual({ failed: [], unexpected: [] });
    // after b's line, but a leaks: the expectation fails and a's leak is unexpected
    expect(run([...base, 'expect diagnostic leak', 'SSL_SESSION_free(b)', 'SSL_CTX_free(ctx)'])).toEqual({ failed: [4], unexpected: ['2:leak'] });
    expect(run([...base, 'SSL_CTX_free(ctx)', 'expect diagnostic leak', 'expect diagnostic leak'])).toEqual({ failed: [], unexpected: [] });
  });
});
