import { cp, mkdir, readdir, readFile, readlink, symlink } from 'node:fs/promises';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { fieldDevicesOf, productManifestFromJSON } from '@fwkit/core';
import { loadPemSigner, privateKeyFromPem, trustRootFromJSON, type Signer, type TrustRoot } from '@fwkit/signing';
import { verifyImageFile } from '@fwkit/verify';
import { REPO, useTempDirs } from './fixture.test-support.js';
import { buildAll, listProducts, type BuildResult } from './index.js';

// The real checkout: platform/, products/, release.json, signed with the example keys (a file key
// is one Signer adapter) and verified against keys.example/root.json.
const EPOCH = 1_767_225_600;
const NOW = new Date(EPOCH * 1000);

const tempDir = useTempDirs();

/**
 * A second checkout as a clone and `npm ci` make it: the sources (the firmware's workspace
 * dependency packages/json included) copied, and a node_modules whose workspace links point into
 * the copy, as npm makes them; every other package links to the repository's installed one.
 */
async function cloneCheckout(root: string): Promise<string> {
  await mkdir(root, { recursive: true });
  for (const entry of ['platform', 'products', 'release.json', 'package-lock.json', 'packages/json']) {
    await cp(join(REPO, entry), join(root, entry), { recursive: true });
  }
  const modules = join(REPO, 'node_modules');
  await mkdir(join(root, 'node_modules'));
  for (const name of await readdir(modules)) {
    if (!name.startsWith('@fwkit') && !name.startsWith('@camera')) {
      await symlink(join(modules, name), join(root, 'node_modules', name));
      continue;
    }
    await mkdir(join(root, 'node_modules', name));
    // Workspace links are relative (../../packages/json): recreated as they are, they resolve in the copy.
    for (const pkg of await readdir(join(modules, name))) {
      await symlink(await readlink(join(modules, name, pkg)), join(root, 'node_modules', name, pkg));
    }
  }
  return root;
}

describe('building the repository', () => {
  let signers: Signer[];
  let trust: TrustRoot;
  let models: string[];
  let results: BuildResult[];
  beforeAll(async () => {
    signers = await Promise.all(['targets-1', 'targets-2'].map((name) => loadPemSigner(join(REPO, 'keys.example', `${name}.key.pem`))));
    trust = trustRootFromJSON(JSON.parse(await readFile(join(REPO, 'keys.example', 'root.json'), 'utf8')), NOW);
    models = await listProducts(REPO);
    results = await buildAll({ repoRoot: REPO, outDir: await tempDir('fwkit-repo-'), sourceDateEpoch: EPOCH, signers, trust });
  });

  it('builds and verifies every product in products/', async () => {
    expect(models.length).toBeGreaterThan(0);
    expect(results.map((r) => r.model)).toEqual(models);
    const release = JSON.parse(await readFile(join(REPO, 'release.json'), 'utf8')) as { firmware: string };
    for (const result of results) {
      expect(result.firmware).toBe(release.firmware);
      expect(result.verified).toBe(true);
      const product = productManifestFromJSON(JSON.parse(await readFile(join(REPO, 'products', result.model, 'product.json'), 'utf8')));
      for (const device of ['any-device' as const, ...fieldDevicesOf(product)]) {
        const verified = await verifyImageFile(result.imagePath, { trust, device, now: NOW });
        expect(verified.imageSha256).toBe(result.imageSha256);
        expect(verified.exampleKeys).toBe(true);
      }
      // Not a byte of the private keys, in any encoding, in the image or the SBOM.
      const outputs = [await readFile(result.imagePath), await readFile(result.sbomPath)];
      for (const name of ['targets-1', 'targets-2']) {
        const pem = await readFile(join(REPO, 'keys.example', `${name}.key.pem`), 'utf8');
        const seed = Buffer.from(privateKeyFromPem(pem));
        const body = pem
          .split('\n')
          .filter((l) => l !== '' && !l.startsWith('-----'))
          .join('');
        const needles = [seed, Buffer.from(seed.toString('hex')), Buffer.from(seed.toString('base64')), Buffer.from(body)];
        for (const output of outputs) for (const needle of needles) expect(output.includes(needle)).toBe(false);
      }
      // The platform bundles fast-xml-parser: the SBOM of every image names it.
      expect(result.packages.map((p) => p.purl)).toContain(
        `pkg:npm/fast-xml-parser@${(JSON.parse(await readFile(join(REPO, 'node_modules/fast-xml-parser/package.json'), 'utf8')) as { version: string }).version}`,
      );
    }
  });

  it('builds the same bytes from a copy of the tree in another directory (node_modules symlinked)', async () => {
    const copy = await cloneCheckout(join(await tempDir('fwkit-copy-'), 'some', 'where', 'else'));
    const again = await buildAll({ repoRoot: copy, outDir: await tempDir('fwkit-copy-out-'), sourceDateEpoch: EPOCH, signers, trust });
    expect(again.map((r) => [r.model, r.imageSha256, r.sbomSha256])).toEqual(results.map((r) => [r.model, r.imageSha256, r.sbomSha256]));
    for (const [i, result] of again.entries()) {
      const original = results.at(i);
      if (original === undefined) throw new Error(`no original build of ${result.model}`);
      expect((await readFile(result.imagePath)).equals(await readFile(original.imagePath))).toBe(true);
      expect((await readFile(result.sbomPath)).equals(await readFile(original.sbomPath))).toBe(true);
    }
  });
});
