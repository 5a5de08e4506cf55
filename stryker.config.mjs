// @ts-check
// Mutation testing of the device packages (issue 12; docs/testing.md). One package per run, chosen
// by FWKIT_MUTATION_PACKAGE — scripts/mutation.mjs runs them one after the other, each with its
// own incremental file (test/mutation/<package>.json) and its own break threshold.
import { MUTATION_PACKAGES } from './scripts/mutation-packages.mjs';

const name = process.env.FWKIT_MUTATION_PACKAGE ?? 'verify';
const pkg = MUTATION_PACKAGES[name];
if (pkg === undefined) throw new Error(`stryker.config.mjs: no device package "${name}" to mutate`);

/** @type {import('@stryker-mutator/api/core').PartialStrykerOptions} */
const config = {
  testRunner: 'vitest',
  vitest: { configFile: 'vitest.mutation.config.ts' },
  plugins: ['@stryker-mutator/vitest-runner', './scripts/stryker-message-ignorer.mjs'],
  ignorers: ['message'],
  mutate: pkg.mutate,
  coverageAnalysis: 'perTest',
  // Two cores, shared with whoever else runs tests.
  concurrency: Number(process.env.FWKIT_MUTATION_CONCURRENCY ?? 2),
  timeoutMS: 20_000,
  incremental: true,
  incrementalFile: `test/mutation/${name}.json`,
  reporters: ['clear-text', 'json', 'progress-append-only'],
  jsonReporter: { fileName: `reports/mutation/${name}.json` },
  clearTextReporter: { allowColor: false, logTests: false, reportScoreTable: true },
  thresholds: { high: 95, low: 90, break: pkg.break },
  // One directory per package: runs of two packages at once do not remove each other's sandbox.
  tempDirName: `.stryker-tmp/${name}`,
  cleanTempDir: 'always',
  // .stryker-tmp: another package's run (they may run side by side) is not copied into this sandbox.
  ignorePatterns: ['out', 'reports', 'coverage', '.stryker-tmp'],
};
export default config;
