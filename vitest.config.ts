import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['packages/*/*/src/**/*.test.ts', 'platform/test/**/*.test.ts', 'test/**/*.test.ts'],
    testTimeout: 60_000,
    hookTimeout: 120_000,
    // Two cores: real esbuild builds and child processes compete for them.
    maxWorkers: 2,
  },
});
