import { execFileSync, spawn } from 'node:child_process';
import { mkdtemp, rm, truncate, writeFile, mkdir } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { itWithTools } from '@fwkit/test-utils';
import { readInputFile, readInputFileSync, readJsonInputFile, INPUT_LIMITS } from './read-file.js';

async function codeOf(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (error) {
    return (error as { code?: unknown }).code;
  }
  return 'resolved';
}

// The asynchronous reader and the synchronous one make the same checks with the same errors.
const READERS = [
  ['readInputFile', readInputFile],
  ['readInputFileSync', (path: string, what: string, limit: number) => Promise.resolve().then(() => readInputFileSync(path, what, limit))],
] as const;

describe.each(READERS)('%s', (_name, read) => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'fwkit-read-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('reads a file of exactly the limit and refuses one byte more', async () => {
    const path = join(dir, 'exact');
    await writeFile(path, Buffer.alloc(1000, 0x61));
    expect((await read(path, 'test', 1000)).length).toBe(1000);
    expect(await codeOf(read(path, 'test', 999))).toBe('INPUT_TOO_LARGE');
    await writeFile(path, '');
    expect((await read(path, 'test', 0)).length).toBe(0);
  });

  it('reads files larger than one read chunk whole', async () => {
    const path = join(dir, 'big');
    const bytes = Buffer.alloc(300_000);
    for (let i = 0; i < bytes.length; i++) bytes[i] = i % 251;
    await writeFile(path, bytes);
    expect((await read(path, 'test', 300_000)).equals(bytes)).toBe(true);
  });

  it('refuses a sparse 2 GB file after reading limit + 1 bytes', async () => {
    const path = join(dir, 'sparse');
    await writeFile(path, '');
    await truncate(path, 2 ** 31);
    const started = performance.now();
    const before = process.memoryUsage().rss;
    expect(await codeOf(read(path, 'trust root', INPUT_LIMITS.trustRoot))).toBe('INPUT_TOO_LARGE');
    expect(performance.now() - started).toBeLessThan(2000);
    expect(process.memoryUsage().rss - before).toBeLessThan(64 * 1024 * 1024);
  });

  it('reads a /proc file that reports size 0, and bounds it too', async () => {
    const text = (await read('/proc/self/status', 'test', 1 << 20)).toString('utf8');
    expect(text).toContain('Pid:');
    expect(await codeOf(read('/proc/self/status', 'test', 10))).toBe('INPUT_TOO_LARGE');
  });

  it('reports a missing file, and a path through a file, as INPUT_NOT_FOUND', async () => {
    expect(await codeOf(read(join(dir, 'missing'), 'test', 10))).toBe('INPUT_NOT_FOUND');
    await writeFile(join(dir, 'file'), 'x');
    expect(await codeOf(read(join(dir, 'file', 'sub'), 'test', 10))).toBe('INPUT_NOT_FOUND');
  });

  it('refuses a directory', async () => {
    await mkdir(join(dir, 'adir'));
    expect(await codeOf(read(join(dir, 'adir'), 'test', 10))).toBe('INPUT_NOT_REGULAR');
  });

  itWithTools(
    'mkfifo',
    'refuses a FIFO at once, without and with a writer',
    async () => {
      const fifo = join(dir, 'fifo');
      execFileSync('mkfifo', [fifo]);
      expect(await codeOf(read(fifo, 'test', 10))).toBe('INPUT_NOT_REGULAR');
      // A writer that holds the FIFO open and writes: still refused, and nothing is read from it.
      const writer = spawn('sh', ['-c', `exec 3>"${fifo}"; while :; do echo data >&3; sleep 0.05; done`], { stdio: 'ignore' });
      try {
        await new Promise((resolve) => setTimeout(resolve, 200));
        expect(await codeOf(read(fifo, 'test', 10))).toBe('INPUT_NOT_REGULAR');
      } finally {
        writer.kill('SIGKILL');
      }
    },
    5000,
  );

  it('refuses a Unix socket', async () => {
    const path = join(dir, 'sock');
    const server = createServer();
    await new Promise<void>((resolve) => server.listen(path, resolve));
    try {
      expect(await codeOf(read(path, 'test', 10))).toBe('INPUT_NOT_REGULAR');
    } finally {
      server.close();
    }
  });

  itWithTools('mknod', 'refuses character and block devices (made with mknod; needs root)', async () => {
    const chr = join(dir, 'null');
    const blk = join(dir, 'loop');
    execFileSync('mknod', [chr, 'c', '1', '3']);
    execFileSync('mknod', [blk, 'b', '7', '0']);
    // A temp dir on a nodev mount makes open(2) fail (EACCES) instead: refused either way, never read.
    expect(await codeOf(read(chr, 'test', 10))).toMatch(/^INPUT_(NOT_REGULAR|UNREADABLE)$/);
    expect(await codeOf(read(blk, 'test', 10))).toMatch(/^INPUT_(NOT_REGULAR|UNREADABLE|NOT_FOUND)$/);
  });

  it('readJsonInputFile refuses duplicate keys and never echoes content', async () => {
    const path = join(dir, 'dup.json');
    await writeFile(path, '{"secret-value-1234": 1, "secret-value-1234": 2}');
    const error = (await readJsonInputFile(path, 'doc', 100).catch((e: unknown) => e)) as Error & { code: string };
    expect(error.code).toBe('JSON_DUPLICATE_KEY');
    const pem = join(dir, 'key.pem');
    await writeFile(path, '-----BEGIN PRIVATE KEY-----\nMC4CAQAwBQYDK2VwBCIEIabcdefsecret\n');
    const garbage = (await readJsonInputFile(path, 'doc', 1000).catch((e: unknown) => e)) as Error & { code: string };
    expect(garbage.code).toBe('JSON_INVALID');
    expect(garbage.message).not.toMatch(/BEGIN|MC4C|secret/);
    await writeFile(pem, Buffer.from([0xff, 0xfe, 0x7b, 0x7d]));
    expect(await codeOf(readJsonInputFile(pem, 'doc', 1000))).toBe('JSON_INVALID');
  });
});
