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
      products: { type: 'string', default: 'products' },
      now: { type: 'string' },
      json: { type: 'boolean', default: false },
    },
  });
  const [image, ...extra] = positionals;
  if (image === undefined || extra.length > 0) throw new UsageError('verify takes exactly one image path');
  if (values.trust === undefined) throw new UsageError('verify needs --trust <root.json>');
  const targetChoices = [values.device !== undefined, values.model !== undefined || values.hw !== undefined, values['any-device']];
  if (targetChoices.filter(Boolean).length !== 1) {
    throw new UsageError('choose exactly one of --device <device.json>, --model <model> --hw <rev>, --any-device');
  }
  const now = values.now === undefined ? new Date() : new Date(values.now);
  if (Number.isNaN(now.getTime())) throw new UsageError(`--now "${values.now ?? ''}" is not an ISO date-time`);

  const trust = trustRootFromJSON(await readJsonFile(io, values.trust, 'trust root'), now);
  const devices = await resolveDevices(io, values);
  const [first, ...others] = devices;
  const verified = await verifyImageFile(resolve(io.cwd, image), { trust, device: first ?? 'any-device', now });
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
      fileSha256: verified.fileSha256,
      bytes: verified.imageBytes,
      signers: verified.signers,
      exampleKeys: verified.exampleKeys,
    },
    devices: devices.map((d) => ({ model: d.model, hardwareRevision: d.hardwareRevision, bootloader: d.bootloader.version })),
  };
  if (values.json) io.out(JSON.stringify(summary));
  else io.out(summary.message + (verified.exampleKeys ? '\nWARNING: signed with EXAMPLE keys (keys.example) — not for production' : ''));
  return EXIT.ok;
}

async function resolveDevices(
  io: Io,
  values: { device?: string; model?: string; hw?: string; products: string },
): Promise<DeviceIdentity[]> {
  if (values.device !== undefined) return [deviceIdentityFromJSON(await readJsonFile(io, values.device, 'device identity'), values.device)];
  if (values.model === undefined) return [];
  if (values.hw === undefined) throw new UsageError('--model needs --hw <revision>');
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
