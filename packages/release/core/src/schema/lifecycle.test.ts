import { describe, expect, it } from 'vitest';
import { SchemaError } from '@fwkit/device-core';
import { ledgerFromJSON } from './ledger.js';
import { platformManifestFromJSON } from './platform.js';
import { lastDayOfSupport, supportStatusOn, type Lifecycle, lifecycleSchema } from './product.js';

const issuePaths = (run: () => unknown): string[] => {
  try {
    run();
  } catch (error) {
    if (error instanceof SchemaError) return error.issues.map((i) => i.path);
    throw error;
  }
  return [];
};

describe('product lifecycle', () => {
  const published: Lifecycle = { released: '2019-03-18', endOfSupport: '2029-03-31' };
  const early: Lifecycle = {
    ...published,
    endedEarly: { lastDay: '2026-12-31', recorded: '2026-11-27', reason: 'Sensor supplier ended production.' },
  };

  it('judges support on the given date, with an early end taking precedence', () => {
    expect(supportStatusOn(published, '2019-03-17')).toBe('upcoming');
    expect(supportStatusOn(published, '2019-03-18')).toBe('supported');
    expect(supportStatusOn(published, '2029-03-31')).toBe('supported');
    expect(supportStatusOn(published, '2029-04-01')).toBe('retired');
    expect(lastDayOfSupport(early)).toBe('2026-12-31');
    expect(supportStatusOn(early, '2027-01-01')).toBe('retired');
  });

  it('refuses an early end that is not early, or that ends support before it was recorded', () => {
    const late = { ...published, endedEarly: { lastDay: '2030-01-01', recorded: '2026-11-27', reason: 'A reason long enough to count.' } };
    const backdated = {
      ...published,
      endedEarly: { lastDay: '2026-01-01', recorded: '2026-11-27', reason: 'A reason long enough to count.' },
    };
    expect(lifecycleSchema.safeParse(late).success).toBe(false);
    expect(lifecycleSchema.safeParse(backdated).success).toBe(false);
    expect(lifecycleSchema.safeParse(early).success).toBe(true);
  });
});

describe('platform interface lifecycle', () => {
  const platform = {
    schemaVersion: 1,
    imageFormat: 1,
    installerFormats: [1],
    domains: {},
    base: { interfaces: {}, ramBytes: 0 },
    features: { 'sensor-parallel': { interfaces: { 'sensor.parallel': '>=1.2.0 <2.0.0' }, ramBytes: 0 } },
    interfaces: { 'sensor.parallel': [{ versions: '<1.3.0', status: 'removed' }] },
  };

  it('refuses a requirement that still accepts a removed version', () => {
    expect(issuePaths(() => platformManifestFromJSON(platform))).toEqual(['features.sensor-parallel.interfaces.sensor.parallel']);
    const fixed = { ...platform, features: { 'sensor-parallel': { interfaces: { 'sensor.parallel': '>=1.3.0 <2.0.0' }, ramBytes: 0 } } };
    expect(issuePaths(() => platformManifestFromJSON(fixed))).toEqual([]);
  });

  it('requires the installer to verify the format the platform writes', () => {
    expect(issuePaths(() => platformManifestFromJSON({ ...platform, interfaces: {}, installerFormats: [2] }))).toEqual([
      'installerFormats',
    ]);
  });
});

describe('ledger', () => {
  const release = (firmware: string) => ({
    firmware,
    platform: '1.0.0',
    security: 1,
    date: '2025-01-01',
    sourceDateEpoch: 1735689600,
    upgradeFrom: '*',
    installerFormats: [1],
    images: [
      {
        model: 'cam',
        hardwareRevisions: ['A'],
        manifestSha256: 'a'.repeat(64),
        bytes: 1,
        formatVersion: 1,
        requires: { interfaces: {}, bootloader: '*', imageFormat: 1, ramBytes: 0, flashBytes: 1 },
      },
    ],
  });

  it('keeps releases unique and in ascending firmware order', () => {
    expect(ledgerFromJSON({ schemaVersion: 1, releases: [release('1.0.0'), release('1.1.0')], support: [] }).releases).toHaveLength(2);
    expect(issuePaths(() => ledgerFromJSON({ schemaVersion: 1, releases: [release('1.1.0'), release('1.0.0')], support: [] }))).toEqual([
      'releases[1].firmware',
    ]);
    expect(issuePaths(() => ledgerFromJSON({ schemaVersion: 1, releases: [release('1.0.0'), release('1.0.0')], support: [] }))).toContain(
      'releases',
    );
  });
});
