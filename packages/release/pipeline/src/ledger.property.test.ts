import { parseJsonText } from '@fwkit/device-core';
import { ledgerFromJSON } from '@fwkit/release-core';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { formatLedger } from './index.js';

/** parse ∘ serialize is the identity for the ledger as `fwkit release` writes it (formatLedger). */

const nat = fc.nat({ max: 40 });
const version = fc.tuple(nat, nat, nat).map(([a, b, c]) => `${a}.${b}.${c}`);
const range = fc.oneof(
  version.map((v) => `>=${v}`),
  fc.tuple(version, version).map(([a, b]) => `>=${a} <${b}`),
);
const id = fc.stringMatching(/^[a-z][a-z0-9]{0,6}(?:-[a-z0-9]{1,4}){0,2}$/);
const day = fc.integer({ min: Date.UTC(2000, 0, 1), max: Date.UTC(2099, 11, 31) }).map((ms) => new Date(ms).toISOString().slice(0, 10));
const hex64 = fc.stringMatching(/^[0-9a-f]{64}$/);
const image = fc.record(
  {
    model: id,
    hardwareRevisions: fc.array(fc.stringMatching(/^[A-Z0-9][A-Za-z0-9.-]{0,5}$/), { minLength: 1, maxLength: 3 }),
    manifestSha256: hex64,
    // Absent for an image recorded before it was signed.
    fileSha256: hex64,
    bytes: fc.nat({ max: Number.MAX_SAFE_INTEGER }),
    formatVersion: fc.integer({ min: 1, max: 3 }),
    requires: fc.record({
      interfaces: fc.dictionary(fc.stringMatching(/^[a-z][a-z0-9]{0,5}(?:\.[a-z0-9]{1,5})?$/), range, { maxKeys: 3 }),
      bootloader: range,
      imageFormat: fc.integer({ min: 1, max: 3 }),
      ramBytes: fc.nat({ max: Number.MAX_SAFE_INTEGER }),
      flashBytes: fc.nat({ max: Number.MAX_SAFE_INTEGER }),
    }),
  },
  { requiredKeys: ['model', 'hardwareRevisions', 'manifestSha256', 'bytes', 'formatVersion', 'requires'] },
);
const ledger = fc.uniqueArray(fc.integer({ min: 0, max: 40 ** 3 - 1 }), { maxLength: 4 }).chain((codes) =>
  fc.record({
    $schema: fc.constant('../schemas/ledger.schema.json'),
    schemaVersion: fc.constant(1),
    releases: fc.tuple(
      ...[...codes]
        .sort((a, b) => a - b)
        .map((n) =>
          fc.record({
            firmware: fc.constant(`${Math.floor(n / 1600)}.${Math.floor(n / 40) % 40}.${n % 40}`),
            platform: version,
            security: fc.nat(100),
            date: day,
            sourceDateEpoch: fc.nat({ max: 4_000_000_000 }),
            upgradeFrom: range,
            installerFormats: fc.uniqueArray(fc.integer({ min: 1, max: 3 }), { minLength: 1, maxLength: 3 }),
            steppingStone: fc.boolean(),
            images: fc.uniqueArray(image, { minLength: 1, maxLength: 3, selector: (i) => i.model }),
          }),
        ),
    ),
    support: fc.array(
      fc.record(
        {
          model: id,
          lastDay: day,
          published: day,
          kind: fc.constantFrom('published', 'ended-early'),
          reason: fc.string({ maxLength: 20 }),
        },
        { requiredKeys: ['model', 'lastDay', 'published', 'kind'] },
      ),
      { maxLength: 3 },
    ),
  }),
);

describe('ledger: parse ∘ formatLedger is the identity', () => {
  it('any valid ledger', () => {
    fc.assert(
      fc.property(ledger, (generated) => {
        const value = ledgerFromJSON(generated);
        const text = formatLedger(value);
        const again = ledgerFromJSON(parseJsonText(text, 'ledger.json'));
        expect(again).toEqual(value);
        expect(formatLedger(again)).toBe(text);
      }),
      { numRuns: 60 },
    );
  });
});
