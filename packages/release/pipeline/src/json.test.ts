import fc from 'fast-check';
import * as prettier from 'prettier';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { formatJson } from './json.js';

// The repository's own Prettier settings, as `npm run format:check` applies them to releases/ledger.json.
const LEDGER_FILE = fileURLToPath(new URL('../../../../releases/ledger.json', import.meta.url));

async function prettierJson(text: string): Promise<string> {
  const config = (await prettier.resolveConfig(LEDGER_FILE)) ?? {};
  return prettier.format(text, { ...config, filepath: LEDGER_FILE });
}

const requires = {
  interfaces: { 'board.hal': '>=1.3.0 <3.0.0', 'codec.h264': '>=1.1.0 <3.0.0', 'sensor.parallel': '>=1.2.0 <2.0.0' },
  bootloader: '>=2.1.0 <4.0.0',
  imageFormat: 1,
  ramBytes: 159383552,
  flashBytes: 512345,
};

describe('formatJson', () => {
  it('prints a ledger exactly as Prettier does: objects expanded, arrays on one line when they fit', async () => {
    const ledger = {
      $schema: '../schemas/ledger.schema.json',
      schemaVersion: 1,
      releases: [
        {
          firmware: '1.4.0',
          installerFormats: [1],
          steppingStone: false,
          images: [
            { model: 'legacy-fixed-1080', hardwareRevisions: ['A', 'B'], manifestSha256: 'a'.repeat(64), requires },
            // Too long for one line at this depth: one element per line.
            { model: 'many-revisions', hardwareRevisions: Array.from({ length: 30 }, (_, i) => `R${i}`), requires: {} },
          ],
        },
      ],
      support: [],
    };
    const text = formatJson(ledger);
    expect(text).toContain('"hardwareRevisions": ["A", "B"],');
    expect(text).toContain('"hardwareRevisions": [\n');
    expect(text).toContain('"support": []\n');
    expect(text).toBe(await prettierJson(text));
    expect(JSON.parse(text)).toEqual(ledger);
  });

  it('prints a schema-2 ledger’s audit fields (a release marked predates-audit, one audited) as Prettier does', async () => {
    const image = { model: 'ptz-4k', hardwareRevisions: ['A'], manifestSha256: 'a'.repeat(64), fileSha256: 'b'.repeat(64), requires };
    const ledger = {
      $schema: '../schemas/ledger.schema.json',
      schemaVersion: 2,
      releases: [
        { firmware: '1.4.0', images: [image], audit: 'predates-audit' },
        {
          firmware: '1.5.0',
          images: [{ ...image, sbomSha256: 'c'.repeat(64), signedBy: ['d'.repeat(64), 'e'.repeat(64)] }],
          audit: {
            sourceCommit: 'f'.repeat(40),
            fwkit: '0.1.0',
            node: 'v20.19.0',
            signingKeyids: ['d'.repeat(64), 'e'.repeat(64)],
            demo: false,
            allowDirty: true,
            dirtyFiles: ['products/ptz-4k/src/drivers.ts'],
          },
        },
      ],
      support: [],
    };
    const text = formatJson(ledger);
    expect(text).toBe(await prettierJson(text));
    expect(JSON.parse(text)).toEqual(ledger);
  });

  it('follows Prettier’s special layouts: lists of lists break, long lists of numbers fill their lines', async () => {
    const doc = {
      pairs: [
        [
          [1, 2],
          ['a', 'b'],
        ],
      ],
      single: [[1], [2]],
      formats: Array.from({ length: 60 }, (_, i) => i * 1000),
    };
    const text = formatJson(doc);
    expect(text).toContain('"single": [[1], [2]],');
    expect(text).toContain('    [\n      [1, 2],\n      ["a", "b"]\n    ]');
    expect(text).toMatch(/"formats": \[\n {4}0, 1000, 2000, [^\n]*,\n {4}\d/);
    expect(text).toBe(await prettierJson(text));
  });

  it('agrees with Prettier and round-trips for any JSON document of strings, integers, booleans and null', async () => {
    const leaf = fc.oneof(fc.string({ maxLength: 30 }), fc.integer(), fc.boolean(), fc.constant(null));
    const { value } = fc.letrec((tie) => ({
      value: fc.oneof({ depthSize: 'small', withCrossShrink: true }, leaf, tie('array'), tie('object')),
      array: fc.array(tie('value'), { maxLength: 12 }),
      object: fc.dictionary(fc.string({ minLength: 1, maxLength: 12 }), tie('value'), { maxKeys: 6 }),
    }));
    await fc.assert(
      fc.asyncProperty(fc.dictionary(fc.string({ minLength: 1, maxLength: 20 }), value, { maxKeys: 5 }), async (doc) => {
        const text = formatJson(doc);
        expect(JSON.parse(text)).toEqual(doc);
        expect(text).toBe(await prettierJson(text));
      }),
      { numRuns: 500 },
    );
  });

  it('refuses what JSON cannot carry', () => {
    expect(() => formatJson({ f: () => 1 })).toThrow(TypeError);
  });
});
