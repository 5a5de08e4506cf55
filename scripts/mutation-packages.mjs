// @ts-check
// The device packages under mutation testing, in the order they run (dependencies first), what of
// each is mutated, and the score below which its run fails (`thresholds.break`, in percent of the
// mutants that are not message-only). `gate`: CI runs it (`npm run mutation` without a package
// name); a gated package's break is 95 (issue 12). A package not gated yet keeps its current
// floor as its break, and docs/testing.md says what it lacks.

/**
 * `tests`: the packages whose unit tests run against the mutants (the package's own and those of
 * the device packages above it that exercise it). A static mutant (one in a module-level constant)
 * re-runs all of them, so the list is kept to what can notice a change.
 * @type {Record<string, { mutate: string[], tests: string[], break: number, gate: boolean }>}
 */
export const MUTATION_PACKAGES = {
  rules: {
    mutate: ['packages/device/core/src/compat/*.ts', '!**/*.test.ts'],
    tests: ['core', 'verify'],
    break: 95,
    gate: true,
  },
  core: {
    mutate: [
      'packages/device/core/src/semver.ts',
      'packages/device/core/src/canonical.ts',
      'packages/device/core/src/digest.ts',
      'packages/device/core/src/read-file.ts',
    ],
    tests: ['core', 'image', 'trust', 'verify'],
    break: 95,
    gate: true,
  },
  image: {
    mutate: ['packages/device/image/src/*.ts', '!**/*.test.ts', '!**/index.ts'],
    tests: ['image', 'verify'],
    break: 95,
    gate: true,
  },
  trust: {
    mutate: ['packages/device/trust/src/*.ts', '!**/*.test.ts', '!**/index.ts'],
    tests: ['trust', 'verify'],
    break: 95,
    gate: true,
  },
  verify: {
    mutate: ['packages/device/verify/src/verify.ts'],
    tests: ['verify', 'install'],
    break: 95,
    gate: true,
  },
  install: {
    mutate: ['packages/device/install/src/record.ts', 'packages/device/install/src/slot.ts', 'packages/device/install/src/policy.ts'],
    tests: ['install'],
    break: 95,
    gate: true,
  },
};
