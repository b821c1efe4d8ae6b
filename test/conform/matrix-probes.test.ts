/**
 * conformance/probes/matrix/ is what scripts/matrix-probes.ts writes for its default seed: the first
 * 40 legal scenarios and the first 24 with a misuse (conformance/probes/README.md). Regenerated here
 * and compared file by file, so that a change to the generator cannot leave the kept probes
 * describing another sample.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';

const KEPT = 'conformance/probes/matrix';
const out = mkdtempSync(join(tmpdir(), 'matrix-'));
afterAll(() => rmSync(out, { recursive: true, force: true }));

function generate(args: string[]): void {
  execFileSync('npx', ['tsx', 'scripts/matrix-probes.ts', '--out', out, ...args], { stdio: 'pipe' });
}

describe('the kept scenario matrix', () => {
  it('is the generator output for the default seed', () => {
    generate(['--count', '40']);
    generate(['--count', '24', '--misuse']);
    const kept = readdirSync(KEPT).filter((f) => f.endsWith('.trace')).sort();
    expect(readdirSync(out).sort()).toEqual(kept);
    expect(kept.filter((f) => f.startsWith('m'))).toHaveLength(40);
    expect(kept.filter((f) => f.startsWith('x'))).toHaveLength(24);
    for (const f of kept) expect(readFileSync(join(out, f), 'utf8'), f).toBe(readFileSync(join(KEPT, f), 'utf8'));
  }, 60_000);
});
