import { fileURLToPath } from 'node:url';

/** The repository root (this file runs from packages/tools/fuzz/dist/). */
export const REPO_ROOT = fileURLToPath(new URL('../../../../', import.meta.url));
/** Where `npm run fuzz` writes the inputs that crashed a target (gitignored: triage, then move to regressions). */
export const CRASHES_DIR = fileURLToPath(new URL('../crashes/', import.meta.url));
/** Committed inputs replayed by regressions.test.ts, one folder per target. */
export const REGRESSIONS_DIR = fileURLToPath(new URL('../regressions/', import.meta.url));

/** The `dist/` folder of a workspace package, for coverage filters. */
export function distOf(pkg: string): string {
  return `${REPO_ROOT}packages/${pkg}/dist`;
}
