/**
 * How the emit-c checks read LeakSanitizer (scripts/emit-c-program.ts), on
 * reports captured from real programs of this repository's traces against
 * libssl 3.0.19 (test/conform/lsan/, trimmed to their leak blocks):
 * - chain-from-handshake: examples/misuse/libssl-leak-peer-chain.trace, the
 *   chain made by tls_process_server_certificate (FINDINGS F105);
 * - chain-from-dup: conformance/probes/pool/054, the chain a ticket's
 *   ssl_session_dup copied (X509_chain_up_ref);
 * - session-leaked-by-app: a client session the application never frees,
 *   whose chain is an indirect leak under the session's direct one;
 * - chain-fast-unwind: the first report again with LSan's default unwinder,
 *   whose stacks stop in libcrypto (why runEnv slows it).
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { LEAK_REPORT, reportsPeerChainLeak, runEnv } from '../../scripts/emit-c-program.ts';

const report = (name: string) => readFileSync(`test/conform/lsan/${name}.stderr`, 'utf8');

describe('reportsPeerChainLeak', () => {
  it('sees the chain a handshake made and the chain a dup copied', () => {
    expect(reportsPeerChainLeak(report('chain-from-handshake'))).toBe(true);
    expect(reportsPeerChainLeak(report('chain-from-dup'))).toBe(true);
  });

  it('does not take a session the application leaked for libssl leaking a chain', () => {
    const r = report('session-leaked-by-app');
    expect(r).toMatch(LEAK_REPORT);
    expect(reportsPeerChainLeak(r)).toBe(false);
  });

  it('needs the slow unwinder: the fast one never reaches libssl', () => {
    expect(report('chain-fast-unwind')).toMatch(LEAK_REPORT);
    expect(reportsPeerChainLeak(report('chain-fast-unwind'))).toBe(false);
    expect(runEnv('libssl-leak').ASAN_OPTIONS).toMatch(/fast_unwind_on_malloc=0/);
    expect(runEnv('clean').ASAN_OPTIONS).not.toMatch(/fast_unwind_on_malloc/);
  });
});
