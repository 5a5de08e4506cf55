import semver from 'semver';
import { KNOWN_REQUIREMENTS, type ImageManifest, type ImageRequires } from '../schema/image-manifest.js';
import type { DeviceIdentity } from '../schema/device.js';
import { reason, type Reason } from './reasons.js';

/** The facts about an image that the device rules look at (all of them signed in its manifest). */
export interface ImageFacts {
  readonly model: string;
  readonly hardwareRevisions: readonly string[];
  readonly requires: ImageRequires;
  readonly security: number;
  readonly firmware: string;
  /** Installed firmware versions that may upgrade to this image directly (a semver range). */
  readonly upgradeFrom: string;
}

/** The firmware a device runs now; a factory-fresh device has none. */
export type InstalledFirmware = NonNullable<DeviceIdentity['installed']>;

/** `version` is in the semver `range` (semver.satisfies, no options). Passed in so the matrix can memoize it. */
export type Satisfies = (version: string, range: string) => boolean;

export const semverSatisfies: Satisfies = (version, range) => semver.satisfies(version, range);

/** The facts the device rules need, as the signed manifest states them. */
export function imageFactsOf(manifest: ImageManifest): ImageFacts {
  return {
    model: manifest.model,
    hardwareRevisions: manifest.hardwareRevisions,
    requires: manifest.requires,
    security: manifest.versions.security,
    firmware: manifest.versions.firmware,
    upgradeFrom: manifest.upgradeFrom,
  };
}

/** A rule looks at one aspect and returns every reason it finds (none: the rule passes). */
export type DeviceRule = (image: ImageFacts, device: DeviceIdentity) => Reason[];

/** Stops an image built for another model from being installed (wrong model). */
export const modelMatches: DeviceRule = (image, device) =>
  image.model === device.model
    ? []
    : [
        reason('MODEL_MISMATCH', `image is for model ${image.model}, device is ${device.model}`, {
          image: image.model,
          device: device.model,
        }),
      ];

/** Stops an image from reaching a hardware revision it was not built and tested for. */
export const revisionSupported: DeviceRule = (image, device) =>
  image.hardwareRevisions.includes(device.hardwareRevision)
    ? []
    : [
        reason(
          'HARDWARE_REVISION_UNSUPPORTED',
          `image supports revisions ${image.hardwareRevisions.join(', ')}, device is revision ${device.hardwareRevision}`,
          {
            model: device.model,
            revision: device.hardwareRevision,
            supported: image.hardwareRevisions,
          },
        ),
      ];

/**
 * A device cannot honour a requirement it does not understand, so it refuses the image. Needs no
 * device: the verifier applies it even with 'any-device'.
 */
export function unknownRequirements(image: Pick<ImageFacts, 'requires'>): Reason[] {
  const known: readonly string[] = KNOWN_REQUIREMENTS;
  return Object.keys(image.requires)
    .filter((key) => !known.includes(key))
    .map((key) => reason('REQUIREMENT_UNKNOWN', `image requires "${key}", which this verifier does not understand`, { requirement: key }));
}

export const requirementsUnderstood: DeviceRule = (image) => unknownRequirements(image);

export const interfacesProvided: DeviceRule = (image, device) => {
  const out: Reason[] = [];
  for (const [name, range] of Object.entries(image.requires.interfaces)) {
    const provided = Object.hasOwn(device.provides.interfaces, name) ? device.provides.interfaces[name] : undefined;
    if (provided === undefined) {
      out.push(
        reason(
          'INTERFACE_MISSING',
          `image requires interface ${name} ${range}; ${device.model} rev ${device.hardwareRevision} does not provide it`,
          {
            model: device.model,
            revision: device.hardwareRevision,
            interface: name,
            required: range,
          },
        ),
      );
    } else if (!semver.satisfies(provided, range)) {
      out.push(
        reason(
          'INTERFACE_VERSION_INCOMPATIBLE',
          `image requires ${name} ${range}; ${device.model} rev ${device.hardwareRevision} provides ${provided}`,
          {
            model: device.model,
            revision: device.hardwareRevision,
            interface: name,
            required: range,
            provided,
          },
        ),
      );
    }
  }
  return out;
};

export const bootloaderAccepts: DeviceRule = (image, device) => {
  const out: Reason[] = [];
  if (!semver.satisfies(device.bootloader.version, image.requires.bootloader)) {
    out.push(
      reason('BOOTLOADER_TOO_OLD', `image requires bootloader ${image.requires.bootloader}; device has ${device.bootloader.version}`, {
        required: image.requires.bootloader,
        bootloader: device.bootloader.version,
      }),
    );
  }
  if (!device.bootloader.imageFormats.includes(image.requires.imageFormat)) {
    out.push(
      reason(
        'IMAGE_FORMAT_UNSUPPORTED',
        `image format ${image.requires.imageFormat} cannot be verified by bootloader ${device.bootloader.version} (formats ${device.bootloader.imageFormats.join(', ')})`,
        {
          imageFormat: image.requires.imageFormat,
          bootloader: device.bootloader.version,
          supported: device.bootloader.imageFormats,
        },
      ),
    );
  }
  return out;
};

export const ramSufficient: DeviceRule = (image, device) =>
  image.requires.ramBytes <= device.provides.ramBytes
    ? []
    : [
        reason('RAM_INSUFFICIENT', `image needs ${image.requires.ramBytes} bytes of RAM; device has ${device.provides.ramBytes}`, {
          required: image.requires.ramBytes,
          available: device.provides.ramBytes,
        }),
      ];

export const flashSufficient: DeviceRule = (image, device) =>
  image.requires.flashBytes <= device.provides.flashPartitionBytes
    ? []
    : [
        reason(
          'FLASH_INSUFFICIENT',
          `image needs ${image.requires.flashBytes} bytes of flash; the partition holds ${device.provides.flashPartitionBytes}`,
          { required: image.requires.flashBytes, available: device.provides.flashPartitionBytes },
        ),
      ];

/**
 * The rules between the firmware a device runs and the image: may `installed` upgrade to `image`
 * directly? Used by the device rules below and by the matrix for every pair of releases, so the
 * device and the release gate answer this with one implementation.
 */
export function upgradeReasons(
  image: Pick<ImageFacts, 'firmware' | 'security' | 'upgradeFrom'>,
  installed: InstalledFirmware,
  satisfies: Satisfies = semverSatisfies,
): Reason[] {
  return [...upgradeFromReasons(image, installed, satisfies), ...securityRollbackReasons(image, installed)];
}

/**
 * Stops a skipped upgrade step: the image's signed `upgradeFrom` range names the installed versions
 * it was built to upgrade (a migration it relies on ran in a release in between, or a stepping stone
 * must be installed first).
 */
export function upgradeFromReasons(
  image: Pick<ImageFacts, 'firmware' | 'upgradeFrom'>,
  installed: InstalledFirmware,
  satisfies: Satisfies = semverSatisfies,
): Reason[] {
  return satisfies(installed.firmware, image.upgradeFrom)
    ? []
    : [
        reason(
          'UPGRADE_FROM_UNSUPPORTED',
          `image ${image.firmware} upgrades firmware ${image.upgradeFrom} only; the device runs ${installed.firmware}`,
          { upgradeFrom: image.upgradeFrom, installed: installed.firmware, firmware: image.firmware },
        ),
      ];
}

/** Stops rollback to an older, vulnerable release: the security version never goes down. */
export function securityRollbackReasons(image: Pick<ImageFacts, 'security'>, installed: InstalledFirmware): Reason[] {
  return image.security >= installed.security
    ? []
    : [
        reason('SECURITY_VERSION_ROLLBACK', `image security version ${image.security} is below the installed ${installed.security}`, {
          image: image.security,
          installed: installed.security,
        }),
      ];
}

/** Anti-rollback. A factory-fresh device (no `installed`) has nothing to roll back from. */
export const securityVersionMonotonic: DeviceRule = (image, device) =>
  device.installed === undefined ? [] : securityRollbackReasons(image, device.installed);

/**
 * The signed upgrade range. A factory-fresh device (no `installed`) is being provisioned, not
 * upgraded: the range does not apply (docs/decisions.md, "The factory case").
 */
export const upgradeFromAccepted: DeviceRule = (image, device) =>
  device.installed === undefined ? [] : upgradeFromReasons(image, device.installed);

/** Identity rules first: when the model is wrong, the rest is noise but still reported. */
export const DEVICE_RULES: readonly DeviceRule[] = [
  modelMatches,
  revisionSupported,
  requirementsUnderstood,
  interfacesProvided,
  bootloaderAccepts,
  ramSufficient,
  flashSufficient,
  securityVersionMonotonic,
  upgradeFromAccepted,
];

/** Every reason why `image` must not be installed on `device`; empty when it fits. Pure. */
export function checkDeviceCompatibility(image: ImageFacts, device: DeviceIdentity): Reason[] {
  return DEVICE_RULES.flatMap((rule) => rule(image, device));
}
