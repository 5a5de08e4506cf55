import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';
import { MUTATION_PACKAGES } from './scripts/mutation-packages.mjs';

/**
 * The test run of the mutation testing (stryker.config.mjs): only the unit tests of the device
 * packages, and every `@fwkit/device-*` import resolved to the package's TypeScript source, not
 * its dist — otherwise the verifier's tests would run the reader's built copy and never see a
 * mutant of it. Left out: the power-cut and fault-injection suites (real processes, mount
 * namespaces, minutes of crash states per mutant); the full suite (vitest.config.ts) runs them.
 * Under Stryker (FWKIT_MUTATION_PACKAGE set) only the tests of the packages that exercise the
 * mutated one run (scripts/mutation-packages.mjs).
 */
const tested = MUTATION_PACKAGES[process.env['FWKIT_MUTATION_PACKAGE'] ?? '']?.tests ?? ['core', 'image', 'trust', 'verify', 'install'];
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
    include: tested.map((pkg) => `packages/device/${pkg}/src/**/*.test.ts`),
    exclude: ['**/power-cut.test.ts', '**/device-faults.test.ts', '**/node_modules/**'],
    testTimeout: 60_000,
    hookTimeout: 120_000,
  },
});
