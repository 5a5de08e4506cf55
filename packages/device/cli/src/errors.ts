import { FwkitError } from '@fwkit/device-core';

/** How a device command fails beyond the installer's and the verifier's own codes (InstallError, VerifyError). */
export type DeviceCliErrorCode =
  /** `boot --serve`: the firmware exited by itself while it was being served. */
  'FIRMWARE_EXITED';

export class DeviceCliError extends FwkitError<DeviceCliErrorCode> {
  override readonly name = 'DeviceCliError';
}
