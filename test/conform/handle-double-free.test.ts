/**
 * What a double free of an SSL_CTX or an SSL does on real libssl 3.0.19 without ASan (FINDINGS F107): unlike
 * SSL_SESSION_free (OPENSSL_clear_free zeroes the block, spec §10 M2: glibc does not notice), SSL_CTX_free
 * and SSL_free leave the freed block as it was, the second call runs the destructor again, and glibc aborts
 * with "free(): double free detected in tcache 2". The checker's double-free text says so
 * (src/world/faults.ts HANDLE_DOUBLE_FREE); this suite holds the text to the library.
 *
 * Nothing is skipped: without gcc or libssl-dev the suite fails and says so (scripts/ensure-libssl.sh).
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runText } from '../../src/run/load.ts';

const tmp = mkdtempSync(join(tmpdir(), 'handle-double-free-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

const GLIBC_ABORT = 'free(): double free detected in tcache 2';

/** Compiles `body` (main's statements) without sanitizers against the system libssl and runs it. */
function runC(name: string, body: string) {
  const source = join(tmp, `${name}.c`);
  const binary = join(tmp, name);
  writeFileSync(source, `#include <openssl/ssl.h>\n#include <stdio.h>\nint main(void) {\n${body}\n  return 0;\n}\n`);
  const gcc = spawnSync('gcc', ['-std=c11', '-O0', source, '-o', binary, '-lssl', '-lcrypto'], { encoding: 'utf8' });
  if (gcc.error || gcc.status !== 0) throw new Error(`gcc failed (scripts/ensure-libssl.sh installs gcc and libssl-dev): ${gcc.error?.message ?? gcc.stderr}`);
  return spawnSync(binary, [], { encoding: 'utf8' });
}

/** The checker's double-free diagnostic for the same calls as a trace. */
function modelDoubleFree(lines: string[]) {
  const d = runText([...lines, ''].join('\n'), 'double.trace').diagnostics.find((x) => x.kind === 'double-free');
  if (!d) throw new Error('the model reports no double-free');
  return d;
}

describe('double free of an SSL_CTX or an SSL on libssl 3.0.19 without ASan', () => {
  it.each([
    [
      'ctx freed twice while an SSL holds it, then SSL_free',
      'ctx',
      '  SSL_CTX *ctx = SSL_CTX_new(TLS_method());\n  SSL *c = SSL_new(ctx);\n  SSL_CTX_free(ctx);\n  SSL_CTX_free(ctx);\n  fputs("reached SSL_free\\n", stderr);\n  SSL_free(c);\n  fputs("survived\\n", stderr);',
      ['ctx = SSL_CTX_new(TLS_method())', 'c = SSL_new(ctx)', 'SSL_CTX_free(ctx)', 'SSL_CTX_free(ctx)', 'SSL_free(c)'],
      5,
    ],
    [
      'an SSL freed twice',
      'ssl',
      '  SSL_CTX *ctx = SSL_CTX_new(TLS_method());\n  SSL *c = SSL_new(ctx);\n  SSL_free(c);\n  fputs("reached SSL_free\\n", stderr);\n  SSL_free(c);\n  fputs("survived\\n", stderr);\n  SSL_CTX_free(ctx);',
      ['ctx = SSL_CTX_new(TLS_method())', 'c = SSL_new(ctx)', 'SSL_free(c)', 'SSL_free(c)', 'SSL_CTX_free(ctx)'],
      4,
    ],
  ])('%s: glibc aborts in that call, and the checker says so at its line', (_title, program, body, trace, line) => {
    const r = runC(program, body);
    expect(r.stderr).toContain('reached SSL_free');
    expect(r.stderr).not.toContain('survived');
    expect(r.signal).toBe('SIGABRT');
    expect(r.stderr).toContain(GLIBC_ABORT);
    const d = modelDoubleFree(trace);
    expect(d.line).toBe(line);
    expect(d.consequence).toContain(GLIBC_ABORT);
  });

  it('a session freed twice is the other case: the checker keeps spec §10 M2 (glibc does not notice)', () => {
    const d = modelDoubleFree(['s = SSL_SESSION_new()', 'SSL_SESSION_free(s)', 'SSL_SESSION_free(s)']);
    expect(d.consequence).toMatch(/glibc does not notice/);
    expect(d.consequence).not.toContain(GLIBC_ABORT);
  });
});
