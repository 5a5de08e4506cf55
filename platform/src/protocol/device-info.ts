import type { BuildInfo } from '../build-info.js';
import { StartupError } from '../errors.js';

/** What `/api/device` and ONVIF GetDeviceInformation report. */
export interface DeviceInfo {
  readonly manufacturer: string;
  readonly model: string;
  readonly name: string;
  readonly firmware: string;
  readonly platform: string;
  /** Revision of this unit, from the device identity; null when the launcher did not say. */
  readonly hardwareRevision: string | null;
  /** Revisions this firmware was built for. */
  readonly hardwareRevisions: readonly string[];
  readonly serialNumber: string | null;
}

export const DEFAULT_MANUFACTURER = 'fwkit camera platform';
const PRINTABLE = /^[\x20-\x7e]{1,64}$/;

function optionalEnv(env: NodeJS.ProcessEnv, name: string): string | null {
  const value = env[name];
  if (value === undefined || value === '') return null;
  if (!PRINTABLE.test(value)) throw new StartupError('USAGE', `${name} must be 1 to 64 printable ASCII characters`);
  return value;
}

/**
 * Build-time facts (model, versions) come from the signed image; per-unit facts (revision,
 * serial number) from the environment the device's launcher sets from its device identity.
 */
export function deviceInfo(build: BuildInfo, env: NodeJS.ProcessEnv): DeviceInfo {
  return Object.freeze({
    manufacturer: optionalEnv(env, 'FWKIT_MANUFACTURER') ?? DEFAULT_MANUFACTURER,
    model: build.model,
    name: build.modelName,
    firmware: build.firmware,
    platform: build.platform,
    hardwareRevision: optionalEnv(env, 'FWKIT_HARDWARE_REVISION'),
    hardwareRevisions: build.hardwareRevisions,
    serialNumber: optionalEnv(env, 'FWKIT_SERIAL_NUMBER'),
  });
}
