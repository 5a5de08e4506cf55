import {
  isIsoDay,
  supportStatusOn,
  type Ledger,
  type LedgerRelease,
  type PlatformManifest,
  type ProductManifest,
  type SupportRecord,
  type SupportStatus,
} from '@fwkit/core';
import { computeMatrix, gateFailures, supportRecordsFor, type Matrix, type MatrixReason } from '@fwkit/matrix';
import { ReleaseError, ReleaseGateError } from './errors.js';
import { appendRelease, checkCandidateVersion } from './ledger.js';

/** The release date by default: the UTC day of SOURCE_DATE_EPOCH (never the wall clock). */
export function releaseDateOf(sourceDateEpoch: number): string {
  return new Date(sourceDateEpoch * 1000).toISOString().slice(0, 10);
}

/** A release date must be a real day, and not before the last release (releases are appended in time order too). */
export function checkReleaseDate(ledger: Ledger, date: string): void {
  if (!isIsoDay(date)) throw new ReleaseError('RELEASE_DATE_INVALID', `"${date}" is not a date (YYYY-MM-DD)`, { details: { date } });
  const last = ledger.releases.at(-1);
  if (last !== undefined && date < last.date) {
    throw new ReleaseError('RELEASE_DATE_INVALID', `release date ${date} is before the last release ${last.firmware} (${last.date})`, {
      details: { date, last: last.firmware, lastDate: last.date },
    });
  }
}

/** Each product with its support status on `date`: only `supported` models get an image. */
export function supportOn(products: readonly ProductManifest[], date: string): { product: ProductManifest; status: SupportStatus }[] {
  return products.map((product) => ({ product, status: supportStatusOn(product.lifecycle, date) }));
}

export interface ReleasePlanInput {
  /** The candidate as the ledger would record it (`candidateRelease` of @fwkit/build). */
  readonly candidate: LedgerRelease;
  readonly ledger: Ledger;
  /** Every product of the checkout, supported or not: the matrix shows retired and upcoming models too. */
  readonly products: readonly ProductManifest[];
  readonly platform: PlatformManifest;
  /** Day the support status is judged on (YYYY-MM-DD). */
  readonly date: string;
}

export interface ReleasePlan {
  readonly date: string;
  readonly candidate: LedgerRelease;
  readonly matrix: Matrix;
  /** The gate's coded reasons; empty: the release may go out. */
  readonly failures: readonly MatrixReason[];
  readonly ok: boolean;
  /** Support promises and early ends the release publishes (appended to `ledger.support`). */
  readonly supportRecords: readonly SupportRecord[];
  /** The ledger after this release, validated; only meaningful when `ok`. */
  readonly ledger: Ledger;
}

/**
 * Pure: what releasing `candidate` on `date` would do — the matrix with the candidate column, the
 * release gate's verdict and the ledger after it. Refuses (throws) a candidate whose version is
 * already released or not newer, or a date before the last release.
 */
export function planRelease(input: ReleasePlanInput): ReleasePlan {
  const { candidate, ledger, products, platform, date } = input;
  checkCandidateVersion(ledger, candidate.firmware);
  checkReleaseDate(ledger, date);
  const matrix = computeMatrix({ products, platform, ledger, candidate, date });
  const failures = gateFailures(matrix);
  const supportRecords = supportRecordsFor(products, ledger, date);
  const ok = failures.length === 0;
  // A refused candidate is not appended: the ledger stays as it is.
  return Object.freeze({
    date,
    candidate,
    matrix,
    failures,
    ok,
    supportRecords,
    ledger: ok ? appendRelease(ledger, candidate, supportRecords) : ledger,
  });
}

/** Throw the gate's refusal when the plan is not ok (every reason listed in the message). */
export function assertGate(plan: ReleasePlan): void {
  if (plan.ok) return;
  const lines = plan.failures.map((r) => `  - ${r.code}: ${r.message}`);
  throw new ReleaseGateError(
    `release ${plan.candidate.firmware} refused by the compatibility matrix on ${plan.date} (${plan.failures.length} reason(s)); ` +
      `fix the code or manifests, or record an end of support:\n${lines.join('\n')}`,
    { reasons: plan.failures, matrix: plan.matrix, candidate: plan.candidate, release: plan.candidate.firmware, date: plan.date },
  );
}
