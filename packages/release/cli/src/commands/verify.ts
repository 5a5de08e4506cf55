import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import type { DeviceIdentity } from '@fwkit/device-core';
import { verifyImageFile, type VerifiedImage } from '@fwkit/device-verify';
import {
  installedRules,
  loadDeviceIdentity,
  loadTrustRoot,
  nowOption,
  renderSummary,
  uncheckedOnDevice,
  verifySummary,
  type Unchecked,
} from '@fwkit/device-verify/report';
import { EXIT, UsageError } from '../errors.js';
import { loadFieldDevices } from '../field-devices.js';
import type { Io } from '../io.js';

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

  const trust = await loadTrustRoot(io.cwd, values.trust, now);
  const devices = selection.kind === 'any-device' ? 'any-device' : await resolveDevices(io, selection);
  // One verification: the streamed checks run once, the device rules once per device (the verifier's report).
  const verified = await verifyImageFile(resolve(io.cwd, image), {
    trust,
    devices,
    now,
    // The identity is the manifest digest; the file's digest is a second hash of every byte, on request.
    fileDigest: values['file-digest'],
  });
  io.out(renderSummary(verifySummary(image, verified, uncheckedOf(selection, verified)), verified.exampleKeys, values.json));
  return EXIT.ok;
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

/**
 * What this verification did not establish, for the output. upgradeFrom and the security version
 * compare the image with the installed firmware: --model/--hw names none, and --any-device skips the
 * device rules too; with --device it is the device side's answer (a factory-fresh device.json).
 */
function uncheckedOf(selection: DeviceSelection, verified: VerifiedImage): Unchecked {
  const rules = installedRules(verified.manifest.upgradeFrom);
  switch (selection.kind) {
    case 'device':
      return uncheckedOnDevice(verified);
    case 'field':
      return {
        factory: false,
        notChecked: ['upgradeFrom', 'securityVersion'],
        note: `${rules} were not checked: --model/--hw names no installed firmware (use --device <device.json>)`,
      };
    case 'any-device':
      return {
        factory: false,
        notChecked: ['device', 'upgradeFrom', 'securityVersion'],
        note: `--any-device: the device rules and ${rules} were not checked`,
      };
  }
}

async function resolveDevices(io: Io, selection: Exclude<DeviceSelection, { kind: 'any-device' }>): Promise<DeviceIdentity[]> {
  if (selection.kind === 'device') return [await loadDeviceIdentity(io.cwd, selection.path)];
  return loadFieldDevices(io, selection.products, selection.model, selection.hw);
}
