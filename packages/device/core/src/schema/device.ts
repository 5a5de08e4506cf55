import { checkDocument, describe, integer, literal, optional, strictObject, string, type Infer } from './check.js';
import { bootloader, hardwareRevision, modelId, provides, semverVersion } from './fields.js';

/** A device's identity (`device.json`): what an installed camera is and provides. */
export const deviceIdentity = strictObject({
  $schema: optional(string()),
  schemaVersion: literal(1),
  model: modelId,
  hardwareRevision,
  bootloader,
  provides,
  installed: describe(
    optional(strictObject({ firmware: semverVersion, security: integer() })),
    'The firmware running now; absent on a factory-fresh device',
  ),
});
export type DeviceIdentity = Infer<typeof deviceIdentity>;

export function deviceIdentityFromJSON(value: unknown, what = 'device.json'): DeviceIdentity {
  return checkDocument(deviceIdentity, value, what);
}
