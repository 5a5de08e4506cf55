import { FwkitError } from '@fwkit/core';

export type UsageErrorCode = 'USAGE';

/** The command line itself is wrong: exit 2, with the usage text. */
export class UsageError extends FwkitError<UsageErrorCode> {
  override readonly name = 'UsageError';
  constructor(message: string) {
    super('USAGE', message);
  }
}

export type CliErrorCode =
  | 'EPOCH_UNKNOWN'
  /** SOURCE_DATE_EPOCH is set but not decimal seconds in range (an empty value included). */
  | 'EPOCH_INVALID'
  | 'KEYS_NOT_FOUND'
  | 'PRODUCT_UNKNOWN'
  | 'RELEASE_UNKNOWN';

export class CliError extends FwkitError<CliErrorCode> {
  override readonly name = 'CliError';
}

export { EXIT, exitOfSignal } from './exit.js';
