import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts', 'properties/**/*.test.ts', 'conformance/**/*.test.ts'],
    setupFiles: ['./properties/seed.setup.ts'],
    testTimeout: 600_000,
    hookTimeout: 120_000,
  },
});
