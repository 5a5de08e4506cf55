import { encodeSignatures } from '@fwkit/device-image';
import {
  aliasKeyObject,
  chunked,
  concatBytes,
  flipByte,
  makeDevice,
  makeTrustRoot,
  signerWithKeyId,
  tarEntry,
  TEST_NOW,
  testKeys,
} from '@fwkit/test-utils';
import { describe, expect, it } from 'vitest';
import {
  base,
  baseImage,
  expectRejected,
  PAYLOADS,
  recordingSink,
  SMALL_BLOCK,
  text,
  trust,
  useBaseImage,
  type Case,
} from './verify.test-support.js';
import { verifyImage } from './verify.js';

// Signatures and the trust root, and signed manifests whose claims the archive does not bear out.

useBaseImage();

const SIGNATURE_CASES: readonly Case[] = [
  // Signatures and trust.
  {
    name: 'signed by an unknown key',
    image: () => baseImage({ signers: [testKeys.outsider.signer] }).then((i) => i.bytes),
    code: 'SIGNATURE_KEY_UNKNOWN',
  },
  {
    name: 'no signatures at all',
    image: () => baseImage({ mutateSignatures: () => [] }).then((i) => i.bytes),
    code: 'SIGNATURE_KEY_UNKNOWN',
  },
  {
    name: 'too few signatures for the threshold',
    image: () => baseImage({ signers: [testKeys.targets1.signer] }).then((i) => i.bytes),
    trust: () => makeTrustRoot({ targetsKeys: [testKeys.targets1, testKeys.targets2], targetsThreshold: 2 }).trust,
    code: 'SIGNATURE_THRESHOLD_NOT_MET',
  },
  {
    name: 'one key listed under two keyids counts once',
    image: () =>
      baseImage({
        signers: [testKeys.targets1.signer, signerWithKeyId(testKeys.targets1, aliasKeyObject(testKeys.targets1.publicKey))],
      }).then((i) => i.bytes),
    trust: () =>
      makeTrustRoot({
        targetsKeys: [testKeys.targets1],
        extraKeyObjects: [aliasKeyObject(testKeys.targets1.publicKey)],
        targetsThreshold: 2,
      }).trust,
    code: 'SIGNATURE_THRESHOLD_NOT_MET',
  },
  {
    name: 'a signature of another manifest',
    image: async () => {
      const other = await baseImage({ security: 9 });
      return baseImage({ signaturesBytes: other.signaturesBytes }).then((i) => i.bytes);
    },
    code: 'SIGNATURE_INVALID',
  },
  {
    name: 'a duplicated signature record',
    image: () =>
      baseImage({
        signaturesBytes: text(
          `{"payloadType":"application/vnd.fwkit.manifest+json","signatures":[${JSON.stringify(base.signatures[0])},${JSON.stringify(base.signatures[0])}]}`,
        ),
      }).then((i) => i.bytes),
    code: 'SIGNATURES_INVALID',
  },
  { name: 'trust root expired at now', image: () => base.bytes, now: new Date('2036-01-01T00:00:00Z'), code: 'TRUST_ROOT_EXPIRED' },

  // Signed manifests that do not describe the archive.
  {
    name: 'format version 2 (signed)',
    image: () =>
      baseImage({
        mutateManifest: (m) => {
          m.formatVersion = 2 as 1;
        },
      }).then((i) => i.bytes),
    code: 'IMAGE_FORMAT_UNSUPPORTED',
  },
  {
    name: 'schema violation (signed)',
    image: () =>
      baseImage({
        mutateManifest: (m) => {
          m.hardwareRevisions = [];
        },
      }).then((i) => i.bytes),
    code: 'MANIFEST_INVALID',
  },
  {
    name: 'non-canonical manifest bytes (signed)',
    image: () =>
      baseImage({ transformManifestBytes: (b) => text(JSON.stringify(JSON.parse(new TextDecoder().decode(b)), null, 2)) }).then(
        (i) => i.bytes,
      ),
    code: 'MANIFEST_NONCANONICAL',
  },
  {
    name: 'flashBytes not the payload total (signed)',
    image: () =>
      baseImage({
        mutateManifest: (m) => {
          m.requires.flashBytes -= 1;
        },
      }).then((i) => i.bytes),
    code: 'MANIFEST_INVALID',
  },
  {
    name: 'payload size wrong within its last block (signed)',
    image: () =>
      baseImage({
        mutateManifest: (m) => {
          (m.payloads[1] as { size: number }).size -= 1;
          m.requires.flashBytes -= 1;
        },
      }).then((i) => i.bytes),
    code: 'PAYLOAD_SIZE_MISMATCH',
  },
  {
    name: 'block list one digest too long',
    image: () =>
      baseImage({
        mutateBlockLists: (lists) =>
          lists.map((l) => (l.path === 'app/main.js' ? { ...l, bytes: concatBytes(l.bytes, new Uint8Array(32)) } : l)),
      }).then((i) => i.bytes),
    code: 'BLOCK_LIST_SIZE_MISMATCH',
  },
  {
    name: 'block list of the right size with the wrong digests',
    image: () =>
      baseImage({
        mutateBlockLists: (lists) =>
          lists.map((l) => (l.path === 'data/blob.bin' ? { ...l, bytes: new Uint8Array(l.bytes.byteLength) } : l)),
      }).then((i) => i.bytes),
    code: 'BLOCK_LIST_HASH_MISMATCH',
  },
];

describe('verifyImage', () => {
  it.each(SIGNATURE_CASES.map((c) => [c.name, c] as const))('rejects: %s', async (_name, c) => {
    await expectRejected(c);
  });

  it('accepts a signed manifest whose payload sha256 is wrong but whose block lists are right (not a device check)', async () => {
    // Spec change of 2026-12-03: the signed block digests cover every payload byte, so the device
    // path hashes each byte once and leaves the payload sha256 to inspect, the SBOM and other tools.
    const image = await baseImage({
      mutateManifest: (m) => {
        (m.payloads[1] as { sha256: string }).sha256 = '0'.repeat(64);
      },
    });
    const { sink, calls } = recordingSink();
    const result = await verifyImage(chunked(image.bytes, 1000), { trust, devices: [makeDevice()], now: TEST_NOW, sink });
    expect(result.manifest.payloads[1]?.sha256).toBe('0'.repeat(64));
    const blob = PAYLOADS[1];
    if (blob === undefined) throw new Error('the fixture has a second payload');
    expect(Buffer.from(concatBytes(...calls.filter((c) => c.path === blob.path).map((c) => c.bytes))).equals(blob.bytes)).toBe(true);
    // The same bytes with one payload byte flipped: the block check catches what the payload hash used to.
    const entry = tarEntry(image.bytes, `payload/${blob.path}`);
    await expect(
      verifyImage(chunked(flipByte(image.bytes, entry.dataOffset + 2 * SMALL_BLOCK + 7), 1000), {
        trust,
        devices: [makeDevice()],
        now: TEST_NOW,
      }),
    ).rejects.toMatchObject({ code: 'BLOCK_HASH_MISMATCH', details: { block: 2 } });
  });

  it('accepts a threshold of two distinct keys', async () => {
    const image = await baseImage({ signers: [testKeys.targets1.signer, testKeys.targets2.signer] });
    const two = makeTrustRoot({ targetsKeys: [testKeys.targets1, testKeys.targets2], targetsThreshold: 2 }).trust;
    const result = await verifyImage(chunked(image.bytes), { trust: two, devices: [makeDevice()], now: TEST_NOW });
    expect(result.signers).toEqual([testKeys.targets1.keyid, testKeys.targets2.keyid].sort());
  });
});

describe('signatures.json written by the image package verifies', () => {
  it('re-encoding the records gives the same bytes', () => {
    expect(Buffer.from(encodeSignatures(base.signatures)).equals(base.signaturesBytes)).toBe(true);
  });
});
