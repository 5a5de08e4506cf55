import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { REGRESSIONS_DIR } from './paths.js';
import { loadTarget, TARGETS } from './targets/index.js';

/**
 * Every input a fuzz target ever crashed on (regressions/<target>/*.bin), replayed through the
 * target: it must now succeed or be refused with a coded error, within the per-input bound.
 */
const BOUND_MS = 2000;

const cases: { target: string; file: string }[] = [];
for (const target of (await readdir(REGRESSIONS_DIR)).sort()) {
  for (const file of (await readdir(join(REGRESSIONS_DIR, target))).sort()) cases.push({ target, file });
}

describe('fuzz regressions', () => {
  it('every folder names a fuzz target', () => {
    for (const { target } of cases) expect(Object.keys(TARGETS)).toContain(target);
  });

  it.each(cases)('$target: $file is refused with a code or accepted, in time', async ({ target, file }) => {
    const fuzzTarget = await loadTarget(target);
    const input = await readFile(join(REGRESSIONS_DIR, target, file));
    const started = performance.now();
    let thrown: unknown;
    try {
      await fuzzTarget.run(input);
    } catch (error) {
      thrown = error;
    }
    expect(performance.now() - started).toBeLessThan(BOUND_MS);
    // Not a coded refusal: show what was thrown.
    if (thrown !== undefined && !fuzzTarget.isExpected(thrown))
      expect.fail(thrown instanceof Error ? (thrown.stack ?? thrown.message) : `a thrown ${typeof thrown}`);
  });
});
