import { FwkitError } from '@fwkit/device-core';

/** How a device command fails beyond the installer's and the verifier's own codes (InstallError, VerifyError). */
export type DeviceCliErrorCode =
  /** `boot --serve`: the firmware exited by itself while it was being served. */
  | 'FIRMWARE_EXITED'
  /** `boot`: this host cannot isolate the firmware's domains (not root, a tool or kernel feature missing); nothing was changed. */
  | 'ISOLATION_UNAVAILABLE';

export class DeviceCliError extends FwkitError<DeviceCliErrorCode> {
  override readonly name = 'DeviceCliError';
}
