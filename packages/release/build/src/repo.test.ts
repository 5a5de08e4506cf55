import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { fieldDevicesOf, productManifestFromJSON, runtimeTarget } from '@fwkit/release-core';
import { trustRootFromJSON, type TrustRoot } from '@fwkit/device-trust';
import { loadPemSigner, privateKeyFromPem, type Signer } from '@fwkit/release-signing';
import { copyCheckout } from '@fwkit/test-utils';
import { verifyImageFile } from '@fwkit/device-verify';
import { REPO, useTempDirs } from './fixture.test-support.js';
import { buildAll, bundleDomain, listProducts, loadProduct, loadWorkspace, type BuildResult } from './index.js';

// The real checkout: platform/, products/, release.json, signed with the example keys (a file key
// is one Signer adapter) and verified against keys.example/root.json.
const EPOCH = 1_767_225_600;
const NOW = new Date(EPOCH * 1000);

const tempDir = useTempDirs();

describe('building the repository', () => {
  let signers: Signer[];
  let trust: TrustRoot;
  let models: string[];
  let results: BuildResult[];
  beforeAll(async () => {
    signers = await Promise.all(['targets-1', 'targets-2'].map((name) => loadPemSigner(join(REPO, 'keys.example', `${name}.key.pem`))));
    trust = trustRootFromJSON(JSON.parse(await readFile(join(REPO, 'keys.example', 'root.json'), 'utf8')), NOW);
    models = await listProducts(REPO);
    results = await buildAll({ repoRoot: REPO, outDir: await tempDir('fwkit-repo-'), sourceDateEpoch: EPOCH, keys: { signers, trust } });
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
        const verified = await verifyImageFile(result.imagePath, {
          trust,
          devices: device === 'any-device' ? device : [device],
          now: NOW,
          fileDigest: true,
        });
        expect(verified.fileSha256).toBe(result.fileSha256);
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

  it('accounts in the SBOM beside each image for every file of every bundle, with its hash', async () => {
    const sha256 = (data: string | Uint8Array) => createHash('sha256').update(data).digest('hex');
    const workspace = await loadWorkspace(REPO);
    for (const result of results) {
      const product = await loadProduct(workspace.rootDir, result.model);
      const inputs = new Set<string>();
      for (const [domain, { entry }] of Object.entries(workspace.platform.domains)) {
        const bundle = await bundleDomain({
          rootDir: workspace.rootDir,
          domain,
          entry: `platform/${entry}`,
          drivers: `products/${result.model}/${product.drivers}`,
          productDir: `products/${result.model}`,
          imports: workspace.platform.imports,
          buildInfo: {
            model: result.model,
            modelName: result.modelName,
            firmware: result.firmware,
            platform: result.platform,
            hardwareRevisions: result.hardwareRevisions,
          },
          target: runtimeTarget(workspace.platform.runtime ?? expect.unreachable('the example declares its runtime')),
        });
        for (const input of Object.keys(bundle.metafile.inputs)) if (!input.startsWith('<define:')) inputs.add(input);
      }
      interface Component {
        name: string;
        hashes?: { alg: string; content: string }[];
        properties?: { name: string; value: string }[];
      }
      const bom = JSON.parse(await readFile(result.sbomPath, 'utf8')) as { components: Component[] };
      const property = (c: Component, name: string) => c.properties?.find((p) => p.name === name)?.value;
      const folders = bom.components
        .map((c) => ({ component: c, dir: property(c, 'cdx:npm:package:path') ?? property(c, 'fwkit:source:path') }))
        .filter((f): f is { component: Component; dir: string } => f.dir !== undefined)
        .sort((a, b) => b.dir.length - a.dir.length);
      // Each input to the component whose folder holds it (the deepest one: npm packages nest).
      const lines = new Map<Component, string[]>();
      for (const input of [...inputs].sort()) {
        const owner = folders.find((f) => input.startsWith(`${f.dir}/`));
        expect(owner, `${result.model}: ${input} belongs to no component of the SBOM`).toBeDefined();
        if (owner === undefined) continue;
        const line = `${sha256(await readFile(join(REPO, input)))}  ${input.slice(owner.dir.length + 1)}\n`;
        lines.set(owner.component, [...(lines.get(owner.component) ?? []), line]);
      }
      // The component's SHA-256 (sha256sum-v1) and file count cover exactly these files.
      for (const { component } of folders) {
        const own = (lines.get(component) ?? []).sort((a, b) => (a.slice(66) < b.slice(66) ? -1 : 1));
        expect(property(component, 'fwkit:bundled:files'), `${result.model}: ${component.name}`).toBe(String(own.length));
        expect(component.hashes?.find((h) => h.alg === 'SHA-256')?.content, `${result.model}: ${component.name}`).toBe(
          sha256(own.join('')),
        );
      }
    }
  });

  it('builds the same bytes from a copy of the tree in another directory (its own node_modules)', async () => {
    const copy = await copyCheckout(join(await tempDir('fwkit-copy-'), 'some', 'where', 'else'));
    const again = await buildAll({
      repoRoot: copy,
      outDir: await tempDir('fwkit-copy-out-'),
      sourceDateEpoch: EPOCH,
      keys: { signers, trust },
    });
    expect(again.map((r) => [r.model, r.fileSha256, r.sbomSha256])).toEqual(results.map((r) => [r.model, r.fileSha256, r.sbomSha256]));
    for (const [i, result] of again.entries()) {
      const original = results.at(i);
      if (original === undefined) throw new Error(`no original build of ${result.model}`);
      expect((await readFile(result.imagePath)).equals(await readFile(original.imagePath))).toBe(true);
      expect((await readFile(result.sbomPath)).equals(await readFile(original.sbomPath))).toBe(true);
    }
  });
});
