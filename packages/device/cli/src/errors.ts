import { FwkitError } from '@fwkit/device-core';

/** How a device command fails beyond the installer's and the verifier's own codes (InstallError, VerifyError). */
export type DeviceCliErrorCode =
  /** The device directory could not be read or written (permissions, not a directory, read-only, I/O error). */
  | 'DEVICE_IO'
  /** `boot --serve`: the firmware exited by itself while it was being served. */
  | 'FIRMWARE_EXITED';

export class DeviceCliError extends FwkitError<DeviceCliErrorCode> {
  override readonly name = 'DeviceCliError';
}

/**
 * An operating-system error on the device directory (EACCES, ENOTDIR, EROFS, EIO, ...) is an
 * ordinary failure of the device, not a bug: a coded DEVICE_IO (exit 1) without a stack trace.
 * Anything else is returned as it is.
 */
export function codedIoError(error: unknown): unknown {
  const errno = error as NodeJS.ErrnoException | null;
  if (!(error instanceof Error) || error instanceof FwkitError) return error;
  if (typeof errno?.code !== 'string' || !/^E[A-Z]+$/.test(errno.code) || typeof errno.syscall !== 'string') return error;
  return new DeviceCliError('DEVICE_IO', error.message, {
    cause: error,
    details: { errno: errno.code, syscall: errno.syscall, path: errno.path ?? null },
  });
}
