import { describe, expect, it } from 'vitest';
import { SchemaError } from '@fwkit/device-core';
import { LEDGER_SCHEMA_VERSION, PREDATES_AUDIT, ledgerFromJSON, migrateLedger, type LedgerRelease } from './ledger.js';

/** `value` without the named fields. */
function omit<T extends object>(value: T, ...keys: string[]): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([key]) => !keys.includes(key))) as Partial<T>;
}

// Ledger schema 2: the audit fields, and the migration from schema 1 that invents no old value.

const requires = { interfaces: { 'board.hal': '>=1.0.0' }, bootloader: '>=2.0.0', imageFormat: 1, ramBytes: 10, flashBytes: 20 };
const image = {
  model: 'cam',
  hardwareRevisions: ['A'],
  manifestSha256: 'ab'.repeat(32),
  fileSha256: 'cd'.repeat(32),
  bytes: 1024,
  formatVersion: 1,
  requires,
};
const imageAudit = { sbomSha256: 'ef'.repeat(32), signedBy: ['a1'.repeat(32)] };
const audit = {
  sourceCommit: '0c'.repeat(20),
  fwkit: '0.1.0',
  node: 'v20.19.0',
  signingKeyids: ['a1'.repeat(32)],
  demo: false,
  allowDirty: false,
  dirtyFiles: [],
};
const release = (firmware: string, date: string, extra: Record<string, unknown> = {}) => ({
  firmware,
  platform: '1.4.0',
  security: 3,
  date,
  sourceDateEpoch: 1_767_225_600,
  upgradeFrom: '>=1.0.0',
  installerFormats: [1],
  steppingStone: false,
  images: [image],
  ...extra,
});
const v1 = { schemaVersion: 1, releases: [release('1.3.0', '2025-06-01'), release('1.4.0', '2026-01-01')], support: [] };
const audited = (firmware: string, date: string) => release(firmware, date, { images: [{ ...image, ...imageAudit }], audit });

function problems(doc: unknown): string[] {
  try {
    ledgerFromJSON(doc);
  } catch (error) {
    if (error instanceof SchemaError) return error.message.split('\n').slice(1);
    throw error;
  }
  return [];
}

describe('ledger schema 2', () => {
  it('reads schema 1 as it is, and refuses audit fields in it', () => {
    expect(ledgerFromJSON(v1).schemaVersion).toBe(1);
    expect(problems({ ...v1, releases: [audited('1.4.0', '2026-01-01')] }).join('\n')).toMatch(/schema-1 ledger has no audit fields/);
  });

  it('requires every release’s audit: a record, or the migration’s marker before the first audited release', () => {
    const migrated = migrateLedger(ledgerFromJSON(v1));
    expect(ledgerFromJSON({ ...migrated, releases: [...migrated.releases, audited('1.5.0', '2026-02-01')] }).releases).toHaveLength(3);
    expect(problems({ schemaVersion: 2, releases: [release('1.4.0', '2026-01-01')], support: [] }).join('\n')).toMatch(/has "audit"/);
    expect(
      problems({
        schemaVersion: 2,
        releases: [audited('1.4.0', '2026-01-01'), release('1.5.0', '2026-02-01', { audit: PREDATES_AUDIT })],
        support: [],
      }).join('\n'),
    ).toMatch(/only before the first audited release/);
  });

  it('requires each image of an audited release to carry its file digest, SBOM digest and signing keyids', () => {
    for (const field of ['fileSha256', 'sbomSha256', 'signedBy'] as const) {
      const rest = omit({ ...image, ...imageAudit }, field);
      const doc = { schemaVersion: 2, releases: [release('1.4.0', '2026-01-01', { images: [rest], audit })], support: [] };
      expect(problems(doc).join('\n')).toContain(field);
    }
  });

  it('refuses an audit that names no commit or dirty files without the override', () => {
    const doc = (fields: Record<string, unknown>) => ({
      schemaVersion: 2,
      releases: [release('1.4.0', '2026-01-01', { images: [{ ...image, ...imageAudit }], audit: { ...audit, ...fields } })],
      support: [],
    });
    expect(problems(doc({ sourceCommit: null })).join('\n')).toMatch(/needs allowDirty/);
    expect(problems(doc({ dirtyFiles: ['release.json'] })).join('\n')).toMatch(/only with allowDirty/);
    expect(problems(doc({ sourceCommit: null, allowDirty: true, dirtyFiles: ['release.json'] }))).toEqual([]);
  });
});

describe('migrateLedger', () => {
  it('marks each schema-1 release as predating the audit and changes nothing else', () => {
    const old = ledgerFromJSON(v1);
    const migrated = migrateLedger(old);
    expect(migrated.schemaVersion).toBe(LEDGER_SCHEMA_VERSION);
    expect(migrated.releases.map((r) => r.audit)).toEqual([PREDATES_AUDIT, PREDATES_AUDIT]);
    const without = (r: LedgerRelease) => Object.fromEntries(Object.entries(r).filter(([k]) => k !== 'audit'));
    expect(migrated.releases.map(without)).toEqual(old.releases);
    expect(migrated.releases.flatMap((r) => r.images).every((i) => i.sbomSha256 === undefined && i.signedBy === undefined)).toBe(true);
    expect(migrated.support).toEqual(old.support);
    expect(migrateLedger(migrated)).toBe(migrated);
  });
});
