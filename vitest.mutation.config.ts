import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

/**
 * The test run of the mutation testing (stryker.config.mjs): only the unit tests of the device
 * packages, and every `@fwkit/device-*` import resolved to the package's TypeScript source, not
 * its dist — otherwise the verifier's tests would run the reader's built copy and never see a
 * mutant of it. Left out: the power-cut and fault-injection suites (real processes, mount
 * namespaces, minutes of crash states per mutant); the full suite (vitest.config.ts) runs them.
 */
const device = (pkg: string, file = 'index'): string => fileURLToPath(new URL(`packages/device/${pkg}/src/${file}.ts`, import.meta.url));

export default defineConfig({
  resolve: {
    alias: [
      { find: /^@fwkit\/device-install\/sim-storage$/, replacement: device('install', 'sim-storage') },
      { find: /^@fwkit\/device-verify\/(report|exit|stdio)$/, replacement: device('verify', '$1') },
      ...['json', 'core', 'trust', 'image', 'verify', 'install'].map((pkg) => ({
        find: new RegExp(`^@fwkit/device-${pkg}$`),
        replacement: device(pkg),
      })),
    ],
  },
  test: {
    include: ['packages/device/{core,image,trust,verify,install}/src/**/*.test.ts'],
    exclude: ['**/power-cut.test.ts', '**/device-faults.test.ts', '**/node_modules/**'],
    testTimeout: 60_000,
    hookTimeout: 120_000,
  },
});
