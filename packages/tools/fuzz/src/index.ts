export { fuzz, type FuzzOptions, type FuzzResult, type Crash } from './engine/loop.js';
export { runSupervised, type SupervisedRun, type SupervisedResult } from './engine/supervisor.js';
export { CoverageTracker, type CoverageSummary } from './engine/coverage.js';
export { mutate, dictionaryOf, type MutationContext } from './engine/mutate.js';
export { Rng } from './engine/rng.js';
export { under, type FuzzTarget } from './engine/target.js';
export { TARGETS, loadTarget } from './targets/index.js';
export { REGRESSIONS_DIR, CRASHES_DIR } from './paths.js';
