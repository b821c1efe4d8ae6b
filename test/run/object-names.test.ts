/**
 * Messages name an object by its id and the variables that point at it, of its
 * own kind only (FINDINGS F97): an SSL and a session may share an id (the SSL
 * `s1`, the session `s1`).
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { runText } from '../../src/run/load.ts';

describe('object names', () => {
  it('an SSL s1 and a session s1 keep their own variables', () => {
    const r = runText(readFileSync('examples/misuse/leak-expected-at-acquisition.trace', 'utf8'), 'names.trace');
    const leaks = r.diagnostics.filter((d) => d.kind === 'leak').map((d) => `${d.line}: ${d.message}`);
    expect(leaks).toContain('13: s1 (o) is still owned by the application at the end (refcount 1)');
    expect(leaks).toContain('15: s1 (d) is still owned by the application at the end (refcount 1)');
  });
});
