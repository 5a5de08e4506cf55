import { chmod, lstat, mkdtemp, open, readdir, rename, rm } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { INPUT_LIMITS, readJsonInputFile } from '@fwkit/device-core';
import { isDeviceCommand, renderStatus, reportFailure, runDeviceCommand } from '@fwkit/device-cli';
import { InstallError, provision, storageFailure, type DevicePolicy } from '@fwkit/device-install';
import { nowOption } from '@fwkit/device-verify/report';
import { CliError, EXIT, UsageError } from '../errors.js';
import { loadFieldDevices } from '../field-devices.js';
import { readJsonFile, type Io } from '../io.js';
import { DEVICE_HELP, PROVISION_HELP } from '../usage.js';

const PROGRAM = 'fwkit device';

/** `fwkit device <command>`: provision here (it needs the products); the others are the device side's. */
export async function deviceCommand(args: string[], io: Io): Promise<number> {
  const [name, ...rest] = args;
  if (name === undefined) {
    io.err(DEVICE_HELP);
    return EXIT.usage;
  }
  if (name === '--help' || name === '-h' || name === 'help') {
    io.out(DEVICE_HELP);
    return EXIT.ok;
  }
  if (isDeviceCommand(name)) return runDeviceCommand(PROGRAM, name, rest, io);
  const help = name === 'provision' ? PROVISION_HELP : DEVICE_HELP;
  try {
    if (name !== 'provision')
      throw new UsageError(`unknown device command "${name}" (provision, install, boot, status, commit, revert, recover)`);
    if (rest.includes('--help') || rest.includes('-h')) {
      io.out(PROVISION_HELP);
      return EXIT.ok;
    }
    return await provisionCommand(rest, io);
  } catch (caught) {
    // The same mapping and output as the device commands' (runDeviceCommand).
    return reportFailure(io, storageFailure(caught), { program: PROGRAM, json: rest.includes('--json'), usage: help });
  }
}

async function provisionCommand(args: string[], io: Io): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: {
      model: { type: 'string' },
      hw: { type: 'string' },
      bootloader: { type: 'string' },
      products: { type: 'string' },
      image: { type: 'string' },
      trust: { type: 'string' },
      policy: { type: 'string' },
      now: { type: 'string' },
      json: { type: 'boolean', default: false },
    },
  });
  const [dir, ...extra] = positionals;
  if (dir === undefined || dir === '' || extra.length > 0) throw new UsageError('provision names exactly one device directory');
  for (const option of ['model', 'hw', 'image', 'trust'] as const) {
    if (values[option] === undefined || values[option] === '') throw new UsageError(`provision needs --${option}`);
  }
  const { model = '', hw = '', image = '', trust = '' } = values;
  const now = nowOption(values.now);
  const target = resolve(io.cwd, dir);

  // Everything is read and checked before anything is written.
  const existing = await targetState(target);
  const devices = await loadFieldDevices(io, values.products ?? 'products', model, hw);
  const identity = values.bootloader === undefined ? devices[0] : devices.find((d) => d.bootloader.version === values.bootloader);
  if (identity === undefined) {
    throw new CliError(
      'PRODUCT_UNKNOWN',
      `${model} revision ${hw} has no bootloader "${values.bootloader ?? ''}" (known: ${devices.map((d) => d.bootloader.version).join(', ')})`,
    );
  }
  const trustRoot = await readJsonFile(io, trust, 'trust root');
  const policy = values.policy === undefined ? undefined : await readPolicy(io, values.policy);

  // Built beside the target (same filesystem), moved into place when complete: a refusal leaves the target as it was.
  const building = await mkdtemp(join(dirname(target), `.${basename(target)}.provisioning-`));
  try {
    const device = await provision(building, {
      identity,
      trustRoot,
      factoryImage: resolve(io.cwd, image),
      ...(policy === undefined ? {} : { policy }),
      device: { now: () => now },
    });
    const status = device.status();
    await chmod(building, existing === 'absent' ? 0o755 : existing.mode);
    // rename(2) replaces an empty directory atomically.
    await rename(building, target);
    const parent = await open(dirname(target), 'r');
    try {
      await parent.sync();
    } finally {
      await parent.close();
    }
    const message = `${dir}: provisioned ${model} revision ${hw} (bootloader ${identity.bootloader.version}); factory ${status.committed?.version ?? '?'} committed in slot ${status.committed?.slot ?? '?'}`;
    io.out(
      values.json
        ? JSON.stringify({
            ok: true,
            code: null,
            message,
            device: { model, hardwareRevision: hw, bootloader: identity.bootloader.version },
            status,
          })
        : `${message}\n${renderStatus(status)}`,
    );
    return EXIT.ok;
  } catch (error) {
    await rm(building, { recursive: true, force: true });
    throw error;
  }
}

/** A device directory to be: absent, or an empty directory (its mode kept); anything else is refused. */
async function targetState(target: string): Promise<'absent' | { mode: number }> {
  let stats;
  try {
    stats = await lstat(target);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return 'absent';
    throw error;
  }
  if (stats.isDirectory() && (await readdir(target)).length === 0) return { mode: stats.mode & 0o7777 };
  if (stats.isDirectory() && (await readdir(target)).includes('boot')) {
    throw new InstallError('DEVICE_EXISTS', `${target} already holds a device`, { details: { dir: target } });
  }
  throw new CliError('DEVICE_DIR_NOT_EMPTY', `${target} is not an empty directory: provision makes a new device`, {
    details: { dir: target },
  });
}

/** --policy <policy.json>: the policy fields a device gets (device-install checks their values). */
async function readPolicy(io: Io, path: string): Promise<Partial<Omit<DevicePolicy, 'schemaVersion'>>> {
  const doc = await readJsonInputFile(resolve(io.cwd, path), 'device policy', INPUT_LIMITS.deviceIdentity);
  if (typeof doc !== 'object' || doc === null || Array.isArray(doc))
    throw new CliError('POLICY_INVALID', `${path}: a JSON object expected`);
  const fields = doc as Record<string, unknown>;
  const unknown = Object.keys(fields).filter((key) => !['schemaVersion', 'allowDowngrade', 'trialAttempts'].includes(key));
  if (unknown.length > 0)
    throw new CliError('POLICY_INVALID', `${path}: unknown field(s) ${unknown.join(', ')} (allowDowngrade, trialAttempts)`);
  const policy: Record<string, unknown> = {};
  for (const key of ['allowDowngrade', 'trialAttempts']) if (key in fields) policy[key] = fields[key];
  return policy;
}
