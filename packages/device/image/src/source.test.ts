import { mkdtemp, open, readdir, rm, writeFile } from 'node:fs/promises';
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

  it('refuses a skip past the end of the file and skips nothing then (a short file must show as truncated)', async () => {
    const { got, refused } = await pull(false, new Map([[1, bytes.byteLength]]));
    expect(refused).toEqual([bytes.byteLength]);
    expect(Buffer.from(concatBytes(...got.map((c) => c.bytes))).equals(bytes)).toBe(true);
  });
});
