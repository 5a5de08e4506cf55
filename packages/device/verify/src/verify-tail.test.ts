import { open, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ImageFileChunks, TarReader, type SkippableSource } from '@fwkit/device-image';
import { chunked, concatBytes, makeDevice, makeImage, syntheticBytes, TEST_NOW } from '@fwkit/test-utils';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { VerifyError } from './errors.js';
import { TAIL_HASHER_MIN_BYTES, TailHasher } from './tail-hasher.js';
import { base, MiB, trust, useBaseImage } from './verify.test-support.js';
import { verifyImage, verifyImageFile, verifyStream } from './verify.js';

// The second core: a worker hashes blocks from the end of the file while the verifier streams it
// from the start. Whoever hashed a block, the verdict is the one the sequential verifier gives.

useBaseImage();

let dir: string;
let file = 0;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'fwkit-verify-tail-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function writeImage(bytes: Uint8Array): Promise<string> {
  const path = join(dir, `image-${(file += 1)}.fwimg`);
  await writeFile(path, bytes);
  return path;
}

/** Where each entry's data starts in `bytes` (read with the strict reader). */
async function dataOffsets(bytes: Uint8Array): Promise<Map<string, number>> {
  const reader = new TarReader(chunked(bytes));
  const offsets = new Map<string, number>();
  for (let entry = await reader.next(); entry !== null; entry = await reader.next()) offsets.set(entry.name, entry.dataOffset);
  return offsets;
}

/**
 * The file's chunks, held back at byte `at` until `release` settles: the verifier's thread stops
 * there while the worker claims every block not yet claimed. Skips go through to the file.
 */
class HeldAt implements SkippableSource {
  readonly #chunks: ImageFileChunks;
  readonly #at: number;
  readonly #release: () => Promise<void>;
  #position = 0;

  constructor(chunks: ImageFileChunks, at: number, release: () => Promise<void>) {
    this.#chunks = chunks;
    this.#at = at;
    this.#release = release;
  }

  skip(bytes: number): boolean {
    const skipped = this.#chunks.skip(bytes);
    if (skipped) this.#position += bytes;
    return skipped;
  }

  async *[Symbol.asyncIterator](): AsyncGenerator<Uint8Array> {
    for await (const chunk of this.#chunks) {
      const start = this.#position;
      this.#position += chunk.byteLength;
      if (start <= this.#at && this.#at < this.#position) {
        yield chunk.subarray(0, this.#at - start);
        await this.#release();
        yield chunk.subarray(this.#at - start);
      } else {
        yield chunk;
      }
    }
  }
}

type Outcome = { code: string; details: unknown } | { ok: true; imageBytes: number; manifestSha256: string };

async function outcome(run: () => Promise<{ imageBytes: number; manifestSha256: string }>): Promise<Outcome> {
  try {
    const { imageBytes, manifestSha256 } = await run();
    return { ok: true, imageBytes, manifestSha256 };
  } catch (error) {
    if (!(error instanceof VerifyError)) throw error;
    return { code: error.code, details: error.details };
  }
}

const options = () => ({ trust, devices: [makeDevice()], now: TEST_NOW });

/** The sequential verdict: one thread, every block hashed as it streams. */
const sequential = (bytes: Uint8Array) => outcome(() => verifyImage(chunked(bytes, 1000), options()));

/**
 * The verdict with a worker on the file at `path`, the verifier's thread held at byte `at` until
 * the worker is done. `workerPath` gives the worker another file to read (to see which blocks it hashed).
 */
async function withTail(path: string, at: number, workerPath = path): Promise<Outcome> {
  const handle = await open(path);
  const workerHandle = workerPath === path ? handle : await open(workerPath);
  const tail = new TailHasher(workerHandle.fd);
  try {
    const { size } = await handle.stat();
    const source = new HeldAt(new ImageFileChunks(handle, size), at, () => tail.settled());
    return await outcome(() => verifyStream(source, options(), tail));
  } finally {
    await tail.close();
    await handle.close();
    if (workerHandle !== handle) await workerHandle.close();
  }
}

// The base image's blocks, in file order: app/main.js (block 0), data/blob.bin (blocks 1-4, the
// last one short), sbom.cdx.json (block 5); 4 KiB blocks.
describe('verifying with a worker on the second core', () => {
  let offsets: Map<string, number>;
  let firstPayload: number;
  let blobData: number;
  beforeAll(async () => {
    offsets = await dataOffsets(base.bytes);
    firstPayload = (offsets.get('payload/app/main.js') ?? 0) - 512;
    blobData = offsets.get('payload/data/blob.bin') ?? 0;
  });

  it('verifies the image when the worker hashed every block, and when the two threads shared them', async () => {
    const path = await writeImage(base.bytes);
    const expected = await sequential(base.bytes);
    expect(expected).toMatchObject({ ok: true });
    expect(await withTail(path, firstPayload)).toEqual(expected);
    expect(await withTail(path, blobData + 4096)).toEqual(expected);
  });

  it("checks the worker's digests: a worker reading other bytes fails at the first block it took", async () => {
    // Same layout, other payload bytes: every digest the worker leaves is wrong.
    const path = await writeImage(base.bytes);
    const other = Uint8Array.from(base.bytes).fill(0x5a, firstPayload);
    const otherPath = await writeImage(other);
    // Held before the first payload: the worker took every block.
    expect(await withTail(path, firstPayload, otherPath)).toEqual({
      code: 'BLOCK_HASH_MISMATCH',
      details: { entry: 'payload/app/main.js', block: 0, offset: 0 },
    });
    // Held inside blob's second block: the verifier's thread had claimed blocks 0-2, the worker took 3-5.
    expect(await withTail(path, blobData + 4096 + 10, otherPath)).toEqual({
      code: 'BLOCK_HASH_MISMATCH',
      details: { entry: 'payload/data/blob.bin', block: 2, offset: 8192 },
    });
  });

  it('reports a block the worker could not read as IMAGE_READ_FAILED at that block', async () => {
    // A directory's descriptor: the worker's first read (block 5, the last) fails and it stops;
    // the verifier's thread takes blocks 0-4 itself.
    const path = await writeImage(base.bytes);
    const directory = await open(dir);
    const handle = await open(path);
    const tail = new TailHasher(directory.fd);
    try {
      const source = new HeldAt(new ImageFileChunks(handle, base.bytes.byteLength), firstPayload, () => tail.settled());
      const error = await verifyStream(source, options(), tail).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(VerifyError);
      expect(error).toMatchObject({ code: 'IMAGE_READ_FAILED', details: { entry: 'payload/sbom.cdx.json', block: 0, offset: 0 } });
    } finally {
      await tail.close();
      await handle.close();
      await directory.close();
    }
  });

  it('gives the sequential verdict on damaged images, whoever hashed the damaged blocks (property)', async () => {
    // Damage: bytes changed anywhere from the first payload on, the file cut short or made longer;
    // the verifier's thread held at a random point of the payloads.
    const end = base.bytes.byteLength;
    const damage = fc.record({
      flips: fc.array(fc.record({ at: fc.integer({ min: 0, max: end - 1 }), mask: fc.integer({ min: 1, max: 255 }) }), {
        minLength: 1,
        maxLength: 3,
      }),
      length: fc.oneof(fc.constant(end), fc.integer({ min: 1, max: end + 2048 })),
      held: fc.integer({ min: 0, max: end - 1 }),
    });
    await fc.assert(
      fc.asyncProperty(damage, async ({ flips, length, held }) => {
        const bytes = new Uint8Array(length);
        bytes.set(base.bytes.subarray(0, Math.min(length, end)));
        for (const { at, mask } of flips) if (at >= firstPayload && at < length) bytes[at] = (bytes[at] ?? 0) ^ mask;
        const path = await writeImage(bytes);
        expect(await withTail(path, Math.max(held, firstPayload))).toEqual(await sequential(bytes));
        await rm(path);
      }),
      { numRuns: 40 },
    );
  });
});

describe('verifyImageFile on an image large enough for the worker', () => {
  const openFds = async () => (await readdir('/proc/self/fd')).length;
  let large: { bytes: Uint8Array; path: string; lastBlock: number };

  beforeAll(async () => {
    const size = TAIL_HASHER_MIN_BYTES + 3 * MiB + 17;
    const image = await makeImage({ payloads: [{ path: 'app/rootfs.img', domain: 'app', bytes: syntheticBytes(size, 'large') }] });
    const path = await writeImage(image.bytes);
    large = { bytes: image.bytes, path, lastBlock: Math.ceil(size / MiB) - 1 };
  });

  it('refuses an expired trust root or no device before it opens the file, as verifyImage does', async () => {
    const missing = join(dir, 'no-such.fwimg');
    const expired = verifyImageFile(missing, { ...options(), now: new Date('2040-01-01T00:00:00Z') });
    await expect(expired).rejects.toMatchObject({ code: 'TRUST_ROOT_EXPIRED' });
    await expect(verifyImageFile(missing, { ...options(), devices: [] })).rejects.toThrow(TypeError);
  });

  it('gives the same result as the stream, and closes the file and the worker', async () => {
    const before = await openFds();
    const result = await verifyImageFile(large.path, options());
    const streamed = await verifyImage(chunked(large.bytes, MiB), options());
    expect(result.imageBytes).toBe(large.bytes.byteLength);
    expect(result.manifestSha256).toBe(streamed.manifestSha256);
    expect(await openFds()).toBe(before);
  });

  it('finds a damaged block at either end, and a truncated file, with the sequential codes', async () => {
    const offsets = await dataOffsets(large.bytes);
    const data = offsets.get('payload/app/rootfs.img') ?? 0;
    const before = await openFds();
    for (const at of [data + 5, data + large.lastBlock * MiB + 3]) {
      const damaged = Uint8Array.from(large.bytes);
      damaged[at] = (damaged[at] ?? 0) ^ 1;
      const path = await writeImage(damaged);
      expect(await outcome(() => verifyImageFile(path, options()))).toEqual(await sequential(damaged));
      await rm(path);
    }
    const truncated = await writeImage(large.bytes.subarray(0, data + 20 * MiB));
    expect(await outcome(() => verifyImageFile(truncated, options()))).toMatchObject({ code: 'IMAGE_TRUNCATED' });
    const longer = await writeImage(concatBytes(large.bytes, new Uint8Array(512)));
    expect(await outcome(() => verifyImageFile(longer, options()))).toMatchObject({ code: 'IMAGE_TRAILING_DATA' });
    expect(await openFds()).toBe(before);
  });
});
