import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { EMPTY_LEDGER, type LedgerRelease } from '@fwkit/release-core';
import { rejectedCode, thrownCode } from '@fwkit/test-utils';
import { appendRelease, appendToLedger, LEDGER_SCHEMA_REF, loadLedger, migrateLedgerFile, readLedgerFile } from './index.js';

/** `value` without the named fields. */
function omit<T extends object>(value: T, ...keys: string[]): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([key]) => !keys.includes(key))) as Partial<T>;
}

const temps: string[] = [];
afterAll(async () => {
  await Promise.all(temps.map((d) => rm(d, { recursive: true, force: true })));
});
async function checkout(ledger?: string): Promise<string> {
  const root = await mkdtemp(join(tmpdir(), 'fwkit-ledger-'));
  temps.push(root);
  if (ledger !== undefined) {
    await mkdir(join(root, 'releases'));
    await writeFile(join(root, 'releases', 'ledger.json'), ledger);
  }
  return root;
}

function releaseOf(firmware: string, date = '2026-01-01'): LedgerRelease {
  return {
    firmware,
    platform: '1.4.0',
    security: 3,
    date,
    sourceDateEpoch: 1_767_225_600,
    upgradeFrom: '>=1.0.0',
    installerFormats: [1],
    steppingStone: false,
    images: [
      {
        model: 'cam',
        hardwareRevisions: ['A'],
        manifestSha256: 'ab'.repeat(32),
        fileSha256: 'cd'.repeat(32),
        sbomSha256: 'ef'.repeat(32),
        signedBy: ['a1'.repeat(32)],
        bytes: 1024,
        formatVersion: 1,
        requires: { interfaces: { 'board.hal': '>=1.0.0' }, bootloader: '>=2.0.0', imageFormat: 1, ramBytes: 10, flashBytes: 20 },
      },
    ],
    audit: {
      sourceCommit: '0c'.repeat(20),
      fwkit: '0.1.0',
      node: 'v20.0.0',
      signingKeyids: ['a1'.repeat(32)],
      demo: false,
      allowDirty: false,
      dirtyFiles: [],
    },
  };
}

describe('loadLedger', () => {
  it('refuses a missing ledger (LEDGER_NOT_FOUND), never taking it for an empty one, and reads the repository’s ledger', async () => {
    expect(await rejectedCode(loadLedger(await checkout()))).toBe('LEDGER_NOT_FOUND');
    const repo = await loadLedger(join(import.meta.dirname, '..', '..', '..', '..'));
    expect(repo.schemaVersion).toBe(2);
  });

  it('refuses a ledger that is not JSON or breaks the schema, with the core schema codes', async () => {
    expect(await rejectedCode(loadLedger(await checkout('{"releases": [')))).toBe('JSON_INVALID');
    const twice = '{"schemaVersion": 1, "releases": [' + JSON.stringify(releaseOf('1.4.0')) + '], "support": [], "releases": []}';
    expect(await rejectedCode(loadLedger(await checkout(twice)))).toBe('JSON_DUPLICATE_KEY');
    const unordered = JSON.stringify({ schemaVersion: 1, releases: [releaseOf('1.5.0'), releaseOf('1.4.0')], support: [] });
    expect(await rejectedCode(loadLedger(await checkout(unordered)))).toBe('SCHEMA_INVALID');
  });
});

describe('appendRelease', () => {
  it('appends in order and keeps every earlier entry as it was', () => {
    const one = appendRelease(EMPTY_LEDGER, releaseOf('1.4.0'), [
      { model: 'cam', lastDay: '2030-01-01', published: '2026-01-01', kind: 'published' },
    ]);
    const two = appendRelease(one, releaseOf('1.5.0', '2026-02-01'), []);
    expect(two.$schema).toBe(LEDGER_SCHEMA_REF);
    expect(two.releases.map((r) => r.firmware)).toEqual(['1.4.0', '1.5.0']);
    expect(two.releases[0]).toEqual(one.releases[0]);
    expect(two.support).toEqual(one.support);
  });

  it('refuses a version already released and one that is not newer', () => {
    const one = appendRelease(EMPTY_LEDGER, releaseOf('1.4.0'), []);
    const refusal = (firmware: string) => thrownCode(() => appendRelease(one, releaseOf(firmware), [])) ?? 'accepted';
    expect(refusal('1.4.0')).toBe('RELEASE_EXISTS');
    expect(refusal('1.3.9')).toBe('RELEASE_VERSION_NOT_NEWER');
    expect(refusal('1.4.0-rc.1')).toBe('RELEASE_VERSION_NOT_NEWER');
    expect(refusal('1.4.1')).toBe('accepted');
  });
});

describe('appendToLedger', () => {
  it('appends atomically to the committed empty ledger, and leaves no temporary file', async () => {
    const empty = `{"$schema": "${LEDGER_SCHEMA_REF}", "schemaVersion": 2, "releases": [], "support": []}`;
    const root = await checkout(empty);
    await appendToLedger({ repoRoot: root, release: releaseOf('1.4.0'), support: [], basis: empty });
    const first = await readFile(join(root, 'releases', 'ledger.json'), 'utf8');
    await appendToLedger({ repoRoot: root, release: releaseOf('1.5.0'), support: [], basis: first });
    const { ledger, text } = await readLedgerFile(root);
    expect(ledger.releases.map((r) => r.firmware)).toEqual(['1.4.0', '1.5.0']);
    expect(JSON.parse(text)).toMatchObject({ $schema: LEDGER_SCHEMA_REF, releases: [releaseOf('1.4.0'), releaseOf('1.5.0')] });
    expect(await readdir(join(root, 'releases'))).toEqual(['ledger.json']);
  });

  it('writes nothing when the ledger is missing', async () => {
    const root = await checkout();
    expect(await rejectedCode(appendToLedger({ repoRoot: root, release: releaseOf('1.4.0'), support: [] }))).toBe('LEDGER_NOT_FOUND');
    expect(await readdir(root)).toEqual([]);
  });

  it('writes nothing when the ledger changed since the release was planned, or the version exists', async () => {
    const root = await checkout(JSON.stringify(EMPTY_LEDGER));
    await appendToLedger({ repoRoot: root, release: releaseOf('1.4.0'), support: [] });
    const text = await readFile(join(root, 'releases', 'ledger.json'), 'utf8');
    expect(
      await rejectedCode(appendToLedger({ repoRoot: root, release: releaseOf('1.5.0'), support: [], basis: JSON.stringify(EMPTY_LEDGER) })),
    ).toBe('RELEASE_LEDGER_CHANGED');
    expect(await rejectedCode(appendToLedger({ repoRoot: root, release: releaseOf('1.4.0'), support: [], basis: text }))).toBe(
      'RELEASE_EXISTS',
    );
    expect(await readFile(join(root, 'releases', 'ledger.json'), 'utf8')).toBe(text);
  });
});

describe('migrateLedgerFile (fwkit ledger migrate)', () => {
  it('rewrites a schema-1 ledger as schema 2, each release marked predates-audit, and leaves a schema-2 ledger alone', async () => {
    const old = releaseOf('1.4.0');
    const images = old.images.map((i) => omit(i, 'sbomSha256', 'signedBy'));
    const v1 = { $schema: LEDGER_SCHEMA_REF, schemaVersion: 1, releases: [{ ...omit(old, 'audit'), images }], support: [] };
    const root = await checkout(JSON.stringify(v1));
    const done = await migrateLedgerFile(root);
    expect(done).toMatchObject({ from: 1, to: 2, releases: 1, written: true });
    const { ledger, text } = await readLedgerFile(root);
    expect(ledger.schemaVersion).toBe(2);
    expect(JSON.parse(text)).toEqual({ ...v1, schemaVersion: 2, releases: [{ ...v1.releases[0], audit: 'predates-audit' }] });
    expect(await migrateLedgerFile(root)).toMatchObject({ written: false });
    expect(await readFile(join(root, 'releases', 'ledger.json'), 'utf8')).toBe(text);
    expect(await readdir(join(root, 'releases'))).toEqual(['ledger.json']);
  });
});
