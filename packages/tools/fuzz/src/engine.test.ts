import { describe, expect, it } from 'vitest';
import { fuzz } from './engine/loop.js';
// The supervisor starts dist/engine/worker.js next to itself: take it from the built package.
import { runSupervised } from '@fwkit/fuzz';
import { plantedTarget } from './testing/planted.js';

/**
 * The engine works: coverage feedback leads it to a bug behind a four-byte magic that a blind
 * loop (the same mutator on the seeds, no feedback) does not reach with the same budget.
 * Fixed seed and an execution budget, so the run is the same every time; the time bound only
 * stops a broken engine, and is generous so that a loaded machine still runs the whole budget.
 */
const BUDGET = { seed: 1, maxExecs: 60_000, durationMs: 150_000 } as const;
const TEST_TIMEOUT = 180_000;

describe('coverage-guided fuzz engine', () => {
  it(
    'finds the planted bug with coverage feedback',
    async () => {
      const result = await fuzz({ target: plantedTarget, seeds: await plantedTarget.seeds(), ...BUDGET });
      expect(result.crash?.kind).toBe('error');
      expect(result.crash?.description).toContain('planted bug reached');
      expect(Array.from(result.crash?.input.subarray(0, 4) ?? [])).toEqual([0x46, 0x55, 0x5a, 0x5a]);
      // The corpus holds the steps there: one input per new byte matched.
      expect(result.corpus.length).toBeGreaterThanOrEqual(4);
    },
    TEST_TIMEOUT,
  );

  it(
    'does not find it blind with the same budget',
    async () => {
      const result = await fuzz({ target: plantedTarget, seeds: await plantedTarget.seeds(), ...BUDGET, feedback: false });
      expect(result.crash).toBeUndefined();
      expect(result.execs).toBe(BUDGET.maxExecs);
    },
    TEST_TIMEOUT,
  );

  it('stops an input that never returns and keeps it as the crash', async () => {
    const module = new URL('../dist/testing/hang.js', import.meta.url).href;
    const result = await runSupervised({ target: { module, exportName: 'hangTarget' }, seed: 1, durationMs: 5_000, timeoutMs: 300 });
    expect(result.crash?.kind).toBe('timeout');
    expect(new TextDecoder().decode(result.crash?.input)).toBe('Hang');
  }, 30_000);
});
