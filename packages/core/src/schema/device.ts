import { z } from 'zod';
import { bootloaderSchema, hardwareRevision, modelId, providesSchema, semverVersion } from './common.js';
import { parseDocument } from './validate.js';

/** A device's identity (`device.json`): what an installed camera is and provides. */
export const deviceIdentitySchema = z.strictObject({
  $schema: z.string().optional(),
  schemaVersion: z.literal(1),
  model: modelId,
  hardwareRevision,
  bootloader: bootloaderSchema,
  provides: providesSchema,
  installed: z
    .strictObject({ firmware: semverVersion, security: z.number().int().nonnegative() })
    .optional()
    .describe('The firmware running now; absent on a factory-fresh device'),
});
export type DeviceIdentity = z.infer<typeof deviceIdentitySchema>;

export function deviceIdentityFromJSON(value: unknown, what = 'device.json'): DeviceIdentity {
  return parseDocument(deviceIdentitySchema, value, what);
}
