import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { lastDayOfSupport, runtimeTarget } from '@fwkit/release-core';
import { bundleDomains, LAYOUT, listProducts, loadProduct, loadWorkspace, prepareProductImages } from '@fwkit/release-build';
import { buildSbom, loadSbomSources, type SbomInput } from '@fwkit/release-sbom';
import { version as esbuildVersion } from 'esbuild';
import { describe, expect, it } from 'vitest';
// Test-only, so not in the package's dist: the library-based writer fwkit had before its own.
import { buildSbomWithLibrary } from '../packages/release/sbom/src/bom-library.test-support.js';
import { REPO } from './helpers.js';

// The example products of this checkout: fwkit's CycloneDX writer gives the bytes the
// CycloneDX-library writer gave for the inputs a real build hands it. The inputs are put together
// here as prepareOne does (packages/release/build/src/prepare.ts); that they are the build's own is
// checked too, the writer's bytes being those of the SBOM in the prepared image.

const EPOCH = 1_796_594_440;

async function exampleInput(model: string): Promise<SbomInput> {
  const workspace = await loadWorkspace(REPO);
  const { platform, platformPackage, release } = workspace;
  const product = await loadProduct(REPO, model);
  const runtime = platform.runtime;
  if (runtime === undefined) throw new Error('the example platform declares its runtime');
  const dir = `${LAYOUT.productsDir}/${model}`;
  const hardwareRevisions = product.hardware.map((h) => h.revision);
  const bundles = await bundleDomains({
    rootDir: workspace.rootDir,
    domains: Object.entries(platform.domains)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
      .map(([name, domain]) => ({ domain: name, entry: `${LAYOUT.platformDir}/${domain.entry}` })),
    drivers: `${dir}/${product.drivers}`,
    productDir: dir,
    imports: platform.imports,
    buildInfo: {
      model: product.id,
      modelName: product.name,
      firmware: release.firmware,
      platform: platformPackage.version,
      hardwareRevisions,
    },
    target: runtimeTarget(runtime),
    checkout: workspace.checkout,
  });
  const metafiles = bundles.map((b) => b.metafile);
  const lockfile = await workspace.lockfile();
  const sources = loadSbomSources(workspace.rootDir, metafiles, { lockfile });
  return {
    firmware: {
      model: product.id,
      modelName: product.name,
      version: release.firmware,
      security: release.security,
      hardwareRevisions,
      endOfSupport: lastDayOfSupport(product.lifecycle),
    },
    supplier: platformPackage.author,
    platform: { dir: LAYOUT.platformDir, ...platformPackage },
    runtime,
    product: { dir, id: product.id, name: product.name, license: product.license },
    metafiles,
    ...sources,
    sourceDateEpoch: EPOCH,
    tools: [
      // fwkitVersion(): the build package's version.
      {
        name: 'fwkit',
        version: (JSON.parse(await readFile(join(REPO, 'packages/release/build/package.json'), 'utf8')) as { version: string }).version,
      },
      { name: 'esbuild', version: esbuildVersion },
    ],
  };
}

describe("the SBOM writer on the example products' real inputs", () => {
  it('gives the bytes the CycloneDX library gave, and those a build puts in the image', async () => {
    const models = await listProducts(REPO);
    expect(models.length).toBeGreaterThanOrEqual(4);
    const prepared = await prepareProductImages({ repoRoot: REPO, sourceDateEpoch: EPOCH, products: models });
    for (const [i, model] of models.entries()) {
      const input = await exampleInput(model);
      const own = buildSbom(input);
      const library = buildSbomWithLibrary(input);
      expect(Buffer.from(own.bytes).toString('utf8'), model).toBe(Buffer.from(library.bytes).toString('utf8'));
      expect({ serialNumber: own.serialNumber, packages: own.packages }).toEqual({
        serialNumber: library.serialNumber,
        packages: library.packages,
      });
      expect(own.packages.length, model).toBeGreaterThan(0);
      expect(Buffer.from(own.bytes).equals(Buffer.from(prepared[i]?.sbom.bytes ?? [])), model).toBe(true);
    }
  });
});
