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
