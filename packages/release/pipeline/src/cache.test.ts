import { createHash } from 'node:crypto';
import { appendFile, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildProducts, defaultCacheDir } from '@fwkit/release-build';
import { decodeCacheEntry, encodeCacheEntry, type CacheEntry } from '@fwkit/release-build/cache';
import { trustRootFromJSON, type TrustRoot } from '@fwkit/device-trust';
import { loadPemSigner, type Signer } from '@fwkit/release-signing';
import { copyCheckout } from '@fwkit/test-utils';
import { runRelease } from './index.js';

// A release always builds afresh: a poisoned build cache (entries that pass their own digest but
// hold other images — signed by the same keys for the same model, so that they pass the checks a
// cached build makes) changes what `fwkit build` writes, and nothing of what a release writes.
const REPO = fileURLToPath(new URL('../../../../', import.meta.url));
const EPOCH = 1_767_225_600; // 2026-01-01

const temps: string[] = [];
afterAll(async () => {
  await Promise.all(temps.map((d) => rm(d, { recursive: true, force: true })));
});

let signers: Signer[];
let trust: TrustRoot;
beforeAll(async () => {
  signers = await Promise.all(['targets-1', 'targets-2'].map((k) => loadPemSigner(join(REPO, 'keys.example', `${k}.key.pem`))));
  trust = trustRootFromJSON(JSON.parse(await readFile(join(REPO, 'keys.example', 'root.json'), 'utf8')), new Date(EPOCH * 1000));
});

const sha256 = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex');

/** Entries by model (the product.json each records). */
async function entriesOf(cacheDir: string): Promise<Map<string, { path: string; entry: CacheEntry }>> {
  const out = new Map<string, { path: string; entry: CacheEntry }>();
  for (const name of (await readdir(cacheDir)).filter((n) => n.endsWith('.entry'))) {
    const path = join(cacheDir, name);
    const entry = decodeCacheEntry(await readFile(path));
    const model = Object.keys(entry?.files ?? {})
      .map((file) => /^products\/([^/]+)\/product\.json$/.exec(file)?.[1])
      .find((m) => m !== undefined);
    if (entry === undefined || model === undefined) throw new Error(`${path}: not an entry of one product`);
    out.set(model, { path, entry });
  }
  return out;
}

describe('fwkit release and the build cache', () => {
  it('ignores a poisoned cache: its images are those of a build without a cache', async () => {
    const root = await mkdtemp(join(tmpdir(), 'fwkit-release-cache-'));
    temps.push(root);
    await copyCheckout(root);
    const cacheDir = defaultCacheDir(root, {});
    const build = (outDir: string, cache: string | undefined) =>
      buildProducts({ repoRoot: root, outDir, sourceDateEpoch: EPOCH, keys: { signers, trust }, cacheDir: cache, env: {} });

    const fresh = await build(join(root, 'fresh'), undefined);
    await build(join(root, 'cold'), cacheDir);
    const entries = await entriesOf(cacheDir);
    expect([...entries.keys()].sort()).toEqual(fresh.map((r) => r.model).sort());

    // Other images of the same models, signed by the same keys: built from a changed platform source.
    const source = join(root, 'platform', 'src', 'core', 'main.ts');
    const original = await readFile(source);
    await appendFile(source, '\n// another build\n');
    const otherCache = join(root, 'other-cache');
    const other = await build(join(root, 'other'), otherCache);
    await writeFile(source, original);
    const others = await entriesOf(otherCache);
    // Each entry keeps its key and recorded inputs, takes the other build's files, and gets a matching digest.
    for (const [model, { path, entry }] of entries) {
      const replacement = others.get(model)?.entry;
      if (replacement === undefined) throw new Error(`no other build of ${model}`);
      await writeFile(path, encodeCacheEntry({ ...entry, image: replacement.image, sbom: replacement.sbom, result: replacement.result }));
    }
    // The poison works on a cached build...
    for (const image of await build(join(root, 'poisoned'), cacheDir)) {
      const otherImage = other.find((r) => r.model === image.model);
      expect(sha256(await readFile(image.imagePath))).toBe(otherImage?.fileSha256);
      expect(image.fileSha256).not.toBe(fresh.find((r) => r.model === image.model)?.fileSha256);
    }

    // ...and not on a release.
    // A demo release (example keys) from a copy that is no git checkout.
    const released = await runRelease({
      repoRoot: root,
      outDir: join(root, 'out'),
      sourceDateEpoch: EPOCH,
      signers,
      trust,
      demo: true,
      allowDirty: true,
      fwkitVersion: '0.1.0',
    });
    expect(released.images.map((i) => i.model).sort()).toEqual(fresh.map((r) => r.model).sort());
    for (const image of released.images) {
      const built = fresh.find((r) => r.model === image.model);
      if (built === undefined) throw new Error(`no fresh build of ${image.model}`);
      expect(sha256(await readFile(image.imagePath))).toBe(sha256(await readFile(built.imagePath)));
    }
  });
});
