import { FwkitError, type Reason, type ReasonCode } from '@fwkit/device-core';
import type { ImageReadErrorCode } from '@fwkit/device-image';
import type { ThresholdFailure } from '@fwkit/device-trust';
import type { DeviceReport } from './verify.js';

/**
 * Every way an image can fail verification. Codes from the strict tar reader and the documents
 * (ImageReadErrorCode), from the signature threshold (ThresholdFailure), from the device rules
 * (ReasonCode: the first reason's code), and the content checks below.
 */
export type VerifyErrorCode =
  | ImageReadErrorCode
  | ThresholdFailure
  | ReasonCode
  /** The trust root's `expires` is not after `now` (freeze). */
  | 'TRUST_ROOT_EXPIRED'
  /** A `blocks/<path>` entry is not exactly 32 bytes per block of its payload. */
  | 'BLOCK_LIST_SIZE_MISMATCH'
  /** A `blocks/<path>` entry does not hash to the manifest's blocksSha256. */
  | 'BLOCK_LIST_HASH_MISMATCH'
  /** A `payload/<path>` entry's size is not the manifest's size. */
  | 'PAYLOAD_SIZE_MISMATCH'
  /**
   * A payload block does not hash to its digest in the block list (checked as it streams). The
   * signed block digests cover every payload byte, so this is also the payload's content check
   * (there is no separate PAYLOAD_HASH_MISMATCH on the device path since 2026-12-03).
   */
  | 'BLOCK_HASH_MISMATCH';

export class VerifyError extends FwkitError<VerifyErrorCode> {
  override readonly name = 'VerifyError';
  /** Every device-rule reason of the first device the image does not fit (the code is the first one's); else empty. */
  readonly reasons: readonly Reason[];
  /** Each device's report when a device does not fit; else empty. */
  readonly devices: readonly DeviceReport[];

  constructor(
    code: VerifyErrorCode,
    message: string,
    options?: { cause?: unknown; details?: Record<string, unknown>; reasons?: readonly Reason[]; devices?: readonly DeviceReport[] },
  ) {
    super(code, message, options);
    this.reasons = Object.freeze([...(options?.reasons ?? [])]);
    this.devices = Object.freeze([...(options?.devices ?? [])]);
  }
}

export type UsageErrorCode = 'USAGE';

/** The command line itself is wrong: exit 2, with the usage text (both CLIs: fwkit and fwkit-device). */
export class UsageError extends FwkitError<UsageErrorCode> {
  override readonly name = 'UsageError';
  constructor(message: string) {
    super('USAGE', message);
  }
}
