import type { ReasonCode } from '@fwkit/device-core';
import type { EarlyEnd, Ledger, LedgerRelease, PlatformManifest, ProductManifest, SupportStatus } from '@fwkit/release-core';

/** Everything the matrix is computed from. Pure data: the caller loads files and picks the date. */
export interface MatrixInput {
  /** Every product of the checkout, supported or not (retired and upcoming models get a row too). */
  readonly products: readonly ProductManifest[];
  /** The platform of the candidate (its interface lifecycle marks deprecated and removed versions). */
  readonly platform: PlatformManifest;
  /** What is in the field. */
  readonly ledger: Ledger;
  /** The release being cut: same shape as a ledger release, not yet in the ledger; its firmware must be newer. */
  readonly candidate?: LedgerRelease;
  /** The day support status is judged on (YYYY-MM-DD), never the wall clock. */
  readonly date: string;
}

export type Verdict = 'pass' | 'warn' | 'fail' | 'retired' | 'not-released';

/** The device rule codes of `@fwkit/device-core` plus the rules that look across models, releases and time. */
export type MatrixReasonCode =
  | ReasonCode
  | 'MODEL_MISSING'
  | 'NOT_ON_LINE'
  | 'SECURITY_VERSION_DECREASED'
  | 'UPGRADE_PATH_MISSING'
  | 'UPGRADE_VIA'
  | 'INTERFACE_VERSION_DEPRECATED'
  | 'RUNTIME_END_OF_LIFE'
  | 'SUPPORT_ENDED'
  | 'SUPPORT_SHORTENED';

export type MatrixSeverity = 'error' | 'warning' | 'info';

/** JSON data: reason details go to `--json` output as they are. */
export type MatrixJson = string | number | boolean | null | readonly MatrixJson[] | { readonly [key: string]: MatrixJson };

export interface MatrixReason {
  readonly code: MatrixReasonCode;
  readonly severity: MatrixSeverity;
  /** For people: names the model, revision, bootloader, interface and versions involved. May change; codes may not. */
  readonly message: string;
  /** The same facts for machines (model, revision, bootloaders, interface, required, provided, ...). */
  readonly details: Readonly<Record<string, MatrixJson>>;
}

export interface MatrixCell {
  readonly model: string;
  readonly firmware: string;
  readonly verdict: Verdict;
  readonly reasons: readonly MatrixReason[];
  /** The identity of the release's image for the model (SHA-256 of its signed manifest); absent when it has none. */
  readonly manifestSha256?: string;
}

export interface MatrixModel {
  readonly id: string;
  readonly name: string;
  /** Support status on the matrix date (each cell is judged on its own release's day). */
  readonly status: SupportStatus;
  /**
   * Last day of support, inclusive: the early end when one is recorded, else the published end of
   * support; '' for a model the ledger knows without any support record.
   */
  readonly lastDay: string;
  /** The first day the model is retired, the day after `lastDay` ('' when `lastDay` is). */
  readonly retiredFrom: string;
  readonly released: string;
  /** The published end of support (the promise). */
  readonly endOfSupport: string;
  readonly endedEarly?: EarlyEnd;
  /** Model-level reasons, e.g. SUPPORT_SHORTENED, or MODEL_MISSING for a model the ledger knows but no product.json declares. */
  readonly reasons: readonly MatrixReason[];
}

export interface MatrixRelease {
  readonly firmware: string;
  /** Its release line, MAJOR.MINOR. */
  readonly line: string;
  /** Released after a newer line had a release: a maintenance release of an older line. */
  readonly maintenance: boolean;
  readonly platform: string;
  readonly security: number;
  readonly date: string;
  readonly upgradeFrom: string;
  /** True for the release being cut (the newest in time; in version order it may sit before a newer line's releases). */
  readonly candidate: boolean;
  readonly steppingStone: boolean;
}

export interface Matrix {
  readonly date: string;
  readonly models: readonly MatrixModel[];
  /** Ascending by firmware, so each line's releases sit together; the candidate is marked. */
  readonly releases: readonly MatrixRelease[];
  /** `cells[modelIndex][releaseIndex]`. */
  readonly cells: readonly (readonly MatrixCell[])[];
}
