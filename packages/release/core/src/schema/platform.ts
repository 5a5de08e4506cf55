import semver from 'semver';
import {
  array,
  boolean,
  byteCount,
  checkDocument,
  describe,
  domainName,
  enumOf,
  featureName,
  grants,
  imageFormatVersion,
  interfaceName,
  isoDate,
  literal,
  optional,
  record,
  refine,
  semverRange,
  semverVersion,
  strictObject,
  string,
  withDefault,
  type Infer,
} from './checks.js';
export type { Grants } from './checks.js';

/** What the platform needs from hardware for one feature (or for every product: `base`). */
export const requirementSetSchema = strictObject({
  description: optional(string()),
  interfaces: describe(withDefault(record(interfaceName, semverRange), {}), 'Interface name → accepted version range'),
  ramBytes: describe(withDefault(byteCount, 0), 'RAM this feature adds to the budget'),
  bootloader: describe(optional(semverRange), 'Bootloader versions this feature works with'),
});
export type RequirementSet = Infer<typeof requirementSetSchema>;

export const platformDomainSchema = strictObject({
  entry: describe(string(), 'Entry module of the domain, relative to the platform folder'),
  description: string(),
  grants,
});

/**
 * The platform's side of the compatibility matrix (like VINTF's framework matrix): for each
 * interface, which provided versions are current, deprecated (still accepted, support ends
 * soon) or removed (no longer accepted by any feature).
 */
export const interfaceVersionStatusSchema = enumOf(['current', 'deprecated', 'removed']);
export type InterfaceVersionStatus = Infer<typeof interfaceVersionStatusSchema>;

export const interfaceLifecycleSchema = array(
  strictObject({
    versions: describe(semverRange, 'Provided interface versions this entry is about'),
    status: interfaceVersionStatusSchema,
    since: describe(optional(semverVersion), 'Platform version that gave these versions this status'),
    note: optional(string()),
  }),
  1,
);
export type InterfaceLifecycle = Infer<typeof interfaceLifecycleSchema>;

/**
 * The runtime the firmware runs on (today Node.js, part of every device's root file system): the
 * build targets it, every SBOM lists it, and the gate warns while a supported model runs it past
 * its end of life.
 */
export const firmwareRuntimeSchema = strictObject({
  name: describe(literal('node'), 'The JavaScript runtime (only Node.js today)'),
  version: describe(semverVersion, 'The release the devices run; the bundles are built for its major line (esbuild target node<major>)'),
  endOfLife: describe(isoDate, "Last day of the release line's upstream support (nodejs.org, Previous Releases)"),
});
export type FirmwareRuntime = Infer<typeof firmwareRuntimeSchema>;

/** The esbuild target for a runtime: its major line, so the bundles use no syntax the devices lack. */
export function runtimeTarget(runtime: FirmwareRuntime): string {
  return `${runtime.name}${semver.major(runtime.version)}`;
}

/** A path inside the platform folder, as written in platform.json: relative, no `.`/`..` segment, no backslash. */
const platformPath = describe(
  // One issue per path: the segment rule runs only on a path that is relative.
  refine(
    string({ min: 1, pattern: /^(?![./])(?:[^/\\]+\/)*[^/\\]*$/, message: 'must be relative, with / as separator' }),
    (p) => p.split('/').every((s) => s !== '.' && s !== '..'),
    'must not contain . or .. segments',
  ),
  'Relative to the platform folder; a trailing / names a whole folder',
);

/** What one domain may import besides its own folder and the shared modules (build-time hygiene, not in the image). */
export const domainImportsSchema = strictObject({
  drivers: describe(
    withDefault(boolean, false),
    'May import the product drivers (`fwkit:drivers`); the drivers are then held to these same rules',
  ),
  packages: describe(
    withDefault(array(string({ pattern: /^(?:@[a-z0-9][a-z0-9._~-]*\/)?[a-z0-9][a-z0-9._~-]*$/ })), []),
    'npm packages the bundle may contain, by name, those that other packages import included',
  ),
  builtins: describe(
    withDefault(array(string({ pattern: /^node:[a-z_][a-z0-9_]*$/ })), []),
    'Node built-in modules the bundle may import, as node:<name> (node:fs also allows node:fs/promises)',
  ),
});
export type DomainImports = Infer<typeof domainImportsSchema>;

/**
 * The build's import allow-lists. They live in platform.json only, never in the signed manifest:
 * a new field in its domains/grants would make older verifiers refuse the image.
 */
export const platformImportsSchema = strictObject({
  shared: describe(withDefault(array(platformPath), []), 'Platform modules (files, or folders ending in /) that every domain may import'),
  domains: describe(
    withDefault(record(domainName, domainImportsSchema), {}),
    'Per domain: what it may import; a domain not listed may import only its own folder and the shared modules',
  ),
});
export type PlatformImports = Infer<typeof platformImportsSchema>;

export const platformManifestSchema = strictObject(
  {
    $schema: optional(string()),
    schemaVersion: literal(1),
    imageFormat: describe(imageFormatVersion, 'Image format version this platform release writes'),
    installerFormats: describe(
      array(imageFormatVersion, 1),
      "Image format versions this platform's installer verifies (what it can upgrade to)",
    ),
    runtime: describe(
      optional(firmwareRuntimeSchema),
      'The firmware runtime (required by `fwkit build`; optional so that older platform releases still load)',
    ),
    domains: record(domainName, platformDomainSchema),
    base: describe(requirementSetSchema, 'What every product needs'),
    features: record(featureName, requirementSetSchema),
    interfaces: describe(withDefault(record(interfaceName, interfaceLifecycleSchema), {}), 'Lifecycle of interface versions'),
    // Optional (older platform releases load; absent, a domain may import only its own folder).
    imports: describe(
      optional(platformImportsSchema),
      "What each domain's bundle may import: checked by `fwkit build` (hygiene; the operating system is the boundary)",
    ),
  },
  (platform, report) => {
    // A removed version must be refused by every requirement, or "removed" would be a lie.
    const sets: [string[], RequirementSet][] = [
      [['base'], platform.base],
      ...Object.entries(platform.features).map(([n, s]): [string[], RequirementSet] => [['features', n], s]),
    ];
    for (const [path, set] of sets) {
      for (const [name, range] of Object.entries(set.interfaces)) {
        const lifecycle = Object.hasOwn(platform.interfaces, name) ? platform.interfaces[name] : undefined;
        for (const entry of lifecycle ?? []) {
          if (entry.status === 'removed' && semver.intersects(range, entry.versions)) {
            report([...path, 'interfaces', name], `accepts ${entry.versions}, which interfaces.${name} marks removed`);
          }
        }
      }
    }
    for (const name of Object.keys(platform.imports?.domains ?? {})) {
      if (!Object.hasOwn(platform.domains, name)) report(['imports', 'domains', name], `names no domain of "domains"`);
    }
    if (!platform.installerFormats.includes(platform.imageFormat)) {
      report(['installerFormats'], `must include imageFormat ${platform.imageFormat}`);
    }
  },
);
export type PlatformManifest = Infer<typeof platformManifestSchema>;
export type PlatformDomain = Infer<typeof platformDomainSchema>;

export function platformManifestFromJSON(value: unknown, what = 'platform.json'): PlatformManifest {
  return checkDocument(platformManifestSchema, value, what);
}
