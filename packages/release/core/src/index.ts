export {
  productManifestFromJSON,
  productManifestSchema,
  type ProductManifest,
  type HardwareRevision,
  type Lifecycle,
  type EarlyEnd,
  type SupportStatus,
  lastDayOfSupport,
  retiredFrom,
  supportStatusOn,
} from './schema/product.js';
export { addDays, dayOfEpoch } from './days.js';
export {
  platformManifestFromJSON,
  platformManifestSchema,
  runtimeTarget,
  type FirmwareRuntime,
  type PlatformManifest,
  type PlatformDomain,
  type PlatformImports,
  type DomainImports,
  type RequirementSet,
  type Grants,
  type InterfaceLifecycle,
  type InterfaceVersionStatus,
} from './schema/platform.js';
export { composeRequirements } from './compat/compose.js';
export { exampleDeviceOf, fieldDevicesOf } from './compat/devices.js';
export { documentJsonSchemas } from './json-schema.js';
export { releaseSpecFromJSON, releaseSpecSchema, type ReleaseSpec } from './schema/release.js';
export {
  writeFileAtomic,
  stageFile,
  writeStagedFile,
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
  migrateLedger,
  releaseAuditSchema,
  EMPTY_LEDGER,
  LEDGER_SCHEMA_VERSION,
  PREDATES_AUDIT,
  type ReleaseAudit,
  type Ledger,
  type LedgerRelease,
  type LedgerImage,
  type SupportRecord,
} from './schema/ledger.js';
export {
  lineOf,
  LineOrder,
  lineOrderProblem,
  lineOrderMessage,
  isMaintenanceRelease,
  compareLines,
  lineModels,
  type LineOrderProblem,
} from './lines.js';
