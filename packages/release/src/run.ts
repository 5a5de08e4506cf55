import { rm } from 'node:fs/promises';
import { basename, join } from 'node:path';
import {
  candidateRelease,
  ledgerImageOfBuild,
  ledgerImageOfPlan,
  listProducts,
  loadProduct,
  loadWorkspace,
  plannedImageOf,
  prepareProductImages,
  signPreparedImage,
  stoppableProgress,
  type BuildResult,
  type ProgressListener,
  type Workspace,
} from '@fwkit/build';
import {
  makeStagingDir,
  publishStaged,
  removeIfEmpty,
  throwIfInterrupted,
  type Ledger,
  type LedgerRelease,
  type ProductManifest,
  type Published,
  type StagedFile,
  type SupportRecord,
  type SupportStatus,
} from '@fwkit/core';
import type { Matrix } from '@fwkit/matrix';
import type { Signer, TrustRoot } from '@fwkit/signing';
import { ReleaseError } from './errors.js';
import { checkCandidateVersion, LEDGER_PATH, readLedgerFile, stageLedgerAppend } from './ledger.js';
import { assertGate, checkReleaseDate, planRelease, releaseDateOf, supportOn } from './plan.js';

export interface RunReleaseOptions {
  /** Root of the checkout: platform/, products/, release.json, releases/ledger.json, node_modules/. */
  readonly repoRoot: string;
  /** Images go to `<outDir>/<model>/<model>-<firmware>.fwimg` (as `fwkit build`), only once the gate passed. */
  readonly outDir: string;
  readonly sourceDateEpoch: number;
  /** Day the release is dated and support is judged on; default: the UTC day of SOURCE_DATE_EPOCH. */
  readonly date?: string | undefined;
  readonly signers: readonly Signer[];
  readonly trust: TrustRoot;
  /** Clock for the trust root's expiry while self-verifying; default: the SOURCE_DATE_EPOCH instant. */
  readonly now?: Date;
  /** Progress per model and step; release-wide steps come as model "release". */
  readonly onProgress?: ProgressListener;
  /**
   * Aborted with an InterruptedError (SIGINT/SIGTERM): the release stops at the next step, before
   * its commit point (the ledger's rename), and leaves the out dir and the ledger as they were.
   */
  readonly signal?: AbortSignal;
}

export interface ReleaseResult {
  readonly date: string;
  /** The release as appended to the ledger. */
  readonly release: LedgerRelease;
  readonly supportRecords: readonly SupportRecord[];
  readonly matrix: Matrix;
  /** Signed, verified images at their final paths. */
  readonly images: readonly BuildResult[];
  /** Models with no image in this release, and why (retired or not released yet on the date). */
  readonly skipped: readonly { readonly model: string; readonly status: SupportStatus }[];
  readonly ledger: Ledger;
  readonly ledgerPath: string;
}

/** Every product of the checkout, validated. */
export async function loadProducts(rootDir: string): Promise<ProductManifest[]> {
  const models = await listProducts(rootDir);
  return Promise.all(models.map((model) => loadProduct(rootDir, model)));
}

/**
 * `fwkit release`: build, sign and verify every supported model's image, gate the candidate with
 * the compatibility matrix, and only then put the images in place and append the ledger. A refusal
 * (any coded error) or an interruption writes nothing: no image, no ledger change, the staging
 * directory removed.
 *
 * Order of the last steps: the new ledger is written to a temporary file first (a ledger that
 * cannot be written fails before any image moves), then the images move from staging into the out
 * dir (replaced files kept aside), then the ledger's rename commits the release. A failure before
 * that rename puts the out dir back as it was.
 *
 * The gate runs twice: on the prepared images (before any key is used, so a red matrix costs no
 * signing and is reported cell by cell rather than as the build's first device failure), and on
 * the signed images that will be recorded.
 */
export async function runRelease(options: RunReleaseOptions): Promise<ReleaseResult> {
  const onProgress = stoppableProgress(options.onProgress, options.signal);
  const progress = (step: string) => {
    onProgress('release', step);
  };
  const { sourceDateEpoch } = options;
  const workspace: Workspace = await loadWorkspace(options.repoRoot);
  const ledgerFile = await readLedgerFile(workspace.rootDir);
  const date = options.date ?? releaseDateOf(sourceDateEpoch);
  // Cheap refusals first: nothing is bundled for a version that cannot be released.
  checkCandidateVersion(ledgerFile.ledger, workspace.release.firmware);
  checkReleaseDate(ledgerFile.ledger, date);

  const products = await loadProducts(workspace.rootDir);
  const status = supportOn(products, date);
  const supported = status.filter((s) => s.status === 'supported').map((s) => s.product.id);
  const skipped = status.filter((s) => s.status !== 'supported').map((s) => ({ model: s.product.id, status: s.status }));
  if (supported.length === 0) {
    throw new ReleaseError('RELEASE_NO_SUPPORTED_MODEL', `no model is supported on ${date}: nothing to release`, { details: { date } });
  }

  const outDir = options.outDir;
  // Staging inside the out dir: the final move is a rename on one filesystem. Made before the
  // long work, so that an out dir that cannot be written is refused at once.
  const staging = await makeStagingDir(outDir, '.fwkit-release-');
  let ledgerFileStaged: StagedFile | undefined;
  let published: Published | undefined;
  try {
    const prepared = await prepareProductImages({
      repoRoot: workspace.rootDir,
      workspace,
      sourceDateEpoch,
      products: supported,
      onProgress,
    });
    const gate = (images: Parameters<typeof candidateRelease>[0]['images']) => {
      const plan = planRelease({
        candidate: candidateRelease({ workspace, sourceDateEpoch, date, images }),
        ledger: ledgerFile.ledger,
        products,
        platform: workspace.platform,
        date,
      });
      assertGate(plan);
      return plan;
    };
    progress('matrix (prepared images)');
    gate(prepared.map((p) => ledgerImageOfPlan(plannedImageOf(p))));

    const results: BuildResult[] = [];
    for (const image of prepared) {
      results.push(
        await signPreparedImage(image, {
          outDir: staging.dir,
          signers: options.signers,
          trust: options.trust,
          ...(options.now === undefined ? {} : { now: options.now }),
          ...(options.onProgress === undefined ? {} : { onProgress: options.onProgress }),
          ...(options.signal === undefined ? {} : { signal: options.signal }),
        }),
      );
    }
    progress('matrix (signed images)');
    const plan = gate(results.map(ledgerImageOfBuild));

    // Refuse before anything lands if another release got to the ledger first.
    const now = await readLedgerFile(workspace.rootDir);
    if (now.text !== ledgerFile.text) {
      throw new ReleaseError('RELEASE_LEDGER_CHANGED', `${LEDGER_PATH} changed while the release ran; nothing was written, run it again`, {
        details: { path: LEDGER_PATH },
      });
    }

    progress('publish');
    // The ledger first, into a temporary file: if it cannot be written, no image has moved yet.
    const staged = await stageLedgerAppend({
      repoRoot: workspace.rootDir,
      release: plan.candidate,
      support: plan.supportRecords,
      basis: ledgerFile.text,
    });
    ledgerFileStaged = staged.file;
    const final = results.map((result) => {
      const dir = join(outDir, result.model);
      return Object.freeze({ ...result, imagePath: join(dir, basename(result.imagePath)), sbomPath: join(dir, basename(result.sbomPath)) });
    });
    // Each SBOM before its image; all targets are checked before the first rename.
    published = await publishStaged(
      results.flatMap((staged, index) => {
        const placed = final[index] ?? staged;
        return [
          { from: staged.sbomPath, to: placed.sbomPath },
          { from: staged.imagePath, to: placed.imagePath },
        ];
      }),
      staging.dir,
    );
    // Last chance to stop; after the ledger's rename the release has happened.
    throwIfInterrupted(options.signal);
    await staged.file.commit();
    const ledger = staged.ledger;
    return Object.freeze({
      date,
      release: plan.candidate,
      supportRecords: plan.supportRecords,
      matrix: plan.matrix,
      images: final,
      skipped,
      ledger,
      ledgerPath: ledgerFile.path,
    });
  } catch (error) {
    // Nothing of a refused or interrupted release stays behind, unless the ledger says it happened.
    if (ledgerFileStaged?.committed !== true) {
      await ledgerFileStaged?.abort();
      await published?.rollback();
    }
    throw error;
  } finally {
    await rm(staging.dir, { recursive: true, force: true });
    if (staging.created) await removeIfEmpty(outDir);
  }
}
