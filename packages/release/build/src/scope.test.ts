import { describe, expect, it } from 'vitest';
import { productManifestFromJSON, type ProductManifest } from '@fwkit/release-core';
import { thrownCode } from '@fwkit/test-utils';
import { scopeBuild } from './index.js';

function product(id: string, lifecycle: Record<string, unknown>): ProductManifest {
  return productManifestFromJSON({
    schemaVersion: 1,
    id,
    name: id,
    features: [],
    platform: '>=1.0.0',
    drivers: 'src/drivers.ts',
    lifecycle,
    hardware: [
      { revision: 'A', interfaces: {}, flashPartitionBytes: 4096, ramBytes: 4096, bootloaders: [{ version: '2.1.0', imageFormats: [1] }] },
    ],
  });
}

const reason = 'Revision A sensors cannot run platform 1.5 any more.';
const old = product('old-cam', {
  released: '2019-01-01',
  endOfSupport: '2029-03-31',
  endedEarly: { lastDay: '2026-03-01', recorded: '2026-02-01', reason },
});
const cam = product('cam', { released: '2020-01-01', endOfSupport: '2030-01-01' });
const next = product('next-cam', { released: '2027-01-01', endOfSupport: '2037-01-01' });
const all = [old, cam, next];
const ids = all.map((p) => p.id);

describe('scopeBuild', () => {
  it('builds every model but the retired ones for --all, judged on the build day (lastDay is still supported)', () => {
    expect(scopeBuild(ids, all, false, '2026-03-01')).toEqual({ models: ['old-cam', 'cam', 'next-cam'], skipped: [] });
    expect(scopeBuild(ids, all, false, '2026-03-02')).toEqual({
      models: ['cam', 'next-cam'],
      skipped: [{ model: 'old-cam', status: 'retired', lastDay: '2026-03-01', retiredFrom: '2026-03-02' }],
    });
  });

  it('refuses a retired model named explicitly, and leaves a model without a manifest to the build', () => {
    expect(thrownCode(() => scopeBuild(['cam', 'old-cam'], all, true, '2026-03-02'))).toBe('BUILD_MODEL_RETIRED');
    expect(scopeBuild(['cam', 'gone'], all, true, '2026-03-02').models).toEqual(['cam', 'gone']);
  });
});
