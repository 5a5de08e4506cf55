import { z } from 'zod';
import { byteCount, domainName, featureName, imageFormatVersion, interfaceName, semverRange } from './common.js';
import { parseDocument } from './validate.js';

/** What the platform needs from hardware for one feature (or for every product: `base`). */
export const requirementSetSchema = z.strictObject({
  description: z.string().optional(),
  interfaces: z.record(interfaceName, semverRange).default({}).describe('Interface name → accepted version range'),
  ramBytes: byteCount.default(0).describe('RAM this feature adds to the budget'),
  bootloader: semverRange.optional().describe('Bootloader versions this feature works with'),
});
export type RequirementSet = z.infer<typeof requirementSetSchema>;

/**
 * Least privilege a security domain runs with. Declared in the platform and carried by every
 * image so that the device can enforce it.
 */
export const grantsSchema = z.strictObject({
  user: z
    .string()
    .regex(/^[a-z_][a-z0-9_-]{0,31}$/)
    .describe('Unprivileged account the domain runs as'),
  listen: z.array(z.string().regex(/^[0-9a-z.:[\]-]+:\d{1,5}$/)).describe('host:port the domain may listen on'),
  read: z.array(z.string()).describe('Paths the domain may read'),
  write: z.array(z.string()).describe('Paths the domain may write'),
  ipc: z.array(z.string()).describe('IPC message types the domain may send'),
});
export type Grants = z.infer<typeof grantsSchema>;

export const platformDomainSchema = z.strictObject({
  entry: z.string().describe('Entry module of the domain, relative to the platform folder'),
  description: z.string(),
  grants: grantsSchema,
});

export const platformManifestSchema = z.strictObject({
  $schema: z.string().optional(),
  schemaVersion: z.literal(1),
  imageFormat: imageFormatVersion.describe('Image format version this platform release writes'),
  domains: z.record(domainName, platformDomainSchema),
  base: requirementSetSchema.describe('What every product needs'),
  features: z.record(featureName, requirementSetSchema),
});
export type PlatformManifest = z.infer<typeof platformManifestSchema>;
export type PlatformDomain = z.infer<typeof platformDomainSchema>;

export function platformManifestFromJSON(value: unknown, what = 'platform.json'): PlatformManifest {
  return parseDocument(platformManifestSchema, value, what);
}
