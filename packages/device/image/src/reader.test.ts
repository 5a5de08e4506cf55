import { createHash } from 'node:crypto';
import { chunked, concatBytes, END_OF_ARCHIVE, flipByte, rawEntry, tarEntries, rejectedCode } from '@fwkit/test-utils';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { describePayloads, encodeImage } from '@fwkit/release-image';
import { InputError } from '@fwkit/device-core';
import { TarReader, type TarEntry } from './reader.js';
import { encodeCanonicalHeader, END_MARKER_BYTES } from './ustar.js';

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

/** `chunked` that can pass over bytes: what it was asked to skip is never yielded, and counted. */
function skippable(bytes: Uint8Array, size: number): AsyncIterable<Uint8Array> & { skip(n: number): boolean; skipped: number } {
  let position = 0;
  const source = {
    skipped: 0,
    skip(n: number): boolean {
      if (position + n > bytes.byteLength) return false;
      position += n;
      source.skipped += n;
      return true;
    },
    async *[Symbol.asyncIterator]() {
      while (position < bytes.byteLength) {
        const chunk = bytes.subarray(position, position + size);
        position += chunk.byteLength;
        yield await Promise.resolve(chunk); // on a later microtask, as from a real stream
      }
    },
  };
  return source;
}

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

  it('skips unread data in bounded pieces, whatever size the header claims', async () => {
    // A header claiming 256 MiB, then 2 MiB of data and the end of the source. Skipping it must
    // not allocate what the header claims: memory is sampled at every pull, while skipping.
    const claimed = 256 * 1024 * 1024;
    const piece = new Uint8Array(64 * 1024);
    const baseline = process.memoryUsage().arrayBuffers;
    let peak = 0;
    let samples = 0;
    async function* source() {
      yield encodeCanonicalHeader('payload/x', claimed, 0);
      for (let i = 0; i < 32; i++) {
        peak = Math.max(peak, process.memoryUsage().arrayBuffers - baseline);
        samples += 1;
        yield await Promise.resolve(piece);
      }
    }
    const reader = new TarReader(source());
    expect(await reader.next()).toMatchObject({ name: 'payload/x', size: claimed });
    const error: unknown = await reader.next().catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'IMAGE_TRUNCATED', details: { offset: 512 + 32 * piece.byteLength } });
    expect(samples).toBe(32);
    expect(peak).toBeLessThan(64 * 1024 * 1024);
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

/** A source over `bytes` in `size`-byte chunks that counts the calls the reader makes of it. */
function countingSource(
  bytes: Uint8Array,
  size: number,
  options: { withReturn?: boolean; failReturn?: boolean; extra?: unknown[] } = {},
): { source: AsyncIterable<Uint8Array>; calls: { next: number; return: number } } {
  const calls = { next: 0, return: 0 };
  const chunks: unknown[] = [];
  for (let at = 0; at < bytes.byteLength; at += size) chunks.push(bytes.subarray(at, at + size));
  chunks.push(...(options.extra ?? []));
  const iterator: AsyncIterator<Uint8Array> = {
    next: () => {
      calls.next++;
      const value = chunks.shift();
      return Promise.resolve(value === undefined ? { done: true, value: undefined } : { done: false, value: value as Uint8Array });
    },
  };
  if (options.withReturn !== false) {
    iterator.return = () => {
      calls.return++;
      return options.failReturn === true ? Promise.reject(new Error('EBADF')) : Promise.resolve({ done: true, value: undefined });
    };
  }
  return { source: { [Symbol.asyncIterator]: () => iterator }, calls };
}

/** The warnings `fn` makes the process emit (they are delivered on a later turn of the event loop). */
async function warningsOf(fn: () => Promise<void>): Promise<string[]> {
  const seen: string[] = [];
  const listener = (warning: Error): void => void seen.push(warning.message);
  process.on('warning', listener);
  try {
    await fn();
    await new Promise((resolve) => setImmediate(resolve));
  } finally {
    process.off('warning', listener);
  }
  return seen;
}

describe('TarReader states', () => {
  it('shows the entry and its unread bytes only while its data is being read', async () => {
    const { bytes } = await sampleImage();
    const reader = new TarReader(chunked(bytes, 700));
    expect(reader.entry).toBeUndefined();
    expect(reader.remaining).toBe(0);
    const first = await reader.next();
    expect(first).toMatchObject({ name: 'manifest.json', size: 7, headerOffset: 0, dataOffset: 512 });
    expect(reader.entry).toEqual(first);
    expect(reader.remaining).toBe(7);
    await reader.read(3);
    expect(reader.remaining).toBe(4);
    const second = await reader.next();
    expect(second).toMatchObject({ name: 'signatures.json', headerOffset: 1024, dataOffset: 1536 });
    for (let entry = await reader.next(); entry !== null; entry = await reader.next()) {
      expect(entry.dataOffset).toBe(entry.headerOffset + 512);
    }
    expect(reader.entry).toBeUndefined();
    expect(reader.remaining).toBe(0);
  });

  it('keeps answering null after the end, without pulling the source again', async () => {
    const { bytes } = await sampleImage();
    const { source, calls } = countingSource(bytes, 4096);
    const reader = new TarReader(source, { digest: true });
    while ((await reader.next()) !== null);
    const pulls = calls.next;
    expect(await reader.next()).toBeNull();
    expect(await reader.next()).toBeNull();
    expect(calls.next).toBe(pulls);
    await reader.close();
    // A source that has said it is done is not asked to return; the reader stays at its end.
    expect(calls.return).toBe(0);
    expect(await reader.next()).toBeNull();
    expect(reader.sha256).toBe(createHash('sha256').update(bytes).digest('hex'));
  });

  it('has no digest before the end, even when asked for one', async () => {
    const { bytes } = await sampleImage();
    const reader = new TarReader(chunked(bytes, 700), { digest: true });
    await reader.next();
    expect(() => reader.sha256).toThrow(Error);
    await reader.close();
  });

  it('refuses to read data before a header or after an error (a caller bug, not a bad image)', async () => {
    const { bytes } = await sampleImage();
    const reader = new TarReader(chunked(bytes, 700));
    await expect(reader.read(1)).rejects.toThrow(Error);
    await expect(reader.readPieces(1, () => undefined)).rejects.toThrow(Error);
    await expect(reader.read(1)).rejects.not.toHaveProperty('code');
    await expect(reader.readPieces(1, () => undefined)).rejects.not.toHaveProperty('code');
  });

  const failsThen = async (fail: (reader: TarReader) => Promise<unknown>): Promise<void> => {
    const { bytes } = await sampleImage();
    const entries = tarEntries(bytes);
    // Cut inside the payload's data: reading it fails with IMAGE_TRUNCATED.
    const cut = (entries[3]?.dataOffset ?? 0) + 100;
    const reader = new TarReader(chunked(bytes.subarray(0, cut), 700));
    for (let i = 0; i < 4; i++) await reader.next();
    expect(await codeOf(fail(reader))).toBe('IMAGE_TRUNCATED');
    // From then on the reader only refuses, with an error that is no verdict on the image.
    await expect(reader.next()).rejects.not.toHaveProperty('code');
    expect(reader.entry).toBeUndefined();
    expect(reader.remaining).toBe(0);
  };

  it('stays failed after a read fails', async () => {
    await failsThen((reader) => reader.read(5000));
  });

  it('stays failed after readPieces fails', async () => {
    await failsThen((reader) => reader.readPieces(5000, () => undefined));
  });

  it('stays failed after next fails', async () => {
    const { bytes } = await sampleImage();
    const reader = new TarReader(chunked(bytes.subarray(0, 700), 300));
    await reader.next();
    expect(await codeOf(reader.next())).toBe('IMAGE_TRUNCATED');
    await expect(reader.next()).rejects.not.toHaveProperty('code');
  });

  it('is failed, not ended, once closed early', async () => {
    const { bytes } = await sampleImage();
    const { source, calls } = countingSource(bytes, 700);
    const reader = new TarReader(source);
    expect((await reader.next())?.name).toBe('manifest.json');
    await reader.close();
    expect(calls.return).toBe(1);
    expect(reader.entry).toBeUndefined();
    expect(reader.remaining).toBe(0);
    await expect(reader.next()).rejects.not.toHaveProperty('code');
    await reader.close();
    expect(calls.return).toBe(1);
  });

  it('closes a source without a return method, and reports a source that fails to close as a warning only', async () => {
    const { bytes } = await sampleImage();
    const bare = countingSource(bytes, 700, { withReturn: false });
    const plain = new TarReader(bare.source);
    await plain.next();
    expect(await warningsOf(() => plain.close())).toEqual([]);
    const failing = countingSource(bytes, 700, { failReturn: true });
    const reader = new TarReader(failing.source);
    await reader.next();
    const warnings = await warningsOf(() => reader.close());
    expect(failing.calls.return).toBe(1);
    expect(warnings).toHaveLength(1);
  });

  it('does not ask a source that failed to return', async () => {
    const calls = { return: 0 };
    const iterator: AsyncIterator<Uint8Array> = {
      next: () => Promise.reject(new Error('EIO')),
      return: () => {
        calls.return++;
        return Promise.resolve({ done: true, value: undefined });
      },
    };
    const reader = new TarReader({ [Symbol.asyncIterator]: () => iterator });
    const error: unknown = await reader.next().catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'IMAGE_READ_FAILED' });
    expect((error as Error).cause).toBeInstanceOf(Error);
    await reader.close();
    expect(calls.return).toBe(0);
  });

  it("keeps the code of a coded refusal from the source (openImageFile's INPUT_NOT_REGULAR)", async () => {
    const refusal = new InputError('INPUT_NOT_REGULAR', 'image /dev/zero is a character device, not a regular file');
    const refusing: AsyncIterable<Uint8Array> = { [Symbol.asyncIterator]: () => ({ next: () => Promise.reject(refusal) }) };
    const error: unknown = await new TarReader(refusing).next().catch((e: unknown) => e);
    expect(error).toBe(refusal);
  });

  it('refuses a source that yields something other than bytes', async () => {
    const { source } = countingSource(new Uint8Array(0), 1, { extra: ['manifest.json'] });
    expect(await codeOf(new TarReader(source).next())).toBe('IMAGE_READ_FAILED');
  });

  it('skips empty chunks, also after the end marker (no trailing data)', async () => {
    const { bytes } = await sampleImage();
    const { source } = countingSource(bytes, 1000, { extra: [new Uint8Array(0), new Uint8Array(0)] });
    const { entries } = await readAll(source);
    expect(entries.map((e) => e.name)).toEqual(['manifest.json', 'signatures.json', 'blocks/x', 'payload/x']);
    const interleaved = (async function* () {
      for await (const chunk of chunked(bytes, 600)) {
        yield new Uint8Array(0);
        yield chunk;
      }
    })();
    expect((await readAll(interleaved)).entries).toHaveLength(4);
  });

  it('ends an image with END_MARKER_BYTES of zeros, and calls any byte after them trailing data', async () => {
    const { bytes } = await sampleImage();
    expect(END_MARKER_BYTES).toBe(2 * 512);
    const lastEnd = tarEntries(bytes).at(-1)?.end ?? 0;
    expect(bytes.byteLength - lastEnd).toBe(END_MARKER_BYTES);
    const error: unknown = await readAll(chunked(concatBytes(bytes, new Uint8Array(1)), 700)).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'IMAGE_TRAILING_DATA', details: { offset: bytes.byteLength } });
  });

  describe('skip', () => {
    it('passes over data unread where the source can skip, and reads on at the right place', async () => {
      const { bytes } = await sampleImage();
      for (const size of [100, 512, 4096, bytes.byteLength]) {
        const source = skippable(bytes, size);
        const reader = new TarReader(source);
        const names: string[] = [];
        for (let entry = await reader.next(); entry !== null; entry = await reader.next()) {
          names.push(entry.name);
          if (entry.name === 'payload/x') {
            await reader.skip(1000);
            expect(reader.remaining).toBe(4000);
            expect(
              Buffer.from(await reader.read(10)).equals(Buffer.from(bytes.subarray(entry.dataOffset + 1000, entry.dataOffset + 1010))),
            ).toBe(true);
            await reader.skip(1e9); // never past the entry
            expect(reader.remaining).toBe(0);
          }
        }
        expect(names).toEqual(['manifest.json', 'signatures.json', 'blocks/x', 'payload/x']);
        expect(reader.position).toBe(bytes.byteLength);
        // What the chunk in hand held was passed over in it; only the rest was left to the source.
        if (size < 1000) expect(source.skipped).toBeGreaterThan(0);
        if (size === bytes.byteLength) expect(source.skipped).toBe(0);
        expect(source.skipped).toBeLessThanOrEqual(4990);
      }
    });

    it('reads what it skips from a source that cannot skip, or when it keeps the archive digest', async () => {
      const { bytes } = await sampleImage();
      const sha = createHash('sha256').update(bytes).digest('hex');
      for (const [source, digest] of [
        [chunked(bytes, 300), false],
        [skippable(bytes, 300), true],
      ] as const) {
        const reader = new TarReader(source, { digest });
        for (let entry = await reader.next(); entry !== null; entry = await reader.next()) await reader.skip(entry.size);
        expect(reader.position).toBe(bytes.byteLength);
        if (digest) expect(reader.sha256).toBe(sha);
        if ('skipped' in source) expect(source.skipped).toBe(0);
      }
    });

    it('finds a file cut inside skipped data truncated (the source refuses to skip past its end)', async () => {
      const { bytes } = await sampleImage();
      const reader = new TarReader(skippable(bytes.subarray(0, bytes.byteLength - 3000), 512));
      let entry = await reader.next();
      while (entry !== null && entry.name !== 'payload/x') entry = await reader.next();
      expect(await codeOf(reader.skip(5000))).toBe('IMAGE_TRUNCATED');
    });

    it('refuses to skip outside an entry', async () => {
      const { bytes } = await sampleImage();
      for (const source of [chunked(bytes), skippable(bytes, 512)]) await expect(new TarReader(source).skip(1)).rejects.toThrow(/no entry/);
    });
  });
});
