import { createHash } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  chunked,
  concatBytes,
  flipByte,
  makeDevice,
  makeImage,
  syntheticBytes,
  tarEntry,
  TEST_NOW,
  testKeys,
  type MadeImage,
} from '@fwkit/test-utils';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { VerifyError } from './errors.js';
import { base, baseImage, MiB, recordingSink, SMALL_BLOCK, trust, useBaseImage } from './verify.test-support.js';
import { verifyImage, verifyImageFile } from './verify.js';

// Streaming: what the sink is handed, and where the reading stops.

useBaseImage();

let dir: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'fwkit-verify-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('verifyImage', () => {
  it('verifies a valid image', async () => {
    const { sink, calls } = recordingSink();
    const result = await verifyImage(chunked(base.bytes), { trust, devices: [makeDevice()], now: TEST_NOW, sink });
    expect(result.manifest.model).toBe('test-cam');
    expect(result.signers).toEqual([testKeys.targets1.keyid]);
    expect(result.exampleKeys).toBe(false);
    expect(result.imageBytes).toBe(base.bytes.byteLength);
    // The whole-file digest is a second hash of every byte: computed only when asked for.
    expect('fileSha256' in result).toBe(false);
    expect(result.manifestSha256).toBe(Buffer.from(await crypto.subtle.digest('SHA-256', base.manifestBytes)).toString('hex'));
    // The sink saw every block, in order, and nothing else.
    for (const payload of base.payloads) {
      const blocks = calls.filter((c) => c.path === payload.path);
      expect(blocks.map((c) => c.offset)).toEqual(
        Array.from({ length: Math.ceil(payload.bytes.byteLength / SMALL_BLOCK) }, (_, i) => i * SMALL_BLOCK),
      );
      expect(Buffer.from(concatBytes(...blocks.map((c) => c.bytes))).equals(payload.bytes)).toBe(true);
    }
    expect(calls.map((c) => c.path)).toEqual(
      base.payloads.flatMap((p) => Array.from({ length: Math.ceil(p.bytes.byteLength / SMALL_BLOCK) }, () => p.path)),
    );
  });
});

describe('the whole-file digest', () => {
  const fileSha256 = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex');

  it('is computed only on request, and is the SHA-256 of the file when asked', async () => {
    const asked = await verifyImage(chunked(base.bytes, 1000), { trust, devices: [makeDevice()], now: TEST_NOW, fileDigest: true });
    expect(asked.fileSha256).toBe(fileSha256(base.bytes));
    const notAsked = await verifyImage(chunked(base.bytes, 1000), { trust, devices: [makeDevice()], now: TEST_NOW, fileDigest: false });
    expect(notAsked.fileSha256).toBeUndefined();
    expect(notAsked.manifestSha256).toBe(asked.manifestSha256);
  });

  it('covers signatures.json: another copy of the same image has another file digest', async () => {
    const resigned = await baseImage({ signers: [testKeys.targets1.signer, testKeys.targets2.signer] });
    const file = join(dir, 'resigned.fwi');
    await writeFile(file, resigned.bytes);
    const result = await verifyImageFile(file, { trust, devices: [makeDevice()], now: TEST_NOW, fileDigest: true });
    expect(result.fileSha256).toBe(fileSha256(resigned.bytes));
    expect(result.fileSha256).not.toBe(fileSha256(base.bytes));
    expect(result.manifestSha256).toBe(createHash('sha256').update(base.manifestBytes).digest('hex'));
  });
});

describe('block boundaries: the last block, short or full, is checked', () => {
  // Multi-block payloads: one ends inside its fourth block, one exactly on a block boundary.
  const sizes = { short: 3 * SMALL_BLOCK + 100, exact: 4 * SMALL_BLOCK };

  for (const [kind, size] of Object.entries(sizes)) {
    describe(`a payload whose last block is ${kind}`, () => {
      let image: MadeImage;
      let dataOffset: number;
      beforeAll(async () => {
        image = await makeImage({
          blockSize: SMALL_BLOCK,
          payloads: [{ path: 'a/edge.bin', domain: 'app', bytes: syntheticBytes(size, kind) }],
        });
        dataOffset = tarEntry(image.bytes, 'payload/a/edge.bin').dataOffset;
      });

      it('verifies, the sink seeing every block exactly once', async () => {
        const { sink, calls } = recordingSink();
        await verifyImage(chunked(image.bytes, 1000), { trust, devices: [makeDevice()], now: TEST_NOW, sink });
        const blocks = calls.filter((c) => c.path === 'a/edge.bin');
        expect(blocks.map((c) => [c.offset, c.bytes.byteLength])).toEqual([
          [0, SMALL_BLOCK],
          [SMALL_BLOCK, SMALL_BLOCK],
          [2 * SMALL_BLOCK, SMALL_BLOCK],
          [3 * SMALL_BLOCK, size - 3 * SMALL_BLOCK],
        ]);
      });

      for (const at of [3 * SMALL_BLOCK, size - 1]) {
        it(`rejects a flipped byte at ${at === size - 1 ? 'its last byte' : 'the start of the last block'} with BLOCK_HASH_MISMATCH`, async () => {
          const { sink, calls } = recordingSink();
          await expect(
            verifyImage(chunked(flipByte(image.bytes, dataOffset + at), 1000), { trust, devices: [makeDevice()], now: TEST_NOW, sink }),
          ).rejects.toMatchObject({ code: 'BLOCK_HASH_MISMATCH', details: { block: 3, offset: 3 * SMALL_BLOCK } });
          expect(calls.filter((c) => c.path === 'a/edge.bin').map((c) => c.offset)).toEqual([0, SMALL_BLOCK, 2 * SMALL_BLOCK]);
          // Without a sink the blocks are hashed from the reader's chunks, uncopied: the same check.
          await expect(
            verifyImage(chunked(flipByte(image.bytes, dataOffset + at), 1000), { trust, devices: [makeDevice()], now: TEST_NOW }),
          ).rejects.toMatchObject({ code: 'BLOCK_HASH_MISMATCH', details: { block: 3, offset: 3 * SMALL_BLOCK } });
        });
      }
    });
  }
});

describe('streaming: a bad block stops the reading', () => {
  let big: MadeImage;
  let firstBlockEnd: number;
  const CHUNK = 64 * 1024;

  beforeAll(async () => {
    // 3.5 blocks of 1 MiB; "a/big.bin" sorts first, so it is the first payload entry.
    big = await makeImage({ payloads: [{ path: 'a/big.bin', domain: 'app', bytes: syntheticBytes(3 * MiB + MiB / 2, 'big') }] });
    firstBlockEnd = tarEntry(big.bytes, 'payload/a/big.bin').dataOffset + MiB;
  });

  /** The image in 64 KiB chunks; asking for a chunk that starts past the first payload block throws. */
  async function* guarded(bytes: Uint8Array): AsyncGenerator<Uint8Array> {
    let offset = 0;
    for await (const chunk of chunked(bytes, CHUNK)) {
      if (offset >= firstBlockEnd) throw new Error(`read past the first payload block (chunk at ${offset})`);
      yield chunk;
      offset += chunk.byteLength;
    }
  }

  it('rejects a corrupted first payload block before reading the rest of the image', async () => {
    const corrupted = flipByte(big.bytes, tarEntry(big.bytes, 'payload/a/big.bin').dataOffset + 1000);
    const { sink, calls } = recordingSink();
    const failure = verifyImage(guarded(corrupted), { trust, devices: [makeDevice()], now: TEST_NOW, sink });
    await expect(failure).rejects.toBeInstanceOf(VerifyError);
    await expect(failure).rejects.toMatchObject({ code: 'BLOCK_HASH_MISMATCH', details: { block: 0, offset: 0 } });
    expect(calls).toEqual([]);
  });

  it('(control) the guard does fire when a verifier reads on: the intact image fails with IMAGE_READ_FAILED', async () => {
    await expect(verifyImage(guarded(big.bytes), { trust, devices: [makeDevice()], now: TEST_NOW })).rejects.toMatchObject({
      code: 'IMAGE_READ_FAILED',
    });
  });

  it('hands the sink exactly the verified blocks: corrupted block 2 ⇒ the sink saw block 1 only', async () => {
    const dataOffset = tarEntry(big.bytes, 'payload/a/big.bin').dataOffset;
    const corrupted = flipByte(big.bytes, dataOffset + MiB + 12345);
    const { sink, calls } = recordingSink();
    await expect(verifyImage(chunked(corrupted, CHUNK), { trust, devices: [makeDevice()], now: TEST_NOW, sink })).rejects.toMatchObject({
      code: 'BLOCK_HASH_MISMATCH',
      details: { block: 1, offset: MiB },
    });
    expect(calls.map((c) => [c.path, c.offset, c.bytes.byteLength])).toEqual([['a/big.bin', 0, MiB]]);
    expect(Buffer.from(calls[0]?.bytes ?? []).equals(big.bytes.subarray(dataOffset, dataOffset + MiB))).toBe(true);
  });

  it('reads each block into the buffer a sink lends for it, and hands back only verified ones: corrupted block 2 ⇒ block 2 read into its buffer, never handed back', async () => {
    const dataOffset = tarEntry(big.bytes, 'payload/a/big.bin').dataOffset;
    const corrupted = flipByte(big.bytes, dataOffset + 2 * MiB + 5);
    const lent: { path: string; offset: number; buffer: Uint8Array }[] = [];
    const handed: { path: string; offset: number; bytes: Uint8Array }[] = [];
    const sink = {
      bufferFor: (path: string, offset: number, size: number) => {
        const buffer = new Uint8Array(size);
        lent.push({ path, offset, buffer });
        return buffer;
      },
      block: (path: string, offset: number, bytes: Uint8Array) => {
        handed.push({ path, offset, bytes });
        return Promise.resolve();
      },
    };
    const payload = (at: number, size = MiB) => big.bytes.subarray(dataOffset + at, dataOffset + at + size);
    await verifyImage(chunked(big.bytes, CHUNK), { trust, devices: [makeDevice()], now: TEST_NOW, sink });
    // One buffer per block, of the block's size (the last one short), each handed back itself, filled.
    expect(lent.filter((l) => l.path === 'a/big.bin').map((l) => [l.path, l.offset, l.buffer.byteLength])).toEqual([
      ['a/big.bin', 0, MiB],
      ['a/big.bin', MiB, MiB],
      ['a/big.bin', 2 * MiB, MiB],
      ['a/big.bin', 3 * MiB, MiB / 2],
    ]);
    for (const [i, { path, offset, bytes }] of handed.entries()) {
      const { buffer } = lent[i] ?? { buffer: undefined };
      expect([path, offset]).toEqual([lent[i]?.path, lent[i]?.offset]);
      expect(bytes.buffer === buffer?.buffer && bytes.byteOffset === buffer.byteOffset && bytes.byteLength === buffer.byteLength).toBe(
        true,
      );
      if (path === 'a/big.bin') expect(Buffer.from(bytes).equals(payload(offset, bytes.byteLength))).toBe(true);
    }
    expect(handed).toHaveLength(lent.length);

    lent.length = 0;
    handed.length = 0;
    await expect(verifyImage(chunked(corrupted, CHUNK), { trust, devices: [makeDevice()], now: TEST_NOW, sink })).rejects.toMatchObject({
      code: 'BLOCK_HASH_MISMATCH',
      details: { block: 2, offset: 2 * MiB },
    });
    expect(handed.map((h) => h.offset)).toEqual([0, MiB]);
    expect(lent.map((l) => l.offset)).toEqual([0, MiB, 2 * MiB]);
    // The bad block was read into its buffer, and stayed there.
    expect(Buffer.from(lent[2]?.buffer ?? []).equals(corrupted.subarray(dataOffset + 2 * MiB, dataOffset + 3 * MiB))).toBe(true);
  });

  it('verifies the intact multi-block image from a file', async () => {
    const file = join(dir, 'big.fwi');
    await writeFile(file, big.bytes);
    const { sink, calls } = recordingSink();
    const result = await verifyImageFile(file, { trust, devices: [makeDevice()], now: TEST_NOW, sink });
    expect(result.imageBytes).toBe(big.bytes.byteLength);
    expect(calls.filter((c) => c.path === 'a/big.bin').map((c) => c.offset)).toEqual([0, MiB, 2 * MiB, 3 * MiB]);
    await writeFile(file, big.bytes.subarray(0, big.bytes.byteLength - 1024));
    await expect(verifyImageFile(file, { trust, devices: [makeDevice()], now: TEST_NOW })).rejects.toMatchObject({
      code: 'IMAGE_END_MARKER_MISSING',
    });
  });
});
