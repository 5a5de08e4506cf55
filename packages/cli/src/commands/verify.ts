import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import {
  checkDeviceCompatibility,
  imageFactsOf,
  deviceIdentityFromJSON,
  fieldDevicesOf,
  productManifestFromJSON,
  type DeviceIdentity,
} from '@fwkit/core';
import { trustRootFromJSON } from '@fwkit/signing';
import { verifyImageFile, VerifyError } from '@fwkit/verify';
import { CliError, EXIT, UsageError } from '../errors.js';
import { readJsonFile, type Io } from '../io.js';
import { nowOption } from '../options.js';

/**
 * `fwkit verify`: signatures and threshold, then the image's requirements against the device,
 * then every block and payload as it streams. Exit 0 only when every check passes.
 */
export async function verifyCommand(args: string[], io: Io): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: {
      trust: { type: 'string' },
      device: { type: 'string' },
      model: { type: 'string' },
      hw: { type: 'string' },
      'any-device': { type: 'boolean', default: false },
      products: { type: 'string' },
      now: { type: 'string' },
      json: { type: 'boolean', default: false },
      'file-digest': { type: 'boolean', default: false },
    },
  });
  const [image, ...extra] = positionals;
  if (image === undefined || extra.length > 0) throw new UsageError('verify takes exactly one image path');
  if (values.trust === undefined) throw new UsageError('verify needs --trust <root.json>');
  const selection = deviceSelection(values);
  const now = nowOption(values.now);

  const trust = trustRootFromJSON(await readJsonFile(io, values.trust, 'trust root'), now);
  const devices = await resolveDevices(io, selection);
  const [first, ...others] = devices;
  // Only an explicit --any-device skips the device rules; an empty device list never does.
  if (selection.kind !== 'any-device' && first === undefined) throw new Error('verify: a device selection resolved to no device');
  const verified = await verifyImageFile(resolve(io.cwd, image), {
    trust,
    device: selection.kind === 'any-device' || first === undefined ? 'any-device' : first,
    now,
    // The identity is the manifest digest; the file's digest is a second hash of every byte, on request.
    fileDigest: values['file-digest'],
  });
  // The streamed checks ran once; the remaining field configurations only need the pure device rules.
  for (const device of others) {
    const reasons = checkDeviceCompatibility(imageFactsOf(verified.manifest), device);
    const firstReason = reasons[0];
    if (firstReason !== undefined) {
      throw new VerifyError(
        firstReason.code,
        `device ${device.model} rev ${device.hardwareRevision} with bootloader ${device.bootloader.version}: ${firstReason.message}`,
        { reasons },
      );
    }
  }
  const summary = {
    ok: true,
    code: null,
    message: `${image}: verified (${verified.manifest.model} ${verified.manifest.versions.firmware}, signed by ${verified.signers.length} key(s); identity ${verified.manifestSha256})`,
    image: {
      model: verified.manifest.model,
      firmware: verified.manifest.versions.firmware,
      platform: verified.manifest.versions.platform,
      security: verified.manifest.versions.security,
      manifestSha256: verified.manifestSha256,
      ...(verified.fileSha256 === undefined ? {} : { fileSha256: verified.fileSha256 }),
      bytes: verified.imageBytes,
      signers: verified.signers,
      exampleKeys: verified.exampleKeys,
    },
    devices: devices.map((d) => ({
      model: d.model,
      hardwareRevision: d.hardwareRevision,
      bootloader: d.bootloader.version,
      installed: d.installed?.firmware ?? null,
    })),
    ...uncheckedRules(selection, first, verified.manifest.upgradeFrom),
  };
  if (values.json) io.out(JSON.stringify(summary));
  else {
    const lines = [summary.message];
    if (verified.exampleKeys) lines.push('WARNING: signed with EXAMPLE keys (keys.example) — not for production');
    if (summary.note !== null) lines.push(`NOTE: ${summary.note}`);
    io.out(lines.join('\n'));
  }
  return EXIT.ok;
}

/** A rule `verify` could not check for the chosen device (its output says so): the device rules, or the installed-firmware rules. */
export type UncheckedRule = 'device' | 'upgradeFrom' | 'securityVersion';

/**
 * What this verification did not establish, for the output. upgradeFrom and the security version
 * compare the image with the installed firmware: --model/--hw names none, and a device.json
 * without `installed` is a factory-fresh device (provisioning, where they do not apply).
 */
function uncheckedRules(
  selection: DeviceSelection,
  device: DeviceIdentity | undefined,
  upgradeFrom: string,
): { factory: boolean; notChecked: UncheckedRule[]; note: string | null } {
  const installedRules = `upgradeFrom (${upgradeFrom}) and the security version`;
  if (selection.kind === 'any-device') {
    return {
      factory: false,
      notChecked: ['device', 'upgradeFrom', 'securityVersion'],
      note: `--any-device: the device rules and ${installedRules} were not checked`,
    };
  }
  if (selection.kind === 'field') {
    return {
      factory: false,
      notChecked: ['upgradeFrom', 'securityVersion'],
      note: `${installedRules} were not checked: --model/--hw names no installed firmware (use --device <device.json>)`,
    };
  }
  if (device?.installed === undefined) {
    return {
      factory: true,
      notChecked: ['upgradeFrom', 'securityVersion'],
      note: `factory provisioning: the device has no installed firmware, so ${installedRules} do not apply`,
    };
  }
  return { factory: false, notChecked: [], note: null };
}

/** Which devices `verify` checks the image against; exactly one of these, or a usage error. */
export type DeviceSelection =
  | { readonly kind: 'device'; readonly path: string }
  | { readonly kind: 'field'; readonly model: string; readonly hw: string; readonly products: string }
  | { readonly kind: 'any-device' };

const DEVICE_CHOICES = '--device <device.json>, --model <model> --hw <rev> [--products <dir>], or --any-device';

/**
 * The device options, checked before anything is read. Fails closed: an incomplete or mixed
 * selection is a usage error, never a silent --any-device (a wrong-model image would pass), and
 * --products is refused where it would be ignored.
 */
export function deviceSelection(values: {
  readonly device?: string | undefined;
  readonly model?: string | undefined;
  readonly hw?: string | undefined;
  readonly products?: string | undefined;
  readonly 'any-device'?: boolean | undefined;
}): DeviceSelection {
  const { device, model, hw, products } = values;
  for (const [name, value] of Object.entries({ device, model, hw, products })) {
    if (value === '') throw new UsageError(`--${name} needs a value`);
  }
  const anyDevice = values['any-device'] === true;
  const field = model !== undefined || hw !== undefined;
  const chosen = [device !== undefined, field, anyDevice].filter(Boolean).length;
  if (chosen === 0) throw new UsageError(`verify needs a device: ${DEVICE_CHOICES}`);
  if (chosen > 1) throw new UsageError(`choose exactly one of ${DEVICE_CHOICES}`);
  if (device !== undefined || anyDevice) {
    if (products !== undefined) throw new UsageError('--products only applies to --model/--hw');
    return device !== undefined ? { kind: 'device', path: device } : { kind: 'any-device' };
  }
  if (model === undefined) throw new UsageError('--hw needs --model <model>');
  if (hw === undefined) throw new UsageError('--model needs --hw <revision>');
  return { kind: 'field', model, hw, products: products ?? 'products' };
}

async function resolveDevices(io: Io, selection: DeviceSelection): Promise<DeviceIdentity[]> {
  if (selection.kind === 'any-device') return [];
  if (selection.kind === 'device') {
    return [deviceIdentityFromJSON(await readJsonFile(io, selection.path, 'device identity'), selection.path)];
  }
  const values = selection;
  const productPath = join(values.products, values.model, 'product.json');
  const product = productManifestFromJSON(await readJsonFile(io, productPath, 'product manifest'), productPath);
  const devices = fieldDevicesOf(product, values.hw);
  if (devices.length === 0) {
    throw new CliError(
      'PRODUCT_UNKNOWN',
      `${values.model} has no hardware revision "${values.hw}" (known: ${product.hardware.map((h) => h.revision).join(', ')})`,
    );
  }
  return devices;
}
