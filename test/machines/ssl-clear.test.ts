/**
 * asCleared (machines/ssl.ts) compares the fields of CLEARED one by one, for speed; this holds the two
 * together: a field added to CLEARED and not to asCleared makes the second test fail.
 */
import { describe, expect, it } from 'vitest';
import { tableEngines, xstateEngines } from '../../machines/index.ts';
import { asCleared, CLEARED, type SslContext } from '../../machines/ssl.ts';

function freshSsl(): SslContext {
  const config = { method: 'TLS_method', cert: true, options: 0, maxEarlyData: 0, numTickets: 2, minProto: 0, maxProto: 0, quietShutdown: 0 };
  return tableEngines().ssl.initial({ id: 'c1', ctx: 'ctx', sidCtx: '', config, line: 1 }).context;
}

/** A value of the field's type that differs from `v`. */
function other(v: boolean | number | null): boolean | number | string {
  if (typeof v === 'boolean') return !v;
  if (typeof v === 'number') return v + 1;
  return 'client';
}

describe('asCleared', () => {
  it('holds for a new SSL, which has nothing SSL_clear resets', () => {
    expect(asCleared(freshSsl())).toBe(true);
  });

  it.each(Object.keys(CLEARED))('fails when %s differs from what SSL_clear leaves', (key) => {
    const ssl = freshSsl();
    Object.assign(ssl, { [key]: other(CLEARED[key as keyof typeof CLEARED]) });
    expect(asCleared(ssl)).toBe(false);
  });
});

describe('SSL_clear and a short leftover (FINDINGS F122)', () => {
  it.each([
    ['rbuf', false],
    ['bio', true],
  ] as const)('asCleared with the bytes in the %s is %s: only the read buffer is SSL_clear\'s to empty', (where, cleared) => {
    const ssl = { ...freshSsl(), shortLeftover: where };
    expect(asCleared(ssl)).toBe(cleared);
  });

  it.each([
    ['rbuf', null],
    ['bio', 'bio'],
  ] as const)('CLEAR leaves a leftover in the %s as %s, in both engines', (where, after) => {
    for (const engines of [tableEngines(), xstateEngines()]) {
      const snapshot = engines.ssl.initial({ id: 'c1', ctx: 'ctx', sidCtx: '', config: freshSsl().config, line: 1 });
      engines.ssl.step(snapshot, { type: 'CONNECTION', fields: { shortLeftover: where } });
      engines.ssl.step(snapshot, { type: 'CLEAR' });
      expect(snapshot.context.shortLeftover).toBe(after);
    }
  });
});
