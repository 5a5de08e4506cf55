import { describe, expect, it } from 'vitest';
import { computeMatrix, gateFailures } from './index.js';
import { cell, codes, DATE, ledger, legacy, P14, ptz, release } from './matrix.test-support.js';

// Rules across releases: a model left out, security versions, upgrade paths and stepping stones.

describe('release rules', () => {
  it('model missing from the candidate: fails while supported; a past release before the model existed is "not released"', () => {
    const products = [legacy, ptz];
    const old = release({ firmware: '0.9.0', date: '2021-01-01', products: [legacy] });
    const past = release({ firmware: '1.0.0', date: '2025-01-10', products });
    const dropped = release({ firmware: '2.0.0', date: '2026-05-20', products: [legacy] });
    const matrix = computeMatrix({ products, platform: P14.manifest, ledger: ledger([old, past]), candidate: dropped, date: DATE });
    expect(cell(matrix, 'ptz-4k', '0.9.0').verdict).toBe('not-released');
    expect(cell(matrix, 'ptz-4k', '1.0.0').verdict).toBe('pass');
    const missing = cell(matrix, 'ptz-4k', '2.0.0');
    expect(missing.verdict).toBe('fail');
    expect(codes(missing)).toEqual(['MODEL_MISSING']);
    expect(missing.reasons[0]?.details).toMatchObject({ model: 'ptz-4k', firmware: '2.0.0', candidate: true });
    expect(gateFailures(matrix).map((r) => r.code)).toEqual(['MODEL_MISSING']);

    const complete = release({ firmware: '2.0.0', date: '2026-05-20', products });
    const fixed = computeMatrix({ products, platform: P14.manifest, ledger: ledger([old, past]), candidate: complete, date: DATE });
    expect(cell(fixed, 'ptz-4k', '2.0.0').verdict).toBe('pass');
    expect(gateFailures(fixed)).toEqual([]);
  });

  it('a past release that left out a released model is red in history (not in the gate)', () => {
    const products = [legacy, ptz];
    const gap = release({ firmware: '1.0.0', date: '2025-01-10', products: [legacy] });
    const candidate = release({ firmware: '2.0.0', date: '2026-05-20', products });
    const matrix = computeMatrix({ products, platform: P14.manifest, ledger: ledger([gap]), candidate, date: DATE });
    expect(codes(cell(matrix, 'ptz-4k', '1.0.0'))).toEqual(['MODEL_MISSING']);
    expect(gateFailures(matrix)).toEqual([]);
  });

  it('security version going backwards fails; equal passes', () => {
    const products = [ptz];
    const past = [
      release({ firmware: '1.0.0', date: '2025-01-10', products, security: 5 }),
      release({ firmware: '1.1.0', date: '2025-03-10', products, security: 3 }),
    ];
    const equal = computeMatrix({
      products,
      platform: P14.manifest,
      ledger: ledger(past),
      candidate: release({ firmware: '2.0.0', date: '2026-05-20', products, security: 5 }),
      date: DATE,
    });
    expect(cell(equal, 'ptz-4k', '2.0.0').verdict).toBe('pass');
    // 1.1.0 went back from 5 to 3: history shows it (and devices on 1.0.0 could not take it).
    expect(codes(cell(equal, 'ptz-4k', '1.1.0'))).toEqual(['SECURITY_VERSION_DECREASED', 'UPGRADE_PATH_MISSING']);

    const lower = computeMatrix({
      products,
      platform: P14.manifest,
      ledger: ledger(past),
      candidate: release({ firmware: '2.0.0', date: '2026-05-20', products, security: 4 }),
      date: DATE,
    });
    const c = cell(lower, 'ptz-4k', '2.0.0');
    expect(c.verdict).toBe('fail');
    expect(codes(c)).toContain('SECURITY_VERSION_DECREASED');
    expect(c.reasons.find((r) => r.code === 'SECURITY_VERSION_DECREASED')?.details).toMatchObject({
      security: 4,
      highest: 5,
      highestIn: '1.0.0',
    });
  });

  it('an upgrade-path gap is caught, and a stepping-stone release fixes it (UPGRADE_VIA names the route)', () => {
    const products = [ptz];
    const field = [
      release({ firmware: '1.0.0', date: '2024-01-10', products }),
      release({ firmware: '1.2.0', date: '2024-06-10', products, upgradeFrom: '>=1.0.0' }),
    ];
    const candidate = release({ firmware: '2.0.0', date: '2026-05-20', products, upgradeFrom: '>=1.5.0' });
    const gap = computeMatrix({ products, platform: P14.manifest, ledger: ledger(field), candidate, date: DATE });
    const red = cell(gap, 'ptz-4k', '2.0.0');
    expect(red.verdict).toBe('fail');
    expect(codes(red)).toEqual(['UPGRADE_PATH_MISSING']);
    expect(red.reasons[0]?.details).toMatchObject({ stranded: ['1.0.0', '1.2.0'], upgradeFrom: '>=1.5.0' });
    expect(red.reasons[0]?.message).toContain('2.0.0 accepts upgrades from >=1.5.0 only');
    expect(gateFailures(gap).map((r) => r.code)).toEqual(['UPGRADE_PATH_MISSING']);

    const stone = release({ firmware: '1.5.0', date: '2026-02-01', products, upgradeFrom: '>=1.0.0', steppingStone: true });
    const fixed = computeMatrix({ products, platform: P14.manifest, ledger: ledger([...field, stone]), candidate, date: DATE });
    const green = cell(fixed, 'ptz-4k', '2.0.0');
    expect(green.verdict).toBe('pass');
    expect(codes(green)).toEqual(['UPGRADE_VIA']);
    expect(green.reasons[0]?.severity).toBe('info');
    expect(green.reasons[0]?.details['routes']).toEqual([{ from: [['1.0.0', '1.2.0']], versions: 2, via: ['1.5.0'] }]);
    expect(green.reasons[0]?.message).toContain('ptz-4k: devices on 1.0.0 … 1.2.0 (2 versions) upgrade via 1.5.0 (stepping stone)');
    expect(fixed.releases.find((r) => r.firmware === '1.5.0')?.steppingStone).toBe(true);
    expect(gateFailures(fixed)).toEqual([]);
  });

  it('a route through several releases goes via each of them in order', () => {
    const products = [ptz];
    const field = [
      release({ firmware: '1.0.0', date: '2024-01-10', products }),
      release({ firmware: '1.5.0', date: '2024-06-10', products, upgradeFrom: '>=1.0.0', steppingStone: true }),
      release({ firmware: '2.0.0', date: '2025-01-10', products, upgradeFrom: '>=1.5.0' }),
      release({ firmware: '2.5.0', date: '2025-06-10', products, upgradeFrom: '>=1.5.0', steppingStone: true }),
    ];
    const candidate = release({ firmware: '3.0.0', date: '2026-05-20', products, upgradeFrom: '>=2.5.0' });
    const matrix = computeMatrix({ products, platform: P14.manifest, ledger: ledger(field), candidate, date: DATE });
    const routes = cell(matrix, 'ptz-4k', '3.0.0').reasons[0]?.details['routes'];
    expect(routes).toEqual([
      { from: [['1.5.0', '2.0.0']], versions: 2, via: ['2.5.0'] },
      { from: [['1.0.0', '1.0.0']], versions: 1, via: ['1.5.0', '2.5.0'] },
    ]);
  });

  it("a new image format strands devices whose installer cannot verify it, until a stepping stone's installer can", () => {
    const products = [ptz];
    const field = [release({ firmware: '1.0.0', date: '2024-01-10', products })];
    const candidate = release({ firmware: '2.0.0', date: '2026-05-20', products, formatVersion: 2, installerFormats: [1, 2] });
    const stranded = computeMatrix({ products, platform: P14.manifest, ledger: ledger(field), candidate, date: DATE });
    const red = cell(stranded, 'ptz-4k', '2.0.0');
    expect(codes(red)).toEqual(['UPGRADE_PATH_MISSING']);
    expect(red.reasons[0]?.message).toContain('the installer of 1.0.0 verifies image format 1, not 2');

    const stone = release({ firmware: '1.9.0', date: '2026-01-10', products, installerFormats: [1, 2], steppingStone: true });
    const fixed = computeMatrix({ products, platform: P14.manifest, ledger: ledger([...field, stone]), candidate, date: DATE });
    expect(codes(cell(fixed, 'ptz-4k', '2.0.0'))).toEqual(['UPGRADE_VIA']);
  });
});
