import { FwkitError } from '@fwkit/device-core';

/**
 * Every way the installer refuses or fails. An image the verifier refuses keeps the verifier's own
 * code (VerifyError: BAD_SIGNATURE, SECURITY_VERSION_ROLLBACK, FIRMWARE_DOWNGRADE, ...); these are
 * the installer's own.
 */
export type InstallErrorCode =
  /** Another install holds the lock (its process is alive). */
  | 'INSTALL_LOCKED'
  /** A trial is pending: boot it (commit or revert) before installing again. */
  | 'INSTALL_TRIAL_PENDING'
  /** The device's storage is full (ENOSPC); the inactive slot stays invalid. */
  | 'INSTALL_NO_SPACE'
  /** The device storage failed (EIO, EACCES, ...): the system call and errno, never a stack or a path. */
  | 'DEVICE_IO'
  /** Neither slot verifies (or the only one that does is below the security counter): the signed recovery path. */
  | 'BOOT_NO_VALID_SLOT'
  /** `recover` on a device that boots: a slot verifies at or above the counter. */
  | 'RECOVERY_NOT_NEEDED'
  /** `commit`/`revert` without a pending trial. */
  | 'NO_TRIAL_PENDING'
  /** The device directory is not a device (no readable boot-control record, identity, root or policy). */
  | 'DEVICE_INVALID'
  /** `provision` into a directory that already holds a device. */
  | 'DEVICE_EXISTS';

export class InstallError extends FwkitError<InstallErrorCode> {
  override readonly name = 'InstallError';
}
