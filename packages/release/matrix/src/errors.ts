import { FwkitError } from '@fwkit/device-core';

/**
 * Input the matrix cannot be computed from. Red cells are not errors: they are the result.
 * - MATRIX_DATE_INVALID: `date` is not a calendar day YYYY-MM-DD.
 * - MATRIX_CANDIDATE_NOT_NEWER: the candidate's firmware is not above every ledger release.
 * - MATRIX_MODEL_DUPLICATE: two products declare the same model id.
 */
export type MatrixErrorCode = 'MATRIX_DATE_INVALID' | 'MATRIX_CANDIDATE_NOT_NEWER' | 'MATRIX_MODEL_DUPLICATE';

export class MatrixError extends FwkitError<MatrixErrorCode> {
  override readonly name = 'MatrixError';
}
