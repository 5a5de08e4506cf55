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
  | 'FIRMWARE_DOWNGRADE'
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

/** No reason: what a passing check returns, shared (a passing check allocates nothing). */
export const NO_REASONS: readonly Reason[] = Object.freeze([]);

// Every reason's message is written here, once; the engine, the verifier, build, the matrix and
// the release gate all report these texts.

export const modelMismatch = (image: string, device: string): Reason =>
  reason('MODEL_MISMATCH', `image is for model ${image}, device is ${device}`, { image, device });

export const revisionUnsupported = (model: string, revision: string, supported: readonly string[]): Reason =>
  reason('HARDWARE_REVISION_UNSUPPORTED', `image supports revisions ${supported.join(', ')}, device is revision ${revision}`, {
    model,
    revision,
    supported,
  });

export const requirementUnknown = (requirement: string): Reason =>
  reason('REQUIREMENT_UNKNOWN', `image requires "${requirement}", which this verifier does not understand`, { requirement });

export const interfaceMissing = (model: string, revision: string, name: string, required: string): Reason =>
  reason('INTERFACE_MISSING', `image requires interface ${name} ${required}; ${model} rev ${revision} does not provide it`, {
    model,
    revision,
    interface: name,
    required,
  });

export const interfaceIncompatible = (model: string, revision: string, name: string, required: string, provided: string): Reason =>
  reason('INTERFACE_VERSION_INCOMPATIBLE', `image requires ${name} ${required}; ${model} rev ${revision} provides ${provided}`, {
    model,
    revision,
    interface: name,
    required,
    provided,
  });

export const bootloaderTooOld = (required: string, bootloader: string): Reason =>
  reason('BOOTLOADER_TOO_OLD', `image requires bootloader ${required}; device has ${bootloader}`, { required, bootloader });

export const imageFormatUnsupported = (imageFormat: number, bootloader: string, supported: readonly number[]): Reason =>
  reason(
    'IMAGE_FORMAT_UNSUPPORTED',
    `image format ${imageFormat} cannot be verified by bootloader ${bootloader} (formats ${supported.join(', ')})`,
    { imageFormat, bootloader, supported },
  );

export const ramInsufficient = (required: number, available: number): Reason =>
  reason('RAM_INSUFFICIENT', `image needs ${required} bytes of RAM; device has ${available}`, { required, available });

export const flashInsufficient = (required: number, available: number): Reason =>
  reason('FLASH_INSUFFICIENT', `image needs ${required} bytes of flash; the partition holds ${available}`, { required, available });

export const securityRollback = (image: number, installed: number): Reason =>
  reason('SECURITY_VERSION_ROLLBACK', `image security version ${image} is below the installed ${installed}`, { image, installed });

export const upgradeFromUnsupported = (firmware: string, upgradeFrom: string, installed: string): Reason =>
  reason('UPGRADE_FROM_UNSUPPORTED', `image ${firmware} upgrades firmware ${upgradeFrom} only; the device runs ${installed}`, {
    upgradeFrom,
    installed,
    firmware,
  });

export const firmwareDowngrade = (firmware: string, installed: string): Reason =>
  reason('FIRMWARE_DOWNGRADE', `image ${firmware} is older than the installed ${installed}; a device never installs a lower version`, {
    firmware,
    installed,
  });

export const platformVersionRejected = (model: string, accepted: string, platform: string): Reason =>
  reason('PLATFORM_VERSION_REJECTED', `${model} accepts platform ${accepted}, not ${platform}`, { model, accepted, platform });

export const featureUnknown = (model: string, feature: string): Reason =>
  reason('FEATURE_UNKNOWN', `${model} enables "${feature}", which the platform does not offer`, { model, feature });
