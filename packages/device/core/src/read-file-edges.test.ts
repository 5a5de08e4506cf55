import { readdirSync } from 'node:fs';
import { mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { InputError } from './errors.js';
import { INPUT_LIMITS, openInputFile, readInputFile, readInputFileSync } from './read-file.js';

// The edges of readInputFile: the limit from both sides, `inspect`, the errors' causes, and the
// descriptor closed whatever happens.

const openFds = (): number => readdirSync('/proc/self/fd').length;

/** The error `read` throws (it must throw an InputError). */
function thrown(read: () => unknown): InputError {
  try {
    read();
  } catch (error) {
    expect(error).toBeInstanceOf(InputError);
    return error as InputError;
  }
  throw new Error('it returned');
}

async function failure(promise: Promise<unknown>): Promise<InputError> {
  try {
    await promise;
  } catch (error) {
    expect(error).toBeInstanceOf(InputError);
    return error as InputError;
  }
  throw new Error('it resolved');
}

describe('readInputFile, at its edges', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'fwkit-read-edges-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('shows `inspect` the open file, and its throw refuses the file', async () => {
    const path = join(dir, 'inspected');
    await writeFile(path, 'abc');
    const sizes: number[] = [];
    expect((await readInputFile(path, 'test', 10, (stats) => void sizes.push(stats.size))).toString()).toBe('abc');
    expect(sizes).toEqual([3]);
    const refused = new InputError('INPUT_NOT_REGULAR', 'refused by inspect');
    await expect(
      readInputFile(path, 'test', 10, () => {
        throw refused;
      }),
    ).rejects.toBe(refused);
  });

  it('keeps the system error as the cause', async () => {
    const missing = await failure(readInputFile(join(dir, 'missing'), 'test', 10));
    expect(missing.code).toBe('INPUT_NOT_FOUND');
    expect((missing.cause as { code?: unknown }).code).toBe('ENOENT');
    const directory = await failure(openInputFile(dir, 'test'));
    expect(directory.code).toBe('INPUT_NOT_REGULAR');
  });

  it('closes the file after success and after every refusal', async () => {
    const path = join(dir, 'fds');
    await writeFile(path, 'x'.repeat(100));
    const before = openFds();
    await readInputFile(path, 'test', 100);
    expect(openFds()).toBe(before);
    await failure(readInputFile(path, 'test', 99));
    expect(openFds()).toBe(before);
    await failure(
      readInputFile(path, 'test', 100, () => {
        throw new InputError('INPUT_NOT_REGULAR', 'no');
      }),
    );
    expect(openFds()).toBe(before);
    await failure(openInputFile(dir, 'test'));
    expect(openFds()).toBe(before);
  });

  it('calls a file it cannot open for another reason unreadable, with the system error as the cause', async () => {
    const loop = join(dir, 'loop');
    await symlink(loop, loop); // open(2): ELOOP
    const error = await failure(readInputFile(loop, 'test', 10));
    expect(error.code).toBe('INPUT_UNREADABLE');
    expect((error.cause as { code?: unknown }).code).toBe('ELOOP');
  });

  it('calls a regular file whose read fails unreadable, and closes it', async () => {
    // /proc/self/mem is a regular file; reading at offset 0 (an unmapped address) fails with EIO.
    const before = openFds();
    const error = await failure(readInputFile('/proc/self/mem', 'test', 10));
    expect(error.code).toBe('INPUT_UNREADABLE');
    expect((error.cause as { code?: unknown }).code).toBe('EIO');
    expect(openFds()).toBe(before);
  });

  it.each([
    ['readInputFile', readInputFile],
    [
      'readInputFileSync',
      (path: string, what: string, limit: number) => Promise.resolve().then(() => readInputFileSync(path, what, limit)),
    ],
  ] as const)('%s refuses a Unix socket with the system error as the cause', async (name, read) => {
    const path = join(dir, `${name}.sock`);
    const server = createServer();
    await new Promise<void>((resolve) => server.listen(path, resolve));
    try {
      const error = await failure(read(path, 'test', 10));
      expect(error.code).toBe('INPUT_NOT_REGULAR');
      expect((error.cause as { code?: unknown }).code).toBe('ENXIO');
    } finally {
      server.close();
    }
  });

  it('holds a document of its limit in MiB and refuses one byte more (the trust root: 1 MiB)', async () => {
    const path = join(dir, 'root.json');
    const limit = INPUT_LIMITS.trustRoot;
    expect(limit).toBe(1024 * 1024);
    await writeFile(path, Buffer.alloc(limit, 0x20));
    expect((await readInputFile(path, 'trust root', limit)).byteLength).toBe(limit);
    await writeFile(path, Buffer.alloc(limit + 1, 0x20));
    expect((await failure(readInputFile(path, 'trust root', limit))).code).toBe('INPUT_TOO_LARGE');
  });
});

describe('readInputFileSync, at its edges', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'fwkit-read-sync-edges-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it.each([
    ['readInputFile', (path: string, limit: number) => readInputFile(path, 'test', limit)],
    ['readInputFileSync', (path: string, limit: number) => Promise.resolve().then(() => readInputFileSync(path, 'test', limit))],
  ] as const)('%s reads a file one byte under, at and (refuses) one over the limit, across the first read buffer', async (_name, read) => {
    const path = join(dir, 'sized');
    for (const size of [1000, 64 * 1024, 64 * 1024 + 1, 200_000]) {
      const bytes = Buffer.alloc(size, 0x62);
      await writeFile(path, bytes);
      expect((await read(path, size + 1)).equals(bytes)).toBe(true);
      expect((await read(path, size)).equals(bytes)).toBe(true);
      expect((await failure(read(path, size - 1))).code).toBe('INPUT_TOO_LARGE');
    }
  });

  it('keeps the system error as the cause, and closes the file after success and after every refusal', async () => {
    const path = join(dir, 'fds');
    await writeFile(path, 'x'.repeat(100));
    const before = openFds();
    expect(readInputFileSync(path, 'test', 100).toString()).toBe('x'.repeat(100));
    expect(thrown(() => readInputFileSync(path, 'test', 99)).code).toBe('INPUT_TOO_LARGE');
    const directory = thrown(() => readInputFileSync(dir, 'test', 10));
    expect([directory.code, directory.message]).toEqual(['INPUT_NOT_REGULAR', `test ${dir} is a directory, not a regular file`]);
    const missing = thrown(() => readInputFileSync(join(dir, 'missing'), 'test', 10));
    expect([missing.code, (missing.cause as { code?: unknown }).code]).toEqual(['INPUT_NOT_FOUND', 'ENOENT']);
    const loop = join(dir, 'loop');
    await symlink(loop, loop); // open(2): ELOOP
    const looped = thrown(() => readInputFileSync(loop, 'test', 10));
    expect([looped.code, (looped.cause as { code?: unknown }).code]).toEqual(['INPUT_UNREADABLE', 'ELOOP']);
    // /proc/self/mem is a regular file; reading at offset 0 (an unmapped address) fails with EIO.
    const unreadable = thrown(() => readInputFileSync('/proc/self/mem', 'test', 10));
    expect([unreadable.code, (unreadable.cause as { code?: unknown }).code]).toEqual(['INPUT_UNREADABLE', 'EIO']);
    expect(openFds()).toBe(before);
  });
});
