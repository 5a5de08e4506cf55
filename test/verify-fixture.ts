import { mkdir, mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { productManifestFromJSON } from '@fwkit/release-core';
import { makeDevice, makeImage, makeRootJson, TEST_MODEL, testKeys } from '@fwkit/test-utils';

/**
 * A directory for `fwkit verify` runs, made in well under a second (no esbuild build): a real
 * signed image of test-utils' `makeImage()` (upgradeFrom ">=1.0.0") as image.fwimg, its trust root
 * root.json (expires TEST_EXPIRES), a device.json it fits (installed 1.0.0), and the model's
 * product.json both in ./products (verify's default) and in ./other-products.
 */
export async function makeVerifyDir(prefix: string): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), prefix));
  const image = await makeImage({ hardwareRevisions: ['A', 'B'] });
  await writeFile(join(dir, 'image.fwimg'), image.bytes);
  await writeFile(join(dir, 'root.json'), JSON.stringify(makeRootJson({ targetsKeys: [testKeys.targets1], targetsThreshold: 1 })));
  await writeFile(join(dir, 'device.json'), JSON.stringify(makeDevice()));
  const product = productManifestFromJSON({
    schemaVersion: 1,
    id: TEST_MODEL,
    name: 'Test Camera',
    features: [],
    platform: '>=1.0.0 <2.0.0',
    drivers: 'src/drivers.ts',
    lifecycle: { released: '2025-01-01', endOfSupport: '2035-01-01' },
    hardware: [
      {
        revision: 'A',
        interfaces: { 'sensor.mipi-csi2': '1.2.0' },
        flashPartitionBytes: 64 * 1024 * 1024,
        ramBytes: 256 * 1024 * 1024,
        bootloaders: [
          { version: '2.1.0', imageFormats: [1] },
          { version: '2.2.0', imageFormats: [1] },
        ],
      },
    ],
  });
  for (const products of ['products', 'other-products']) {
    await mkdir(join(dir, products, TEST_MODEL), { recursive: true });
    await writeFile(join(dir, products, TEST_MODEL, 'product.json'), JSON.stringify(product));
  }
  return dir;
}
