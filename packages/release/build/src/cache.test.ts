import { createHash } from 'node:crypto';
import { appendFile, readdir, readFile, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { copyCheckout, EPOCH, signers, trust, useTempDirs } from './fixture.test-support.js';
import { decodeCacheEntry, encodeCacheEntry, type CacheEntry } from './cache.js';
import { buildProducts, defaultCacheDir, type BuildProductsOptions } from './index.js';

// The build cache on copies of the fixture checkout: every input change misses, a damaged entry
// misses and is replaced, and a cached build writes the same bytes as a fresh one.
const tempDir = useTempDirs();

interface Run {
  /** Models whose build came from the cache, sorted (products build concurrently). */
  readonly cached: string[];
  /** Every file written, by path relative to the out dir → SHA-256. */
  readonly files: Record<string, string>;
}

async function digestsOf(dir: string): Promise<Record<string, string>> {
  const names = (await readdir(dir, { recursive: true })).map(String).sort();
  const out: Record<string, string> = {};
  for (const name of names) {
    if (!name.includes('.')) continue;
    out[name] = createHash('sha256')
      .update(await readFile(join(dir, name)))
      .digest('hex');
  }
  return out;
}

async function build(root: string, extra: Partial<BuildProductsOptions> = {}): Promise<Run> {
  const out = await tempDir('fwkit-cache-out-');
  const cached: string[] = [];
  await buildProducts({
    repoRoot: root,
    outDir: out,
    sourceDateEpoch: EPOCH,
    keys: { signers, trust },
    env: {},
    onProgress: (model, step) => {
      if (step === 'cached') cached.push(model);
    },
    ...extra,
  });
  return { cached: cached.sort(), files: await digestsOf(out) };
}

async function entries(cacheDir: string): Promise<string[]> {
  return (await readdir(cacheDir)).filter((n) => n.endsWith('.entry')).sort();
}

/** An entry as it is stored. */
async function entryAt(path: string): Promise<CacheEntry> {
  const entry = decodeCacheEntry(await readFile(path));
  if (entry === undefined) throw new Error(`${path} is not an entry`);
  return entry;
}

describe('the build cache', () => {
  it('serves an unchanged rebuild from the cache, byte for byte what a build without it writes', async () => {
    const root = await copyCheckout(await tempDir('fwkit-cache-'));
    const cacheDir = join(root, 'cache');
    const cold = await build(root, { cacheDir });
    const warm = await build(root, { cacheDir });
    const uncached = await build(root);
    expect(cold.cached).toEqual([]);
    expect(warm.cached).toEqual(['cam-one', 'cam-two']);
    expect(warm.files).toEqual(uncached.files);
    expect(cold.files).toEqual(uncached.files);
    expect(await entries(cacheDir)).toHaveLength(2);
  });

  it('misses for the product whose source changed, and for all when the lockfile or SOURCE_DATE_EPOCH changes', async () => {
    const root = await copyCheckout(await tempDir('fwkit-cache-'));
    const cacheDir = join(root, 'cache');
    await build(root, { cacheDir });

    await appendFile(join(root, 'products', 'cam-two', 'src', 'clamp.ts'), '\n// changed\n');
    const afterSource = await build(root, { cacheDir });
    expect(afterSource.cached).toEqual(['cam-one']);
    expect(afterSource.files).toEqual((await build(root)).files);

    // A new file beside a bundled module can change what an import resolves to.
    await writeFile(join(root, 'products', 'cam-one', 'src', 'new.ts'), 'export {};\n');
    expect((await build(root, { cacheDir })).cached).toEqual(['cam-two']);

    const lock = await readFile(join(root, 'package-lock.json'), 'utf8');
    await writeFile(join(root, 'package-lock.json'), `${lock.trimEnd()}\n\n`);
    expect((await build(root, { cacheDir })).cached).toEqual([]);
    expect((await build(root, { cacheDir })).cached).toEqual(['cam-one', 'cam-two']);

    const otherEpoch = await build(root, { cacheDir, sourceDateEpoch: EPOCH + 1 });
    expect(otherEpoch.cached).toEqual([]);
    expect(otherEpoch.files).toEqual((await build(root, { sourceDateEpoch: EPOCH + 1 })).files);
    expect((await build(root, { cacheDir, env: { NODE_ENV: 'production' } })).cached).toEqual([]);
  });

  it('treats a corrupted or truncated entry as a miss and replaces it', async () => {
    const root = await copyCheckout(await tempDir('fwkit-cache-'));
    const cacheDir = join(root, 'cache');
    const fresh = await build(root, { cacheDir });
    const [first, second] = await entries(cacheDir);
    if (first === undefined || second === undefined) throw new Error('expected two entries');
    const bytes = await readFile(join(cacheDir, first));
    const flipped = Uint8Array.from(bytes);
    const middle = Math.floor(bytes.length / 2);
    flipped[middle] = (flipped[middle] ?? 0) ^ 0x01;
    await writeFile(join(cacheDir, first), flipped);
    await writeFile(join(cacheDir, second), bytes.subarray(0, 100));

    const after = await build(root, { cacheDir });
    expect(after.cached).toEqual([]);
    expect(after.files).toEqual(fresh.files);
    expect(await readFile(join(cacheDir, first))).toEqual(bytes);
    expect((await build(root, { cacheDir })).cached).toEqual(['cam-one', 'cam-two']);
  });

  it('does not restore an entry whose image or SBOM was swapped, even with a matching digest: it builds afresh', async () => {
    const root = await copyCheckout(await tempDir('fwkit-cache-'));
    const cacheDir = join(root, 'cache');
    const fresh = await build(root, { cacheDir });
    const names = await entries(cacheDir);
    const bodies = await Promise.all(names.map(async (name) => ({ name, body: await entryAt(join(cacheDir, name)) })));
    const [one, two] = bodies;
    if (one === undefined || two === undefined) throw new Error('expected two entries');
    // Each entry rewritten with a digest that matches: a poisoned entry, not a damaged one.
    const cases: [string, (body: CacheEntry) => CacheEntry][] = [
      // Bytes that are no image at all.
      ['not an image', (body) => ({ ...body, image: Buffer.from('not the image the sources make') })],
      // A signed image that verifies, but of the other model.
      [
        'another model',
        (body) => ({ ...body, image: (body === one.body ? two : one).body.image, sbom: (body === one.body ? two : one).body.sbom }),
      ],
      // The right image beside another SBOM.
      ['another SBOM', (body) => ({ ...body, sbom: (body === one.body ? two : one).body.sbom })],
    ];
    for (const [, change] of cases) {
      for (const { name, body } of bodies) await writeFile(join(cacheDir, name), encodeCacheEntry(change(body)));
      const after = await build(root, { cacheDir });
      expect(after.cached).toEqual([]);
      expect(after.files).toEqual(fresh.files);
      // The fresh build replaced each entry: the next build is served from the cache again.
      expect((await build(root, { cacheDir })).cached).toEqual(['cam-one', 'cam-two']);
    }
  });

  it('leaves files the out folder already holds with the same bytes, and rewrites one that differs', async () => {
    const root = await copyCheckout(await tempDir('fwkit-cache-'));
    const cacheDir = join(root, 'cache');
    const out = await tempDir('fwkit-cache-out-');
    const options = { repoRoot: root, outDir: out, sourceDateEpoch: EPOCH, keys: { signers, trust }, env: {}, cacheDir };
    const first = await buildProducts(options);
    const [one, two] = first;
    if (one === undefined || two === undefined) throw new Error('expected two products');
    const before = await stat(one.imagePath);
    const expected = await digestsOf(out);
    // A damaged copy of the other product's image, which the next build must put right.
    const damaged = Uint8Array.from(await readFile(two.imagePath));
    damaged[600] = (damaged[600] ?? 0) ^ 0x01;
    await writeFile(two.imagePath, damaged);

    const again = await buildProducts(options);
    expect(again.map((r) => [r.imagePath, r.sbomPath])).toEqual(first.map((r) => [r.imagePath, r.sbomPath]));
    expect(await digestsOf(out)).toEqual(expected);
    // Not written again: the same file (inode), unmodified since.
    const after = await stat(one.imagePath);
    expect([after.ino, after.mtimeMs]).toEqual([before.ino, before.mtimeMs]);
    expect((await stat(two.imagePath)).ino).not.toBe((await stat(one.imagePath)).ino);
    // Nothing left behind: no staging directory.
    expect((await readdir(out)).sort()).toEqual(['cam-one', 'cam-two']);
  });

  it('writes nothing when it is off, and lives in $FWKIT_CACHE_DIR or node_modules/.cache/fwkit/build', async () => {
    const root = await copyCheckout(await tempDir('fwkit-cache-'));
    await build(root);
    await expect(readdir(join(root, 'node_modules', '.cache', 'fwkit'))).rejects.toMatchObject({ code: 'ENOENT' });
    expect(defaultCacheDir('/repo', {})).toBe(join('/repo', 'node_modules', '.cache', 'fwkit', 'build'));
    expect(defaultCacheDir('/repo', { FWKIT_CACHE_DIR: '/elsewhere' })).toBe('/elsewhere');
  });
});
