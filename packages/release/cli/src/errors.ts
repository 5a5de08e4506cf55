import { FwkitError } from '@fwkit/device-core';

// One usage error for both CLIs (fwkit and fwkit-device): the device side defines it.
export { UsageError, type UsageErrorCode } from '@fwkit/device-verify';

export type CliErrorCode =
  | 'EPOCH_UNKNOWN'
  /** SOURCE_DATE_EPOCH is set but not decimal seconds in range (an empty value included). */
  | 'EPOCH_INVALID'
  | 'KEYS_NOT_FOUND'
  | 'PRODUCT_UNKNOWN'
  /** `device provision` into something that is not an absent or empty directory. */
  | 'DEVICE_DIR_NOT_EMPTY'
  /** `device provision --policy`: not a JSON object of allowDowngrade and trialAttempts. */
  | 'POLICY_INVALID'
  | 'RELEASE_UNKNOWN';

export class CliError extends FwkitError<CliErrorCode> {
  override readonly name = 'CliError';
}

export { EXIT, exitOfSignal } from './exit.js';
