import { join } from 'node:path';
import type { DeviceIdentity } from '@fwkit/device-core';
import { CliError } from './errors.js';
import { readJsonFile, type Io } from './io.js';

/**
 * The device configurations (device.json documents) of a model's hardware revision, one per
 * bootloader, from `<products>/<model>/product.json` by core's `fieldDevicesOf` — the one
 * implementation of a model's identity. `fwkit verify --model/--hw` checks against them and
 * `fwkit device provision` gives a new device one of them.
 */
export async function loadFieldDevices(io: Io, products: string, model: string, hw: string): Promise<DeviceIdentity[]> {
  // The product schema is a release-side document: loaded here, only by the commands that need it,
  // so that the usual verify (--device, --any-device) starts with the device faces alone.
  const { fieldDevicesOf, productManifestFromJSON } = await import('@fwkit/release-core');
  const productPath = join(products, model, 'product.json');
  const product = productManifestFromJSON(await readJsonFile(io, productPath, 'product manifest'), productPath);
  const devices = fieldDevicesOf(product, hw);
  if (devices.length === 0) {
    throw new CliError(
      'PRODUCT_UNKNOWN',
      `${model} has no hardware revision "${hw}" (known: ${product.hardware.map((h) => h.revision).join(', ')})`,
    );
  }
  return devices;
}
