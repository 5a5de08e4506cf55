import { describe, expect, it } from 'vitest';
import { SchemaError, checkDocument } from '@fwkit/device-core';
import { ledgerFromJSON } from './ledger.js';
import { platformManifestFromJSON, runtimeTarget } from './platform.js';
import { addDays, dayOfEpoch } from '../days.js';
import { lastDayOfSupport, retiredFrom, supportStatusOn, type Lifecycle, lifecycleSchema } from './product.js';

const issuePaths = (run: () => unknown): string[] => {
  try {
    run();
  } catch (error) {
    if (error instanceof SchemaError) return error.issues.map((i) => i.path);
    throw error;
  }
  return [];
};

const lifecycleIssues = (value: unknown) => {
  try {
    checkDocument(lifecycleSchema, value, 'lifecycle');
  } catch (error) {
    if (error instanceof SchemaError) return [...error.issues];
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
    expect(lifecycleIssues(late).map((i) => i.path)).toEqual(['endedEarly.lastDay']);
    expect(lifecycleIssues(backdated).map((i) => i.path)).toEqual(['endedEarly.lastDay']);
    expect(lifecycleIssues(early)).toEqual([]);
  });

  it('has lastDay inclusive: supported on it, retired from the next day, which may be the day the decision is recorded', () => {
    const endsOn = (lastDay: string, recorded: string): Lifecycle => ({
      ...published,
      endedEarly: { lastDay, recorded, reason: 'A reason long enough to count.' },
    });
    expect(supportStatusOn(endsOn('2026-03-01', '2026-03-02'), '2026-03-01')).toBe('supported');
    expect(supportStatusOn(endsOn('2026-03-01', '2026-03-02'), '2026-03-02')).toBe('retired');
    expect(retiredFrom(endsOn('2026-02-28', '2026-02-01'))).toBe('2026-03-01');
    expect(retiredFrom(published)).toBe('2029-04-01');
    // Retired from the day it is recorded: how a release on that day drops the model.
    expect(lifecycleIssues(endsOn('2026-03-01', '2026-03-02'))).toEqual([]);
    // Retired before anyone decided so: refused, naming the earliest lastDay.
    const before = lifecycleIssues(endsOn('2026-02-28', '2026-03-02'));
    expect(before).toHaveLength(1);
    expect(before.map((i) => i.message).join()).toContain('2026-03-01');
    // Malformed days are the fields' own issues; the rule between them does not trip over them.
    expect(lifecycleIssues(endsOn('2026-3-1', 'x')).map((i) => i.path)).toEqual(['endedEarly.lastDay', 'endedEarly.recorded']);
  });
});

describe('days', () => {
  it('adds calendar days across months, leap days and years, and takes the UTC day of an epoch', () => {
    expect(addDays('2026-02-28', 1)).toBe('2026-03-01');
    expect(addDays('2028-02-28', 1)).toBe('2028-02-29');
    expect(addDays('2026-01-01', -1)).toBe('2025-12-31');
    expect(dayOfEpoch(1_767_225_599)).toBe('2025-12-31');
    expect(dayOfEpoch(1_767_225_600)).toBe('2026-01-01');
    expect(addDays('0001-01-01', -1)).toBe('0000-12-31');
    expect(addDays('0000-01-01', -1)).toBe('0000-01-01');
    expect(addDays('9999-12-31', 1)).toBe('9999-12-31');
    expect(() => addDays('2026-3-01', 1)).toThrow(/internal/);
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

describe('platform firmware runtime', () => {
  const platform = { schemaVersion: 1, imageFormat: 1, installerFormats: [1], domains: {}, base: {}, features: {} };
  const node24 = { name: 'node', version: '24.11.1', endOfLife: '2028-04-30' };

  it('is optional (older platform releases load), and built for by its major line', () => {
    expect(platformManifestFromJSON(platform).runtime).toBeUndefined();
    const runtime = platformManifestFromJSON({ ...platform, runtime: node24 }).runtime;
    expect(runtime).toEqual(node24);
    expect(runtime && runtimeTarget(runtime)).toBe('node24');
  });

  it('refuses another runtime, a version that is not x.y.z, a day that is not YYYY-MM-DD and unknown fields', () => {
    const bad = [
      { ...node24, name: 'deno' },
      { ...node24, version: '24' },
      { ...node24, endOfLife: '2028-04' },
      { ...node24, lts: true },
    ];
    expect(bad.map((runtime) => issuePaths(() => platformManifestFromJSON({ ...platform, runtime })))).toEqual([
      ['runtime.name'],
      ['runtime.version'],
      ['runtime.endOfLife'],
      ['runtime'],
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

describe('platform import allow-lists (imports)', () => {
  const grants = { user: 'fw-core', listen: [], read: [], write: [], ipc: [] };
  const platform = {
    schemaVersion: 1,
    imageFormat: 1,
    installerFormats: [1],
    domains: { core: { entry: 'src/core/main.ts', description: 'core', grants } },
    base: {},
    features: {},
  };

  it('is optional (older platform releases load; absent, a domain may import only its own folder)', () => {
    expect(platformManifestFromJSON(platform).imports).toBeUndefined();
    const imports = platformManifestFromJSON({
      ...platform,
      imports: { shared: ['src/ipc/'], domains: { core: { builtins: ['node:zlib'] } } },
    }).imports;
    expect(imports).toEqual({ shared: ['src/ipc/'], domains: { core: { drivers: false, packages: [], builtins: ['node:zlib'] } } });
  });

  it('refuses a domain it does not declare, a path leaving the platform folder, a built-in without node: and unknown fields', () => {
    const bad = [
      { domains: { protocol: {} } },
      { shared: ['../packages/device/json/'] },
      { shared: ['src/../../x.ts'] },
      { shared: ['/etc/passwd'] },
      { domains: { core: { builtins: ['fs'] } } },
      { domains: { core: { packages: ['Not A Package'] } } },
      { domains: { core: { network: true } } },
    ];
    expect(bad.map((imports) => issuePaths(() => platformManifestFromJSON({ ...platform, imports })))).toEqual([
      ['imports.domains.protocol'],
      ['imports.shared[0]'],
      ['imports.shared[0]'],
      ['imports.shared[0]'],
      ['imports.domains.core.builtins[0]'],
      ['imports.domains.core.packages[0]'],
      ['imports.domains.core'],
    ]);
  });
});
