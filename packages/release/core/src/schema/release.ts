import {
  boolean,
  checkDocument,
  describe,
  integer,
  literal,
  optional,
  semverRange,
  semverVersion,
  strictObject,
  string,
  type Infer,
} from './checks.js';

/**
 * The release being cut (`release.json` at the repository root): one firmware version for every
 * product image, and the security version, an integer that never goes down.
 */
export const releaseSpecSchema = strictObject({
  $schema: optional(string()),
  schemaVersion: literal(1),
  firmware: describe(semverVersion, 'Firmware version of every image in this release'),
  security: describe(integer(), 'Anti-rollback counter: devices refuse images below their installed one'),
  upgradeFrom: describe(semverRange, 'Installed firmware versions that may upgrade to this release directly'),
  steppingStone: describe(
    optional(boolean),
    'Released to open an upgrade path for versions in the field that cannot reach later releases directly',
  ),
  maintenanceLine: describe(
    optional(string({ pattern: /^(0|[1-9]\d*)\.(0|[1-9]\d*)$/, message: 'must be a release line MAJOR.MINOR, e.g. "1.4"' })),
    'Set on a maintenance branch: this release continues the older line MAJOR.MINOR (the line of firmware) below the newest line in the ledger',
  ),
});
export type ReleaseSpec = Infer<typeof releaseSpecSchema>;

export function releaseSpecFromJSON(value: unknown, what = 'release.json'): ReleaseSpec {
  return checkDocument(releaseSpecSchema, value, what);
}
