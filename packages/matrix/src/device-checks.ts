import {
  DEVICE_RULES,
  KNOWN_REQUIREMENTS,
  fieldDevicesOf,
  type DeviceIdentity,
  type DeviceRule,
  type ImageFacts,
  type ImageRequires,
  type LedgerImage,
  type PlatformManifest,
  type ProductManifest,
  type Reason,
  upgradeReasons,
} from '@fwkit/core';
import { NO_REASONS, byteSize, matrixReason, plural } from './reasons.js';
import type { SemverCache } from './semver-cache.js';
import type { MatrixJson, MatrixReason } from './types.js';

/**
 * The core device rules, by name, in the order the fast path below mirrors them. If the core adds,
 * removes or reorders a rule, the fast path switches itself off (every check then goes through the
 * engine: slower, still right) and a test fails so that someone updates the mirror.
 */
export const MIRRORED_RULES = [
  'modelMatches',
  'revisionSupported',
  'requirementsUnderstood',
  'interfacesProvided',
  'bootloaderAccepts',
  'ramSufficient',
  'flashSufficient',
  'securityVersionMonotonic',
  'upgradeFromAccepted',
] as const;

export const FAST_PATH_ENABLED = DEVICE_RULES.map((rule) => rule.name).join(',') === MIRRORED_RULES.join(',');

const KNOWN: readonly string[] = KNOWN_REQUIREMENTS;

/**
 * Does `device` pass every core rule except the flash rule? A mirror of the core rules used only to
 * skip the engine where it would find nothing: every reason the matrix reports comes from the
 * core's rules themselves. Equivalence with the engine is a property test (fast-path.test.ts). It
 * exists for speed: the engine parses each semver string on every call (~30 µs a check on a
 * typical device), this uses parsed, memoized answers.
 */
export function passesAllButFlash(image: ImageFacts, device: DeviceIdentity, versions: SemverCache): boolean {
  return passesRevisionRules(image, device, versions) && passesBootloaderRules(image, device, versions);
}

/** The part of the mirror that looks at the device's model and hardware revision only (not its bootloader). */
export function passesRevisionRules(image: ImageFacts, device: DeviceIdentity, versions: SemverCache): boolean {
  if (image.model !== device.model) return false;
  if (!image.hardwareRevisions.includes(device.hardwareRevision)) return false;
  const requires = image.requires;
  // for-in with hasOwn: the own enumerable keys, as the engine's Object.keys/entries, without the arrays.
  for (const key in requires) if (Object.hasOwn(requires, key) && !KNOWN.includes(key)) return false;
  const provides = device.provides.interfaces;
  const interfaces = requires.interfaces;
  for (const name in interfaces) {
    if (!Object.hasOwn(interfaces, name)) continue;
    const range = interfaces[name];
    const provided = Object.hasOwn(provides, name) ? provides[name] : undefined;
    if (range === undefined || provided === undefined || !versions.satisfies(provided, range)) return false;
  }
  return requires.ramBytes <= device.provides.ramBytes;
}

/**
 * The part of the mirror that looks at the bootloader, and at the installed firmware through the
 * core's own upgrade rules (upgradeFrom, security version) with memoized semver. Field devices have
 * no installed firmware; the matrix judges upgrades per release pair (upgrade.ts, same core function).
 */
export function passesBootloaderRules(image: ImageFacts, device: DeviceIdentity, versions: SemverCache): boolean {
  const requires = image.requires;
  if (!versions.satisfies(device.bootloader.version, requires.bootloader)) return false;
  if (!device.bootloader.imageFormats.includes(requires.imageFormat)) return false;
  return device.installed === undefined || upgradeReasons(image, device.installed, (v, r) => versions.satisfies(v, r)).length === 0;
}

/** The flash rule of the mirror: kept apart because the flash need changes with every release. */
export function passesFlash(requires: ImageRequires, device: DeviceIdentity): boolean {
  return requires.flashBytes <= device.provides.flashPartitionBytes;
}

/** Every requirement that decides the rules except flash, as one string: equal keys, equal answers. */
function requirementKey(image: LedgerImage): string {
  const r = image.requires;
  let key = `${image.hardwareRevisions.join(',')}\u0001${r.bootloader}\u0001${r.imageFormat}\u0001${r.ramBytes}\u0001`;
  for (const name of Object.keys(r)) if (!KNOWN.includes(name)) key += `${name}\u0002`;
  key += '\u0001';
  const interfaces = r.interfaces;
  for (const name of Object.keys(interfaces)) key += `${name}\u0002${interfaces[name] ?? ''}\u0002`;
  return key;
}

/**
 * The requirements of a model's last image apart from flash, flattened: the next image (a model's
 * releases mostly repeat the requirements of the one before) is compared against it without
 * touching the older image again (scattered in memory: a cache miss per field on a big ledger).
 */
class RequirementPrint {
  private readonly values: (string | number)[];

  constructor(
    readonly entry: KeyEntry,
    image: LedgerImage,
  ) {
    this.values = RequirementPrint.flatten(image);
  }

  /**
   * Whether `image` has these requirements (flash aside). Stops at the first difference. Keeps the
   * strings of the image just compared: the next comparison then reads recently touched memory.
   */
  matches(image: LedgerImage): boolean {
    const want = this.values;
    const r = image.requires;
    if (want[0] !== r.bootloader || want[1] !== r.imageFormat || want[2] !== r.ramBytes) return false;
    want[0] = r.bootloader;
    const revisions = image.hardwareRevisions;
    if (want[3] !== revisions.length) return false;
    let i = 4;
    for (const revision of revisions) {
      if (want[i] !== revision) return false;
      want[i++] = revision;
    }
    // Unknown requirements by name (the engine refuses them by name), then a separator.
    for (const key in r) if (!KNOWN.includes(key) && want[i++] !== key) return false;
    if (want[i++] !== -1) return false;
    const interfaces = r.interfaces;
    for (const name in interfaces) {
      const range = interfaces[name];
      if (want[i++] !== name || range === undefined || want[i] !== range) return false;
      want[i++] = range;
    }
    return i === want.length;
  }

  private static flatten(image: LedgerImage): (string | number)[] {
    const r = image.requires;
    const out: (string | number)[] = [r.bootloader, r.imageFormat, r.ramBytes, image.hardwareRevisions.length, ...image.hardwareRevisions];
    for (const key in r) if (!KNOWN.includes(key)) out.push(key);
    out.push(-1);
    const interfaces = r.interfaces;
    for (const name in interfaces) out.push(name, interfaces[name] ?? '');
    return out;
  }
}

interface Group {
  readonly revision: string;
  readonly reason: Reason;
  readonly bootloaders: string[];
}

function detail(details: Reason['details'], key: string): string | undefined {
  const value = Object.hasOwn(details, key) ? details[key] : undefined;
  if (value === undefined) return undefined;
  return Array.isArray(value) ? value.join(', ') : String(value);
}

function numeric(details: Reason['details'], key: string): number | undefined {
  const value = Object.hasOwn(details, key) ? details[key] : undefined;
  return typeof value === 'number' ? value : undefined;
}

/** What the core rules need of an image's release (the ledger records them per release, signed in every image). */
export type ReleaseFacts = Pick<ImageFacts, 'firmware' | 'security' | 'upgradeFrom'>;

/** What the core rules look at: the ledger's image and its release's versions. */
function factsOf(image: LedgerImage, release: ReleaseFacts): ImageFacts {
  return {
    model: image.model,
    hardwareRevisions: image.hardwareRevisions,
    requires: image.requires,
    security: release.security,
    firmware: release.firmware,
    upgradeFrom: release.upgradeFrom,
  };
}

/** The core's own flash rule, and its other rules: the flash need changes with every release, the rest rarely. */
const FLASH_RULE: DeviceRule | undefined = DEVICE_RULES.find((rule) => rule.name === 'flashSufficient');
const OTHER_RULES: readonly DeviceRule[] = DEVICE_RULES.filter((rule) => rule !== FLASH_RULE);

interface KeyEntry {
  /** Per field device: passes every rule but flash (the mirror's answer). */
  readonly passes: readonly boolean[];
  readonly allPass: boolean;
  /** The engine's reasons for the devices that do not pass, once asked. */
  reasons?: readonly MatrixReason[];
}

/**
 * The device-rule checks of one model: every field device (hardware revision × bootloader) against
 * an image of a release. Identical requirements give identical answers, so they are asked once;
 * the flash rule, whose input changes with every release, is asked per image.
 */
export class ModelDeviceChecks {
  private readonly devices: readonly DeviceIdentity[];
  private readonly entries = new Map<string, KeyEntry>();
  private readonly slowCache = new Map<string, readonly MatrixReason[]>();
  private readonly deprecationCache = new Map<string, readonly MatrixReason[]>();
  /** Releases of a model mostly repeat the requirements of the one before: compare before building a key. */
  private last: RequirementPrint | undefined;
  /** Below this flash need every field device has room (the flash rule passes for all). */
  private readonly smallestFlash: number;

  constructor(
    private readonly product: ProductManifest,
    private readonly platform: PlatformManifest,
    private readonly versions: SemverCache,
  ) {
    this.devices = fieldDevicesOf(product);
    this.smallestFlash = Math.min(...this.devices.map((d) => d.provides.flashPartitionBytes));
  }

  /** Every device-rule reason for this model's image in a release; empty when every field device accepts it. */
  check(image: LedgerImage, release: ReleaseFacts): readonly MatrixReason[] {
    const entry = this.entryOf(image, release);
    if (entry === undefined)
      return this.slow(
        `${requirementKey(image)}\u0003${image.requires.flashBytes}\u0003${release.security}\u0003${release.upgradeFrom}`,
        factsOf(image, release),
      );
    let others = NO_REASONS;
    if (!entry.allPass) {
      const passes = entry.passes;
      // Where flash fits, its size changes no other answer: the reasons are those of the key.
      entry.reasons ??= this.ask(factsOf(image, release), OTHER_RULES, (_, i) => passes[i] !== true);
      others = entry.reasons;
    }
    if (image.requires.flashBytes <= this.smallestFlash || FLASH_RULE === undefined) return others;
    const flash = this.ask(factsOf(image, release), [FLASH_RULE], (device) => !passesFlash(image.requires, device));
    return others.length === 0 ? flash : [...others, ...flash];
  }

  /** The mirror's answers for the image's requirements (undefined: no mirror, ask the engine for everything). */
  private entryOf(image: LedgerImage, release: ReleaseFacts): KeyEntry | undefined {
    if (!FAST_PATH_ENABLED || FLASH_RULE === undefined) return undefined;
    const last = this.last;
    if (last?.matches(image) === true) return last.entry;
    const key = requirementKey(image);
    let entry = this.entries.get(key);
    if (entry === undefined) {
      const f = factsOf(image, release);
      // Revision rules once per revision, bootloader rules per device.
      const byRevision = new Map<string, boolean>();
      const passes = this.devices.map((device) => {
        let revision = byRevision.get(device.hardwareRevision);
        if (revision === undefined) {
          revision = passesRevisionRules(f, device, this.versions);
          byRevision.set(device.hardwareRevision, revision);
        }
        return revision && passesBootloaderRules(f, device, this.versions);
      });
      entry = { passes, allPass: passes.every(Boolean) };
      this.entries.set(key, entry);
    }
    this.last = new RequirementPrint(entry, image);
    return entry;
  }

  /** Without the mirror (the core's rules changed): the whole engine on every device. */
  private slow(key: string, facts: ImageFacts): readonly MatrixReason[] {
    let reasons = this.slowCache.get(key);
    if (reasons === undefined) {
      reasons = this.ask(facts, DEVICE_RULES, () => true);
      this.slowCache.set(key, reasons);
    }
    return reasons;
  }

  /** Runs core rules on the devices `ask` selects; merges a revision's bootloaders that fail alike. */
  private ask(
    facts: ImageFacts,
    rules: readonly DeviceRule[],
    select: (device: DeviceIdentity, index: number) => boolean,
  ): readonly MatrixReason[] {
    const groups = new Map<string, Group>();
    this.devices.forEach((device, i) => {
      if (!select(device, i)) return;
      for (const rule of rules) {
        for (const reason of rule(facts, device)) {
          // The engine's message names the bootloader only when the bootloader is the cause.
          const groupKey = `${device.hardwareRevision}\u0000${reason.code}\u0000${reason.message}`;
          const group = groups.get(groupKey);
          if (group === undefined)
            groups.set(groupKey, { revision: device.hardwareRevision, reason, bootloaders: [device.bootloader.version] });
          else group.bootloaders.push(device.bootloader.version);
        }
      }
    });
    if (groups.size === 0) return NO_REASONS;
    return Object.freeze([...groups.values()].map((group) => this.explain(group)));
  }

  /** The engine's reason, told the way a release engineer reads it: model, revision, bootloaders, what is required and provided. */
  private explain({ revision, reason, bootloaders }: Group): MatrixReason {
    const d = reason.details;
    const model = this.product.id;
    const where = `${model} rev ${revision} (${plural(bootloaders.length, 'bootloader')} ${bootloaders.join(', ')})`;
    const details: Record<string, MatrixJson> = { ...d, model, revision, bootloaders };
    let what: string | undefined;
    switch (reason.code) {
      case 'INTERFACE_VERSION_INCOMPATIBLE': {
        const iface = detail(d, 'interface');
        const provided = detail(d, 'provided');
        if (iface === undefined || provided === undefined) break;
        const lifecycle = this.lifecycleOf(iface, provided);
        let note = '';
        if (lifecycle !== undefined) {
          details['lifecycle'] = lifecycle.status;
          details['lifecycleVersions'] = lifecycle.versions;
          if (lifecycle.since !== undefined) details['since'] = lifecycle.since;
          note = ` (${lifecycle.status}${lifecycle.since === undefined ? '' : ` since platform ${lifecycle.since}`})`;
        }
        what = `requires ${iface} ${detail(d, 'required') ?? '?'}, provides ${provided}${note}`;
        break;
      }
      case 'INTERFACE_MISSING': {
        const iface = detail(d, 'interface');
        if (iface !== undefined) what = `requires ${iface} ${detail(d, 'required') ?? '?'}, does not provide ${iface}`;
        break;
      }
      case 'BOOTLOADER_TOO_OLD':
        what = `requires bootloader ${detail(d, 'required') ?? '?'}, has ${detail(d, 'bootloader') ?? bootloaders.join(', ')}`;
        break;
      case 'IMAGE_FORMAT_UNSUPPORTED':
        what = `image format ${detail(d, 'imageFormat') ?? '?'} cannot be verified by bootloader ${detail(d, 'bootloader') ?? '?'}, which verifies format ${detail(d, 'supported') ?? '?'}`;
        break;
      case 'RAM_INSUFFICIENT': {
        const required = numeric(d, 'required');
        const available = numeric(d, 'available');
        if (required !== undefined && available !== undefined) what = `needs ${byteSize(required)} of RAM, has ${byteSize(available)}`;
        break;
      }
      case 'FLASH_INSUFFICIENT': {
        const required = numeric(d, 'required');
        const available = numeric(d, 'available');
        if (required !== undefined && available !== undefined)
          what = `image needs ${byteSize(required)} of flash, the partition holds ${byteSize(available)}`;
        break;
      }
      case 'HARDWARE_REVISION_UNSUPPORTED':
        what = `the image covers revisions ${detail(d, 'supported') ?? '?'} only, not ${revision}`;
        break;
      default:
        break;
    }
    return matrixReason(reason.code, 'error', `${where}: ${what ?? reason.message}`, details);
  }

  /** The platform's word on a provided interface version when it is not current (deprecated or removed). */
  private lifecycleOf(iface: string, provided: string): { status: string; versions: string; since?: string; note?: string } | undefined {
    const entries = Object.hasOwn(this.platform.interfaces, iface) ? this.platform.interfaces[iface] : undefined;
    const entry = entries?.find((e) => e.status !== 'current' && this.versions.satisfies(provided, e.versions));
    if (entry === undefined) return undefined;
    return { status: entry.status, versions: entry.versions, since: entry.since, note: entry.note };
  }

  /**
   * Candidate column only: interfaces the image uses whose provided version the platform marks
   * deprecated. Still accepted today, refused by a later platform: a warning, not a failure.
   */
  deprecations(image: LedgerImage, platformVersion: string): readonly MatrixReason[] {
    const key = `${requirementKey(image)}\u0004${platformVersion}`;
    let reasons = this.deprecationCache.get(key);
    if (reasons !== undefined) return reasons;
    const out: MatrixReason[] = [];
    for (const hw of this.product.hardware) {
      for (const iface of Object.keys(image.requires.interfaces)) {
        const provided = Object.hasOwn(hw.interfaces, iface) ? hw.interfaces[iface] : undefined;
        if (provided === undefined) continue;
        const lifecycle = this.lifecycleOf(iface, provided);
        if (lifecycle?.status !== 'deprecated') continue;
        const since = lifecycle.since === undefined ? '' : ` since platform ${lifecycle.since}`;
        const note = lifecycle.note === undefined ? '' : `: ${lifecycle.note}`;
        const details: Record<string, MatrixJson> = {
          model: this.product.id,
          revision: hw.revision,
          interface: iface,
          provided,
          deprecated: lifecycle.versions,
          platform: platformVersion,
        };
        if (lifecycle.since !== undefined) details['since'] = lifecycle.since;
        if (lifecycle.note !== undefined) details['note'] = lifecycle.note;
        out.push(
          matrixReason(
            'INTERFACE_VERSION_DEPRECATED',
            'warning',
            `${this.product.id} rev ${hw.revision}: provides ${iface} ${provided}, deprecated${since} (platform ${platformVersion} still accepts it; a later one will not)${note}`,
            details,
          ),
        );
      }
    }
    reasons = out.length === 0 ? NO_REASONS : Object.freeze(out);
    this.deprecationCache.set(key, reasons);
    return reasons;
  }
}
