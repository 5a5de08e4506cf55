import { execFileSync } from 'node:child_process';
import { mkdir, mkdtemp, rm, symlink, link, writeFile, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chunked, describeWithTools, itWithTools, makeImage, syntheticBytes, tarEntries } from '@fwkit/test-utils';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ImageError, expectedEntryNames, TarReader, decodeHeader } from '@fwkit/device-image';
import { inspectImage } from './inspect.js';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'fwkit-tar-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

const run = (cmd: string, args: string[], cwd?: string) => execFileSync(cmd, args, { cwd, maxBuffer: 64 * 1024 * 1024 });

function headerCode(archive: Uint8Array, index: number): string | undefined {
  const header = tarEntries(archive)[index]?.header ?? new Uint8Array(512);
  try {
    decodeHeader(header, 0);
  } catch (error) {
    if (error instanceof ImageError) return error.code;
    throw error;
  }
  return undefined;
}

async function codeOf(archive: Uint8Array): Promise<string | undefined> {
  const reader = new TarReader(chunked(archive, 4096));
  try {
    while ((await reader.next()) !== null);
  } catch (error) {
    if (error instanceof ImageError) return error.code;
    throw error;
  }
  return undefined;
}

describe('images are ordinary tar files', () => {
  itWithTools(['tar', 'bsdtar'], 'GNU tar and bsdtar list the entries in the layout order and extract the payload bytes', async () => {
    const big = syntheticBytes(1024 * 1024 + 123, 'external');
    const image = await makeImage({
      payloads: [
        { path: 'app/main.js', domain: 'app', bytes: new TextEncoder().encode('main();\n') },
        { path: 'bin/big.bin', domain: 'app', bytes: big },
      ],
    });
    const file = join(dir, 'image.fwi');
    await writeFile(file, image.bytes);
    const expected = expectedEntryNames(image.manifest);
    expect(expected).toEqual([
      'manifest.json',
      'signatures.json',
      'blocks/app/main.js',
      'blocks/bin/big.bin',
      'blocks/sbom.cdx.json',
      'payload/app/main.js',
      'payload/bin/big.bin',
      'payload/sbom.cdx.json',
    ]);
    for (const tool of ['tar', 'bsdtar']) {
      expect(run(tool, ['-tf', file]).toString().trim().split('\n')).toEqual(expected);
      const verbose = run(tool, ['-tvf', file]).toString().trim().split('\n');
      expect(verbose).toHaveLength(expected.length);
      verbose.forEach((line, i) => {
        expect(line.startsWith('-rw-r--r--')).toBe(true);
        expect(line.endsWith(` ${expected[i] ?? ''}`)).toBe(true);
      });
      expect(run(tool, ['-xOf', file, 'payload/bin/big.bin']).equals(big)).toBe(true);
      expect(run(tool, ['-xOf', file, 'manifest.json']).equals(image.manifestBytes)).toBe(true);
    }
    // GNU tar's own view of the headers: owner 0/0, the source date as mtime.
    const line = run('tar', ['--utc', '--numeric-owner', '-tvf', file]).toString().split('\n')[0] ?? '';
    expect(line).toMatch(/^-rw-r--r-- 0\/0 +\d+ 2023-11-14 22:13 manifest\.json$/);
  });

  it('inspectImage lists what the tools list', async () => {
    const image = await makeImage();
    const inspected = await inspectImage(chunked(image.bytes));
    expect(inspected.entries.map((e) => e.name)).toEqual(expectedEntryNames(image.manifest));
    expect(inspected.manifest.model).toBe('test-cam');
    expect(inspected.signatures).toEqual(image.signatures);
    expect(inspected.imageBytes).toBe(image.bytes.byteLength);
  });
});

describeWithTools(['tar', 'mkfifo'], 'archives written by GNU tar are refused with the code of what they contain', () => {
  async function gnuTar(name: string, format: string, setup: (root: string) => Promise<string[]>): Promise<Uint8Array> {
    const root = join(dir, name);
    await mkdir(root, { recursive: true });
    const members = await setup(root);
    const out = join(dir, `${name}.tar`);
    run('tar', [`--format=${format}`, '--owner=0', '--group=0', '--numeric-owner', '-cf', out, ...members], root);
    return new Uint8Array(await readFile(out));
  }

  // [member, tar format, setup, index of the header of interest, code]
  it.each<[string, string, (root: string) => Promise<string[]>, number, string]>([
    [
      'symlink',
      'ustar',
      async (root) => {
        await symlink('/etc/passwd', join(root, 'link'));
        return ['link'];
      },
      0,
      'IMAGE_ENTRY_LINK',
    ],
    [
      'hardlink',
      'ustar',
      async (root) => {
        await writeFile(join(root, 'a'), 'a');
        await link(join(root, 'a'), join(root, 'b'));
        return ['a', 'b'];
      },
      1,
      'IMAGE_ENTRY_LINK',
    ],
    [
      'fifo',
      'ustar',
      (root) => {
        run('mkfifo', [join(root, 'fifo')]);
        return Promise.resolve(['fifo']);
      },
      0,
      'IMAGE_ENTRY_DEVICE',
    ],
    [
      'directory',
      'ustar',
      async (root) => {
        await mkdir(join(root, 'd'));
        return ['d'];
      },
      0,
      'IMAGE_ENTRY_TYPE',
    ],
    [
      'pax',
      'pax',
      async (root) => {
        await writeFile(join(root, 'f'), 'f');
        return ['f'];
      },
      0,
      'IMAGE_PAX_HEADER',
    ],
    [
      'gnu-long-name',
      'gnu',
      async (root) => {
        await writeFile(join(root, 'n'.repeat(120)), 'x');
        return ['n'.repeat(120)];
      },
      0,
      'IMAGE_GNU_LONGNAME',
    ],
    [
      'gnu-plain',
      'gnu',
      async (root) => {
        await writeFile(join(root, 'g'), 'g');
        return ['g'];
      },
      0,
      'IMAGE_HEADER_NONCANONICAL',
    ],
    [
      'ustar-plain',
      'ustar',
      async (root) => {
        await writeFile(join(root, 'u'), 'u');
        return ['u'];
      },
      0,
      'IMAGE_HEADER_NONCANONICAL',
    ],
  ])('%s (--format=%s): header %i → %s', async (name, format, setup, index, code) => {
    const archive = await gnuTar(name, format, setup);
    expect(headerCode(archive, index)).toBe(code);
    // Streaming, the reader stops at the first header it refuses (for a hard link: the plain file before it).
    expect(await codeOf(archive)).toBe(index === 0 ? code : 'IMAGE_HEADER_NONCANONICAL');
  });
});
