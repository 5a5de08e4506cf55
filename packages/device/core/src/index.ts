// @fwkit/device-core: what a camera's updater needs (the device and image documents,
// the device rules and their reasons, canonical JSON, digests, the strict reader, time parsing),
// and nothing of the release machine (product, platform, release and ledger schemas, JSON Schema,
// output files). Device-side packages import only this face (docs/decisions.md, device faces).
export {
  FwkitError,
  SchemaError,
  InputError,
  isFwkitError,
  type SchemaErrorCode,
  type SchemaIssue,
  type InputErrorCode,
} from './errors.js';
export { INPUT_LIMITS, openInputFile, readInputFile, readInputFileSync, readJsonInputFile } from './read-file.js';
export { InterruptedError, STOP_SIGNALS, stopSignalsToAbort, type StopSignal, throwIfInterrupted } from './interrupt.js';
export { canonicalJson, canonicalJsonString } from './canonical.js';
export { sha256, sha256Hex, createSha256, toHex, fromHex, bytesEqual, SHA256_HEX } from './digest.js';
export { parseJsonText, parseJsonBytes, deepFreeze, formatPath } from './schema/validate.js';
export { parseJson, isJsonParseError, JsonParseError, type JsonErrorCode } from '@fwkit/device-json';
export type { Bootloader, Provides } from './schema/fields.js';
export { deviceIdentityFromJSON, type DeviceIdentity, deviceIdentity } from './schema/device.js';
export {
  imageManifestFromJSON,
  blockCount,
  IMAGE_FORMAT_VERSION,
  KNOWN_REQUIREMENTS,
  MAX_PAYLOAD_PATH,
  type ImageManifest,
  type ImageRequires,
  type Payload,
  imageManifest,
  imageRequires,
} from './schema/image-manifest.js';
export { reason, NO_REASONS, type Reason, type ReasonCode, featureUnknown, platformVersionRejected } from './compat/reasons.js';
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
export { isIsoDay, MAX_SOURCE_DATE_EPOCH, MAX_YEAR, MIN_YEAR, parseIsoDay, parseIsoInstant, parseSourceDateEpoch } from './time.js';
export {
  intersectRanges,
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
// Also used by the release side (@fwkit/release-core) and by tests.
export {
  array,
  checkDocument,
  describe,
  integer,
  isRecord,
  literal,
  looseObject,
  optional,
  record,
  refine,
  strictObject,
  string,
  type Check,
  FAIL,
  type Infer,
  type Issue,
  type JsonSchema,
  type ObjectOf,
  type Path,
  type Rules,
  type Shape,
} from './schema/check.js';
export { type Grants, uniqueBy } from './schema/fields.js';
export * as fields from './schema/fields.js';
