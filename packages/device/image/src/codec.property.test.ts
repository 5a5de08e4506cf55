import { imageManifestFromJSON, type ImageManifest } from '@fwkit/device-core';
import { makeImage } from '@fwkit/test-utils';
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { MAX_SIGNATURES, SIGNATURES_PAYLOAD_TYPE } from './layout.js';
import { decodeManifest, encodeManifest } from './manifest.js';
import { decodeSignatures, encodeSignatures } from './signatures.js';

/** parse ∘ serialize is the identity for the image's documents: manifest.json (canonical JSON) and signatures.json. */

const nat = fc.nat({ max: 99 });
const version = fc
  .tuple(nat, nat, nat, fc.option(fc.constantFrom('rc.1', 'beta.2'), { nil: undefined }))
  .map(([a, b, c, p]) => `${a}.${b}.${c}${p === undefined ? '' : `-${p}`}`);
const range = fc.oneof(
  version.map((v) => `>=${v}`),
  fc.tuple(version, version).map(([a, b]) => `>=${a} <${b}`),
  fc.constant('*'),
);
const id = fc.stringMatching(/^[a-z][a-z0-9]{0,6}(?:-[a-z0-9]{1,4}){0,2}$/);
const interfaceName = fc.stringMatching(/^[a-z][a-z0-9]{0,5}(?:\.[a-z0-9]{1,5}){0,2}$/);
// Canonical JSON has no floats: unknown fields carry integers, strings, booleans and lists of them.
const extraValue = fc.oneof(
  fc.string({ maxLength: 20 }),
  fc.integer(),
  fc.boolean(),
  fc.array(fc.string({ maxLength: 5 }), { maxLength: 3 }),
);

let base: Record<string, unknown> & ImageManifest;

beforeAll(async () => {
  base = (await makeImage({ blockSize: 4096 })).manifest;
});

describe('image documents: parse ∘ serialize is the identity', () => {
  it('manifest.json, unknown top-level fields included', () => {
    const changes = fc.record({
      model: id,
      modelName: fc.string({ minLength: 1, maxLength: 30 }),
      hardwareRevisions: fc.uniqueArray(fc.stringMatching(/^[A-Z0-9][A-Za-z0-9.-]{0,5}$/), { minLength: 1, maxLength: 3 }),
      versions: fc.record({ firmware: version, platform: version, security: fc.nat(1000) }),
      upgradeFrom: range,
      sourceDateEpoch: fc.nat({ max: 2 ** 33 }),
      interfaces: fc.dictionary(interfaceName, range, { maxKeys: 3 }),
      bootloader: range,
      ramBytes: fc.nat({ max: Number.MAX_SAFE_INTEGER }),
      extra: fc.dictionary(
        id.map((k) => `x-${k}`),
        extraValue,
        { maxKeys: 2 },
      ),
    });
    fc.assert(
      fc.property(changes, ({ interfaces, bootloader, ramBytes, extra, ...top }) => {
        const manifest = imageManifestFromJSON({
          ...base,
          ...top,
          ...extra,
          requires: { ...base.requires, interfaces, bootloader, ramBytes },
        });
        const bytes = encodeManifest(manifest);
        const decoded = decodeManifest(bytes);
        expect(decoded).toEqual(manifest);
        expect(encodeManifest(decoded)).toEqual(bytes);
      }),
    );
  });

  it('signatures.json', () => {
    const record = fc.record({ keyid: fc.stringMatching(/^[0-9a-f]{64}$/), sig: fc.stringMatching(/^[0-9a-f]{128}$/) });
    fc.assert(
      fc.property(fc.uniqueArray(record, { maxLength: MAX_SIGNATURES, selector: (r) => r.keyid }), (records) => {
        const bytes = encodeSignatures(records);
        const decoded = decodeSignatures(bytes);
        const sorted = [...records].sort((a, b) => (a.keyid < b.keyid ? -1 : 1));
        expect(decoded).toEqual({ payloadType: SIGNATURES_PAYLOAD_TYPE, signatures: sorted });
        expect(encodeSignatures(decoded.signatures)).toEqual(bytes);
      }),
      { numRuns: 50 },
    );
  });
});
