import { createHash } from 'node:crypto';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chunked, rejectedCode } from '@fwkit/test-utils';
import fc from 'fast-check';
import { pack as tarPack } from 'tar-stream';
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

/** The image as tar-stream's pack writes the same entries: how images were written before fwkit wrote the archive itself. */
async function packedByTarStream(c: ImageContents): Promise<Buffer> {
  const pack = tarPack();
  const entries = [
    ['manifest.json', c.manifestBytes],
    ['signatures.json', c.signaturesBytes],
    ...c.blockLists.map((b) => [`blocks/${b.path}`, b.bytes] as const),
    ...c.payloads.map((p) => [`payload/${p.path}`, p.bytes] as const),
  ] as const;
  const mtime = new Date(c.sourceDateEpoch * 1000);
  for (const [name, bytes] of entries)
    pack.entry({ name, size: bytes.byteLength, mode: 0o644, uid: 0, gid: 0, mtime, type: 'file' }, bytes);
  pack.finalize();
  const chunks: Buffer[] = [];
  for await (const chunk of pack as AsyncIterable<Buffer>) chunks.push(chunk);
  return Buffer.concat(chunks);
}

describe('the archive fwkit writes', () => {
  it("is byte for byte what tar-stream's pack writes for the same entries", async () => {
    const payload = fc.record({
      path: fc.stringMatching(/^[a-z0-9_.-]{1,20}$/),
      size: fc.oneof(fc.nat(3 * 512 + 1), fc.constantFrom(0, 511, 512, 513)),
    });
    await fc.assert(
      fc.asyncProperty(
        fc.uniqueArray(payload, { selector: (p) => p.path, minLength: 1, maxLength: 5 }),
        fc.nat(2 ** 31 - 1),
        fc.uint8Array({ maxLength: 700 }),
        async (specs, sourceDateEpoch, manifestBytes) => {
          const inputs = [...specs]
            .sort((a, b) => (a.path < b.path ? -1 : 1))
            .map((p, i) => ({ path: p.path, domain: 'app', bytes: new Uint8Array(p.size).fill(i + 1) }));
          const { blockLists } = describePayloads(inputs, 4096);
          const c: ImageContents = {
            manifestBytes,
            signaturesBytes: text('{"signatures":[]}'),
            blockLists,
            payloads: inputs.map(({ path, bytes }) => ({ path, bytes })),
            sourceDateEpoch,
          };
          expect(Buffer.from(await encodeImage(c)).equals(await packedByTarStream(c))).toBe(true);
        },
      ),
      { numRuns: 200 },
    );
  });

  it('writes a payload streamed in reused chunks across its write pieces (4 MiB) intact', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'fwkit-image-'));
    dirs.push(dir);
    const size = 9 * 1024 * 1024 + 700; // three pieces, the last one short, and padding
    const data = new Uint8Array(size);
    for (let i = 0; i < size; i++) data[i] = (i * 7 + (i >>> 12)) & 0xff;
    const { blockLists } = describePayloads([{ path: 'big', domain: 'app', bytes: data }], 1024 * 1024);
    const base: ImageContents = {
      manifestBytes: text('{}'),
      signaturesBytes: text('{}'),
      blockLists,
      payloads: [{ path: 'big', bytes: data }],
      sourceDateEpoch: 7,
    };
    // The source hands out one buffer, refilled for each chunk: the writer must have copied what it keeps.
    const reused = new Uint8Array(1024 * 1024 + 3);
    async function* refilled(): AsyncGenerator<Uint8Array> {
      for (let at = 0; at < size; at += reused.byteLength) {
        const n = Math.min(reused.byteLength, size - at);
        await Promise.resolve(); // as a file read would
        reused.set(data.subarray(at, at + n));
        yield reused.subarray(0, n);
        reused.fill(0xee);
      }
    }
    const path = join(dir, 'big.fwi');
    const result = await writeImageFile(path, { ...base, payloads: [{ path: 'big', size, open: refilled }] });
    const expected = await packedByTarStream(base);
    expect((await readFile(path)).equals(expected)).toBe(true);
    expect(result).toEqual({ bytes: expected.byteLength, sha256: createHash('sha256').update(expected).digest('hex') });
  });
});
