import type { LedgerImage, LedgerRelease } from '@fwkit/release-core';
import type { BuildResult } from './build.js';
import type { Workspace } from './load.js';
import type { PlannedImage } from './prepare.js';

/** The ledger entry of a signed, verified image: what a device will install. */
export function ledgerImageOfBuild(result: BuildResult): LedgerImage {
  return {
    model: result.model,
    hardwareRevisions: [...result.hardwareRevisions],
    manifestSha256: result.manifestSha256,
    fileSha256: result.fileSha256,
    bytes: result.imageBytes,
    formatVersion: result.formatVersion,
    requires: result.requires,
    // The audit fields: the SBOM as embedded (the manifest signs its digest) and who signed.
    sbomSha256: result.sbomSha256,
    signedBy: [...result.signedBy],
  };
}

/**
 * The ledger entry a planned image would get. It is never written to the ledger. Its identity,
 * the manifest digest, is already final; with no signature yet there is no file, so no
 * `fileSha256`, and `bytes` is the size without signatures (every rule of the matrix looks at
 * `requires`, formats and revisions).
 */
export function ledgerImageOfPlan(planned: PlannedImage): LedgerImage {
  return {
    model: planned.model,
    hardwareRevisions: [...planned.manifest.hardwareRevisions],
    manifestSha256: planned.manifestSha256,
    bytes: planned.unsignedImageBytes,
    formatVersion: planned.manifest.formatVersion,
    requires: planned.manifest.requires,
  };
}

export interface CandidateReleaseOptions {
  /** release.json (firmware, security, upgradeFrom, steppingStone), platform.json (installerFormats) and the platform version. */
  readonly workspace: Pick<Workspace, 'release' | 'platform' | 'platformPackage'>;
  readonly sourceDateEpoch: number;
  /** Release date, YYYY-MM-DD (the UTC day of SOURCE_DATE_EPOCH unless the release engineer names one). */
  readonly date: string;
  /** One per model: `ledgerImageOfBuild` or `ledgerImageOfPlan`. */
  readonly images: readonly LedgerImage[];
}

/** The candidate release as the ledger will record it: versions from release.json, images sorted by model. */
export function candidateRelease(options: CandidateReleaseOptions): LedgerRelease {
  const { release, platform, platformPackage } = options.workspace;
  return {
    firmware: release.firmware,
    platform: platformPackage.version,
    security: release.security,
    date: options.date,
    sourceDateEpoch: options.sourceDateEpoch,
    upgradeFrom: release.upgradeFrom,
    installerFormats: [...platform.installerFormats],
    steppingStone: release.steppingStone ?? false,
    images: [...options.images].sort((a, b) => (a.model < b.model ? -1 : a.model > b.model ? 1 : 0)),
  };
}
