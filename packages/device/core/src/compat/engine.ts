import type { DeviceIdentity } from '../schema/device.js';
import { KNOWN_REQUIREMENTS, type ImageManifest, type ImageRequires } from '../schema/image-manifest.js';
import { cachedRange, compareVersions, parseVersion, type Range, type Version } from '../semver.js';
import {
  NO_REASONS,
  bootloaderTooOld,
  firmwareDowngrade,
  flashInsufficient,
  imageFormatUnsupported,
  interfaceIncompatible,
  interfaceMissing,
  modelMismatch,
  ramInsufficient,
  requirementUnknown,
  revisionUnsupported,
  securityRollback,
  upgradeFromUnsupported,
  type Reason,
} from './reasons.js';

/**
 * The compatibility engine: the device rules, compiled once per image (its ranges parsed once),
 * then checked against any number of devices. A passing check allocates nothing; reasons are
 * built only for a device that fails. The verifier, build, the matrix, the release gate and the
 * device bundle all run this one engine.
 */

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

const KNOWN: readonly string[] = KNOWN_REQUIREMENTS;

/** A device requirement the image names but this engine does not know: refused, never ignored. */
export function unknownRequirements(image: Pick<ImageFacts, 'requires'>): Reason[] {
  return Object.keys(image.requires)
    .filter((key) => !KNOWN.includes(key))
    .map(requirementUnknown);
}

/** The rules between the firmware a device runs and an image, compiled once. */
export interface CompiledUpgrade {
  /** May a device running `installed` upgrade to the image directly? Allocates nothing. */
  accepts(installed: InstalledFirmware): boolean;
  /** Every reason it may not: SECURITY_VERSION_ROLLBACK, UPGRADE_FROM_UNSUPPORTED, then FIRMWARE_DOWNGRADE. */
  check(installed: InstalledFirmware): readonly Reason[];
}

type UpgradeFacts = Pick<ImageFacts, 'firmware' | 'security' | 'upgradeFrom'>;

/** Stops rollback to an older, vulnerable release: the security version never goes down. */
function securityRule(image: UpgradeFacts, installed: InstalledFirmware, out: Reason[] | undefined): boolean {
  if (image.security >= installed.security) return true;
  out?.push(securityRollback(image.security, installed.security));
  return false;
}

/**
 * Stops a skipped upgrade step: the image's signed `upgradeFrom` range names the installed versions
 * it was built to upgrade (a migration it relies on ran in a release in between, or a stepping
 * stone must be installed first).
 */
function upgradeFromRule(image: UpgradeFacts, upgradeFrom: Range, installed: InstalledFirmware, out: Reason[] | undefined): boolean {
  if (upgradeFrom.test(installed.firmware)) return true;
  out?.push(upgradeFromUnsupported(image.firmware, image.upgradeFrom, installed.firmware));
  return false;
}

/**
 * Stops a move to an older firmware version, even at the same security version: an older line's
 * maintenance release is not written to take over a newer line's data, and going back is done by
 * releasing a higher version. Reinstalling the installed version is allowed (a repair).
 */
function downgradeRule(image: UpgradeFacts, firmware: Version, installed: InstalledFirmware, out: Reason[] | undefined): boolean {
  if (compareVersions(firmware, installed.firmware) >= 0) return true;
  out?.push(firmwareDowngrade(image.firmware, installed.firmware));
  return false;
}

/**
 * The three rules between installed firmware and image, in one order for every caller (the
 * device check, `upgradeReasons`, the matrix's upgrade graph): rollback, the upgrade range,
 * downgrade. With `out` undefined it stops at the first failure and allocates nothing.
 */
class UpgradeRules {
  private readonly upgradeFrom: Range;
  private readonly firmware: Version;

  constructor(private readonly image: UpgradeFacts) {
    this.upgradeFrom = cachedRange(image.upgradeFrom);
    this.firmware = parseVersion(image.firmware);
  }

  run(installed: InstalledFirmware, out: Reason[] | undefined): boolean {
    let ok = securityRule(this.image, installed, out);
    if (!ok && out === undefined) return false;
    ok = upgradeFromRule(this.image, this.upgradeFrom, installed, out) && ok;
    if (!ok && out === undefined) return false;
    return downgradeRule(this.image, this.firmware, installed, out) && ok;
  }
}

export function compileUpgrade(image: UpgradeFacts): CompiledUpgrade {
  const rules = new UpgradeRules(image);
  return Object.freeze({
    accepts: (installed: InstalledFirmware) => rules.run(installed, undefined),
    check(installed: InstalledFirmware): readonly Reason[] {
      if (rules.run(installed, undefined)) return NO_REASONS;
      const out: Reason[] = [];
      rules.run(installed, out);
      return Object.freeze(out);
    },
  });
}

/** An image's rules, compiled: check any number of devices against it. */
export interface CompiledImage {
  readonly facts: ImageFacts;
  /** Whether `device` may install the image; allocates nothing. */
  accepts(device: DeviceIdentity): boolean;
  /** Every reason why `device` must not install the image, in rule order; empty (shared) when it may. */
  check(device: DeviceIdentity): readonly Reason[];
}

interface InterfaceNeed {
  readonly name: string;
  readonly required: string;
  readonly range: Range;
}

/**
 * The rules that look at what an image requires of the hardware, all but flash: model, revision,
 * unknown requirements, interfaces, bootloader, image format, RAM. A model's releases mostly
 * repeat these while the flash need grows, so they are compiled once per requirement set and their
 * answer per device is kept (weakly): a matrix asks them once per device and requirement set.
 */
class HardwareRules {
  private readonly interfaces: readonly InterfaceNeed[];
  private readonly bootloader: Range;
  /** REQUIREMENT_UNKNOWN depends on the image alone: found once. */
  private readonly unknown: readonly Reason[];
  private readonly answers = new WeakMap<DeviceIdentity, boolean>();

  constructor(private readonly image: ImageFacts) {
    const requires = image.requires;
    this.interfaces = Object.freeze(
      Object.entries(requires.interfaces).map(([name, required]) => Object.freeze({ name, required, range: cachedRange(required) })),
    );
    this.bootloader = cachedRange(requires.bootloader);
    this.unknown = Object.freeze(unknownRequirements(image));
  }

  /** Whether `image` asks the same of the hardware, flash aside (allocates nothing). */
  sameAs(image: ImageFacts): boolean {
    const mine = this.image;
    if (image === mine) return true;
    if (image.model !== mine.model) return false;
    const revisions = image.hardwareRevisions;
    if (revisions.length !== mine.hardwareRevisions.length) return false;
    for (let i = 0; i < revisions.length; i++) if (revisions[i] !== mine.hardwareRevisions[i]) return false;
    const a: Readonly<Record<string, unknown>> = image.requires;
    const b: Readonly<Record<string, unknown>> = mine.requires;
    let keys = 0;
    for (const key in a) {
      if (!Object.hasOwn(a, key)) continue;
      keys++;
      if (key !== 'flashBytes' && key !== 'interfaces' && (!Object.hasOwn(b, key) || a[key] !== b[key])) return false;
    }
    let mineKeys = 0;
    for (const key in b) if (Object.hasOwn(b, key)) mineKeys++;
    if (keys !== mineKeys) return false;
    let i = 0;
    const interfaces = image.requires.interfaces;
    for (const name in interfaces) {
      if (!Object.hasOwn(interfaces, name)) continue;
      const need = this.interfaces[i++];
      if (need?.name !== name || need.required !== interfaces[name]) return false;
    }
    return i === this.interfaces.length;
  }

  /** `run` without reasons, answered once per device. */
  fit(device: DeviceIdentity): boolean {
    let answer = this.answers.get(device);
    if (answer === undefined) {
      answer = this.run(device, undefined);
      this.answers.set(device, answer);
    }
    return answer;
  }

  /**
   * The rules, in order, written once. Without `out` it stops at the first failure and allocates
   * nothing (the answer: true when every rule passed); with `out` it collects every reason there
   * (and its answer means nothing). Identity rules come first: when the model is wrong, the rest
   * is noise but still reported.
   */
  run(device: DeviceIdentity, out: Reason[] | undefined): boolean {
    const image = this.image;
    const requires = image.requires;
    const provides = device.provides;
    // Wrong model: an image built for another camera.
    if (image.model !== device.model) {
      if (out === undefined) return false;
      out.push(modelMismatch(image.model, device.model));
    }
    // A hardware revision the image was not built and tested for.
    if (!image.hardwareRevisions.includes(device.hardwareRevision)) {
      if (out === undefined) return false;
      out.push(revisionUnsupported(device.model, device.hardwareRevision, image.hardwareRevisions));
    }
    // A requirement the device cannot honour because it does not understand it.
    if (this.unknown.length > 0) {
      if (out === undefined) return false;
      out.push(...this.unknown);
    }
    // Interfaces the image's drivers use, in the versions they were written against.
    for (const need of this.interfaces) {
      // hasOwn, not a lookup: an interface named "constructor" must not find Object.prototype's.
      const provided = Object.hasOwn(provides.interfaces, need.name) ? provides.interfaces[need.name] : undefined;
      if (provided === undefined) {
        if (out === undefined) return false;
        out.push(interfaceMissing(device.model, device.hardwareRevision, need.name, need.required));
      } else if (!need.range.test(provided)) {
        if (out === undefined) return false;
        out.push(interfaceIncompatible(device.model, device.hardwareRevision, need.name, need.required, provided));
      }
    }
    // The bootloader must be new enough and able to verify the image's format.
    const bootloader = device.bootloader;
    if (!this.bootloader.test(bootloader.version)) {
      if (out === undefined) return false;
      out.push(bootloaderTooOld(requires.bootloader, bootloader.version));
    }
    if (!bootloader.imageFormats.includes(requires.imageFormat)) {
      if (out === undefined) return false;
      out.push(imageFormatUnsupported(requires.imageFormat, bootloader.version, bootloader.imageFormats));
    }
    // An image that does not fit in the device's RAM.
    if (requires.ramBytes > provides.ramBytes) {
      if (out === undefined) return false;
      out.push(ramInsufficient(requires.ramBytes, provides.ramBytes));
    }
    return true;
  }
}

class CompiledImageRules implements CompiledImage {
  readonly hardware: HardwareRules;
  private readonly upgrade: UpgradeRules;

  constructor(
    readonly facts: ImageFacts,
    previous: CompiledImageRules | undefined,
  ) {
    this.hardware = previous?.hardware.sameAs(facts) === true ? previous.hardware : new HardwareRules(facts);
    this.upgrade = new UpgradeRules(facts);
  }

  accepts(device: DeviceIdentity): boolean {
    return this.run(device, undefined);
  }

  check(device: DeviceIdentity): readonly Reason[] {
    if (this.run(device, undefined)) return NO_REASONS;
    const out: Reason[] = [];
    this.run(device, out);
    return Object.freeze(out);
  }

  /**
   * The hardware rules, then flash, then the upgrade rules (rollback, upgrade range, downgrade), in
   * that order. Without `out`: whether every rule passes (stopping at the first that fails); with
   * `out`: every reason, collected there (the answer then means nothing).
   */
  private run(device: DeviceIdentity, out: Reason[] | undefined): boolean {
    if (out === undefined) {
      if (!this.hardware.fit(device)) return false;
    } else {
      this.hardware.run(device, out);
    }
    // An image that does not fit in the partition.
    const need = this.facts.requires.flashBytes;
    const room = device.provides.flashPartitionBytes;
    if (need > room) {
      if (out === undefined) return false;
      out.push(flashInsufficient(need, room));
    }
    // Rollback and skipped steps. A factory-fresh device (no `installed`) is being provisioned,
    // not upgraded: neither applies (docs/decisions.md, "The factory case").
    const installed = device.installed;
    return installed === undefined || this.upgrade.run(installed, out);
  }
}

/**
 * Compiles an image's device rules once (ranges parsed once); check devices against the result.
 * `previous`, an image of the same model compiled before, lends its compiled interface
 * requirements (and their answers) when they are the same: releases mostly repeat them.
 */
export function compileImage(facts: ImageFacts, previous?: CompiledImage): CompiledImage {
  return new CompiledImageRules(facts, previous instanceof CompiledImageRules ? previous : undefined);
}
