/**
 * docs/ownership.md names every call of the catalogue with the ownership the
 * catalogue gives it, and every callback behaviour.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { renderOwnership } from '../../scripts/docs/ownership.ts';
import { CALLBACKS, CATALOGUE } from '../../src/trace/catalogue.ts';

const doc = renderOwnership();

describe('docs/ownership.md', () => {
  it('has a row for every call, with its ownership', () => {
    for (const c of CATALOGUE.values()) {
      const row = doc.split('\n').find((l) => l.startsWith(`| \`${c.name}(`));
      expect(row, c.name).toBeDefined();
      if (c.ownership === 'owned') expect(row).toContain('**owned**');
      else if (c.ownership === 'borrowed') expect(row).toContain('borrowed: no reference');
      else expect(row).not.toMatch(/\*\*owned\*\*|borrowed: no reference/);
    }
  });

  it('observes every callback behaviour', () => {
    for (const name of Object.values(CALLBACKS).flatMap((slot) => Object.keys(slot))) {
      const row = doc.split('\n').find((l) => l.startsWith(`| \`${name}\``));
      expect(row, name).toBeDefined();
      expect(row).not.toContain('not called');
    }
  });

  it('is the committed file', () => {
    expect(readFileSync('docs/ownership.md', 'utf8')).toBe(doc);
  });
});
