import { mkdtemp, open, readdir, rm, writeFile, type FileHandle } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { concatBytes, syntheticBytes } from '@fwkit/test-utils';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ImageFileChunks, IMAGE_READ_CHUNK, openImageFile } from './source.js';

let dir: string;
let path: string;
const bytes = syntheticBytes(2 * IMAGE_READ_CHUNK + 12345, 'source');

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'fwkit-source-'));
  path = join(dir, 'image.fwi');
  await writeFile(path, bytes);
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

const openFds = async () => (await readdir('/proc/self/fd')).length;

describe('openImageFile', () => {
  it('yields the whole file in 1 MiB chunks (the last one short), each valid until the next is pulled', async () => {
    const copies: Uint8Array[] = [];
    for await (const chunk of openImageFile(path)) copies.push(Uint8Array.from(chunk));
    expect(copies.map((c) => c.byteLength)).toEqual([IMAGE_READ_CHUNK, IMAGE_READ_CHUNK, 12345]);
    expect(Buffer.from(concatBytes(...copies)).equals(bytes)).toBe(true);
  });

  it('reads in the chunk size asked for (chunkBytes), on the thread pool and in turn alike', async () => {
    const copies: Uint8Array[] = [];
    for await (const chunk of openImageFile(path, { chunkBytes: 3 * 100_000 })) copies.push(Uint8Array.from(chunk));
    const sizes = [...Array.from({ length: Math.floor(bytes.byteLength / 300_000) }, () => 300_000), bytes.byteLength % 300_000];
    expect(copies.map((c) => c.byteLength)).toEqual(sizes);
    expect(Buffer.from(concatBytes(...copies)).equals(bytes)).toBe(true);
    const handle = await open(path, 'r');
    try {
      const inTurn: Uint8Array[] = [];
      for await (const chunk of new ImageFileChunks(handle, bytes.byteLength, { inTurn: true, chunkBytes: 300_000 }))
        inTurn.push(Uint8Array.from(chunk));
      expect(inTurn.map((c) => c.byteLength)).toEqual(sizes);
      expect(Buffer.from(concatBytes(...inTurn)).equals(bytes)).toBe(true);
    } finally {
      await handle.close();
    }
  });

  it('closes the file when the caller stops early, with a read still running ahead', async () => {
    const before = await openFds();
    const source = openImageFile(path);
    const first = await source.next();
    expect(first.value?.byteLength).toBe(IMAGE_READ_CHUNK);
    expect(await openFds()).toBe(before + 1);
    await source.return();
    expect(await openFds()).toBe(before);
  });
});

describe('ImageFileChunks', () => {
  /** Pulls every chunk; before pulling, `skips` may name bytes to pass over (by the count of chunks pulled so far). */
  async function pull(inTurn: boolean, skips: ReadonlyMap<number, number> = new Map()) {
    const handle = await open(path);
    try {
      const chunks = new ImageFileChunks(handle, bytes.byteLength, { inTurn });
      const got: { at: number; bytes: Uint8Array }[] = [];
      const refused: number[] = [];
      let at = 0;
      for await (const chunk of chunks) {
        got.push({ at, bytes: Uint8Array.from(chunk) });
        at += chunk.byteLength;
        const skip = skips.get(got.length);
        if (skip === undefined) continue;
        if (chunks.skip(skip)) at += skip;
        else refused.push(skip);
      }
      return { got, refused };
    } finally {
      await handle.close();
    }
  }

  it.each([false, true])('yields the file as openImageFile does (inTurn %s)', async (inTurn) => {
    const { got } = await pull(inTurn);
    expect(got.map((c) => c.bytes.byteLength)).toEqual([IMAGE_READ_CHUNK, IMAGE_READ_CHUNK, 12345]);
    expect(Buffer.from(concatBytes(...got.map((c) => c.bytes))).equals(bytes)).toBe(true);
  });

  it.each([false, true])('passes over skipped bytes and yields every other byte where it belongs (inTurn %s)', async (inTurn) => {
    // Inside the chunk read ahead, over a whole chunk and more, and up to the last byte.
    for (const skips of [
      new Map([[1, 100]]),
      new Map([[1, IMAGE_READ_CHUNK + 7]]),
      new Map([
        [1, 3],
        [2, 2 * IMAGE_READ_CHUNK + 12345 - IMAGE_READ_CHUNK - 3 - IMAGE_READ_CHUNK],
      ]),
    ]) {
      const { got, refused } = await pull(inTurn, skips);
      expect(refused).toEqual([]);
      for (const chunk of got)
        expect(Buffer.from(chunk.bytes).equals(bytes.subarray(chunk.at, chunk.at + chunk.bytes.byteLength))).toBe(true);
      const yielded = got.reduce((sum, c) => sum + c.bytes.byteLength, 0);
      expect(yielded + [...skips.values()].reduce((a, b) => a + b, 0)).toBe(bytes.byteLength);
    }
  });

  it('yields the rest of a chunk read ahead, not the chunk read again, and never an empty chunk', async () => {
    const sizes = async (skip: number) => (await pull(false, new Map([[1, skip]]))).got.map((c) => c.bytes.byteLength);
    expect(await sizes(100)).toEqual([IMAGE_READ_CHUNK, IMAGE_READ_CHUNK - 100, 12345]);
    expect(await sizes(IMAGE_READ_CHUNK)).toEqual([IMAGE_READ_CHUNK, 12345]);
  });

  it('skips up to the last byte, and refuses a skip past the end of the file, skipping nothing then (a short file must show as truncated)', async () => {
    const toEnd = bytes.byteLength - IMAGE_READ_CHUNK;
    const whole = await pull(false, new Map([[1, toEnd]]));
    expect(whole.refused).toEqual([]);
    expect(whole.got).toHaveLength(1);
    const { got, refused } = await pull(false, new Map([[1, toEnd + 1]]));
    expect(refused).toEqual([toEnd + 1]);
    expect(Buffer.from(concatBytes(...got.map((c) => c.bytes))).equals(bytes)).toBe(true);
  });

  it('leaves no unhandled rejection when the read running ahead fails after the caller stopped', async () => {
    // A disk that fails on the second read: no real file here does that, so a handle stands in for it.
    const failing = {
      fd: -1,
      read: (buffer: Uint8Array, _offset: number, length: number, position: number) =>
        position === 0 ? Promise.resolve({ bytesRead: length, buffer }) : Promise.reject(new Error('EIO: the second read fails')),
    } as unknown as FileHandle;
    const unhandled: unknown[] = [];
    const onUnhandled = (reason: unknown) => unhandled.push(reason);
    process.on('unhandledRejection', onUnhandled);
    try {
      const iterator = new ImageFileChunks(failing, 4 * IMAGE_READ_CHUNK)[Symbol.asyncIterator]();
      expect((await iterator.next()).value?.byteLength).toBe(IMAGE_READ_CHUNK);
      await iterator.return();
      await new Promise((resolve) => setImmediate(resolve));
      expect(unhandled).toEqual([]);
    } finally {
      process.off('unhandledRejection', onUnhandled);
    }
  });

  it('counts what was skipped already: two skips that together pass the end, the second is refused', async () => {
    const handle = await open(path);
    try {
      const chunks = new ImageFileChunks(handle, bytes.byteLength);
      const iterator = chunks[Symbol.asyncIterator]();
      await iterator.next();
      const left = bytes.byteLength - IMAGE_READ_CHUNK;
      expect(chunks.skip(left - 10)).toBe(true);
      expect(chunks.skip(11)).toBe(false);
      expect(chunks.skip(10)).toBe(true);
      expect((await iterator.next()).done).toBe(true);
    } finally {
      await handle.close();
    }
  });
});
