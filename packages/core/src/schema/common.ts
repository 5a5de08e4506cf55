import semver from 'semver';
import { z } from 'zod';

/** Building blocks shared by every fwkit document schema. */

// `abort`: cross-field rules (superRefine) call semver on these values; without it zod runs them
// on a value that failed here, and semver throws a TypeError (found by the fuzzer, issue 6).
export const semverVersion = z
  .string()
  .refine((v) => semver.valid(v) === v, { error: 'must be a semantic version such as 1.2.3', abort: true });

export const semverRange = z
  .string()
  .min(1)
  .refine((r) => semver.validRange(r) !== null, { error: 'must be a semver range such as ">=1.2.0 <2.0.0"', abort: true });

/** Hardware interface names: dotted lowercase, e.g. `sensor.mipi-csi2`, `ptz.visca`. */
export const interfaceName = z.string().regex(/^[a-z][a-z0-9]*(?:[.-][a-z0-9]+)*$/, 'must be lowercase words joined by "." or "-"');

export const featureName = z.string().regex(/^[a-z][a-z0-9]*(?:-[a-z0-9]+)*$/, 'must be kebab-case');

export const modelId = z
  .string()
  .regex(/^[a-z][a-z0-9]*(?:-[a-z0-9]+)*$/, 'must be kebab-case')
  .max(40);

export const hardwareRevision = z.string().regex(/^[A-Z0-9][A-Za-z0-9.-]{0,15}$/, 'must be like "A", "B2" or "R1.1"');

export const isoDate = z.iso.date();

export const byteCount = z.number().int().nonnegative();

export const imageFormatVersion = z.number().int().positive();

export const sha256Hex = z.string().regex(/^[0-9a-f]{64}$/, 'must be a lowercase hex SHA-256 digest');

export const domainName = z.string().regex(/^[a-z][a-z0-9-]{0,30}$/, 'must be a short lowercase name');

/** A bootloader version that is in the field, and the image format versions it can verify. */
export const bootloaderSchema = z.strictObject({
  version: semverVersion,
  imageFormats: z.array(imageFormatVersion).min(1),
});
export type Bootloader = z.infer<typeof bootloaderSchema>;

/** What a piece of hardware provides: interfaces with the version each implements, memory, flash. */
export const providesSchema = z.strictObject({
  interfaces: z.record(interfaceName, semverVersion),
  flashPartitionBytes: byteCount,
  ramBytes: byteCount,
});
export type Provides = z.infer<typeof providesSchema>;

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
