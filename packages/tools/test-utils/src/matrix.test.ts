import { describe, expect, it } from 'vitest';
import { syntheticMatrix } from './matrix.js';

describe('syntheticMatrix', () => {
  it('is the same for the same seed and differs for another', () => {
    const a = syntheticMatrix({ models: 40, releases: 60 });
    expect(JSON.stringify(syntheticMatrix({ models: 40, releases: 60 }))).toBe(JSON.stringify(a));
    expect(JSON.stringify(syntheticMatrix({ models: 40, releases: 60, seed: 7 }))).not.toBe(JSON.stringify(a));
  });

  it('has the shape of a real matrix: every verdict, failures, several warnings in a cell, routes shared along a row', () => {
    const m = syntheticMatrix({ models: 300, releases: 200 });
    expect(m.cells).toHaveLength(300);
    expect(new Set(m.cells.map((row) => row.length))).toEqual(new Set([200]));
    expect(m.releases.filter((r) => r.candidate).map((r) => r.firmware)).toEqual(['4.49.0']);
    expect(m.date).toBe(m.releases.at(-1)?.date);
    const cells = m.cells.flat();
    expect(new Set(cells.map((c) => c.verdict))).toEqual(new Set(['pass', 'warn', 'fail', 'retired', 'not-released']));
    const codes = new Set(cells.flatMap((c) => c.reasons.map((r) => r.code)));
    for (const code of [
      'FLASH_INSUFFICIENT',
      'INTERFACE_VERSION_INCOMPATIBLE',
      'INTERFACE_VERSION_DEPRECATED',
      'MODEL_MISSING',
      'UPGRADE_VIA',
      'SUPPORT_ENDED',
    ])
      expect(codes).toContain(code);
    expect(Math.max(...cells.map((c) => c.reasons.filter((r) => r.severity === 'warning').length))).toBeGreaterThanOrEqual(6);
    // A cell's verdict follows its reasons, as computeMatrix's does.
    for (const c of cells) {
      if (c.reasons.some((r) => r.severity === 'error')) expect(c.verdict).toBe('fail');
      else if (c.verdict === 'pass') expect(c.reasons.every((r) => r.severity === 'info')).toBe(true);
    }
    const row = m.cells.find((r) => r.filter((c) => c.reasons.some((x) => x.code === 'UPGRADE_VIA')).length > 10) ?? [];
    const routes = row.flatMap((c) => c.reasons.filter((x) => x.code === 'UPGRADE_VIA'));
    expect(new Set(routes).size).toBeLessThan(routes.length);
    expect(m.models.some((x) => x.status === 'retired' && x.endedEarly !== undefined)).toBe(true);
  });
});
