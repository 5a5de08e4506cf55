import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { checkDeviceCompatibility } from '@fwkit/device-core';
import {
  composeRequirements,
  fieldDevicesOf,
  platformManifestFromJSON,
  productManifestFromJSON,
  type PlatformManifest,
  type ProductManifest,
} from '@fwkit/release-core';
import semver from 'semver';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { InterfaceUse, ProductDrivers } from '../src/drivers.js';
import { PLATFORM_DIR, REPO_DIR, bundlePlatform, type Bundle } from './bundle.js';
import { eventually, startFirmware, stopAll } from './processes.js';

/**
 * The products are coherent with the platform: every hardware revision and bootloader in the
 * field of every model accepts an image of this platform release, each model's drivers match
 * its hardware and features, and each model's firmware boots.
 */
const PRODUCTS_DIR = join(REPO_DIR, 'products');
const readJson = (path: string): unknown => JSON.parse(readFileSync(path, 'utf8'));
const MiB = 1024 * 1024;
/** Upper bound for the installed payloads of one image, checked against real bundles below. */
const FLASH_BYTES = 2 * MiB;

const platformVersion = (readJson(join(PLATFORM_DIR, 'package.json')) as { version: string }).version;
const platform: PlatformManifest = platformManifestFromJSON(readJson(join(PLATFORM_DIR, 'platform.json')), 'platform/platform.json');
const products: ProductManifest[] = readdirSync(PRODUCTS_DIR)
  .filter((id) => statSync(join(PRODUCTS_DIR, id)).isDirectory())
  .sort()
  .map((id) => productManifestFromJSON(readJson(join(PRODUCTS_DIR, id, 'product.json')), `products/${id}/product.json`));

const driversPath = (p: ProductManifest) => join(PRODUCTS_DIR, p.id, p.drivers);
const loadDrivers = async (p: ProductManifest) =>
  ((await import(pathToFileURL(driversPath(p)).href)) as { default: ProductDrivers }).default;

function imageFacts(product: ProductManifest, plat: PlatformManifest = platform) {
  const { requires, problems } = composeRequirements(plat, platformVersion, product, FLASH_BYTES);
  return {
    problems,
    facts: {
      model: product.id,
      hardwareRevisions: product.hardware.map((h) => h.revision),
      requires,
      security: 0,
      firmware: '1.0.0',
      upgradeFrom: '*',
    },
  };
}

test('there are at least four products, each in the folder named by its id', () => {
  expect(products.length).toBeGreaterThanOrEqual(4);
  for (const p of products) expect(readJson(join(PRODUCTS_DIR, p.id, 'product.json'))).toMatchObject({ id: p.id });
});

describe.each(products.map((p) => [p.id, p] as const))('%s', (_id, product) => {
  test('composes with the platform without problems', () => {
    const { problems, facts } = imageFacts(product);
    expect(problems).toEqual([]);
    expect(facts.requires.imageFormat).toBe(platform.imageFormat);
  });

  test('every revision and bootloader in the field accepts the image', () => {
    const { facts } = imageFacts(product);
    const devices = fieldDevicesOf(product);
    expect(devices.length).toBeGreaterThanOrEqual(product.hardware.length);
    for (const device of devices) {
      expect({
        device: `${device.hardwareRevision}@${device.bootloader.version}`,
        reasons: checkDeviceCompatibility(facts, device),
      }).toEqual({
        device: `${device.hardwareRevision}@${device.bootloader.version}`,
        reasons: [],
      });
    }
  });

  test('its drivers match its features and what every revision provides', async () => {
    const drivers = await loadDrivers(product);
    const uses: InterfaceUse[] = [drivers.sensor.interface];
    expect(product.features).toContain(drivers.sensor.interface.name.replace('.', '-'));
    const optional = [
      ['ptz-control', drivers.ptz],
      ['thermal-radiometry', drivers.thermal],
      ['ex-proof-monitoring', drivers.housing],
    ] as const;
    for (const [feature, driver] of optional) {
      expect({ feature, enabled: product.features.includes(feature) }).toEqual({ feature, enabled: driver !== undefined });
      if (driver !== undefined) uses.push(driver.interface);
    }
    for (const hw of product.hardware) {
      for (const use of uses) {
        const provided = Object.hasOwn(hw.interfaces, use.name) ? hw.interfaces[use.name] : undefined;
        // A driver written against x.y runs on any x.z with z >= y.
        expect({
          revision: hw.revision,
          interface: use.name,
          ok: provided !== undefined && semver.satisfies(provided, `^${use.version}`),
        }).toEqual({
          revision: hw.revision,
          interface: use.name,
          ok: true,
        });
      }
    }
  });
});

test('the old interface versions are what keeps the legacy model supported', () => {
  // The compatibility matrix will one day drop board.hal 1.x; this shows who that strands.
  const tightened: PlatformManifest = {
    ...platform,
    base: { ...platform.base, interfaces: { ...platform.base.interfaces, 'board.hal': '>=2.0.0 <3.0.0' } },
  };
  const stranded = products.flatMap((p) =>
    fieldDevicesOf(p)
      .filter((d) => checkDeviceCompatibility(imageFacts(p, tightened).facts, d).some((r) => r.code === 'INTERFACE_VERSION_INCOMPATIBLE'))
      .map((d) => `${p.id}/${d.hardwareRevision}`),
  );
  expect([...new Set(stranded)]).toEqual(['exd-fixed-2mp/A', 'legacy-fixed-1080/A', 'legacy-fixed-1080/B']);
});

describe('every product firmware', () => {
  const bundles = new Map<string, Bundle>();

  beforeAll(async () => {
    for (const p of products) {
      bundles.set(
        p.id,
        await bundlePlatform(driversPath(p), {
          model: p.id,
          modelName: p.name,
          firmware: '1.0.0',
          platform: platformVersion,
          hardwareRevisions: p.hardware.map((h) => h.revision),
        }),
      );
    }
  });

  afterAll(async () => {
    await stopAll();
    await Promise.all([...bundles.values()].map((b) => b.remove()));
  });

  test('fits the flash budget used above, far inside the smallest partition', () => {
    const smallest = Math.min(...products.flatMap((p) => p.hardware.map((h) => h.flashPartitionBytes)));
    for (const [id, b] of bundles) {
      const bytes = Object.values(b.files).reduce((sum, f) => sum + statSync(f).size, 0);
      expect({ id, fits: bytes < FLASH_BYTES && bytes * 4 < smallest }).toEqual({ id, fits: true });
    }
  });

  test('boots, reports its model and sensor, and produces frames', async () => {
    await Promise.all(
      products.map(async (p) => {
        const b = bundles.get(p.id);
        if (b === undefined) throw new Error(`no bundle for ${p.id}`);
        const drivers = await loadDrivers(p);
        const fw = await startFirmware(b, { FWKIT_HARDWARE_REVISION: p.hardware[0]?.revision ?? 'A' });
        const device = (await (await fetch(`${fw.url}/api/device`)).json()) as Record<string, unknown>;
        expect(device).toMatchObject({ model: p.id, name: p.name, platform: platformVersion });
        const stream = await eventually(async () => {
          const res = await fetch(`${fw.url}/api/stream`);
          return res.status === 200 ? ((await res.json()) as { sensor: Record<string, unknown> }) : undefined;
        }, `${p.id} stream`);
        expect(stream.sensor).toEqual({
          name: drivers.sensor.name,
          interface: drivers.sensor.interface.name,
          interfaceVersion: drivers.sensor.interface.version,
          width: drivers.sensor.width,
          height: drivers.sensor.height,
          fps: drivers.sensor.fps,
        });
        await eventually(async () => {
          const h = (await (await fetch(`${fw.url}/api/health`)).json()) as { core: { compression: { frames: number } } | null };
          return h.core !== null && h.core.compression.frames > 0 ? true : undefined;
        }, `${p.id} frames`);
        await fw.stop();
        expect(fw.stderr()).toMatch(/\[core\] stopping: received SIGTERM/);
      }),
    );
  });
});
