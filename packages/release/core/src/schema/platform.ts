import { z } from 'zod';
import { parseDocument } from './zod-bridge.js';
import semver from 'semver';
import {
  byteCount,
  domainName,
  featureName,
  grantsSchema,
  imageFormatVersion,
  interfaceName,
  isoDate,
  semverRange,
  semverVersion,
} from './common.js';
export type { Grants } from './common.js';
import { isValidRange } from '@fwkit/device-core';

/** What the platform needs from hardware for one feature (or for every product: `base`). */
export const requirementSetSchema = z.strictObject({
  description: z.string().optional(),
  interfaces: z.record(interfaceName, semverRange).default({}).describe('Interface name → accepted version range'),
  ramBytes: byteCount.default(0).describe('RAM this feature adds to the budget'),
  bootloader: semverRange.optional().describe('Bootloader versions this feature works with'),
});
export type RequirementSet = z.infer<typeof requirementSetSchema>;

export const platformDomainSchema = z.strictObject({
  entry: z.string().describe('Entry module of the domain, relative to the platform folder'),
  description: z.string(),
  grants: grantsSchema,
});

/**
 * The platform's side of the compatibility matrix (like VINTF's framework matrix): for each
 * interface, which provided versions are current, deprecated (still accepted, support ends
 * soon) or removed (no longer accepted by any feature).
 */
export const interfaceVersionStatusSchema = z.enum(['current', 'deprecated', 'removed']);
export type InterfaceVersionStatus = z.infer<typeof interfaceVersionStatusSchema>;

export const interfaceLifecycleSchema = z
  .array(
    z.strictObject({
      versions: semverRange.describe('Provided interface versions this entry is about'),
      status: interfaceVersionStatusSchema,
      since: semverVersion.optional().describe('Platform version that gave these versions this status'),
      note: z.string().optional(),
    }),
  )
  .min(1);
export type InterfaceLifecycle = z.infer<typeof interfaceLifecycleSchema>;

/**
 * The runtime the firmware runs on (today Node.js, part of every device's root file system): the
 * build targets it, every SBOM lists it, and the gate warns while a supported model runs it past
 * its end of life.
 */
export const firmwareRuntimeSchema = z.strictObject({
  name: z.literal('node').describe('The JavaScript runtime (only Node.js today)'),
  version: semverVersion.describe('The release the devices run; the bundles are built for its major line (esbuild target node<major>)'),
  endOfLife: isoDate.describe("Last day of the release line's upstream support (nodejs.org, Previous Releases)"),
});
export type FirmwareRuntime = z.infer<typeof firmwareRuntimeSchema>;

/** The esbuild target for a runtime: its major line, so the bundles use no syntax the devices lack. */
export function runtimeTarget(runtime: FirmwareRuntime): string {
  return `${runtime.name}${semver.major(runtime.version)}`;
}

/** A path inside the platform folder, as written in platform.json: relative, no `.`/`..` segment, no backslash. */
const platformPath = z
  .string()
  .min(1)
  // One issue per path: the segment rule is not reported again for a path that is not relative.
  .regex(/^(?![./])(?:[^/\\]+\/)*[^/\\]*$/, { error: 'must be relative, with / as separator', abort: true })
  .refine((p) => p.split('/').every((s) => s !== '.' && s !== '..'), 'must not contain . or .. segments')
  .describe('Relative to the platform folder; a trailing / names a whole folder');

/** What one domain may import besides its own folder and the shared modules (build-time hygiene, not in the image). */
export const domainImportsSchema = z.strictObject({
  drivers: z
    .boolean()
    .default(false)
    .describe('May import the product drivers (`fwkit:drivers`); the drivers are then held to these same rules'),
  packages: z
    .array(z.string().regex(/^(?:@[a-z0-9][a-z0-9._~-]*\/)?[a-z0-9][a-z0-9._~-]*$/))
    .default([])
    .describe('npm packages the bundle may contain, by name, those that other packages import included'),
  builtins: z
    .array(z.string().regex(/^node:[a-z_][a-z0-9_]*$/))
    .default([])
    .describe('Node built-in modules the bundle may import, as node:<name> (node:fs also allows node:fs/promises)'),
});
export type DomainImports = z.infer<typeof domainImportsSchema>;

/**
 * The build's import allow-lists. They live in platform.json only, never in the signed manifest:
 * a new field in its domains/grants would make older verifiers refuse the image.
 */
export const platformImportsSchema = z.strictObject({
  shared: z.array(platformPath).default([]).describe('Platform modules (files, or folders ending in /) that every domain may import'),
  domains: z
    .record(domainName, domainImportsSchema)
    .default({})
    .describe('Per domain: what it may import; a domain not listed may import only its own folder and the shared modules'),
});
export type PlatformImports = z.infer<typeof platformImportsSchema>;

export const platformManifestSchema = z
  .strictObject({
    $schema: z.string().optional(),
    schemaVersion: z.literal(1),
    imageFormat: imageFormatVersion.describe('Image format version this platform release writes'),
    installerFormats: z
      .array(imageFormatVersion)
      .min(1)
      .describe("Image format versions this platform's installer verifies (what it can upgrade to)"),
    runtime: firmwareRuntimeSchema
      .optional()
      .describe('The firmware runtime (required by `fwkit build`; optional so that older platform releases still load)'),
    domains: z.record(domainName, platformDomainSchema),
    base: requirementSetSchema.describe('What every product needs'),
    features: z.record(featureName, requirementSetSchema),
    interfaces: z.record(interfaceName, interfaceLifecycleSchema).default({}).describe('Lifecycle of interface versions'),
    // Optional (older platform releases load; absent, a domain may import only its own folder).
    imports: platformImportsSchema
      .optional()
      .describe("What each domain's bundle may import: checked by `fwkit build` (hygiene; the operating system is the boundary)"),
  })
  .superRefine((platform, ctx) => {
    // A removed version must be refused by every requirement, or "removed" would be a lie.
    const sets: [string[], RequirementSet][] = [
      [['base'], platform.base],
      ...Object.entries(platform.features).map(([n, s]): [string[], RequirementSet] => [['features', n], s]),
    ];
    for (const [path, set] of sets) {
      for (const [name, range] of Object.entries(set.interfaces)) {
        // The field checks do not stop this refinement; an invalid range already has its own issue.
        if (!isValidRange(range)) continue;
        const lifecycle = Object.hasOwn(platform.interfaces, name) ? platform.interfaces[name] : undefined;
        for (const entry of lifecycle ?? []) {
          if (entry.status === 'removed' && isValidRange(entry.versions) && semver.intersects(range, entry.versions)) {
            ctx.addIssue({
              code: 'custom',
              path: [...path, 'interfaces', name],
              message: `accepts ${entry.versions}, which interfaces.${name} marks removed`,
            });
          }
        }
      }
    }
    for (const name of Object.keys(platform.imports?.domains ?? {})) {
      if (!Object.hasOwn(platform.domains, name)) {
        ctx.addIssue({ code: 'custom', path: ['imports', 'domains', name], message: `names no domain of "domains"` });
      }
    }
    if (!platform.installerFormats.includes(platform.imageFormat)) {
      ctx.addIssue({ code: 'custom', path: ['installerFormats'], message: `must include imageFormat ${platform.imageFormat}` });
    }
  });
export type PlatformManifest = z.infer<typeof platformManifestSchema>;
export type PlatformDomain = z.infer<typeof platformDomainSchema>;

export function platformManifestFromJSON(value: unknown, what = 'platform.json'): PlatformManifest {
  return parseDocument(platformManifestSchema, value, what);
}
