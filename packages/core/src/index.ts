export {
  FwkitError,
  SchemaError,
  InputError,
  isFwkitError,
  type SchemaErrorCode,
  type SchemaIssue,
  type InputErrorCode,
} from './errors.js';
export { INPUT_LIMITS, openInputFile, readInputFile, readJsonInputFile } from './read-file.js';
export { canonicalJson, canonicalJsonString } from './canonical.js';
export { sha256, sha256Hex, createSha256, toHex, fromHex, bytesEqual, SHA256_HEX } from './digest.js';
export { parseDocument, parseJsonText, parseJsonBytes, deepFreeze, formatPath } from './schema/validate.js';
export { parseJson, isJsonParseError, JsonParseError, type JsonErrorCode } from '@fwkit/json';
export type { Bootloader, Provides } from './schema/fields.js';
export {
  productManifestFromJSON,
  productManifestSchema,
  type ProductManifest,
  type HardwareRevision,
  type Lifecycle,
  type EarlyEnd,
  type SupportStatus,
  lastDayOfSupport,
  supportStatusOn,
} from './schema/product.js';
export {
  platformManifestFromJSON,
  platformManifestSchema,
  type PlatformManifest,
  type PlatformDomain,
  type RequirementSet,
  type Grants,
  type InterfaceLifecycle,
  type InterfaceVersionStatus,
} from './schema/platform.js';
export { deviceIdentityFromJSON, deviceIdentity, type DeviceIdentity } from './schema/device.js';
export {
  imageManifestFromJSON,
  imageManifest,
  blockCount,
  IMAGE_FORMAT_VERSION,
  KNOWN_REQUIREMENTS,
  MAX_PAYLOAD_PATH,
  type ImageManifest,
  type ImageRequires,
  type Payload,
} from './schema/image-manifest.js';
export { reason, NO_REASONS, type Reason, type ReasonCode } from './compat/reasons.js';
export { composeRequirements } from './compat/compose.js';
export {
  compileImage,
  compileUpgrade,
  imageFactsOf,
  unknownRequirements,
  type CompiledImage,
  type CompiledUpgrade,
  type ImageFacts,
  type InstalledFirmware,
} from './compat/engine.js';
export { checkDeviceCompatibility, upgradeReasons } from './compat/rules.js';
export { fieldDevicesOf } from './compat/devices.js';
export { documentJsonSchemas } from './json-schema.js';
export { releaseSpecFromJSON, releaseSpecSchema, type ReleaseSpec } from './schema/release.js';
export {
  writeFileAtomic,
  stageFile,
  checkOutputFile,
  ensureDirectory,
  syncDirectory,
  makeStagingDir,
  publishStaged,
  removeIfEmpty,
  outputErrorOf,
  OutputError,
  type OutputErrorCode,
  type AtomicWriteOptions,
  type StagedFile,
  type Move,
  type Published,
} from './fs.js';
export {
  ledgerFromJSON,
  ledgerSchema,
  EMPTY_LEDGER,
  type Ledger,
  type LedgerRelease,
  type LedgerImage,
  type SupportRecord,
} from './schema/ledger.js';
export { InterruptedError, throwIfInterrupted, STOP_SIGNALS, type StopSignal } from './interrupt.js';
export { isIsoDay, MAX_SOURCE_DATE_EPOCH, MAX_YEAR, MIN_YEAR, parseIsoDay, parseIsoInstant, parseSourceDateEpoch } from './time.js';
export {
  compareVersions,
  isValidRange,
  isValidVersion,
  parseRange,
  parseVersion,
  cachedRange,
  satisfies,
  SemverError,
  type PrereleaseId,
  type Range,
  type SemverErrorCode,
  type Version,
} from './semver.js';
