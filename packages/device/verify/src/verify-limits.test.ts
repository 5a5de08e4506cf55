import { createPrivateKey } from 'node:crypto';
import { readdirSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ImageError, MAX_BLOCK_LISTS_BYTES, MAX_MANIFEST_BYTES, MAX_SIGNATURES_BYTES, TarReader } from '@fwkit/device-image';
import { keyIdOf, publicKeyOf, signEd25519, tufKeyOf } from '@fwkit/device-trust';
import {
  chunked,
  concatBytes,
  editTar,
  flipByte,
  makeDevice,
  makeImage,
  makeTrustRoot,
  rawEntry,
  rawHeader,
  syntheticBytes,
  tarEntry,
  TEST_NOW,
  TEST_SOURCE_DATE_EPOCH,
  testKeys,
  type MadeImage,
} from '@fwkit/test-utils';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { VerifyError } from './errors.js';
import { base, baseImage, recordingSink, SMALL_BLOCK, text, trust, useBaseImage, verifyCode } from './verify.test-support.js';
import { describeDevice, verifyImage, verifyImageFile } from './verify.js';

// The verifier's limits, loop bounds and policy conditions, each at, under and over its edge; the
// tests that mutation testing (docs/testing.md) asked for.

useBaseImage();

/** A source of `prefix` and then zeros without end, counting what the reader pulled. */
function endless(prefix: Uint8Array): { source: AsyncIterable<Uint8Array>; pulled: () => number } {
  let pulled = 0;
  async function* source(): AsyncGenerator<Uint8Array> {
    pulled += prefix.byteLength;
    yield await Promise.resolve(prefix);
    for (;;) {
      pulled += 64 * 1024;
      yield new Uint8Array(64 * 1024);
    }
  }
  return { source: source(), pulled: () => pulled };
}

async function verifyError(source: AsyncIterable<Uint8Array>, devices?: 'any-device'): Promise<VerifyError> {
  try {
    await verifyImage(source, { trust, devices: devices ?? [makeDevice()], now: TEST_NOW });
  } catch (error) {
    expect(error).toBeInstanceOf(VerifyError);
    return error as VerifyError;
  }
  throw new Error('the image verified');
}

/** The base image with its manifest padded (an unknown top-level field, signed) to exactly `size` bytes. */
async function imageWithManifestOf(size: number): Promise<MadeImage> {
  const probe = await baseImage({ mutateManifest: (m) => void (m['x-pad'] = '') });
  const pad = 'p'.repeat(size - probe.manifestBytes.byteLength);
  const image = await baseImage({ mutateManifest: (m) => void (m['x-pad'] = pad) });
  expect(image.manifestBytes.byteLength).toBe(size);
  return image;
}

describe('the manifest size limit (endless data)', () => {
  it('accepts a manifest of exactly the limit, and of one byte under it', async () => {
    for (const size of [MAX_MANIFEST_BYTES, MAX_MANIFEST_BYTES - 1]) {
      const image = await imageWithManifestOf(size);
      expect(await verifyCode(image.bytes)).toBe('OK');
    }
  });

  it('refuses one byte over the limit from its header, before reading its data', async () => {
    const header = rawHeader({ name: 'manifest.json', size: MAX_MANIFEST_BYTES + 1, mtime: TEST_SOURCE_DATE_EPOCH });
    const { source, pulled } = endless(header);
    const error = await verifyError(source);
    expect(error.code).toBe('IMAGE_ENTRY_TOO_LARGE');
    // Not one byte of the entry's data was pulled.
    expect(pulled()).toBe(header.byteLength);
  });

  it('reads a manifest whose header says exactly the limit (so a short source is truncated, not too large)', async () => {
    const header = rawHeader({ name: 'manifest.json', size: MAX_MANIFEST_BYTES, mtime: TEST_SOURCE_DATE_EPOCH });
    expect((await verifyError(chunked(concatBytes(header, new Uint8Array(1024))))).code).toBe('IMAGE_TRUNCATED');
  });
});

describe('the signatures.json size limit (endless data)', () => {
  const manifestEntry = (): Uint8Array => {
    const entry = tarEntry(base.bytes, 'manifest.json');
    return concatBytes(entry.header, entry.body);
  };
  /** signatures.json of `size` bytes of canonical JSON that is not a signatures document (a string). */
  const signaturesOf = (size: number): Uint8Array =>
    editTar(base.bytes, (entries) =>
      entries.map((e) =>
        e.name === 'signatures.json'
          ? rawEntry({ name: 'signatures.json', mtime: TEST_SOURCE_DATE_EPOCH }, `"${'s'.repeat(size - 2)}"`)
          : e,
      ),
    );

  it('reads signatures.json of exactly the limit and one under it (then refuses its shape)', async () => {
    expect(await verifyCode(signaturesOf(MAX_SIGNATURES_BYTES))).toBe('SIGNATURES_INVALID');
    expect(await verifyCode(signaturesOf(MAX_SIGNATURES_BYTES - 1))).toBe('SIGNATURES_INVALID');
    expect(await verifyCode(signaturesOf(MAX_SIGNATURES_BYTES + 1))).toBe('IMAGE_ENTRY_TOO_LARGE');
  });

  it('refuses one byte over the limit from its header, before reading its data', async () => {
    const prefix = concatBytes(
      manifestEntry(),
      rawHeader({ name: 'signatures.json', size: MAX_SIGNATURES_BYTES + 1, mtime: TEST_SOURCE_DATE_EPOCH }),
    );
    const { source, pulled } = endless(prefix);
    expect((await verifyError(source)).code).toBe('IMAGE_ENTRY_TOO_LARGE');
    expect(pulled()).toBe(prefix.byteLength);
  });

  it('reads signatures.json whose header says exactly the limit (a short source is truncated)', async () => {
    const prefix = concatBytes(
      manifestEntry(),
      rawHeader({ name: 'signatures.json', size: MAX_SIGNATURES_BYTES, mtime: TEST_SOURCE_DATE_EPOCH }),
    );
    expect((await verifyError(chunked(concatBytes(prefix, new Uint8Array(1024))))).code).toBe('IMAGE_TRUNCATED');
  });
});

describe('the total size of the block lists (endless data)', () => {
  const blocksAtLimit = MAX_BLOCK_LISTS_BYTES / 32;
  /**
   * The base image whose signed manifest claims payloads of `blocks` 4 KiB blocks in all (two
   * large payloads and the SBOM's one block): the limit is checked from the signed sizes, before
   * a block list is read.
   */
  async function claiming(blocks: number): Promise<Uint8Array> {
    const first = Math.floor((blocks - 1) / 2);
    const image = await baseImage({
      mutateManifest: (m) => {
        const [main, blob] = m.payloads;
        if (main === undefined || blob === undefined) throw new Error('base image without two payloads');
        main.size = first * SMALL_BLOCK;
        // The last block of the second payload is short: blocks are counted rounding up.
        blob.size = (blocks - 1 - first - 1) * SMALL_BLOCK + 1;
        m.requires.flashBytes = m.payloads.reduce((n, p) => n + p.size, 0);
      },
    });
    expect(image.manifest.payloads.map((p) => p.path)).toEqual(['app/main.js', 'data/blob.bin', 'sbom.cdx.json']);
    return image.bytes;
  }

  it('passes the total at exactly the limit and one block under it (then finds the lists the wrong size)', async () => {
    expect(await verifyCode(await claiming(blocksAtLimit), { devices: 'any-device' })).toBe('BLOCK_LIST_SIZE_MISMATCH');
    expect(await verifyCode(await claiming(blocksAtLimit - 1), { devices: 'any-device' })).toBe('BLOCK_LIST_SIZE_MISMATCH');
  });

  it('refuses one block over the limit, although each payload alone is far under it', async () => {
    expect(await verifyCode(await claiming(blocksAtLimit + 1), { devices: 'any-device' })).toBe('IMAGE_ENTRY_TOO_LARGE');
  });
});

describe('payload blocks on and off a block boundary', () => {
  const sizes = [0, 1, SMALL_BLOCK - 1, SMALL_BLOCK, SMALL_BLOCK + 1, 2 * SMALL_BLOCK, 3 * SMALL_BLOCK + 100];
  let image: MadeImage;
  beforeAll(async () => {
    image = await makeImage({
      blockSize: SMALL_BLOCK,
      payloads: sizes.map((size, i) => ({ path: `p/${String(i)}.bin`, domain: 'app', bytes: syntheticBytes(size, `p${String(i)}`) })),
    });
  });

  it('hands the sink every block of every size, in order, the last one short only off a boundary', async () => {
    const { sink, calls } = recordingSink();
    await verifyImage(chunked(image.bytes, 1000), { trust, devices: [makeDevice()], now: TEST_NOW, sink });
    for (const [i, size] of sizes.entries()) {
      const path = `p/${String(i)}.bin`;
      const blocks = calls.filter((c) => c.path === path);
      const expected = Array.from({ length: Math.ceil(size / SMALL_BLOCK) }, (_, b) => ({
        offset: b * SMALL_BLOCK,
        length: Math.min(SMALL_BLOCK, size - b * SMALL_BLOCK),
      }));
      expect(blocks.map((c) => ({ offset: c.offset, length: c.bytes.byteLength }))).toEqual(expected);
      const payload = image.payloads.find((p) => p.path === path);
      expect(Buffer.from(concatBytes(...blocks.map((c) => c.bytes))).equals(Buffer.from(payload?.bytes ?? []))).toBe(true);
    }
  });

  it('checks the last byte of the last block, on and off a boundary, with and without a sink', async () => {
    for (const [i, size] of sizes.entries()) {
      if (size === 0) continue;
      const entry = tarEntry(image.bytes, `payload/p/${String(i)}.bin`);
      const broken = flipByte(image.bytes, entry.dataOffset + size - 1);
      for (const sink of [undefined, recordingSink().sink]) {
        try {
          await verifyImage(chunked(broken, 1000), { trust, devices: [makeDevice()], now: TEST_NOW, ...(sink ? { sink } : {}) });
          expect.unreachable();
        } catch (error) {
          expect(error).toMatchObject({
            code: 'BLOCK_HASH_MISMATCH',
            details: { block: Math.ceil(size / SMALL_BLOCK) - 1, offset: (Math.ceil(size / SMALL_BLOCK) - 1) * SMALL_BLOCK },
          });
        }
      }
    }
  });
});

describe('file descriptors (the reader is closed however verification ends)', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'fwkit-verify-fds-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  const openFds = (): number => readdirSync('/proc/self/fd').length;

  it('leaves no descriptor open after success or after each kind of failure', async () => {
    const cases: [string, () => Promise<Uint8Array> | Uint8Array, string, Partial<Parameters<typeof verifyImage>[1]>?][] = [
      ['ok', () => base.bytes, 'OK'],
      ['a bad manifest', () => flipByte(base.bytes, tarEntry(base.bytes, 'manifest.json').dataOffset), 'MANIFEST_INVALID'],
      ['a bad signature', async () => (await baseImage({ signers: [testKeys.outsider.signer] })).bytes, 'SIGNATURE_KEY_UNKNOWN'],
      ['a device misfit', () => base.bytes, 'MODEL_MISMATCH', { devices: [makeDevice({ model: 'other-cam' })] }],
      ['a bad block', () => flipByte(base.bytes, tarEntry(base.bytes, 'payload/data/blob.bin').dataOffset), 'BLOCK_HASH_MISMATCH'],
      ['trailing bytes', () => concatBytes(base.bytes, text('x')), 'IMAGE_TRAILING_DATA'],
    ];
    for (const [name, make, code, options] of cases) {
      const path = join(dir, `${name}.fwimg`);
      await writeFile(path, await make());
      const before = openFds();
      let outcome = 'OK';
      try {
        await verifyImageFile(path, { trust, devices: [makeDevice()], now: TEST_NOW, ...options });
      } catch (error) {
        outcome = error instanceof VerifyError ? error.code : String(error);
      }
      expect([name, outcome]).toEqual([name, code]);
      expect([name, openFds()]).toEqual([name, before]);
    }
  });

  it('closes a source that a reader stopped early (the iterator is returned)', async () => {
    let returned = false;
    async function* source(): AsyncGenerator<Uint8Array> {
      try {
        yield await Promise.resolve(flipByte(base.bytes, tarEntry(base.bytes, 'payload/data/blob.bin').dataOffset));
      } finally {
        returned = true;
      }
    }
    await expect(verifyImage(source(), { trust, devices: [makeDevice()], now: TEST_NOW })).rejects.toMatchObject({
      code: 'BLOCK_HASH_MISMATCH',
    });
    expect(returned).toBe(true);
    // TarReader.close is what returns it.
    const reader = new TarReader(source());
    await reader.next();
    returned = false;
    await reader.close();
    expect(returned).toBe(true);
  });
});

describe('the layout before the manifest is known', () => {
  it('calls a payload or block-list entry in first place out of order, another name unexpected', async () => {
    const first = (name: string) => editTar(base.bytes, (entries) => [rawEntry({ name, mtime: TEST_SOURCE_DATE_EPOCH }, 'x'), ...entries]);
    expect(await verifyCode(first('payload/app/main.js'))).toBe('IMAGE_ENTRY_ORDER');
    expect(await verifyCode(first('blocks/app/main.js'))).toBe('IMAGE_ENTRY_ORDER');
    expect(await verifyCode(first('signatures.json'))).toBe('IMAGE_ENTRY_ORDER');
    expect(await verifyCode(first('notes.txt'))).toBe('IMAGE_ENTRY_UNEXPECTED');
  });
});

describe('errors of the reader, re-coded', () => {
  it('keeps the code and the ImageError as the cause', async () => {
    const error = await verifyError(chunked(concatBytes(base.bytes, text('x'))));
    expect(error.code).toBe('IMAGE_TRAILING_DATA');
    expect(error.cause).toBeInstanceOf(ImageError);
    expect((error.cause as ImageError).code).toBe('IMAGE_TRAILING_DATA');
  });
});

describe('the downgrade policy (a device with and without installed firmware)', () => {
  // base: firmware 2.0.0, security 3.
  const installed = (firmware: string, security: number) => makeDevice({ installed: { firmware, security } });

  it('refuses an older firmware by default and accepts it at the same security version when allowed', async () => {
    expect(await verifyCode(base.bytes, { devices: [installed('2.1.0', 3)] })).toBe('FIRMWARE_DOWNGRADE');
    expect(await verifyCode(base.bytes, { devices: [installed('2.1.0', 3)], allowDowngrade: false })).toBe('FIRMWARE_DOWNGRADE');
    expect(await verifyCode(base.bytes, { devices: [installed('2.1.0', 3)], allowDowngrade: true })).toBe('OK');
  });

  it('never accepts an older firmware at another security version, nor drops another reason', async () => {
    const lower = await baseImage({ security: 2 });
    for (const allowDowngrade of [false, true]) {
      try {
        await verifyImage(chunked(lower.bytes), { trust, devices: [installed('2.1.0', 3)], now: TEST_NOW, allowDowngrade });
        expect.unreachable();
      } catch (error) {
        expect((error as VerifyError).reasons.map((r) => r.code)).toEqual(['SECURITY_VERSION_ROLLBACK', 'FIRMWARE_DOWNGRADE']);
      }
    }
    // A newer security version with an older firmware is no rollback, still a downgrade.
    const higher = await baseImage({ security: 4 });
    expect(await verifyCode(higher.bytes, { devices: [installed('2.1.0', 3)], allowDowngrade: true })).toBe('FIRMWARE_DOWNGRADE');
    // Allowed downgrades do not excuse a wrong model.
    expect(await verifyCode(base.bytes, { devices: [{ ...installed('2.1.0', 3), model: 'other-cam' }], allowDowngrade: true })).toBe(
      'MODEL_MISMATCH',
    );
  });

  it('accepts on a device without installed firmware, with or without the policy', async () => {
    for (const allowDowngrade of [false, true]) {
      expect(await verifyCode(base.bytes, { devices: [makeDevice({ installed: undefined })], allowDowngrade })).toBe('OK');
    }
  });

  it('describes a device with and without installed firmware', () => {
    expect(describeDevice(makeDevice())).toEqual({ model: 'test-cam', hardwareRevision: 'A', bootloader: '2.1.0', installed: '1.0.0' });
    expect(describeDevice(makeDevice({ installed: undefined }))).toEqual({
      model: 'test-cam',
      hardwareRevision: 'A',
      bootloader: '2.1.0',
      installed: null,
    });
  });
});

describe('the message of a device misfit', () => {
  it('is the one reason itself when there is one, and a line per reason when there are several', async () => {
    const wrongModel = makeDevice({ model: 'other-cam' });
    try {
      await verifyImage(chunked(base.bytes), { trust, devices: [wrongModel], now: TEST_NOW });
      expect.unreachable();
    } catch (error) {
      const e = error as VerifyError;
      expect(e.reasons).toHaveLength(1);
      expect(e.message).toBe(e.reasons[0]?.message);
    }
    const twoReasons = makeDevice({ model: 'other-cam', hardwareRevision: 'Z' });
    try {
      await verifyImage(chunked(base.bytes), { trust, devices: [twoReasons], now: TEST_NOW });
      expect.unreachable();
    } catch (error) {
      const e = error as VerifyError;
      expect(e.message).toBe(`2 reasons:${e.reasons.map((r) => `\n  - ${r.code}: ${r.message}`).join('')}`);
    }
  });
});

describe("'any-device'", () => {
  it('still refuses an unknown requirement, with every such reason', async () => {
    const image = await baseImage({ requires: { 'x-teleport': true, 'x-levitate': 1 } });
    const error = await verifyError(chunked(image.bytes), 'any-device');
    expect(error.code).toBe('REQUIREMENT_UNKNOWN');
    expect(error.reasons.map((r) => [r.code, r.details['requirement']])).toEqual([
      ['REQUIREMENT_UNKNOWN', 'x-levitate'],
      ['REQUIREMENT_UNKNOWN', 'x-teleport'],
    ]);
  });
});

describe('exampleKeys', () => {
  /** A signer of keys.example/targets-1 (published; never acceptable in production). */
  async function exampleSigner() {
    const pem = await readFile(new URL('../../../../keys.example/targets-1.key.pem', import.meta.url), 'utf8');
    const d = createPrivateKey(pem).export({ format: 'jwk' }).d;
    if (d === undefined) throw new Error('not an Ed25519 private key');
    const privateKey = new Uint8Array(Buffer.from(d, 'base64url'));
    const publicKey = publicKeyOf(privateKey);
    return {
      keyid: keyIdOf(tufKeyOf(publicKey)),
      publicKey,
      sign: (message: Uint8Array) => Promise.resolve(signEd25519(privateKey, message)),
    };
  }

  it('is true when any signer is an example key, even next to a production key', async () => {
    const example = await exampleSigner();
    const both = makeTrustRoot({ targetsKeys: [testKeys.targets1, example], targetsThreshold: 2 }).trust;
    const image = await baseImage({ signers: [testKeys.targets1.signer, example] });
    const result = await verifyImage(chunked(image.bytes), { trust: both, devices: [makeDevice()], now: TEST_NOW });
    expect(result.signers).toHaveLength(2);
    expect(result.signers).toContain(example.keyid);
    expect(result.exampleKeys).toBe(true);
    const onlyProduction = await verifyImage(chunked(base.bytes), { trust: both, devices: [makeDevice()], now: TEST_NOW }).catch(
      (error: unknown) => error,
    );
    expect(onlyProduction).toMatchObject({ code: 'SIGNATURE_THRESHOLD_NOT_MET' });
    const one = makeTrustRoot({ targetsKeys: [testKeys.targets1, example], targetsThreshold: 1 }).trust;
    expect((await verifyImage(chunked(base.bytes), { trust: one, devices: [makeDevice()], now: TEST_NOW })).exampleKeys).toBe(false);
  });
});
