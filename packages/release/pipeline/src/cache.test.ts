import { createHash } from 'node:crypto';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildProducts, defaultCacheDir } from '@fwkit/release-build';
import { trustRootFromJSON, type TrustRoot } from '@fwkit/device-trust';
import { loadPemSigner, type Signer } from '@fwkit/release-signing';
import { copyCheckout } from '@fwkit/test-utils';
import { runRelease } from './index.js';

// A release always builds afresh: a poisoned build cache (entries that pass their own digest but
// hold other images) changes what `fwkit build` writes, and nothing of what a release writes.
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
const POISON = new TextEncoder().encode('not the image the sources make');

/** Rewrite an entry (digest line + JSON body) with another image and a matching digest. */
async function poison(path: string): Promise<void> {
  const bytes = await readFile(path);
  const body = JSON.parse(bytes.subarray(bytes.indexOf(0x0a) + 1).toString('utf8')) as { image: string };
  const poisoned = Buffer.from(JSON.stringify({ ...body, image: Buffer.from(POISON).toString('base64') }));
  await writeFile(path, Buffer.concat([Buffer.from(`${sha256(poisoned)}\n`), poisoned]));
}

describe('fwkit release and the build cache', () => {
  it('ignores a poisoned cache: its images are those of a build without a cache', async () => {
    const root = await mkdtemp(join(tmpdir(), 'fwkit-release-cache-'));
    temps.push(root);
    await copyCheckout(root);
    const cacheDir = defaultCacheDir(root, {});
    const build = (outDir: string, cache: string | undefined) =>
      buildProducts({ repoRoot: root, outDir, sourceDateEpoch: EPOCH, signers, trust, cacheDir: cache, env: {} });

    const fresh = await build(join(root, 'fresh'), undefined);
    await build(join(root, 'cold'), cacheDir);
    const names = (await readdir(cacheDir)).filter((n) => n.endsWith('.entry'));
    expect(names).toHaveLength(fresh.length);
    for (const name of names) await poison(join(cacheDir, name));
    // The poison works on a cached build...
    for (const image of await build(join(root, 'poisoned'), cacheDir)) expect(await readFile(image.imagePath)).toEqual(Buffer.from(POISON));

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
    });
    expect(released.images.map((i) => i.model).sort()).toEqual(fresh.map((r) => r.model).sort());
    for (const image of released.images) {
      const built = fresh.find((r) => r.model === image.model);
      if (built === undefined) throw new Error(`no fresh build of ${image.model}`);
      expect(sha256(await readFile(image.imagePath))).toBe(sha256(await readFile(built.imagePath)));
    }
  });
});
