import { isValidRange, isValidVersion } from '../semver.js';
import { array, describe, integer, record, refine, strictObject, string, type Infer } from './check.js';

/**
 * The field rules that device documents share with the release-side schemas. Each rule is
 * written here once: the release side uses these checks themselves (release-core's `schema/checks.ts`).
 */

export const SEMVER_VERSION_MESSAGE = 'must be a semantic version such as 1.2.3';
export const SEMVER_RANGE_MESSAGE = 'must be a semver range such as ">=1.2.0 <2.0.0"';

/** Hardware interface names: dotted lowercase, e.g. `sensor.mipi-csi2`, `ptz.visca`. */
export const INTERFACE_NAME = { pattern: /^[a-z][a-z0-9]*(?:[.-][a-z0-9]+)*$/, message: 'must be lowercase words joined by "." or "-"' };
export const KEBAB_CASE = { pattern: /^[a-z][a-z0-9]*(?:-[a-z0-9]+)*$/, message: 'must be kebab-case' };
export const MODEL_ID = { ...KEBAB_CASE, max: 40 };
export const HARDWARE_REVISION = { pattern: /^[A-Z0-9][A-Za-z0-9.-]{0,15}$/, message: 'must be like "A", "B2" or "R1.1"' };
export const SHA256_HEX = { pattern: /^[0-9a-f]{64}$/, message: 'must be a lowercase hex SHA-256 digest' };
export const DOMAIN_NAME = { pattern: /^[a-z][a-z0-9-]{0,30}$/, message: 'must be a short lowercase name' };
export const GRANT_USER = { pattern: /^[a-z_][a-z0-9_-]{0,31}$/, message: 'must be a short lowercase account name' };
export const GRANT_LISTEN = { pattern: /^[0-9a-z.:[\]-]+:\d{1,5}$/, message: 'must be host:port' };

export const semverVersion = refine(string(), isValidVersion, SEMVER_VERSION_MESSAGE);
export const semverRange = refine(string({ min: 1 }), isValidRange, SEMVER_RANGE_MESSAGE);
export const interfaceName = string(INTERFACE_NAME);
export const modelId = string(MODEL_ID);
export const featureName = string(KEBAB_CASE);
export const hardwareRevision = string(HARDWARE_REVISION);
export const sha256Hex = string(SHA256_HEX);
export const domainName = string(DOMAIN_NAME);
export const byteCount = integer();
export const imageFormatVersion = integer(1);

/** A bootloader version that is in the field, and the image format versions it can verify. */
export const bootloader = strictObject({ version: semverVersion, imageFormats: array(imageFormatVersion, 1) });
export type Bootloader = Infer<typeof bootloader>;

/** What a piece of hardware provides: interfaces with the version each implements, memory, flash. */
export const provides = strictObject({
  interfaces: record(interfaceName, semverVersion),
  flashPartitionBytes: byteCount,
  ramBytes: byteCount,
});
export type Provides = Infer<typeof provides>;

/** Least privilege a security domain runs with: declared in the platform, carried by every image, enforced on the device. */
export const grants = strictObject({
  user: describe(string(GRANT_USER), 'Unprivileged account the domain runs as'),
  listen: describe(array(string(GRANT_LISTEN)), 'host:port the domain may listen on'),
  read: describe(array(string()), 'Paths the domain may read'),
  write: describe(array(string()), 'Paths the domain may write'),
  ipc: describe(array(string()), 'IPC message types the domain may send'),
});
export type Grants = Infer<typeof grants>;

/** The keys that occur more than once in `items`. */
export function uniqueBy<T>(items: readonly T[], key: (item: T) => string): string[] {
  const seen = new Set<string>();
  const dupes = new Set<string>();
  for (const item of items) {
    const k = key(item);
    if (seen.has(k)) dupes.add(k);
    seen.add(k);
  }
  return [...dupes];
}
