import { createHash } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { BlockHasher, blockHashList, describePayloads } from './blocks.js';
import { ImageError } from '@fwkit/device-image';

const sha = (b: Uint8Array) => createHash('sha256').update(b).digest();

describe('block hashes', () => {
  it('hashes consecutive blocks, the last one short, none for an empty payload', () => {
    const bytes = new Uint8Array(4096 * 2 + 5).map((_, i) => i & 0xff);
    const list = blockHashList(bytes, 4096);
    expect(list.byteLength).toBe(3 * 32);
    expect(Buffer.from(list.subarray(0, 32)).equals(sha(bytes.subarray(0, 4096)))).toBe(true);
    expect(Buffer.from(list.subarray(64)).equals(sha(bytes.subarray(8192)))).toBe(true);
    expect(blockHashList(new Uint8Array(0), 4096).byteLength).toBe(0);
    expect(blockHashList(new Uint8Array(4096), 4096).byteLength).toBe(32);
  });

  it('refuses a block size that is not a power of two from 4 KiB to 16 MiB', () => {
    for (const size of [0, 1000, 2048, 4097, 1 << 25]) expect(() => blockHashList(new Uint8Array(1), size)).toThrow(ImageError);
  });

  it('BlockHasher gives the same list and digests however the bytes are cut', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 20_000 }), fc.array(fc.integer({ min: 1, max: 5000 }), { minLength: 1 }), (bytes, cuts) => {
        const hasher = new BlockHasher(4096);
        let offset = 0;
        for (let i = 0; offset < bytes.byteLength; i++) {
          const n = cuts[i % cuts.length] ?? 1;
          hasher.update(bytes.subarray(offset, offset + n));
          offset += n;
        }
        const digest = hasher.digest();
        const list = blockHashList(bytes, 4096);
        expect(Buffer.from(digest.blockList).equals(list)).toBe(true);
        expect(digest.size).toBe(bytes.byteLength);
        expect(digest.sha256).toBe(sha(bytes).toString('hex'));
        expect(digest.blocksSha256).toBe(sha(list).toString('hex'));
      }),
      { numRuns: 50 },
    );
  });

  it('describes payloads sorted by path, with sizes, digests and block list digests', () => {
    const { payloads, blockLists } = describePayloads(
      [
        { path: 'z', domain: 'app', bytes: new Uint8Array([1]) },
        { path: 'B', domain: 'meta', bytes: new Uint8Array(0) },
        { path: 'a/b', domain: 'app', bytes: new Uint8Array(5000) },
      ],
      4096,
    );
    expect(payloads.map((p) => p.path)).toEqual(['B', 'a/b', 'z']);
    expect(blockLists.map((b) => b.path)).toEqual(['B', 'a/b', 'z']);
    expect(payloads[1]).toMatchObject({ size: 5000, domain: 'app', sha256: sha(new Uint8Array(5000)).toString('hex') });
    expect(payloads[1]?.blocksSha256).toBe(sha(blockHashList(new Uint8Array(5000), 4096)).toString('hex'));
    expect(() =>
      describePayloads([
        { path: 'a', domain: 'x', bytes: new Uint8Array(0) },
        { path: 'a', domain: 'x', bytes: new Uint8Array(0) },
      ]),
    ).toThrow(ImageError);
  });
});
