import { generateKeyPairSync } from 'node:crypto';
import { deviceIdentityFromJSON, type DeviceIdentity } from '@fwkit/device-core';
import { Device, encode, storageFailure, type DeviceOptions } from './device.js';
import { DEFAULT_POLICY, policyOf, type DevicePolicy } from './policy.js';
import { InstallError } from './errors.js';
import { LAYOUT, writeDual, type BootRecord } from './record.js';
import { factoryIdentity, openImageForSlot } from './slot.js';
import { NodeStorage, removeTree, type DeviceStorage } from './storage.js';

export interface ProvisionOptions {
  /** device.json (without `installed`: the device derives that from its record and counter). */
  readonly identity: DeviceIdentity;
  /** root.json as parsed JSON (TUF root metadata). */
  readonly trustRoot: unknown;
  /** The factory image: a file path or its bytes as a stream. */
  readonly factoryImage: string | AsyncIterable<Uint8Array>;
  readonly policy?: Partial<Omit<DevicePolicy, 'schemaVersion'>>;
  readonly device?: DeviceOptions;
}

/**
 * Creates a device: identity, trust root, policy, a fresh Ed25519 device key (0600, outside every
 * slot: firmware never gets it), the factory image verified into slot a as committed, and the
 * counter at its security version.
 */
export async function provision(target: DeviceStorage | string, options: ProvisionOptions): Promise<Device> {
  const storage = typeof target === 'string' ? new NodeStorage(target) : target;
  if (storage.read(`${LAYOUT.record}.0`) !== undefined || storage.read(`${LAYOUT.record}.1`) !== undefined) {
    throw new InstallError('DEVICE_EXISTS', 'the directory already holds a device');
  }
  const identity = factoryIdentity(deviceIdentityFromJSON(options.identity));
  const policy = policyOf({ ...DEFAULT_POLICY, ...options.policy });
  const device = new Device(storage, options.device);
  try {
    storage.mkdir('');
    const write = (file: string, bytes: Uint8Array, mode?: number): void => {
      storage.write(file, bytes, mode);
      storage.fsync(file);
    };
    const key = generateKeyPairSync('ed25519').privateKey.export({ format: 'pem', type: 'pkcs8' });
    write(LAYOUT.deviceKey, new TextEncoder().encode(String(key)), 0o600);
    write(LAYOUT.identity, encode(identity));
    write(LAYOUT.trustRoot, encode(options.trustRoot));
    write(LAYOUT.policy, encode(policy));
    storage.mkdir(LAYOUT.bootDir);
    storage.mkdir(LAYOUT.slotsDir);
    storage.fsyncDir('');
    writeDual(storage, 'provision', LAYOUT.counter, 1, { security: 0 });
    // Slot b stands as "committed" but empty while the factory image streams into slot a.
    writeDual(storage, 'provision', LAYOUT.record, 1, {
      state: 'idle',
      active: 'b',
      trial: null,
      attemptsLeft: 0,
      slots: { a: null, b: null },
      last: { result: 'provisioning', reason: 'the factory image is being installed' },
    } satisfies BootRecord);
    const image = typeof options.factoryImage === 'string' ? openImageForSlot(options.factoryImage) : options.factoryImage;
    const installed = await device.install(image);
    const { seq, record } = device.record();
    writeDual(storage, 'provision', LAYOUT.record, seq + 1, {
      ...record,
      state: 'idle',
      active: installed.slot,
      trial: null,
      attemptsLeft: 0,
      last: { result: 'provisioned', reason: `factory image ${installed.version} in slot ${installed.slot}` },
    } satisfies BootRecord);
    writeDual(storage, 'provision', LAYOUT.counter, 2, { security: installed.security });
    return device;
  } catch (error) {
    removeProvisioned(storage);
    throw storageFailure(error);
  }
}

/**
 * Undoes a provision that failed (a refused factory image, a full disk): the record copies go
 * first, so a cut during the cleanup leaves no device (DEVICE_EXISTS looks for them), then the rest.
 */
function removeProvisioned(storage: DeviceStorage): void {
  try {
    for (const copy of [0, 1]) {
      storage.unlink(`${LAYOUT.record}.${copy}`);
      storage.unlink(`${LAYOUT.record}.${copy}.tmp`);
    }
    if (storage.isDir(LAYOUT.bootDir)) storage.fsyncDir(LAYOUT.bootDir);
    for (const file of [LAYOUT.deviceKey, LAYOUT.identity, LAYOUT.trustRoot, LAYOUT.policy]) storage.unlink(file);
    removeTree(storage, LAYOUT.bootDir);
    removeTree(storage, LAYOUT.slotsDir);
    storage.fsyncDir('');
  } catch {
    // best effort: without a record the directory is no device, and provision may run again
  }
}
