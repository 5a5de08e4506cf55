import { type ProductManifest } from '@fwkit/release-core';
import { describe, expect, it } from 'vitest';
import { computeMatrix, gateFailures, supportRecordsFor, type MatrixInput } from './index.js';
import { cell, DATE, ledger, legacy, P15, product, ptz, release } from './matrix.test-support.js';

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

  it('moving endOfSupport earlier instead is refused', () => {
    const moved = product({ ...legacy, lifecycle: { released: '2019-03-18', endOfSupport: '2026-05-31' } });
    const matrix = computeMatrix(input([moved, ptz], [ptz]));
    expect(matrix.models[0]?.status).toBe('retired');
    expect(gateFailures(matrix).map((r) => r.code)).toEqual(['SUPPORT_SHORTENED']);
  });
});
