import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chunked, rejectedCode } from '@fwkit/test-utils';
import { afterAll, describe, expect, it } from 'vitest';
import { describePayloads } from './blocks.js';
import { encodeImage, writeImageFile, type ImageContents } from './writer.js';

const text = (s: string) => new TextEncoder().encode(s);
const dirs: string[] = [];
afterAll(async () => {
  await Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true })));
});

function contents(overrides: Partial<ImageContents> = {}): ImageContents {
  const a = new Uint8Array(10_000).fill(1);
  const b = text('bbb');
  const { blockLists } = describePayloads(
    [
      { path: 'b', domain: 'app', bytes: b },
      { path: 'a/1', domain: 'app', bytes: a },
    ],
    4096,
  );
  return {
    manifestBytes: text('{}'),
    signaturesBytes: text('{}'),
    blockLists,
    payloads: [
      { path: 'a/1', bytes: a },
      { path: 'b', bytes: b },
    ],
    sourceDateEpoch: 1_000_000,
    ...overrides,
  };
}

const codeOf = rejectedCode;

describe('encodeImage', () => {
  it('is deterministic: same contents, same bytes', async () => {
    const one = await encodeImage(contents());
    const two = await encodeImage(contents());
    expect(Buffer.from(one).equals(two)).toBe(true);
    expect(one.byteLength % 512).toBe(0);
    expect(Buffer.from(one.subarray(one.byteLength - 1024)).equals(Buffer.alloc(1024))).toBe(true);
  });

  it('changes when the source date changes (mtime is in every header)', async () => {
    const one = await encodeImage(contents());
    const two = await encodeImage(contents({ sourceDateEpoch: 1_000_001 }));
    expect(Buffer.from(one).equals(two)).toBe(false);
  });

  it.each<[string, Partial<ImageContents>]>([
    ['unsorted payloads', { payloads: [...contents().payloads].reverse() }],
    ['block lists for other paths', { blockLists: [...contents().blockLists].reverse() }],
    ['a missing block list', { blockLists: contents().blockLists.slice(1) }],
    [
      'a name longer than 100 bytes',
      { payloads: [{ path: 'x'.repeat(100), bytes: text('') }], blockLists: [{ path: 'x'.repeat(100), bytes: text('') }] },
    ],
    ['a negative source date', { sourceDateEpoch: -1 }],
    ['a source date past 2038', { sourceDateEpoch: 2 ** 31 }],
    ['a huge manifest', { manifestBytes: new Uint8Array(1024 * 1024 + 1) }],
  ])('refuses %s (IMAGE_ENCODE_INVALID)', async (_what, overrides) => {
    expect(await codeOf(encodeImage(contents(overrides)))).toBe('IMAGE_ENCODE_INVALID');
  });
});

describe('writeImageFile', () => {
  it('streams the same bytes as encodeImage to a file, atomically', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'fwkit-image-'));
    dirs.push(dir);
    const base = contents();
    const a = base.payloads[0]?.bytes ?? new Uint8Array(0);
    const path = join(dir, 'out', 'image.fwi');
    const result = await writeImageFile(path, {
      ...base,
      payloads: [
        {
          path: 'a/1',
          size: a.byteLength,
          open: () => chunked(a, 3000),
        },
        base.payloads[1] ?? { path: 'b', bytes: new Uint8Array(0) },
      ],
    });
    const expected = await encodeImage(base);
    const written = await readFile(path);
    expect(written.equals(expected)).toBe(true);
    expect(result.bytes).toBe(expected.byteLength);
    expect(await readdir(join(dir, 'out'))).toEqual(['image.fwi']);
  });

  it.each([10, 10_001])('leaves no file behind when a streamed payload of 10000 bytes yields %i', async (actual) => {
    const dir = await mkdtemp(join(tmpdir(), 'fwkit-image-'));
    dirs.push(dir);
    const base = contents();
    await expect(
      writeImageFile(join(dir, 'image.fwi'), {
        ...base,
        payloads: [
          {
            path: 'a/1',
            size: 10_000,
            open: () => chunked(new Uint8Array(actual)),
          },
          base.payloads[1] ?? { path: 'b', bytes: new Uint8Array(0) },
        ],
      }),
    ).rejects.toMatchObject({ code: 'IMAGE_ENCODE_INVALID' });
    expect(await readdir(dir)).toEqual([]);
  });
});
