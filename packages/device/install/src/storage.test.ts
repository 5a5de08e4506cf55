import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { NodeStorage } from './storage.js';

let root: string;
beforeEach(async () => {
  root = await mkdtemp(join(tmpdir(), 'fwkit-storage-'));
});
afterEach(async () => {
  await rm(root, { recursive: true, force: true });
});

describe('NodeStorage: queued payload writes', () => {
  it('copies each block it queues: the caller reuses one buffer, and after drain the file holds every block', async () => {
    const storage = new NodeStorage(root);
    storage.write('payload.bin', new Uint8Array(0));
    const block = new Uint8Array(1 << 20);
    const expected = new Uint8Array(40 << 20); // more than the write-ahead and the write-back sizes
    for (let i = 0; i < 40; i += 1) {
      block.fill(i + 1);
      expected.fill(i + 1, i << 20, (i + 1) << 20);
      await storage.writeAt('payload.bin', i << 20, block);
    }
    await storage.drain();
    expect(Buffer.compare(await readFile(join(root, 'payload.bin')), expected)).toBe(0);
  });

  it('gathers neighbouring blocks into larger writes, yet every byte lands where it was written: two files, gaps, odd sizes, a block larger than a gathered write', async () => {
    const storage = new NodeStorage(root);
    const files = { 'a.bin': new Uint8Array(24 << 20), 'b.bin': new Uint8Array(24 << 20) };
    for (const name of Object.keys(files)) storage.write(name, new Uint8Array(0));
    const writes: [keyof typeof files, number, number][] = [
      ['a.bin', 0, 1 << 20],
      ['a.bin', 1 << 20, 1 << 20],
      ['b.bin', 0, 3], // another file between two neighbours of a.bin
      ['a.bin', 2 << 20, 1 << 20],
      ['a.bin', 3 << 20, (1 << 20) + 7], // crosses the gathered size
      ['a.bin', 9 << 20, 5], // a gap
      ['a.bin', (9 << 20) + 5, 6 << 20], // larger than a gathered write
      ['b.bin', 3, (2 << 20) - 1],
      ['b.bin', 12 << 20, 1 << 20],
      ['a.bin', 4 << 20, 1], // behind the last write
    ];
    const block = new Uint8Array(6 << 20);
    for (const [i, [name, offset, size]] of writes.entries()) {
      const bytes = block.subarray(0, size).fill(i + 1);
      files[name].fill(i + 1, offset, offset + size);
      await storage.writeAt(name, offset, bytes);
    }
    await storage.drain();
    for (const [name, expected] of Object.entries(files)) {
      const written = await readFile(join(root, name));
      const end = expected.findLastIndex((b) => b !== 0) + 1;
      expect(written.byteLength, name).toBe(end);
      expect(Buffer.compare(written, expected.subarray(0, end)), name).toBe(0);
    }
  });

  it('lends the buffer a write would gather into: bytes filled there and passed back land where they belong; a lent buffer never passed back is never written', async () => {
    const storage = new NodeStorage(root);
    const expected = { 'a.bin': new Uint8Array(12 << 20), 'b.bin': new Uint8Array(2 << 20) };
    for (const name of Object.keys(expected)) storage.write(name, new Uint8Array(0));
    // [file, offset, size, how]: 'lent' fills bufferFor's buffer and passes it back; 'copied'
    // passes other bytes; 'dropped' fills the lent buffer and never writes it (a block that failed).
    const steps: [keyof typeof expected, number, number, 'lent' | 'copied' | 'dropped'][] = [
      ['a.bin', 0, 1 << 20, 'lent'],
      ['a.bin', 1 << 20, 1 << 20, 'lent'], // gathered behind the first
      ['a.bin', 2 << 20, 1 << 20, 'dropped'],
      ['a.bin', 2 << 20, 1 << 20, 'copied'], // the same place again, from the caller's bytes
      ['b.bin', 0, 1 << 20, 'lent'], // another file in between
      ['a.bin', 3 << 20, (1 << 20) + 9, 'lent'], // crosses the gathered size: a fresh buffer
      ['a.bin', 8 << 20, 1 << 20, 'dropped'], // dropped at a gap, then nothing more there
      ['b.bin', 1 << 20, 1 << 20, 'lent'],
      ['a.bin', 5 << 20, 7, 'lent'], // the last, short
    ];
    const own = new Uint8Array(2 << 20);
    for (const [i, [name, offset, size, how]] of steps.entries()) {
      const value = i + 1;
      if (how === 'copied') {
        const bytes = own.subarray(0, size).fill(value);
        expected[name].fill(value, offset, offset + size);
        await storage.writeAt(name, offset, bytes);
        continue;
      }
      const lent = storage.bufferFor(name, offset, size);
      expect(lent.byteLength).toBe(size);
      lent.fill(how === 'dropped' ? 0xee : value);
      if (how === 'dropped') continue;
      expected[name].fill(value, offset, offset + size);
      await storage.writeAt(name, offset, lent);
    }
    await storage.drain();
    for (const [name, bytes] of Object.entries(expected)) {
      const written = await readFile(join(root, name));
      const end = bytes.findLastIndex((b) => b !== 0) + 1;
      expect(written.byteLength, name).toBe(end);
      expect(Buffer.compare(written, bytes.subarray(0, end)), name).toBe(0);
      expect(written.includes(0xee), name).toBe(false);
    }
  });

  it('reports a write that failed on the thread pool, at the latest from drain, and then is clean again', async () => {
    const storage = new NodeStorage(root);
    const failed = await storage
      .writeAt('missing/payload.bin', 0, new Uint8Array(16))
      .then(() => storage.drain())
      .catch((e: unknown) => e);
    expect(failed).toMatchObject({ code: 'ENOENT' });
    storage.write('ok.bin', new Uint8Array(0));
    await storage.writeAt('ok.bin', 0, new Uint8Array([1, 2, 3]));
    await expect(storage.drain()).resolves.toBeUndefined();
  });

  it('discards a tree in the background; drain waits for it', async () => {
    const storage = new NodeStorage(root);
    storage.mkdir('old');
    storage.mkdir('old/core');
    await writeFile(join(root, 'old/core/blob.bin'), new Uint8Array(1 << 20));
    storage.discard('old');
    await storage.drain();
    expect(existsSync(join(root, 'old'))).toBe(false);
  });
});
