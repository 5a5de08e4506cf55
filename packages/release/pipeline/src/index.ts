export { ReleaseError, ReleaseGateError, type ReleaseErrorCode } from './errors.js';
export {
  appendRelease,
  appendToLedger,
  stageLedgerAppend,
  stagePlannedLedger,
  appendChecked,
  checkCandidateVersion,
  checkLedgerCurrent,
  migrateLedgerFile,
  type LedgerMigration,
  checkLedgerOrder,
  formatLedger,
  loadLedger,
  readLedgerFile,
  LEDGER_PATH,
  LEDGER_SCHEMA_REF,
  type AppendOptions,
  type LedgerFile,
} from './ledger.js';
export {
  assertGate,
  checkCandidate,
  checkReleaseDate,
  checkReleaseKeys,
  gateRelease,
  planRelease,
  recordRelease,
  releaseDateOf,
  scopeRelease,
  type SkippedModel,
  supportOn,
  viewDateOf,
  type ReleasePlan,
  type ReleasePlanInput,
  type ReleaseScope,
} from './plan.js';
export { loadProducts, loadReleaseInputs, runRelease, type ReleaseInputs, type ReleaseResult, type RunReleaseOptions } from './run.js';
export { formatJson } from './json.js';
export { readGitHead, readDirtyFiles, type GitHead, type SourceState } from './source.js';
export { bundleInputsWatch, documentsWatch, dirtyFiles, parsePorcelain, type DirtyFile, type DirtyState, type TreeWatch } from './tree.js';
