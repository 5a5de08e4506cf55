import { execFileSync } from 'node:child_process';
import { lstat, mkdir, mkdtemp, readdir, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { itWithTools } from '@fwkit/test-utils';
import { ensureDirectory, holdsBytes, publishStaged, stageFile, writeFileAtomic, writeStagedFile } from './fs.js';

const dirs: string[] = [];
afterAll(async () => {
  await Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true })));
});

async function tempDir(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'fwkit-fs-'));
  dirs.push(dir);
  return dir;
}

async function codeOf(promise: Promise<unknown>): Promise<string | undefined> {
  try {
    await promise;
    return undefined;
  } catch (error) {
    return (error as { code?: string }).code;
  }
}

const modeOf = async (path: string) => (await lstat(path)).mode & 0o777;

describe('writeFileAtomic', () => {
  it('writes and replaces regular files, mode 0644 (0600 when asked), leaving no temporary file', async () => {
    const dir = await tempDir();
    const path = join(dir, 'a', 'b.txt');
    await writeFileAtomic(path, 'one');
    await writeFileAtomic(path, 'two');
    expect(await readFile(path, 'utf8')).toBe('two');
    // The umask (022 here) may only take bits away; never group/other write, never execute.
    expect((await modeOf(path)) & ~0o644).toBe(0);
    expect((await modeOf(path)) & 0o600).toBe(0o600);
    await writeFileAtomic(join(dir, 'key'), 'secret', { mode: 0o600 });
    expect(await modeOf(join(dir, 'key'))).toBe(0o600);
    expect((await readdir(dir, { recursive: true })).sort()).toEqual(['a', join('a', 'b.txt'), 'key']);
  });

  itWithTools('mkfifo', 'refuses a directory, a symlink and a FIFO (OUTPUT_NOT_REGULAR) and leaves each as it was', async () => {
    const dir = await tempDir();
    await mkdir(join(dir, 'sub'));
    await writeFile(join(dir, 'real'), 'real');
    await symlink(join(dir, 'real'), join(dir, 'link'));
    execFileSync('mkfifo', [join(dir, 'fifo')]);
    for (const name of ['sub', 'link', 'fifo'])
      expect(await codeOf(writeFileAtomic(join(dir, name), 'x')), name).toBe('OUTPUT_NOT_REGULAR');
    expect((await lstat(join(dir, 'link'))).isSymbolicLink()).toBe(true);
    expect((await lstat(join(dir, 'fifo'))).isFIFO()).toBe(true);
    expect(await readFile(join(dir, 'real'), 'utf8')).toBe('real');
    expect((await readdir(dir)).sort()).toEqual(['fifo', 'link', 'real', 'sub']);
  });

  itWithTools('mknod', 'refuses a character device (OUTPUT_NOT_REGULAR): the node stays a device', async () => {
    const dir = await tempDir();
    execFileSync('mknod', [join(dir, 'null'), 'c', '1', '3']);
    expect(await codeOf(writeFileAtomic(join(dir, 'null'), 'x'))).toBe('OUTPUT_NOT_REGULAR');
    expect((await lstat(join(dir, 'null'))).isCharacterDevice()).toBe(true);
    expect(await readdir(dir)).toEqual(['null']);
  });

  it('refuses a parent that is a file (OUTPUT_NOT_DIRECTORY) and an existing file when told not to replace (OUTPUT_EXISTS)', async () => {
    const dir = await tempDir();
    await writeFile(join(dir, 'file'), 'keep');
    expect(await codeOf(writeFileAtomic(join(dir, 'file', 'x'), 'x'))).toBe('OUTPUT_NOT_DIRECTORY');
    expect(await codeOf(ensureDirectory(join(dir, 'file', 'sub')))).toBe('OUTPUT_NOT_DIRECTORY');
    expect(await codeOf(writeFileAtomic(join(dir, 'file'), 'x', { replace: false }))).toBe('OUTPUT_EXISTS');
    expect(await readFile(join(dir, 'file'), 'utf8')).toBe('keep');
    expect(await readdir(dir)).toEqual(['file']);
  });

  it('removes the temporary file when writing fails, and the target keeps its old content', async () => {
    const dir = await tempDir();
    await writeFile(join(dir, 'target'), 'old');
    const failing = stageFile(join(dir, 'target'), async (put) => {
      await put(new Uint8Array(10));
      throw new Error('the producer broke');
    });
    await expect(failing).rejects.toThrow('the producer broke');
    expect(await readdir(dir)).toEqual(['target']);
    expect(await readFile(join(dir, 'target'), 'utf8')).toBe('old');
  });
});

describe('writeStagedFile', () => {
  it('writes a new file in place (its folder made), refuses one that exists, and leaves none when writing fails', async () => {
    const dir = await tempDir();
    const path = join(dir, 'model', 'image.fwimg');
    await writeStagedFile(path, async (put) => {
      await put(Buffer.from('one '));
      await put(Buffer.from('two'));
    });
    expect(await readFile(path, 'utf8')).toBe('one two');
    expect(await readdir(join(dir, 'model'))).toEqual(['image.fwimg']);
    // A staging directory is private: a file already there is a mistake, never replaced.
    expect(await codeOf(writeStagedFile(path, (put) => put(Buffer.from('x'))))).toBe('OUTPUT_EXISTS');
    expect(await readFile(path, 'utf8')).toBe('one two');

    const failing = writeStagedFile(join(dir, 'model', 'half.fwimg'), async (put) => {
      await put(new Uint8Array(10));
      throw new Error('the producer broke');
    });
    await expect(failing).rejects.toThrow('the producer broke');
    expect(await readdir(join(dir, 'model'))).toEqual(['image.fwimg']);
  });
});

describe('holdsBytes', () => {
  it('is true only for a regular file with exactly these bytes, never through a link', async () => {
    const dir = await tempDir();
    const path = join(dir, 'image.fwimg');
    await writeFile(path, 'the image');
    await symlink(path, join(dir, 'link.fwimg'));
    await mkdir(join(dir, 'folder'));
    expect(await holdsBytes(path, Buffer.from('the image'))).toBe(true);
    expect(await holdsBytes(path, Buffer.from('the imagE'))).toBe(false);
    expect(await holdsBytes(path, Buffer.from('the image, longer'))).toBe(false);
    expect(await holdsBytes(path, new Uint8Array(0))).toBe(false);
    expect(await holdsBytes(join(dir, 'link.fwimg'), Buffer.from('the image'))).toBe(false);
    expect(await holdsBytes(join(dir, 'folder'), new Uint8Array(0))).toBe(false);
    expect(await holdsBytes(join(dir, 'absent'), new Uint8Array(0))).toBe(false);
  });
});

describe('publishStaged', () => {
  it('moves staged files into place, and a rollback restores the files they replaced', async () => {
    const dir = await tempDir();
    const staging = join(dir, '.staging');
    await mkdir(staging);
    await mkdir(join(dir, 'm'));
    await writeFile(join(dir, 'm', 'a'), 'old a');
    await writeFile(join(staging, 'a'), 'new a');
    await writeFile(join(staging, 'b'), 'new b');
    const published = await publishStaged(
      [
        { from: join(staging, 'a'), to: join(dir, 'm', 'a') },
        { from: join(staging, 'b'), to: join(dir, 'n', 'b') },
      ],
      staging,
    );
    expect(await readFile(join(dir, 'm', 'a'), 'utf8')).toBe('new a');
    expect(await readFile(join(dir, 'n', 'b'), 'utf8')).toBe('new b');
    await published.rollback();
    expect(await readFile(join(dir, 'm', 'a'), 'utf8')).toBe('old a');
    expect((await readdir(dir)).sort()).toEqual(['.staging', 'm']);
  });

  it('checks every target before the first move: a directory in the way of the last moves nothing', async () => {
    const dir = await tempDir();
    const staging = join(dir, '.staging');
    await mkdir(staging);
    await writeFile(join(staging, 'a'), 'a');
    await writeFile(join(staging, 'b'), 'b');
    await mkdir(join(dir, 'm', 'b'), { recursive: true });
    const moves = [
      { from: join(staging, 'a'), to: join(dir, 'new', 'a') },
      { from: join(staging, 'b'), to: join(dir, 'm', 'b') },
    ];
    expect(await codeOf(publishStaged(moves, staging))).toBe('OUTPUT_NOT_REGULAR');
    expect((await readdir(dir, { recursive: true })).sort()).toEqual([
      '.staging',
      join('.staging', 'a'),
      join('.staging', 'b'),
      'm',
      join('m', 'b'),
    ]);
  });
});
