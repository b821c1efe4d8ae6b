/**
 * Vitest setup: one fast-check seed per run, printed so a failure can be replayed.
 *
 * `FC_SEED=<n>` in the environment fixes the seed; without it one is derived
 * from the clock. The seed is exported back to `process.env.FC_SEED` so the
 * later test files of the same worker reuse it and the line is printed once
 * per worker rather than once per file. Run counts are left to each property.
 */

import fc from 'fast-check';

/** Reads FC_SEED, refusing anything but a 32-bit integer so a typo cannot silently pick a random seed. */
function seedFromEnv(raw: string): number {
  const seed = Number(raw);
  if (!Number.isInteger(seed) || (seed | 0) !== seed) {
    throw new Error(`FC_SEED must be a 32-bit integer, got ${JSON.stringify(raw)}`);
  }
  return seed;
}

const given = process.env.FC_SEED;
// Mixing in Math.random() keeps workers started in the same millisecond apart.
const seed = given !== undefined && given !== '' ? seedFromEnv(given) : (Date.now() ^ Math.floor(Math.random() * 0x1_0000_0000)) | 0;

if (process.env.FC_SEED !== String(seed)) {
  process.env.FC_SEED = String(seed);
  console.log(`fast-check seed: ${seed} (replay with FC_SEED=${seed})`);
}

fc.configureGlobal({ ...fc.readConfigureGlobal(), seed });
