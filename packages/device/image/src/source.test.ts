import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { concatBytes, syntheticBytes } from '@fwkit/test-utils';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { IMAGE_READ_CHUNK, openImageFile } from './source.js';

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
