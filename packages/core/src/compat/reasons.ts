/**
 * One reason code per compatibility rule. The release gate (matrix) and the device installer
 * run the same rules and report the same codes.
 */
export type ReasonCode =
  | 'MODEL_MISMATCH'
  | 'HARDWARE_REVISION_UNSUPPORTED'
  | 'REQUIREMENT_UNKNOWN'
  | 'INTERFACE_MISSING'
  | 'INTERFACE_VERSION_INCOMPATIBLE'
  | 'BOOTLOADER_TOO_OLD'
  | 'IMAGE_FORMAT_UNSUPPORTED'
  | 'RAM_INSUFFICIENT'
  | 'FLASH_INSUFFICIENT'
  | 'SECURITY_VERSION_ROLLBACK'
  | 'UPGRADE_FROM_UNSUPPORTED'
  | 'FEATURE_UNKNOWN'
  | 'PLATFORM_VERSION_REJECTED';

export interface Reason {
  readonly code: ReasonCode;
  readonly message: string;
  readonly details: Readonly<Record<string, string | number | readonly string[] | readonly number[]>>;
}

export function reason(code: ReasonCode, message: string, details: Reason['details'] = {}): Reason {
  return Object.freeze({ code, message, details: Object.freeze({ ...details }) });
}
