import { readdir, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { beforeAll, describe, expect, it } from 'vitest';
import { sha256Hex, toHex, type DeviceIdentity } from '@fwkit/device-core';
import { fieldDevicesOf, productManifestFromJSON } from '@fwkit/release-core';
import { inspectImage } from '@fwkit/release-image';
import { validateSbom } from '@fwkit/release-sbom';
import { privateKeyToPem } from '@fwkit/release-signing';
import { testKeys } from '@fwkit/test-utils';
import { verifyImageFile } from '@fwkit/device-verify';
import { copyCheckout, EPOCH, NOW, REPO, signers, trust, useTempDirs } from './fixture.test-support.js';
import { buildAll, buildProductImage, buildProducts, BuildError, type BuildOptions, type BuildResult } from './index.js';

const tempDir = useTempDirs();

/** A fixture checkout in a new temporary directory, optionally `nesting` levels below it. */
async function checkout(nesting = ''): Promise<string> {
  return copyCheckout(join(await tempDir('fwkit-build-'), nesting));
}

function options(repoRoot: string, outDir: string, extra: Partial<BuildOptions> = {}): BuildOptions {
  return { repoRoot, outDir, sourceDateEpoch: EPOCH, keys: { signers, trust }, ...extra };
}

async function listFiles(dir: string): Promise<string[]> {
  try {
    return (await readdir(dir, { recursive: true })).map(String).sort();
  } catch {
    return [];
  }
}

/** The bytes of one payload, read back out of the image by its tar entry offset. */
async function payloadOf(image: Uint8Array, path: string): Promise<Uint8Array> {
  const inspected = await inspectImage(Readable.from([image]) as AsyncIterable<Uint8Array>);
  const entry = inspected.entries.find((e) => e.name === `payload/${path}`);
  if (entry === undefined) throw new Error(`no payload ${path}`);
  return image.subarray(entry.offset + 512, entry.offset + 512 + entry.size);
}

describe('buildAll on the fixture checkout', () => {
  let root: string;
  let out: string;
  let results: BuildResult[];
  beforeAll(async () => {
    root = await checkout();
    out = await tempDir('fwkit-out-');
    results = await buildAll(options(root, out));
  });

  it('builds, signs and verifies every product, and writes image + SBOM per model', async () => {
    expect(results.map((r) => r.model)).toEqual(['cam-one', 'cam-two']);
    expect(await listFiles(out)).toEqual([
      'cam-one',
      'cam-one/cam-one-2.0.0.cdx.json',
      'cam-one/cam-one-2.0.0.fwimg',
      'cam-two',
      'cam-two/cam-two-2.0.0.cdx.json',
      'cam-two/cam-two-2.0.0.fwimg',
    ]);
    for (const result of results) {
      expect(result.verified).toBe(true);
      const image = await readFile(result.imagePath);
      expect(result.imageBytes).toBe(image.byteLength);
      expect(result.fileSha256).toBe(sha256Hex(image));
      expect(result.signedBy).toEqual([testKeys.targets1.keyid, testKeys.targets2.keyid].sort());
      // Independently of the build: the verifier accepts it on every device of the model in the field.
      const product = productManifestFromJSON(JSON.parse(await readFile(join(root, 'products', result.model, 'product.json'), 'utf8')));
      const devices: (DeviceIdentity | 'any-device')[] = ['any-device', ...fieldDevicesOf(product)];
      expect(result.verifiedFor).toHaveLength(devices.length);
      for (const device of devices) {
        const verified = await verifyImageFile(result.imagePath, {
          trust,
          devices: device === 'any-device' ? device : [device],
          now: NOW,
          fileDigest: true,
        });
        expect(verified.fileSha256).toBe(result.fileSha256);
      }
    }
  });

  it('writes a manifest with one payload per domain plus the SBOM, and flashBytes = their sum', async () => {
    const result = results.at(1);
    if (result === undefined) throw new Error('cam-two was not built');
    const inspected = await inspectImage(Readable.from([await readFile(result.imagePath)]) as AsyncIterable<Uint8Array>);
    const { manifest } = inspected;
    expect(manifest).toMatchObject({
      model: 'cam-two',
      modelName: 'Fixture Cam Two PTZ',
      hardwareRevisions: ['A', 'B'],
      versions: { firmware: '2.0.0', platform: '1.4.0', security: 5 },
      upgradeFrom: '>=1.0.0',
      sourceDateEpoch: EPOCH,
      blockSize: 1048576,
      sbom: { path: 'sbom.cdx.json', format: 'CycloneDX-1.6+json' },
    });
    expect(manifest.payloads.map((p) => [p.path, p.domain])).toEqual([
      ['core/main.js', 'core'],
      ['protocol/main.js', 'protocol'],
      ['sbom.cdx.json', 'meta'],
    ]);
    expect(manifest.domains).toMatchObject({ core: { entry: 'core/main.js' }, protocol: { grants: { listen: ['127.0.0.1:8080'] } } });
    expect(manifest.requires).toEqual({
      interfaces: { 'board.hal': '>=1.0.0 <2.0.0', 'ptz.visca': '>=2.0.0 <3.0.0', 'sensor.mipi-csi2': '>=2.0.0 <3.0.0' },
      bootloader: '>=2.4.0',
      imageFormat: 1,
      ramBytes: 1048576 + 1048576 + 1024,
      flashBytes: manifest.payloads.reduce((sum, p) => sum + p.size, 0),
    });
    expect(inspected.entries.map((e) => e.name)).toEqual([
      'manifest.json',
      'signatures.json',
      'blocks/core/main.js',
      'blocks/protocol/main.js',
      'blocks/sbom.cdx.json',
      'payload/core/main.js',
      'payload/protocol/main.js',
      'payload/sbom.cdx.json',
    ]);
  });

  it('composes platform and product code: drivers and build constants in core, fast-xml-parser in protocol', async () => {
    const image = await readFile(results[1]?.imagePath ?? '');
    const core = new TextDecoder().decode(await payloadOf(image, 'core/main.js'));
    const protocol = new TextDecoder().decode(await payloadOf(image, 'protocol/main.js'));
    expect(core).toContain('IMX-TWO');
    expect(core).toContain('"cam-two"');
    // Replaced by its value (esbuild keeps a `// <define:__FWKIT_BUILD__>` comment above it).
    expect(core).not.toMatch(/__FWKIT_BUILD__\./);
    expect(core).not.toContain('fwkit:drivers');
    expect(protocol).toContain('XMLParser');
    expect(protocol).not.toContain('IMX-TWO');
    expect(protocol).not.toMatch(/from ["']fast-xml-parser["']/);
  });

  it('writes the SBOM beside the image: the one inside plus the image identity, and it is valid CycloneDX 1.6', async () => {
    for (const result of results) {
      const image = await readFile(result.imagePath);
      const inside = await payloadOf(image, 'sbom.cdx.json');
      const beside = await readFile(result.sbomPath);
      expect(sha256Hex(inside)).toBe(result.sbomSha256);
      await validateSbom(beside);
      // Version 2 of the BOM inside, naming the image by its manifest digest; nothing else differs.
      const besideBom = JSON.parse(beside.toString('utf8')) as {
        version: number;
        serialNumber: string;
        metadata: { properties?: { name: string; value: string }[] };
      };
      const insideBom = JSON.parse(new TextDecoder().decode(inside)) as typeof besideBom;
      expect(besideBom.metadata.properties).toEqual([{ name: 'fwkit:image:manifest-sha256', value: result.manifestSha256 }]);
      expect([insideBom.version, besideBom.version, besideBom.serialNumber]).toEqual([1, 2, insideBom.serialNumber]);
      delete besideBom.metadata.properties;
      expect({ ...besideBom, version: 1 }).toEqual(insideBom);
      const bom = JSON.parse(beside.toString('utf8')) as {
        metadata: { component: { name: string; version: string } };
        components: { name: string }[];
      };
      expect(bom.metadata.component).toMatchObject({ name: result.model, version: '2.0.0' });
      const names = bom.components.map((c) => c.name);
      expect(names).toEqual(expect.arrayContaining(['fixture-platform', `${result.model}-drivers`, 'fast-xml-parser', 'strnum']));
      expect(result.packages.map((p) => p.name)).toContain('fast-xml-parser');
    }
  });

  it('lists the firmware runtime of platform.json in every SBOM (a platform component with its CPE and end of life) and the supplier', async () => {
    for (const result of results) {
      const bom = JSON.parse(await readFile(result.sbomPath, 'utf8')) as {
        metadata: { component: { 'bom-ref': string } };
        components: { type: string; name: string; 'bom-ref': string }[];
        dependencies: { ref: string; dependsOn?: string[] }[];
      };
      const runtime = bom.components.find((c) => c.type === 'platform');
      expect(runtime).toEqual({
        type: 'platform',
        name: 'node',
        version: '24.11.1',
        'bom-ref': 'fwkit:runtime/node@24.11.1',
        cpe: 'cpe:2.3:a:nodejs:node.js:24.11.1:*:*:*:*:*:*:*',
        description: expect.any(String) as unknown,
        properties: [{ name: 'fwkit:runtime:endOfLife', value: '2028-04-30' }],
      });
      const root = bom.dependencies.find((d) => d.ref === bom.metadata.component['bom-ref']);
      expect(root?.dependsOn).toContain('fwkit:runtime/node@24.11.1');
      // npm's "Name <email> (url)" author of platform/package.json is the supplier.
      expect((bom.metadata as { supplier?: unknown }).supplier).toEqual({
        name: 'Example Camera Co.',
        url: ['https://camera.example'],
        contact: [{ email: 'psirt@camera.example' }],
      });
    }
  });

  it('puts no private key into the image, the SBOM or the result, in any encoding', async () => {
    for (const result of results) {
      const haystacks = [await readFile(result.imagePath), await readFile(result.sbomPath), Buffer.from(JSON.stringify(result))];
      for (const key of [testKeys.targets1, testKeys.targets2]) {
        const seed = Buffer.from(key.privateKey);
        const pemBody = privateKeyToPem(key.privateKey)
          .split('\n')
          .filter((l) => l !== '' && !l.startsWith('-----'))
          .join('');
        const needles = [
          seed,
          Buffer.from(toHex(key.privateKey)),
          Buffer.from(seed.toString('base64')),
          Buffer.from(seed.toString('base64url')),
          Buffer.from(pemBody),
        ];
        for (const haystack of haystacks) for (const needle of needles) expect(haystack.includes(needle)).toBe(false);
      }
    }
  });
});

describe('reproducibility', () => {
  it('builds byte-identical images and SBOMs from two checkouts in different directories', async () => {
    const a = await checkout();
    const b = await checkout('deeper/still/checkout');
    const [outA, outB] = [await tempDir('fwkit-a-'), await tempDir('fwkit-b-')];
    const ra = await buildAll(options(a, outA));
    const rb = await buildAll(options(b, outB));
    expect(ra.map((r) => r.fileSha256)).toEqual(rb.map((r) => r.fileSha256));
    expect(ra).toHaveLength(2);
    for (const [i, result] of ra.entries()) {
      const other = rb.at(i);
      if (other === undefined) throw new Error(`second build lacks ${result.model}`);
      const imageA = await readFile(result.imagePath);
      expect(imageA.equals(await readFile(other.imagePath))).toBe(true);
      expect((await readFile(result.sbomPath)).equals(await readFile(other.sbomPath))).toBe(true);
      // No path of either checkout (nor of the repository node_modules points to) leaks in.
      for (const path of [a, b, REPO.replace(/\/$/, ''), tmpdir()]) expect(imageA.includes(Buffer.from(path))).toBe(false);
      const protocol = new TextDecoder().decode(await payloadOf(imageA, 'protocol/main.js'));
      // esbuild's module comments name every file relative to the checkout root.
      const comments = [...protocol.matchAll(/^\/\/ \S+\.[cm]?[jt]s$/gm)].map(([line]) => line.slice('// '.length));
      expect(comments).toContain('node_modules/fast-xml-parser/src/xmlparser/XMLParser.js');
      expect(comments.filter((c) => !/^(?:node_modules|platform|products)\//.test(c))).toEqual([]);
    }
  });

  it('ignores tsconfig.json files above the checkout', async () => {
    const parent = await tempDir('fwkit-tsconfig-');
    await writeFile(
      join(parent, 'tsconfig.json'),
      JSON.stringify({ compilerOptions: { useDefineForClassFields: false, verbatimModuleSyntax: false } }),
    );
    const nested = await copyCheckout(join(parent, 'repo'));
    const plain = await checkout();
    const one = await buildProductImage({ ...options(nested, await tempDir('fwkit-o-')), model: 'cam-one' });
    const two = await buildProductImage({ ...options(plain, await tempDir('fwkit-o-')), model: 'cam-one' });
    expect(one.fileSha256).toBe(two.fileSha256);
  });

  it('changes the image (and the SBOM timestamp) when SOURCE_DATE_EPOCH changes', async () => {
    const root = await checkout();
    const first = await buildProductImage({ ...options(root, await tempDir('fwkit-o-')), model: 'cam-one' });
    const later = await buildProductImage({
      ...options(root, await tempDir('fwkit-o-'), { sourceDateEpoch: EPOCH + 60 }),
      model: 'cam-one',
    });
    expect(later.fileSha256).not.toBe(first.fileSha256);
    expect(later.sbomSha256).not.toBe(first.sbomSha256);
    expect(later.sbomSerialNumber).not.toBe(first.sbomSerialNumber);
    // The code is the same: only time-stamped parts differ.
    expect(later.payloads.filter((p) => p.domain !== 'meta')).toEqual(first.payloads.filter((p) => p.domain !== 'meta'));
  });
});

describe('build failures write nothing', () => {
  async function expectFailure(
    run: (root: string, out: string) => Promise<unknown>,
    code: string,
    prepare?: (root: string) => Promise<void>,
  ) {
    const root = await checkout();
    await prepare?.(root);
    const out = await tempDir('fwkit-fail-');
    const error = await run(root, out).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(BuildError);
    expect((error as BuildError).code).toBe(code);
    expect(await listFiles(out)).toEqual([]);
    return error as BuildError;
  }

  /** Rewrites one JSON document of a checkout (`path` relative to its root). */
  async function editDocument(root: string, path: string, edit: (doc: Record<string, unknown>) => void): Promise<void> {
    const file = join(root, path);
    const doc = JSON.parse(await readFile(file, 'utf8')) as Record<string, unknown>;
    edit(doc);
    await writeFile(file, JSON.stringify(doc));
  }
  const editProduct = (root: string, model: string, edit: (p: Record<string, unknown>) => void) =>
    editDocument(root, `products/${model}/product.json`, edit);
  const editPlatform = (root: string, edit: (p: Record<string, unknown>) => void) => editDocument(root, 'platform/platform.json', edit);

  it('fails with BUILD_DEVICE_INCOMPATIBLE when a hardware revision in the field has too little flash', async () => {
    const error = await expectFailure(
      (root, out) => buildProductImage({ ...options(root, out), model: 'cam-two' }),
      'BUILD_DEVICE_INCOMPATIBLE',
      (root) =>
        editProduct(root, 'cam-two', (p) => {
          const revisionB = (p['hardware'] as { flashPartitionBytes: number }[]).at(1);
          if (revisionB === undefined) throw new Error('fixture cam-two has no revision B');
          revisionB.flashPartitionBytes = 4096;
        }),
    );
    const devices = error.details?.['devices'] as { hardwareRevision: string; reasons: { code: string }[] }[];
    expect(devices.map((d) => d.hardwareRevision)).toEqual(['B', 'B']);
    expect(devices.flatMap((d) => d.reasons.map((r) => r.code))).toEqual(['FLASH_INSUFFICIENT', 'FLASH_INSUFFICIENT']);
  });

  it('fails with BUILD_DEVICE_INCOMPATIBLE when a bootloader in the field is too old for a feature', async () => {
    const error = await expectFailure(
      (root, out) => buildProductImage({ ...options(root, out), model: 'cam-two' }),
      'BUILD_DEVICE_INCOMPATIBLE',
      (root) =>
        editProduct(root, 'cam-two', (p) => {
          const hardware = p['hardware'] as { bootloaders: { version: string; imageFormats: number[] }[] }[];
          hardware[0]?.bootloaders.push({ version: '2.3.0', imageFormats: [1] });
        }),
    );
    const devices = error.details?.['devices'] as { bootloader: string; reasons: { code: string }[] }[];
    expect(devices).toEqual([
      expect.objectContaining({ bootloader: '2.3.0', reasons: [expect.objectContaining({ code: 'BOOTLOADER_TOO_OLD' })] }),
    ]);
  });

  it('fails with BUILD_REQUIREMENTS when the product enables a feature the platform lacks', async () => {
    const error = await expectFailure(
      (root, out) => buildProductImage({ ...options(root, out), model: 'cam-one' }),
      'BUILD_REQUIREMENTS',
      (root) => editProduct(root, 'cam-one', (p) => void (p['features'] = ['sensor', 'teleport'])),
    );
    expect((error.details?.['reasons'] as { code: string }[]).map((r) => r.code)).toEqual(['FEATURE_UNKNOWN']);
  });

  it('fails with BUILD_RUNTIME_UNDECLARED when platform.json names no firmware runtime', async () => {
    const error = await expectFailure(
      (root, out) => buildProductImage({ ...options(root, out), model: 'cam-one' }),
      'BUILD_RUNTIME_UNDECLARED',
      (root) =>
        editPlatform(root, (p) => {
          delete p['runtime'];
        }),
    );
    expect(error.message).toContain('"runtime"');
  });

  it("fails with BUILD_INPUT_INVALID when platform/package.json names no author (the SBOM's supplier)", async () => {
    const error = await expectFailure(
      (root, out) => buildProductImage({ ...options(root, out), model: 'cam-one' }),
      'BUILD_INPUT_INVALID',
      (root) =>
        editDocument(root, 'platform/package.json', (pkg) => {
          delete pkg['author'];
        }),
    );
    expect(error.message).toContain('"author" must name the camera maker');
  });

  it('bundles for the runtime platform.json declares: syntax its major line lacks is lowered', async () => {
    const root = await checkout();
    await writeFile(
      join(root, 'platform/src/core/main.ts'),
      `${await readFile(join(root, 'platform/src/core/main.ts'), 'utf8')}\nexport function once(cache: { value?: number }): number {\n  return (cache.value ??= 7);\n}\n`,
    );
    const coreOf = async (version: string): Promise<string> => {
      await editPlatform(root, (p) => void (p['runtime'] = { name: 'node', version, endOfLife: '2099-12-31' }));
      const result = await buildProductImage({ ...options(root, await tempDir('fwkit-runtime-')), model: 'cam-one' });
      return new TextDecoder().decode(await payloadOf(await readFile(result.imagePath), 'core/main.js'));
    };
    expect(await coreOf('24.11.1')).toContain('cache.value ??= 7');
    // Logical assignment came with Node 15: for a Node 14 device esbuild writes it out.
    expect(await coreOf('14.21.3')).not.toContain('??=');
  });

  it('fails with BUILD_BUNDLE_FAILED when the drivers import a module that does not exist', async () => {
    const error = await expectFailure(
      (root, out) => buildProductImage({ ...options(root, out), model: 'cam-one' }),
      'BUILD_BUNDLE_FAILED',
      async (root) => {
        // Granted, so that the import check lets esbuild look for it.
        await editPlatform(root, (p) => {
          const imports = p['imports'] as { domains: Record<string, unknown> };
          imports.domains['core'] = { drivers: true, packages: ['no-such-package'] };
        });
        await writeFile(
          join(root, 'products/cam-one/src/drivers.ts'),
          "import { x } from 'no-such-package';\nexport default { sensor: x, read: () => 1 };\n",
        );
      },
    );
    expect(error.details?.['domain']).toBe('core');
  });

  it('refuses signers below the targets threshold, or a key the root does not list, before anything is built', async () => {
    const steps: string[] = [];
    const onProgress = (model: string, step: string) => void steps.push(`${model}: ${step}`);
    const below = await expectFailure(
      (root, out) => buildAll(options(root, out, { keys: { signers: [testKeys.targets1.signer], trust }, onProgress })),
      'BUILD_SIGNERS_BELOW_THRESHOLD',
    );
    expect(below.details).toMatchObject({ keyids: [testKeys.targets1.signer.keyid], threshold: 2, distinct: 1 });
    // One key given twice is still one key.
    await expectFailure(
      (root, out) => buildAll(options(root, out, { keys: { signers: [testKeys.targets1.signer, testKeys.targets1.signer], trust } })),
      'BUILD_SIGNERS_BELOW_THRESHOLD',
    );
    const untrusted = await expectFailure(
      (root, out) => buildAll(options(root, out, { keys: { signers: [...signers, testKeys.outsider.signer], trust }, onProgress })),
      'BUILD_SIGNER_UNTRUSTED',
    );
    expect(untrusted.details).toEqual({ keys: [{ keyid: testKeys.outsider.signer.keyid }] });
    expect(untrusted.message).toContain(testKeys.outsider.signer.keyid);
    // Refused before the first step: nothing was loaded, bundled or signed.
    expect(steps).toEqual([]);
  });

  it('builds with keys it loads itself, and when they fail, stops and reports them ahead of any other failure', async () => {
    const late = <T>(value: T) =>
      new Promise<T>((resolve) => {
        setTimeout(() => {
          resolve(value);
        }, 50);
      });
    const ok = await buildProductImage({
      ...options(await checkout(), await tempDir('fwkit-out-'), { keys: () => late({ signers, trust }) }),
      model: 'cam-one',
    });
    expect(ok.verified).toBe(true);
    const steps: string[] = [];
    const onProgress = (_model: string, step: string) => void steps.push(step);
    // An unknown product fails too: the keys' refusal is the one reported.
    await expectFailure(
      (root, out) =>
        buildProducts({
          ...options(root, out, { keys: () => late({ signers: [testKeys.targets1.signer], trust }), onProgress }),
          products: ['cam-one', 'cam-nine'],
        }),
      'BUILD_SIGNERS_BELOW_THRESHOLD',
    );
    await expectFailure(
      (root, out) => buildAll(options(root, out, { keys: () => Promise.reject(new BuildError('BUILD_SIGNERS_MISSING', 'no key file')) })),
      'BUILD_SIGNERS_MISSING',
    );
    // Nothing was signed.
    expect(steps).not.toContain('sign');
  });

  it('fails with BUILD_VERIFY_FAILED when the image does not verify (the trust root has expired by `now`)', async () => {
    const error = await expectFailure(
      (root, out) => buildProductImage({ ...options(root, out, { now: new Date('2100-01-01T00:00:00Z') }), model: 'cam-one' }),
      'BUILD_VERIFY_FAILED',
    );
    expect(error.details?.['code']).toBe('TRUST_ROOT_EXPIRED');
  });

  it('refuses an unknown product, a bad SOURCE_DATE_EPOCH and an empty signer list', async () => {
    await expectFailure((root, out) => buildProductImage({ ...options(root, out), model: 'cam-nine' }), 'BUILD_PRODUCT_UNKNOWN');
    await expectFailure((root, out) => buildProductImage({ ...options(root, out), model: '../platform' }), 'BUILD_PRODUCT_UNKNOWN');
    for (const epoch of [-1, 1.5, Number.NaN, 2 ** 31]) {
      await expectFailure((root, out) => buildAll(options(root, out, { sourceDateEpoch: epoch })), 'BUILD_EPOCH_INVALID');
    }
    await expectFailure((root, out) => buildAll(options(root, out, { keys: { signers: [], trust } })), 'BUILD_SIGNERS_MISSING');
  });
});
