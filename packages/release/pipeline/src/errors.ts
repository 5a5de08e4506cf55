import { FwkitError } from '@fwkit/device-core';
import { type LedgerRelease } from '@fwkit/release-core';
import type { Matrix, MatrixReason } from '@fwkit/release-matrix';

export type ReleaseErrorCode =
  /** The candidate's firmware version is already in the ledger. */
  | 'RELEASE_EXISTS'
  /**
   * The candidate's firmware version is not above the last release of its line, opens a line below
   * the newest, or continues an older line without release.json saying it is a maintenance release.
   */
  | 'RELEASE_VERSION_NOT_NEWER'
  /** release.json's `maintenanceLine` is not the line of its firmware version. */
  | 'RELEASE_LINE_MISMATCH'
  /** release.json names a maintenance line, but the ledger has no newer line (a stale copy of the ledger?). */
  | 'RELEASE_LINE_NOT_MAINTENANCE'
  /** The release date is not a YYYY-MM-DD day, or lies before the last release's date. */
  | 'RELEASE_DATE_INVALID'
  /** No model is supported on the release date: there is nothing to release. */
  | 'RELEASE_NO_SUPPORTED_MODEL'
  /** The compatibility matrix refuses the candidate; `details.reasons` holds every coded reason. */
  | 'RELEASE_GATE_FAILED'
  /** releases/ledger.json changed on disk while the release ran (another release?); nothing was written. */
  | 'RELEASE_LEDGER_CHANGED'
  /**
   * releases/ledger.json does not exist. A missing ledger is not an empty one: it may be history
   * lost to a bad checkout. A repository starts its ledger by committing the empty ledger.
   */
  | 'LEDGER_NOT_FOUND'
  /**
   * A signer is one of the published example keys (keys.example/) and the release is not declared a
   * demo (`--demo`): anyone can sign with those keys. Refused before anything is built.
   */
  | 'RELEASE_EXAMPLE_KEYS'
  /**
   * A document the release reads or a module it bundles is not as HEAD has it (modified, staged,
   * deleted, untracked or ignored): no commit would reproduce the release. `details.files`.
   */
  | 'RELEASE_TREE_DIRTY'
  /** The checkout is not a git checkout with a commit (or git is missing): the release could name no source commit. */
  | 'RELEASE_NOT_GIT_CHECKOUT'
  /** The ledger is schema 1: a release appends only to a schema-2 ledger (`fwkit ledger migrate`, then commit it). */
  | 'LEDGER_SCHEMA_OUTDATED';

export class ReleaseError extends FwkitError<ReleaseErrorCode> {
  override readonly name: string = 'ReleaseError';
}

/**
 * The release gate refused the candidate. Carries the matrix and every reason, so a CLI can show
 * the red cells; nothing was written when this is thrown.
 */
export class ReleaseGateError extends ReleaseError {
  override readonly name = 'ReleaseGateError';
  readonly reasons: readonly MatrixReason[];
  readonly matrix: Matrix;
  /** The candidate that was refused; undefined when the gate judged the ledger alone (`fwkit matrix --check`). */
  readonly candidate: LedgerRelease | undefined;

  constructor(
    message: string,
    gate: { reasons: readonly MatrixReason[]; matrix: Matrix; candidate?: LedgerRelease | undefined; release: string | null; date: string },
  ) {
    super('RELEASE_GATE_FAILED', message, {
      details: { release: gate.release, date: gate.date, reasons: gate.reasons },
    });
    this.reasons = gate.reasons;
    this.matrix = gate.matrix;
    this.candidate = gate.candidate;
  }
}
