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
});
export type ReleaseSpec = z.infer<typeof releaseSpecSchema>;

export function releaseSpecFromJSON(value: unknown, what = 'release.json'): ReleaseSpec {
  return parseDocument(releaseSpecSchema, value, what);
}
