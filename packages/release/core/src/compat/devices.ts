import type { DeviceIdentity } from '@fwkit/device-core';
import type { ProductManifest } from '../schema/product.js';

/**
 * Every device configuration of a model that is in the field: one per hardware revision and
 * bootloader version. Release-side checks run the device rules against each of them.
 */
export function fieldDevicesOf(product: ProductManifest, revision?: string): DeviceIdentity[] {
  return product.hardware
    .filter((hw) => revision === undefined || hw.revision === revision)
    .flatMap((hw) =>
      hw.bootloaders.map((bootloader) => ({
        schemaVersion: 1 as const,
        model: product.id,
        hardwareRevision: hw.revision,
        bootloader,
        provides: { interfaces: hw.interfaces, flashPartitionBytes: hw.flashPartitionBytes, ramBytes: hw.ramBytes },
      })),
    );
}

/**
 * The device.json a model ships as its example (`products/<model>/device.example.json`): its
 * oldest configuration in the field, the first hardware revision with its first bootloader, the one
 * a release most easily leaves behind. The same documents `fieldDevicesOf` gives provision and verify.
 */
export function exampleDeviceOf(product: ProductManifest): DeviceIdentity {
  const [oldest] = fieldDevicesOf(product);
  if (oldest === undefined) throw new Error(`${product.id}: a product has at least one hardware revision and bootloader`);
  return oldest;
}
