import { readdir, readFile } from 'node:fs/promises';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { deviceIdentityFromJSON, parseJsonText } from '@fwkit/device-core';
import { ledgerFromJSON } from './ledger.js';
import { productManifestFromJSON } from './product.js';
import { releaseSpecFromJSON } from './release.js';

/**
 * parse ∘ serialize is the identity for every document fwkit reads: a value that parsed once
 * comes back equal, and byte-identical when serialized again, after a trip through its JSON
 * text and the one JSON reader.
 */

const nat = fc.nat({ max: 60 });
const prerelease = fc.option(fc.constantFrom('rc.1', 'beta', 'alpha.2', '0'), { nil: undefined });
const version = fc.tuple(nat, nat, nat, prerelease).map(([a, b, c, p]) => `${a}.${b}.${c}${p === undefined ? '' : `-${p}`}`);
const range = fc.oneof(
  version.map((v) => `>=${v}`),
  fc.tuple(version, version).map(([a, b]) => `>=${a} <${b}`),
  version.map((v) => `^${v}`),
  fc.tuple(version, version).map(([a, b]) => `${a} || ${b}`),
  fc.constant('*'),
);
const id = fc.stringMatching(/^[a-z][a-z0-9]{0,6}(?:-[a-z0-9]{1,4}){0,2}$/);
const revision = fc.stringMatching(/^[A-Z0-9][A-Za-z0-9.-]{0,6}$/);
const interfaceName = fc.stringMatching(/^[a-z][a-z0-9]{0,5}(?:\.[a-z0-9]{1,5}){0,2}$/);
const day = fc.integer({ min: Date.UTC(2000, 0, 1), max: Date.UTC(2099, 11, 31) }).map((ms) => new Date(ms).toISOString().slice(0, 10));
const byteCount = fc.nat({ max: Number.MAX_SAFE_INTEGER });
const formats = fc.uniqueArray(fc.integer({ min: 1, max: 5 }), { minLength: 1, maxLength: 3 });
const hex64 = fc.stringMatching(/^[0-9a-f]{64}$/);

function roundTrips(parse: (value: unknown, what: string) => unknown, generated: unknown): void {
  let value: unknown;
  try {
    value = parse(generated, 'generated');
  } catch {
    // Generators aim at valid documents; the few cross-field misses (e.g. equal dates) are skipped.
    fc.pre(false);
  }
  const text = JSON.stringify(value, null, 2);
  const again = parse(parseJsonText(text, 'round trip'), 'round trip');
  expect(again).toEqual(value);
  expect(JSON.stringify(again, null, 2)).toBe(text);
}

const device = fc.record(
  {
    schemaVersion: fc.constant(1),
    model: id,
    hardwareRevision: revision,
    bootloader: fc.record({ version, imageFormats: formats }),
    provides: fc.record({
      interfaces: fc.dictionary(interfaceName, version, { maxKeys: 4 }),
      flashPartitionBytes: byteCount,
      ramBytes: byteCount,
    }),
    installed: fc.record({ firmware: version, security: fc.nat(1000) }),
  },
  { requiredKeys: ['schemaVersion', 'model', 'hardwareRevision', 'bootloader', 'provides'] },
);

const release = fc.record(
  { schemaVersion: fc.constant(1), firmware: version, security: fc.nat(1000), upgradeFrom: range, steppingStone: fc.boolean() },
  { requiredKeys: ['schemaVersion', 'firmware', 'security', 'upgradeFrom'] },
);

const requires = fc.record({
  interfaces: fc.dictionary(interfaceName, range, { maxKeys: 3 }),
  bootloader: range,
  imageFormat: fc.integer({ min: 1, max: 3 }),
  ramBytes: byteCount,
  flashBytes: byteCount,
});

const ledger = fc.uniqueArray(fc.tuple(nat, nat, nat), { maxLength: 4, selector: ([a, b, c]) => `${a}.${b}.${c}` }).chain((versions) => {
  const sorted = versions.map(([a, b, c]) => [a, b, c] as const).sort((x, y) => x[0] - y[0] || x[1] - y[1] || x[2] - y[2]);
  const releases = sorted.map(([a, b, c]) =>
    fc.record({
      firmware: fc.constant(`${a}.${b}.${c}`),
      platform: version,
      security: fc.nat(100),
      date: day,
      sourceDateEpoch: fc.nat({ max: 4_000_000_000 }),
      upgradeFrom: range,
      installerFormats: formats,
      steppingStone: fc.boolean(),
      images: fc.uniqueArray(
        fc.record({
          model: id,
          hardwareRevisions: fc.array(revision, { minLength: 1, maxLength: 3 }),
          manifestSha256: hex64,
          bytes: byteCount,
          formatVersion: fc.integer({ min: 1, max: 3 }),
          requires,
        }),
        { minLength: 1, maxLength: 3, selector: (image) => image.model },
      ),
    }),
  );
  const support = fc.array(
    fc.record(
      { model: id, lastDay: day, published: day, kind: fc.constantFrom('published', 'ended-early'), reason: fc.string({ maxLength: 20 }) },
      { requiredKeys: ['model', 'lastDay', 'published', 'kind'] },
    ),
    { maxLength: 3 },
  );
  return fc.record({ schemaVersion: fc.constant(1), releases: fc.tuple(...releases), support });
});

describe('documents: parse ∘ serialize is the identity', () => {
  it('device.json', () => {
    fc.assert(
      fc.property(device, (d) => {
        roundTrips(deviceIdentityFromJSON, d);
      }),
    );
  });

  it('release.json', () => {
    fc.assert(
      fc.property(release, (r) => {
        roundTrips(releaseSpecFromJSON, r);
      }),
    );
  });

  it('the ledger', () => {
    fc.assert(
      fc.property(ledger, (l) => {
        roundTrips(ledgerFromJSON, l);
      }),
    );
  });

  it('product.json: the repository products with generated names, dates, platform ranges and hardware', async () => {
    const root = new URL('../../../../../products/', import.meta.url);
    const products = await Promise.all(
      (await readdir(root)).map(
        async (m) => JSON.parse(await readFile(new URL(`${m}/product.json`, root), 'utf8')) as Record<string, unknown>,
      ),
    );
    const changes = fc.record({
      base: fc.constantFrom(...products),
      id,
      name: fc.string({ minLength: 1, maxLength: 30 }),
      platform: range,
      days: fc.uniqueArray(day, { minLength: 2, maxLength: 2 }),
      revisions: fc.uniqueArray(revision, { minLength: 1, maxLength: 3 }),
      bootloader: fc.record({ version, imageFormats: formats }),
    });
    fc.assert(
      fc.property(changes, ({ base, id: model, name, platform, days, revisions, bootloader }) => {
        const [released, endOfSupport] = [...days].sort();
        const [hw] = base.hardware as Record<string, unknown>[];
        const hardware = revisions.map((r) => ({ ...hw, revision: r, bootloaders: [bootloader] }));
        roundTrips(productManifestFromJSON, { ...base, id: model, name, platform, lifecycle: { released, endOfSupport }, hardware });
      }),
    );
  });
});
