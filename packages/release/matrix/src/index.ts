export type {
  Matrix,
  MatrixCell,
  MatrixInput,
  MatrixJson,
  MatrixModel,
  MatrixReason,
  MatrixReasonCode,
  MatrixRelease,
  MatrixSeverity,
  Verdict,
} from './types.js';
export { MatrixError, type MatrixErrorCode } from './errors.js';
export { computeMatrix } from './compute.js';
export { gateFailures, gateHints, supportRecordsFor } from './gate.js';
export { renderMatrixText } from './render-text.js';
export { renderMatrixMarkdown } from './render-markdown.js';
export { renderMatrixHtml } from './render-html.js';
export { readMatrixReport, type MatrixReport, type ReportCell, type ReportReason } from './report-data.js';
export { matrixToJSON, MATRIX_JSON_SCHEMA_VERSION, type MatrixJsonDocument } from './json.js';
