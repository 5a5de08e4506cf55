import {
  NO_REASONS as NO_CORE_REASONS,
  cachedRange,
  compileImage,
  type CompiledImage,
  type DeviceIdentity,
  type ImageFacts,
  type Reason,
} from '@fwkit/device-core';
import { fieldDevicesOf, type LedgerImage, type PlatformManifest, type ProductManifest } from '@fwkit/release-core';
import { NO_REASONS, matrixReason, plural } from './reasons.js';
import type { MatrixJson, MatrixReason } from './types.js';

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

interface Group {
  readonly revision: string;
  readonly reason: Reason;
  readonly bootloaders: string[];
}

/**
 * The device-rule checks of one model: every field device (hardware revision × bootloader) against
 * an image of a release, through the core's compiled engine. A cell whose devices all pass costs
 * one compile and one allocation-free check per device; reasons are built only for failing ones.
 */
export class ModelDeviceChecks {
  private readonly devices: readonly DeviceIdentity[];
  private readonly deprecationCache = new Map<string, readonly MatrixReason[]>();
  /** The model's image compiled last: the next one borrows its compiled requirements when equal. */
  private last: CompiledImage | undefined;

  constructor(
    private readonly product: ProductManifest,
    private readonly platform: PlatformManifest,
  ) {
    this.devices = fieldDevicesOf(product);
  }

  /** Every device-rule reason for this model's image in a release; empty when every field device accepts it. */
  check(image: LedgerImage, release: ReleaseFacts): readonly MatrixReason[] {
    const compiled = compileImage(factsOf(image, release), this.last);
    this.last = compiled;
    for (const device of this.devices) if (!compiled.accepts(device)) return this.reasons(compiled);
    return NO_REASONS;
  }

  /** The core's reasons for the failing devices; a revision's bootloaders that fail alike are merged. */
  private reasons(compiled: CompiledImage): readonly MatrixReason[] {
    const groups = new Map<string, Group>();
    for (const device of this.devices) {
      const reasons = compiled.check(device);
      if (reasons === NO_CORE_REASONS) continue;
      for (const reason of reasons) {
        // The core's message names the bootloader only when the bootloader is the cause.
        const key = `${device.hardwareRevision}\u0000${reason.code}\u0000${reason.message}`;
        const group = groups.get(key);
        if (group === undefined) groups.set(key, { revision: device.hardwareRevision, reason, bootloaders: [device.bootloader.version] });
        else group.bootloaders.push(device.bootloader.version);
      }
    }
    return Object.freeze([...groups.values()].map((group) => this.cellReason(group)));
  }

  /**
   * The core's reason as it is, prefixed with the devices it applies to; a provided interface
   * version that the platform marks deprecated or removed says so.
   */
  private cellReason({ revision, reason, bootloaders }: Group): MatrixReason {
    const model = this.product.id;
    const where = `${model} rev ${revision} (${plural(bootloaders.length, 'bootloader')} ${bootloaders.join(', ')})`;
    const details: Record<string, MatrixJson> = { ...reason.details, model, revision, bootloaders };
    let note = '';
    const iface = reason.details['interface'];
    const provided = reason.details['provided'];
    if (reason.code === 'INTERFACE_VERSION_INCOMPATIBLE' && typeof iface === 'string' && typeof provided === 'string') {
      const lifecycle = this.lifecycleOf(iface, provided);
      if (lifecycle !== undefined) {
        details['lifecycle'] = lifecycle.status;
        details['lifecycleVersions'] = lifecycle.versions;
        if (lifecycle.since !== undefined) details['since'] = lifecycle.since;
        note = ` (${lifecycle.status}${lifecycle.since === undefined ? '' : ` since platform ${lifecycle.since}`})`;
      }
    }
    return matrixReason(reason.code, 'error', `${where}: ${reason.message}${note}`, details);
  }

  /** The platform's word on a provided interface version when it is not current (deprecated or removed). */
  private lifecycleOf(iface: string, provided: string): { status: string; versions: string; since?: string; note?: string } | undefined {
    const entries = Object.hasOwn(this.platform.interfaces, iface) ? this.platform.interfaces[iface] : undefined;
    const entry = entries?.find((e) => e.status !== 'current' && cachedRange(e.versions).test(provided));
    if (entry === undefined) return undefined;
    return { status: entry.status, versions: entry.versions, since: entry.since, note: entry.note };
  }

  /**
   * Candidate column only: interfaces the image uses whose provided version the platform marks
   * deprecated. Still accepted today, refused by a later platform: a warning, not a failure.
   */
  deprecations(image: LedgerImage, platformVersion: string): readonly MatrixReason[] {
    const key = `${Object.entries(image.requires.interfaces).join('\u0002')}\u0004${platformVersion}`;
    let reasons = this.deprecationCache.get(key);
    if (reasons !== undefined) return reasons;
    const out: MatrixReason[] = [];
    for (const hw of this.product.hardware) {
      for (const iface of Object.keys(image.requires.interfaces)) {
        const provided = Object.hasOwn(hw.interfaces, iface) ? hw.interfaces[iface] : undefined;
        if (provided === undefined) continue;
        // A version the image refuses is an error of the device rules: "still accepts it" would contradict it.
        const required = image.requires.interfaces[iface];
        if (required !== undefined && !cachedRange(required).test(provided)) continue;
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
