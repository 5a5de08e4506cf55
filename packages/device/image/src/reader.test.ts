import { createHash } from 'node:crypto';
import { chunked, concatBytes, END_OF_ARCHIVE, flipByte, rawEntry, tarEntries, rejectedCode } from '@fwkit/test-utils';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { describePayloads, encodeImage } from '@fwkit/release-image';
import { TarReader, type TarEntry } from './reader.js';

const text = (s: string) => new TextEncoder().encode(s);

async function sampleImage(): Promise<{ bytes: Uint8Array; payload: Uint8Array }> {
  const payload = new Uint8Array(5000).map((_, i) => i % 251);
  const { blockLists } = describePayloads([{ path: 'x', domain: 'app', bytes: payload }], 4096);
  const bytes = await encodeImage({
    manifestBytes: text('{"m":1}'),
    signaturesBytes: text('{"s":2}'),
    blockLists,
    payloads: [{ path: 'x', bytes: payload }],
    sourceDateEpoch: 1_700_000_000,
  });
  return { bytes, payload };
}

/** Read every entry and its data; returns entries with their data, or the error code. */
async function readAll(
  source: AsyncIterable<Uint8Array>,
  piece = 777,
  digest = false,
): Promise<{ entries: (TarEntry & { data: Uint8Array })[]; reader: TarReader }> {
  const reader = new TarReader(source, { digest });
  const entries: (TarEntry & { data: Uint8Array })[] = [];
  for (let entry = await reader.next(); entry !== null; entry = await reader.next()) {
    const parts: Uint8Array[] = [];
    while (reader.remaining > 0) parts.push(await reader.read(piece));
    entries.push({ ...entry, data: concatBytes(...parts) });
  }
  return { entries, reader };
}

const codeOf = rejectedCode;

describe('TarReader', () => {
  it('reads the canonical image written by the writer, whatever the chunking', async () => {
    const { bytes, payload } = await sampleImage();
    const sha = createHash('sha256').update(bytes).digest('hex');
    for (const size of [1, 7, 511, 512, 513, 4096, 65536, bytes.byteLength]) {
      const { entries, reader } = await readAll(chunked(bytes, size), 777, true);
      expect(entries.map((e) => e.name)).toEqual(['manifest.json', 'signatures.json', 'blocks/x', 'payload/x']);
      expect(entries.every((e) => e.mtime === 1_700_000_000)).toBe(true);
      expect(Buffer.from(entries[3]?.data ?? []).equals(payload)).toBe(true);
      expect(reader.position).toBe(bytes.byteLength);
      expect(reader.sha256).toBe(sha);
    }
  });

  it('hashes the whole archive only when asked, skipped data included', async () => {
    const { bytes } = await sampleImage();
    const plain = await readAll(chunked(bytes, 1000));
    expect(() => plain.reader.sha256).toThrow(/not asked for/);
    const skipping = new TarReader(chunked(bytes, 1000), { digest: true });
    while ((await skipping.next()) !== null);
    expect(skipping.sha256).toBe(createHash('sha256').update(bytes).digest('hex'));
  });

  it('readPieces lends the same bytes as read, whatever the chunking, and stops at the entry end', async () => {
    const { bytes, payload } = await sampleImage();
    for (const size of [1, 511, 4096, 65536, bytes.byteLength]) {
      const reader = new TarReader(chunked(bytes, size), { digest: true });
      const parts: Uint8Array[] = [];
      for (let entry = await reader.next(); entry !== null; entry = await reader.next()) {
        if (entry.name !== 'payload/x') continue;
        while (reader.remaining > 0) await reader.readPieces(4096, (piece) => parts.push(Uint8Array.from(piece)));
      }
      expect(Buffer.from(concatBytes(...parts)).equals(payload)).toBe(true);
      expect(reader.sha256).toBe(createHash('sha256').update(bytes).digest('hex'));
    }
    const x = tarEntries(bytes).find((e) => e.name === 'payload/x');
    const truncated = new TarReader(chunked(bytes.subarray(0, (x?.dataOffset ?? 0) + 4000), 1000));
    const failure = (async () => {
      for (let entry = await truncated.next(); entry !== null; entry = await truncated.next()) {
        while (truncated.remaining > 0) await truncated.readPieces(4096, () => undefined);
      }
    })();
    expect(await codeOf(failure)).toBe('IMAGE_TRUNCATED');
  });

  it('skips unread data and still checks the padding', async () => {
    const { bytes } = await sampleImage();
    const reader = new TarReader(chunked(bytes, 1000));
    const names: string[] = [];
    for (let entry = await reader.next(); entry !== null; entry = await reader.next()) names.push(entry.name);
    expect(names).toHaveLength(4);
    const x = tarEntries(bytes).find((e) => e.name === 'payload/x');
    const bad = flipByte(bytes, (x?.dataOffset ?? 0) + 5000 + 3);
    const skipping = new TarReader(chunked(bad, 1000));
    const failure = (async () => {
      while ((await skipping.next()) !== null);
    })();
    expect(await codeOf(failure)).toBe('IMAGE_PADDING_NONZERO');
  });

  it('pulls a chunk only when the bytes it holds cannot satisfy a read', async () => {
    const { bytes } = await sampleImage();
    let pulled = 0;
    async function* counting() {
      for await (const chunk of chunked(bytes, 512)) {
        pulled += 1;
        yield chunk;
      }
    }
    const reader = new TarReader(counting());
    expect(pulled).toBe(0);
    const first = await reader.next();
    expect(first?.name).toBe('manifest.json');
    expect(pulled).toBe(1);
    await reader.read(3);
    expect(pulled).toBe(2);
    await reader.read(4);
    expect(pulled).toBe(2);
    await reader.close();
  });

  it('returns the source iterator when closed early (a file stream closes)', async () => {
    const { bytes } = await sampleImage();
    let returned = false;
    async function* source() {
      try {
        yield* chunked(bytes, 512);
      } finally {
        returned = true;
      }
    }
    const reader = new TarReader(source());
    await reader.next();
    await reader.close();
    expect(returned).toBe(true);
  });

  it('hands out copies: a source reusing its buffer cannot change bytes already read', async () => {
    const { bytes } = await sampleImage();
    const shared = new Uint8Array(512);
    async function* reusing() {
      for await (const chunk of chunked(bytes, 512)) {
        shared.set(chunk);
        yield shared;
      }
    }
    const reader = new TarReader(reusing());
    await reader.next();
    const manifest = await reader.readRest();
    await reader.next();
    expect(new TextDecoder().decode(manifest)).toBe('{"m":1}');
    await reader.close();
  });

  it('turns a failing source into IMAGE_READ_FAILED', async () => {
    async function* failing(): AsyncGenerator<Uint8Array> {
      yield* chunked(new Uint8Array(100));
      throw new Error('EIO');
    }
    expect(await codeOf(new TarReader(failing()).next())).toBe('IMAGE_READ_FAILED');
  });

  it('classifies every way the archive can end wrongly', async () => {
    const { bytes } = await sampleImage();
    const entries = tarEntries(bytes);
    const lastEnd = entries.at(-1)?.end ?? 0;
    const manifestData = entries[0]?.dataOffset ?? 0;
    const cases: [string, Uint8Array, string][] = [
      ['empty source', new Uint8Array(0), 'IMAGE_TRUNCATED'],
      ['inside the first header', bytes.subarray(0, 100), 'IMAGE_TRUNCATED'],
      ['inside data', bytes.subarray(0, manifestData + 3), 'IMAGE_TRUNCATED'],
      ['inside padding', bytes.subarray(0, manifestData + 100), 'IMAGE_TRUNCATED'],
      ['inside a later header', bytes.subarray(0, (entries[2]?.headerOffset ?? 0) + 511), 'IMAGE_TRUNCATED'],
      ['after the last entry, no marker', bytes.subarray(0, lastEnd), 'IMAGE_END_MARKER_MISSING'],
      ['one zero block only', bytes.subarray(0, lastEnd + 512), 'IMAGE_END_MARKER_MISSING'],
      ['inside the second zero block', bytes.subarray(0, bytes.byteLength - 1), 'IMAGE_END_MARKER_MISSING'],
      [
        'a zero block then a header',
        concatBytes(bytes.subarray(0, lastEnd + 512), rawEntry({ name: 'payload/y' }, 'y')),
        'IMAGE_END_MARKER_MISSING',
      ],
      ['one byte after the marker', concatBytes(bytes, new Uint8Array(1)), 'IMAGE_TRAILING_DATA'],
      ['a third zero block', concatBytes(bytes, new Uint8Array(512)), 'IMAGE_TRAILING_DATA'],
      ['an entry after the marker', concatBytes(bytes, rawEntry({ name: 'payload/y' }, 'y'), END_OF_ARCHIVE), 'IMAGE_TRAILING_DATA'],
    ];
    for (const [what, archive, code] of cases) {
      expect([what, await codeOf(readAll(chunked(archive, 300)))]).toEqual([what, code]);
    }
  });

  it('fails with a coded error, never an untyped one, for any truncation or flipped byte', async () => {
    const { bytes } = await sampleImage();
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: 0, max: bytes.byteLength - 1 }), async (length) => {
        expect(await codeOf(readAll(chunked(bytes.subarray(0, length), 700)))).toMatch(/^IMAGE_/);
      }),
      { numRuns: 150 },
    );
    // A flip inside entry data is not the reader's business (the verifier hashes data); anywhere else it must fail.
    const dataRanges = tarEntries(bytes).map((e) => [e.dataOffset, e.dataOffset + e.size] as const);
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: 0, max: bytes.byteLength - 1 }), fc.integer({ min: 1, max: 255 }), async (offset, mask) => {
        fc.pre(!dataRanges.some(([a, b]) => offset >= a && offset < b));
        expect(await codeOf(readAll(chunked(flipByte(bytes, offset, mask), 700)))).toMatch(/^IMAGE_/);
      }),
      { numRuns: 300 },
    );
  });
});
