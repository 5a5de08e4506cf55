import { z } from 'zod';
import { parseDocument } from './zod-bridge.js';
import { semverRange, semverVersion } from './common.js';

/**
 * The release being cut (`release.json` at the repository root): one firmware version for every
 * product image, and the security version, an integer that never goes down.
 */
export const releaseSpecSchema = z.strictObject({
  $schema: z.string().optional(),
  schemaVersion: z.literal(1),
  firmware: semverVersion.describe('Firmware version of every image in this release'),
  security: z.number().int().nonnegative().describe('Anti-rollback counter: devices refuse images below their installed one'),
  upgradeFrom: semverRange.describe('Installed firmware versions that may upgrade to this release directly'),
  steppingStone: z
    .boolean()
    .optional()
    .describe('Released to open an upgrade path for versions in the field that cannot reach later releases directly'),
  maintenanceLine: z
    .string()
    .regex(/^(0|[1-9]\d*)\.(0|[1-9]\d*)$/, 'must be a release line MAJOR.MINOR, e.g. "1.4"')
    .optional()
    .describe(
      'Set on a maintenance branch: this release continues the older line MAJOR.MINOR (the line of firmware) below the newest line in the ledger',
    ),
});
export type ReleaseSpec = z.infer<typeof releaseSpecSchema>;

export function releaseSpecFromJSON(value: unknown, what = 'release.json'): ReleaseSpec {
  return parseDocument(releaseSpecSchema, value, what);
}
