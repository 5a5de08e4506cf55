import { execFileSync } from 'node:child_process';
import { chmod, mkdir, mkdtemp, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { itWithTools } from '@fwkit/test-utils';
import { copyCheckout, fwkit, fwkitOnSmallDisk, snapshot, type FwkitOptions, type RunResult } from './helpers.js';

// Every writer of the real CLI, given an output it must not or cannot write: a coded error
// (exit 1) that names the path, and nothing written — the directory listing (hidden temporary
// files included) is the same before and after.

const EPOCH = '1767225600'; // 2026-01-01: every model is supported
const MODEL = 'ptz-4k';
const FIRMWARE = '1.4.0';
/** Tests that run the CLI several times, each bundling the products: slow when the machine is busy. */
const SLOW = 180_000;

let repo: string;
const temps: string[] = [];
beforeAll(async () => {
  repo = await copyCheckout('fwkit-outputs-repo-');
  temps.push(repo);
});
afterAll(async () => {
  await Promise.all(temps.map((d) => rm(d, { recursive: true, force: true })));
});

/** A temporary directory that nobody may enter but not write. */
async function tempDir(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'fwkit-outputs-'));
  temps.push(dir);
  await chmod(dir, 0o755);
  return dir;
}

interface Report {
  ok: boolean;
  code: string;
  details: { path?: string; errno?: string; failures?: { model: string; code: string }[] } | null;
}

function report(result: RunResult): Report {
  expect(result.stderr).not.toMatch(/internal error|\n\s+at /);
  return JSON.parse(result.stdout) as Report;
}

function run(args: string[], options: FwkitOptions = {}): Promise<RunResult> {
  return fwkit([...args, '--json'], { cwd: repo, env: { SOURCE_DATE_EPOCH: EPOCH }, ...options });
}

const build = (out: string, options?: FwkitOptions, products: string[] = ['--product', MODEL]) =>
  run(['build', ...products, '--keys', 'keys.example', '--out', out], options);

/** Run, expect exit 1 with `code` naming `path`, and `watched` unchanged. */
async function refuses(watched: string, action: () => Promise<RunResult>, code: string, path: string | undefined): Promise<void> {
  const before = await snapshot(watched);
  const result = await action();
  expect(result.code, result.stderr).toBe(1);
  const json = report(result);
  expect(json.code).toBe(code);
  if (path !== undefined) expect(json.details?.path).toBe(path);
  expect(await snapshot(watched)).toEqual(before);
}

describe('fwkit build --out that cannot take the images', () => {
  it(
    'refuses an existing file and file/sub (OUTPUT_NOT_DIRECTORY) and leaves them as they were',
    async () => {
      const dir = await tempDir();
      const file = join(dir, 'file');
      await writeFile(file, 'keep me\n');
      await refuses(dir, () => build(file), 'OUTPUT_NOT_DIRECTORY', file);
      await refuses(dir, () => build(join(file, 'sub')), 'OUTPUT_NOT_DIRECTORY', join(file, 'sub'));
    },
    SLOW,
  );

  itWithTools(
    'mknod',
    'refuses a device node as --out (OUTPUT_NOT_DIRECTORY) and leaves it as it was',
    async () => {
      const dir = await tempDir();
      const node = join(dir, 'null');
      execFileSync('mknod', [node, 'c', '1', '3']);
      await refuses(dir, () => build(node), 'OUTPUT_NOT_DIRECTORY', node);
    },
    SLOW,
  );

  itWithTools(
    ['root', 'namespaces'],
    'refuses a read-only mount and a directory the user may not write (OUTPUT_NOT_WRITABLE)',
    async () => {
      const dir = await tempDir();
      await mkdir(join(dir, 'ro'), { mode: 0o777 });
      await refuses(
        dir,
        () => build(join(dir, 'ro', 'out'), { readOnly: [join(dir, 'ro')] }),
        'OUTPUT_NOT_WRITABLE',
        join(dir, 'ro', 'out'),
      );
      await refuses(dir, () => build(join(dir, 'ro'), { readOnly: [join(dir, 'ro')] }), 'OUTPUT_NOT_WRITABLE', join(dir, 'ro'));
      // dir is root's, mode 0755: nobody may read it, not write it.
      await refuses(dir, () => build(dir, { asNobody: true }), 'OUTPUT_NOT_WRITABLE', dir);
      await refuses(dir, () => build(join(dir, 'new'), { asNobody: true }), 'OUTPUT_NOT_WRITABLE', join(dir, 'new'));
    },
    SLOW,
  );

  it(
    'refuses <out>/<model> that is a file, and an image path that is a directory, writing neither image nor SBOM',
    async () => {
      const dir = await tempDir();
      await writeFile(join(dir, MODEL), 'not a directory\n');
      await refuses(dir, () => build(dir), 'OUTPUT_NOT_DIRECTORY', join(dir, MODEL));

      const other = await tempDir();
      const imagePath = join(other, MODEL, `${MODEL}-${FIRMWARE}.fwimg`);
      await mkdir(imagePath, { recursive: true });
      // Today's bug: the SBOM went in first and stayed when the image could not be written.
      await refuses(other, () => build(other), 'OUTPUT_NOT_REGULAR', imagePath);
    },
    SLOW,
  );
});

describe('fwkit build on a full disk', () => {
  itWithTools(
    ['root', 'namespaces'],
    'fails with OUTPUT_FAILED (ENOSPC) and leaves no staging directory or temporary file',
    async () => {
      const dir = await tempDir();
      // Room for an SBOM (~14 KB), not for an image (~270 KB).
      const args = ['build', '--product', MODEL, '--keys', 'keys.example', '--out', dir, '--json'];
      const result = await fwkitOnSmallDisk(dir, 64 * 1024, args, { cwd: repo, env: { SOURCE_DATE_EPOCH: EPOCH } });
      expect(result.code, result.stderr).toBe(1);
      const json = report(result);
      expect(json.code).toBe('OUTPUT_FAILED');
      expect(json.details).toMatchObject({ errno: 'ENOSPC' });
      expect(result.leftovers).toEqual([]);
    },
    SLOW,
  );
});

describe('fwkit build --all when some products fail', () => {
  it(
    'builds every product, reports each failure with its code, and writes nothing',
    async () => {
      const broken = await copyCheckout('fwkit-outputs-broken-');
      temps.push(broken);
      // Two products break in two ways; the other two build.
      const ptz = join(broken, 'products', 'ptz-4k', 'product.json');
      await writeFile(ptz, (await readFile(ptz, 'utf8')).replace('"platform": ">=1.0.0 <2.0.0"', '"platform": ">=7.0.0"'));
      await writeFile(join(broken, 'products', 'thermal-t640', 'src', 'drivers.ts'), 'export const = ;\n');
      const out = join(broken, 'out');
      await mkdir(join(out, 'ptz-4k'), { recursive: true });
      await writeFile(join(out, 'ptz-4k', 'ptz-4k-1.3.0.fwimg'), 'an older image\n');

      const before = await snapshot(out);
      const result = await fwkit(['build', '--all', '--keys', 'keys.example', '--out', 'out', '--json'], {
        cwd: broken,
        env: { SOURCE_DATE_EPOCH: EPOCH },
      });
      expect(result.code, result.stderr).toBe(1);
      const json = report(result);
      expect(json.code).toBe('BUILD_PRODUCTS_FAILED');
      expect(json.details?.failures?.map((f) => [f.model, f.code]).sort()).toEqual([
        ['ptz-4k', 'BUILD_REQUIREMENTS'],
        ['thermal-t640', 'BUILD_BUNDLE_FAILED'],
      ]);
      expect(await snapshot(out)).toEqual(before);

      // One failure is reported with its own code, and still writes nothing of the others.
      await writeFile(
        join(broken, 'products', 'thermal-t640', 'src', 'drivers.ts'),
        await readFile(join(repo, 'products', 'thermal-t640', 'src', 'drivers.ts')),
      );
      const one = await fwkit(['build', '--all', '--keys', 'keys.example', '--out', 'out', '--json'], {
        cwd: broken,
        env: { SOURCE_DATE_EPOCH: EPOCH },
      });
      expect(one.code, one.stderr).toBe(1);
      expect(report(one).code).toBe('BUILD_REQUIREMENTS');
      expect(await snapshot(out)).toEqual(before);
    },
    SLOW,
  );
});

describe('fwkit release --out and a ledger that cannot be written', () => {
  const release = (out: string, options?: FwkitOptions) =>
    run(['release', '--demo', '--allow-dirty', '--keys', 'keys.example', '--out', out], options);

  it(
    'refuses an --out that is a file (OUTPUT_NOT_DIRECTORY), the ledger untouched',
    async () => {
      const file = join(repo, 'out-file');
      await writeFile(file, 'keep me\n');
      await refuses(repo, () => release(file), 'OUTPUT_NOT_DIRECTORY', file);
      await rm(file);
    },
    SLOW,
  );

  itWithTools(
    ['root', 'namespaces'],
    'refuses a read-only --out, and a ledger on a read-only mount moves no image into out',
    async () => {
      const dir = await tempDir();
      await refuses(repo, () => release(dir, { readOnly: [dir] }), 'OUTPUT_NOT_WRITABLE', dir);

      // The whole release runs; writing the ledger fails before any image moves into out.
      const out = join(dir, 'out');
      await mkdir(out);
      await writeFile(join(out, 'keep.txt'), 'keep me\n');
      const before = await snapshot(out);
      await refuses(repo, () => release(out, { readOnly: [join(repo, 'releases')] }), 'OUTPUT_NOT_WRITABLE', join(repo, 'releases'));
      expect(await snapshot(out)).toEqual(before);
    },
    SLOW,
  );
});

describe('fwkit matrix --output', () => {
  const matrix = (output: string, options?: FwkitOptions) => run(['matrix', '--output', output], options);

  itWithTools(
    'mkfifo',
    'refuses a directory, a symlink and a FIFO (OUTPUT_NOT_REGULAR), and writes a regular file 0644',
    async () => {
      const dir = await tempDir();
      await mkdir(join(dir, 'sub'));
      await writeFile(join(dir, 'target.json'), 'old\n');
      await symlink(join(dir, 'target.json'), join(dir, 'link.json'));
      await refuses(dir, () => matrix(join(dir, 'sub')), 'OUTPUT_NOT_REGULAR', join(dir, 'sub'));
      await refuses(dir, () => matrix(join(dir, 'link.json')), 'OUTPUT_NOT_REGULAR', join(dir, 'link.json'));
      execFileSync('mkfifo', [join(dir, 'fifo')]);
      await refuses(dir, () => matrix(join(dir, 'fifo')), 'OUTPUT_NOT_REGULAR', join(dir, 'fifo'));

      const ok = await matrix(join(dir, 'target.json'));
      expect(ok.code, ok.stderr).toBe(0);
      const after = await snapshot(dir);
      expect(after['target.json']).toMatch(/^file 644 /);
      expect(Object.keys(after).sort()).toEqual(['fifo', 'link.json', 'sub', 'target.json']);
    },
    SLOW,
  );

  itWithTools(
    'mknod',
    'refuses a character device without replacing the node (OUTPUT_NOT_REGULAR)',
    async () => {
      const dir = await tempDir();
      const node = join(dir, 'null');
      execFileSync('mknod', [node, 'c', '1', '3']);
      await refuses(dir, () => matrix(node), 'OUTPUT_NOT_REGULAR', node);
      expect((await snapshot(dir))['null']).toMatch(/^special /);
    },
    SLOW,
  );

  itWithTools(
    ['root', 'namespaces'],
    'refuses a read-only directory (OUTPUT_NOT_WRITABLE), leaving no temporary file',
    async () => {
      const dir = await tempDir();
      await writeFile(join(dir, 'matrix.json'), 'old\n');
      await refuses(dir, () => matrix(join(dir, 'matrix.json'), { readOnly: [dir] }), 'OUTPUT_NOT_WRITABLE', dir);
      await refuses(dir, () => matrix(join(dir, 'matrix.json'), { asNobody: true }), 'OUTPUT_NOT_WRITABLE', dir);
    },
    SLOW,
  );
});

describe('fwkit keys generate --out', () => {
  it(
    'refuses a file as the directory (OUTPUT_NOT_DIRECTORY), and a key path that is not a regular file (KEY_EXISTS)',
    async () => {
      const dir = await tempDir();
      await writeFile(join(dir, 'file'), 'keep me\n');
      await refuses(
        dir,
        () => fwkit(['keys', 'generate', '--name', 'k', '--out', join(dir, 'file'), '--json']),
        'OUTPUT_NOT_DIRECTORY',
        undefined,
      );
      await mkdir(join(dir, 'k.key.pem'));
      await refuses(dir, () => fwkit(['keys', 'generate', '--name', 'k', '--out', dir, '--json']), 'KEY_EXISTS', undefined);
    },
    SLOW,
  );
});
