import { isIsoDay } from '@fwkit/device-core';
import { isExampleKeyId } from '@fwkit/device-trust';
import {
  dayOfEpoch,
  lineModels,
  supportStatusOn,
  type Ledger,
  type LedgerImage,
  type LedgerRelease,
  type PlatformManifest,
  type ProductManifest,
  type ReleaseAudit,
  type SupportRecord,
  type SupportStatus,
} from '@fwkit/release-core';
import { computeMatrix, gateFailures, gateHints, supportRecordsFor, type Matrix, type MatrixReason } from '@fwkit/release-matrix';
import { ReleaseError, ReleaseGateError } from './errors.js';
import { appendChecked, checkCandidateVersion } from './ledger.js';

/**
 * Pure: a release signed with a published example key is refused unless it is declared a demo
 * (the ledger records that it is). The keys in keys.example/ sign anything for anyone.
 */
export function checkReleaseKeys(keyids: readonly string[], demo: boolean): void {
  const example = keyids.filter(isExampleKeyId);
  if (example.length === 0 || demo) return;
  throw new ReleaseError(
    'RELEASE_EXAMPLE_KEYS',
    `signing key(s) ${example.join(', ')} are the published EXAMPLE keys (keys.example), which anyone can sign with; ` +
      'release with your own keys, or pass --demo to cut a demo release (the ledger records it)',
    { details: { keyids: example } },
  );
}

/** The release date by default: the UTC day of SOURCE_DATE_EPOCH (never the wall clock). */
export function releaseDateOf(sourceDateEpoch: number): string {
  return dayOfEpoch(sourceDateEpoch);
}

/**
 * The day a view (`fwkit matrix` without --date) judges support on: the release date by default,
 * but not before the last release in the ledger, the earliest day a next release could be dated.
 * A release dated after the last commit must not break every later view; `fwkit release` on an
 * earlier day is still refused (checkReleaseDate). `moved` says that the default was overridden.
 */
export function viewDateOf(ledger: Ledger, releaseDate: string): { date: string; moved: boolean } {
  const last = ledger.releases.at(-1)?.date;
  return last !== undefined && releaseDate < last ? { date: last, moved: true } : { date: releaseDate, moved: false };
}

/** A release date must be a real day, and not before the last release (releases are appended in time order too). */
export function checkReleaseDate(ledger: Ledger, date: string): void {
  if (!isIsoDay(date)) throw new ReleaseError('RELEASE_DATE_INVALID', `"${date}" is not a date (YYYY-MM-DD)`, { details: { date } });
  const last = ledger.releases.at(-1);
  if (last !== undefined && date < last.date) {
    throw new ReleaseError(
      'RELEASE_DATE_INVALID',
      `release date ${date} is before the last release ${last.firmware} (${last.date}): releases are dated in order; ` +
        `release on or after ${last.date} (--date ${last.date} or later)`,
      {
        details: { date, last: last.firmware, lastDate: last.date },
      },
    );
  }
}

/** Each product with its support status on `date`: only `supported` models get an image. */
export function supportOn(products: readonly ProductManifest[], date: string): { product: ProductManifest; status: SupportStatus }[] {
  return products.map((product) => ({ product, status: supportStatusOn(product.lifecycle, date) }));
}

export interface ReleasePlanInput {
  /** The candidate as the ledger would record it (`candidateRelease` of @fwkit/release-build). */
  readonly candidate: LedgerRelease;
  readonly ledger: Ledger;
  /** Every product of the checkout, supported or not: the matrix shows retired and upcoming models too. */
  readonly products: readonly ProductManifest[];
  readonly platform: PlatformManifest;
  /** Day the support status is judged on (YYYY-MM-DD). */
  readonly date: string;
  /** release.json's `maintenanceLine`: set for a release of an older line. */
  readonly maintenanceLine?: string;
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
  /** The ledger the release was planned against. */
  readonly previous: Ledger;
}

/**
 * Pure: what releasing `candidate` on `date` would do — the matrix with the candidate column, the
 * release gate's verdict and the support records it publishes (the ledger after it comes from
 * `recordRelease`, once the images are signed and the release audited). Refuses (throws) a candidate whose version is
 * already released or not newer, or a date before the last release.
 */
export function planRelease(input: ReleasePlanInput): ReleasePlan {
  checkCandidate(input.ledger, input.candidate.firmware, input.date, input.maintenanceLine);
  return gateRelease(input);
}

/** The cheap refusals of a candidate, in one place: its version (exists, line order, maintenance line) and its date. */
export function checkCandidate(ledger: Ledger, firmware: string, date: string, maintenanceLine?: string): void {
  checkCandidateVersion(ledger, firmware, maintenanceLine);
  checkReleaseDate(ledger, date);
}

/** `planRelease` for a candidate that `checkCandidate` has already passed: the matrix, once, and the gate. Pure. */
export function gateRelease(input: ReleasePlanInput): ReleasePlan {
  const { candidate, ledger, products, platform, date } = input;
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
    previous: ledger,
  });
}

/** Throw the gate's refusal when the plan is not ok (every reason listed in the message). */
export function assertGate(plan: ReleasePlan): void {
  if (plan.ok) return;
  const lines = plan.failures.map((r) => `  - ${r.code}: ${r.message}`);
  const hints = gateHints(plan.matrix).map((h) => `  hint: ${h}`);
  throw new ReleaseGateError(
    `release ${plan.candidate.firmware} refused by the compatibility matrix on ${plan.date} (${plan.failures.length} reason(s)); ` +
      `fix the code or manifests, or record an end of support:\n${[...lines, ...hints].join('\n')}`,
    { reasons: plan.failures, matrix: plan.matrix, candidate: plan.candidate, release: plan.candidate.firmware, date: plan.date },
  );
}

/** What a release covers before anything is built: the models that get an image, and those skipped. */
export interface ReleaseScope {
  readonly date: string;
  /** Supported on `date`, in the order of `products`: each gets an image. */
  readonly supported: readonly ProductManifest[];
  /** Retired or not released yet on `date`, or not on the maintenance line: no image, and why. */
  readonly skipped: readonly SkippedModel[];
}

/** A model a release builds no image for: its support status on the day, or `other-line` (a maintenance release that does not serve it). */
export interface SkippedModel {
  readonly model: string;
  readonly status: SupportStatus | 'other-line';
}

/**
 * Pure, the first half of a release's plan: the candidate's version and date checked (once), and
 * which models get an image: every model supported on `date`; for a maintenance release, those of
 * them that the line served in its last release (`lineModels`). Refuses a release that would have
 * no image.
 */
export function scopeRelease(input: {
  ledger: Ledger;
  products: readonly ProductManifest[];
  firmware: string;
  date: string;
  maintenanceLine?: string;
}): ReleaseScope {
  const { ledger, products, firmware, date, maintenanceLine } = input;
  checkCandidate(ledger, firmware, date, maintenanceLine);
  const served = maintenanceLine === undefined ? undefined : lineModels(ledger.releases, maintenanceLine);
  const status = supportOn(products, date).map(({ product, status }) => ({
    product,
    status: status === 'supported' && served !== undefined && !served.has(product.id) ? ('other-line' as const) : status,
  }));
  const supported = status.filter((s) => s.status === 'supported').map((s) => s.product);
  if (supported.length === 0) {
    const what = maintenanceLine === undefined ? '' : ` on line ${maintenanceLine}`;
    throw new ReleaseError('RELEASE_NO_SUPPORTED_MODEL', `no model${what} is supported on ${date}: nothing to release`, {
      details: { date },
    });
  }
  const skipped: SkippedModel[] = status.filter((s) => s.status !== 'supported').map((s) => ({ model: s.product.id, status: s.status }));
  return Object.freeze({ date, supported, skipped });
}

/**
 * Pure: the release as the ledger records it once the images are signed — the gated plan's
 * candidate with each image's file, SBOM and signing facts, and the release's `audit` — and the
 * ledger after it, validated (an audited release must record every image's audit fields). The gate's verdict
 * stands: the signed images are the planned ones (same manifests, so the same requirements,
 * formats and revisions, which are all the matrix reads).
 */
export function recordRelease(
  plan: ReleasePlan,
  signed: readonly LedgerImage[],
  audit: ReleaseAudit,
): { release: LedgerRelease; ledger: Ledger } {
  const byModel = new Map(signed.map((image) => [image.model, image]));
  const images = plan.candidate.images.map((planned) => {
    const image = byModel.get(planned.model);
    if (image?.manifestSha256 !== planned.manifestSha256) {
      throw new Error(`internal: the signed image of ${planned.model} is not the one the release gate passed`);
    }
    return image;
  });
  if (images.length !== signed.length) throw new Error('internal: an image was signed that the release gate did not see');
  const release: LedgerRelease = { ...plan.candidate, images, audit };
  const { previous } = plan;
  return { release, ledger: appendChecked(previous, release, plan.supportRecords) };
}
