export { ReleaseError, ReleaseGateError, type ReleaseErrorCode } from './errors.js';
export {
  appendRelease,
  appendToLedger,
  stageLedgerAppend,
  checkCandidateVersion,
  formatLedger,
  loadLedger,
  readLedgerFile,
  LEDGER_PATH,
  LEDGER_SCHEMA_REF,
  type AppendOptions,
  type LedgerFile,
} from './ledger.js';
export { assertGate, checkReleaseDate, planRelease, releaseDateOf, supportOn, type ReleasePlan, type ReleasePlanInput } from './plan.js';
export { loadProducts, runRelease, type ReleaseResult, type RunReleaseOptions } from './run.js';
export { formatJson } from './json.js';
