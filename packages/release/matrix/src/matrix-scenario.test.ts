import { type ProductManifest } from '@fwkit/release-core';
import { describe, expect, it } from 'vitest';
import { computeMatrix, gateFailures, gateHints, renderMatrixText, supportRecordsFor, type MatrixInput } from './index.js';
import { cell, codes, DATE, ledger, legacy, P14, P15, product, ptz, release } from './matrix.test-support.js';

// The scenario end to end: a platform upgrade that strands a years-old model, and the two ways out.

describe('the scenario: platform 1.5.0 removes an old sensor interface version a years-old model still needs', () => {
  const products = [legacy, ptz];
  const field = [
    release({ firmware: '1.3.0', date: '2024-10-01', products }),
    release({ firmware: '1.4.0', date: '2025-06-02', products, upgradeFrom: '>=1.3.0' }),
  ];
  const support = [
    { model: 'legacy-fixed-1080', lastDay: '2029-03-31', published: '2024-10-01', kind: 'published' as const },
    { model: 'ptz-4k', lastDay: '2033-09-30', published: '2024-10-01', kind: 'published' as const },
  ];
  const input = (models: readonly ProductManifest[], candidateModels: readonly ProductManifest[]): MatrixInput => ({
    products: models,
    platform: P15.manifest,
    ledger: ledger(field, support),
    candidate: release({
      firmware: '1.5.0',
      date: '2026-05-20',
      products: candidateModels,
      upgradeFrom: '>=1.3.0',
      platform: P15,
      security: 2,
    }),
    date: DATE,
  });

  it('refuses the release, naming the model, the revision, the interface and both versions', () => {
    const matrix = computeMatrix(input(products, products));
    const failures = gateFailures(matrix);
    expect(failures.map((r) => r.code)).toEqual(['INTERFACE_VERSION_INCOMPATIBLE']);
    expect(failures[0]?.details).toMatchObject({
      model: 'legacy-fixed-1080',
      revision: 'A',
      bootloaders: ['2.1.4', '2.2.0'],
      interface: 'sensor.parallel',
      required: '>=1.3.0 <2.0.0',
      provided: '1.2.0',
      lifecycle: 'removed',
      since: '1.5.0',
    });
    expect(failures[0]?.message).toBe(
      'legacy-fixed-1080 rev A (bootloaders 2.1.4, 2.2.0): image requires sensor.parallel >=1.3.0 <2.0.0; legacy-fixed-1080 rev A provides 1.2.0 (removed since platform 1.5.0)',
    );
    expect(cell(matrix, 'legacy-fixed-1080', '1.4.0').verdict).toBe('pass');
    expect(cell(matrix, 'ptz-4k', '1.5.0').verdict).toBe('pass');
  });

  it('recording the end of support (dated, with a reason) makes the same release pass and shows the model retired', () => {
    const ended = product({
      ...legacy,
      lifecycle: {
        released: '2019-03-18',
        endOfSupport: '2029-03-31',
        endedEarly: {
          lastDay: '2026-05-31',
          recorded: '2026-03-02',
          reason: 'Revision A sensors cannot run platform 1.5; customers were offered a replacement.',
        },
      },
    });
    const matrix = computeMatrix(input([ended, ptz], [ptz]));
    expect(gateFailures(matrix)).toEqual([]);
    expect(matrix.models[0]).toMatchObject({ id: 'legacy-fixed-1080', status: 'retired', lastDay: '2026-05-31' });
    const grey = cell(matrix, 'legacy-fixed-1080', '1.5.0');
    expect(grey.verdict).toBe('retired');
    expect(grey.reasons[0]?.message).toContain('Revision A sensors cannot run platform 1.5');
    expect(supportRecordsFor([ended, ptz], ledger(field, support), '2026-05-20').map((r) => [r.model, r.kind, r.lastDay])).toEqual([
      ['legacy-fixed-1080', 'ended-early', '2026-05-31'],
    ]);
  });

  it('an early end on the release day itself still serves the model there; the hint names the latest lastDay that retires it', () => {
    const endsOn = (lastDay: string) =>
      product({
        ...legacy,
        lifecycle: {
          released: '2019-03-18',
          endOfSupport: '2029-03-31',
          endedEarly: {
            lastDay,
            recorded: '2026-05-20',
            reason: 'Revision A sensors cannot run platform 1.5; customers were offered a replacement.',
          },
        },
      });
    // The candidate is judged on its release day, 2026-05-20.
    const onTheDay = computeMatrix({ ...input([endsOn('2026-05-20'), ptz], [ptz]), date: '2026-05-20' });
    expect(onTheDay.models[0]).toMatchObject({ status: 'supported', lastDay: '2026-05-20', retiredFrom: '2026-05-21' });
    expect(gateFailures(onTheDay).map((r) => r.code)).toEqual(['MODEL_MISSING']);
    const [hint] = gateHints(onTheDay);
    expect(hint).toContain('2026-05-20 is its last day of support');
    expect(hint).toContain('set lifecycle.endedEarly.lastDay in products/legacy-fixed-1080/product.json to 2026-05-19 or earlier');
    expect(renderMatrixText(onTheDay)).toContain(`  hint: ${hint ?? ''}`);

    const dayBefore = computeMatrix({ ...input([endsOn('2026-05-19'), ptz], [ptz]), date: '2026-05-20' });
    expect(gateFailures(dayBefore)).toEqual([]);
    expect(gateHints(dayBefore)).toEqual([]);
    expect(dayBefore.models[0]).toMatchObject({ status: 'retired', retiredFrom: '2026-05-20' });
    expect(renderMatrixText(dayBefore)).toMatch(/legacy-fixed-1080\s+retired since 2026-05-20\s+ok\s+ok\s+ret\n/);
  });

  it('without an early end, the hint says how to record one that retires the model in this release', () => {
    const matrix = computeMatrix({ ...input(products, products), date: '2026-05-20' });
    expect(gateHints(matrix)).toEqual([
      'legacy-fixed-1080: fix its cell, or retire it in this release (dated 2026-05-20): record lifecycle.endedEarly in products/legacy-fixed-1080/product.json ' +
        'with lastDay 2026-05-19 or earlier (the last day it is supported; a release dated on that day still serves it), recorded on or before 2026-05-20, and the reason told to customers',
    ]);
  });

  it('says beside a passing gate that a failing past cell is history, not gated', () => {
    // ptz-4k was supported when 1.4.0 went out without it: a past failing cell no candidate can change.
    const gap = ledger([
      release({ firmware: '1.3.0', date: '2024-10-01', products }),
      release({ firmware: '1.4.0', date: '2025-06-02', products: [legacy] }),
    ]);
    const candidate = release({ firmware: '1.5.0', date: DATE, products });
    const matrix = computeMatrix({ products, platform: P14.manifest, ledger: gap, candidate, date: DATE });
    expect(codes(cell(matrix, 'ptz-4k', '1.4.0'))).toEqual(['MODEL_MISSING']);
    expect(gateFailures(matrix)).toEqual([]);
    expect(renderMatrixText(matrix)).toContain(
      'Release gate: pass\n  1 failing cell of past releases: history, shown but not gated (no release can change it)\n',
    );
  });

  it('moving endOfSupport earlier instead is refused', () => {
    const moved = product({ ...legacy, lifecycle: { released: '2019-03-18', endOfSupport: '2026-05-31' } });
    const matrix = computeMatrix(input([moved, ptz], [ptz]));
    expect(matrix.models[0]?.status).toBe('retired');
    expect(gateFailures(matrix).map((r) => r.code)).toEqual(['SUPPORT_SHORTENED']);
  });
});
