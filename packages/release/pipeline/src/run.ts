import { realpath, rm } from 'node:fs/promises';
import { basename, isAbsolute, join, relative, sep } from 'node:path';
import {
  candidateRelease,
  checkSigners,
  LAYOUT,
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
} from '@fwkit/release-build';
import { throwIfInterrupted } from '@fwkit/device-core';
import {
  makeStagingDir,
  publishStaged,
  removeIfEmpty,
  type Ledger,
  type LedgerRelease,
  type ProductManifest,
  type ReleaseAudit,
  type Published,
  type StagedFile,
  type SupportRecord,
} from '@fwkit/release-core';
import type { Matrix } from '@fwkit/release-matrix';
import type { TrustRoot } from '@fwkit/device-trust';
import type { Signer } from '@fwkit/release-signing';
import { checkLedgerCurrent, readLedgerFile, stagePlannedLedger, type LedgerFile } from './ledger.js';
import { checkLedgerTree, checkTree, startSourceState, type SourceState } from './source.js';
import { bundleInputsWatch, documentsWatch } from './tree.js';
import { assertGate, checkReleaseKeys, gateRelease, recordRelease, releaseDateOf, scopeRelease, type SkippedModel } from './plan.js';

export interface RunReleaseOptions {
  /** Root of the checkout: platform/, products/, release.json, releases/ledger.json, node_modules/. */
  readonly repoRoot: string;
  /** The ledger to read and append: default `<repoRoot>/releases/ledger.json`; main's for a maintenance release. */
  readonly ledgerPath?: string | undefined;
  /** Images go to `<outDir>/<model>/<model>-<firmware>.fwimg` (as `fwkit build`), only once the gate passed. */
  readonly outDir: string;
  readonly sourceDateEpoch: number;
  /** Day the release is dated and support is judged on; default: the UTC day of SOURCE_DATE_EPOCH. */
  readonly date?: string | undefined;
  readonly signers: readonly Signer[];
  readonly trust: TrustRoot;
  /** A demo release: the published example keys may sign it (otherwise RELEASE_EXAMPLE_KEYS). */
  readonly demo?: boolean;
  /**
   * Release from a checkout whose documents or bundled modules are not as committed, or from no
   * git checkout at all (otherwise RELEASE_TREE_DIRTY, RELEASE_NOT_GIT_CHECKOUT). The result (and
   * the ledger) records that it was used and which files were dirty.
   */
  readonly allowDirty?: boolean;
  /** Where the trust root was read from: inside the checkout, it must be as committed like any document. */
  readonly trustPath?: string;
  /** Version of the toolkit making the release (the @fwkit/cli package): the ledger records it. */
  readonly fwkitVersion: string;
  /** Node.js version recorded in the ledger; default `process.version`. */
  readonly nodeVersion?: string;
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
  readonly skipped: readonly SkippedModel[];
  readonly ledger: Ledger;
  readonly ledgerPath: string;
  /** The commit released from, and whether (and which) files were not as committed. */
  readonly source: SourceState;
}

/** Every product of the checkout, validated. */
export async function loadProducts(rootDir: string): Promise<ProductManifest[]> {
  const models = await listProducts(rootDir);
  return Promise.all(models.map((model) => loadProduct(rootDir, model)));
}

/** Everything a release reads from the checkout, each document read and validated once. */
export interface ReleaseInputs {
  /** platform.json, platform/package.json, release.json and package-lock.json (parsed once, for every SBOM). */
  readonly workspace: Workspace;
  /** Every product, supported or not. */
  readonly products: readonly ProductManifest[];
  /** releases/ledger.json and its exact text: the basis of the "changed meanwhile" check before the commit. */
  readonly ledgerFile: LedgerFile;
}

/** Load step of a release: the workspace, the ledger, then the products (nothing is read again later). */
export async function loadReleaseInputs(repoRoot: string, ledgerPath?: string): Promise<ReleaseInputs> {
  const workspace = await loadWorkspace(repoRoot);
  const ledgerFile = await readLedgerFile(workspace.rootDir, ledgerPath);
  const products = await loadProducts(workspace.rootDir);
  return Object.freeze({ workspace, products, ledgerFile });
}

/** Every document a release reads, checkout-relative: the trust root too when it lies in the checkout. */
async function documentsOf(root: string, products: readonly ProductManifest[], trustPath: string | undefined): Promise<string[]> {
  const documents: string[] = [LAYOUT.platformManifest, LAYOUT.platformPackage, LAYOUT.release, LAYOUT.lockfile];
  documents.push(...products.map((p) => `${LAYOUT.productsDir}/${p.id}/product.json`));
  if (trustPath !== undefined) {
    // A trust root that cannot be resolved was not read from the checkout either.
    const rel = relative(root, await realpath(trustPath).catch(() => trustPath));
    if (rel !== '' && !rel.startsWith(`..${sep}`) && rel !== '..' && !isAbsolute(rel)) documents.push(rel.split(sep).join('/'));
  }
  return documents;
}

/**
 * `fwkit release` in three steps. **Load** the inputs once (`loadReleaseInputs`). **Plan**, purely:
 * check the candidate's version and date and pick the models (`scopeRelease`), prepare their images
 * (bundles, SBOM, manifest; no key), then run the matrix once on them and gate (`gateRelease`), so a
 * red matrix is reported cell by cell and costs no signing. **Execute** once: each image is signed
 * and streamed into a staging directory inside the out dir while it is hashed, verified once from
 * disk with the device verifier, then everything is put in place.
 *
 * A refusal (any coded error) or an interruption writes nothing: no image, no ledger change, the
 * staging directory removed. Order of the last steps: the new ledger is written to a temporary file
 * first (a ledger that changed since it was loaded, or cannot be written, fails before any image
 * moves), then the images move from staging into the out dir (replaced files kept aside), then the
 * ledger's rename commits the release. A failure before that rename puts the out dir back as it was.
 */
export async function runRelease(options: RunReleaseOptions): Promise<ReleaseResult> {
  const onProgress = stoppableProgress(options.onProgress, options.signal);
  const progress = (step: string) => {
    onProgress('release', step);
  };
  const { sourceDateEpoch } = options;
  // The keys first: a release they cannot sign is refused before anything is read or built.
  checkReleaseKeys(
    options.signers.map((s) => s.keyid),
    options.demo === true,
  );
  checkSigners(options.signers, options.trust);
  const date = options.date ?? releaseDateOf(sourceDateEpoch);
  const { workspace, products, ledgerFile } = await loadReleaseInputs(options.repoRoot, options.ledgerPath);
  checkLedgerCurrent(ledgerFile.ledger);
  // The documents as committed, before anything is judged or built on them.
  const root = workspace.rootDir;
  const start = await startSourceState(root, options.allowDirty === true);
  let source = await checkTree(
    root,
    start.head,
    start.state,
    documentsWatch(await documentsOf(root, products, options.trustPath), LAYOUT.productsDir),
    'that the release reads',
  );
  // The ledger appended to: this checkout's, or (--ledger) one committed in another checkout.
  source = await checkLedgerTree(root, start.head, source, ledgerFile.path);
  // Cheap refusals first: nothing is bundled for a version that cannot be released.
  const scope = scopeRelease({
    ledger: ledgerFile.ledger,
    products,
    firmware: workspace.release.firmware,
    date,
    ...(workspace.release.maintenanceLine === undefined ? {} : { maintenanceLine: workspace.release.maintenanceLine }),
  });

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
      productManifests: products,
      sourceDateEpoch,
      products: scope.supported.map((p) => p.id),
      onProgress,
    });
    // What was bundled, as committed: the metafiles name every module (documents were checked above).
    source = await checkTree(root, start.head, source, bundleInputsWatch(prepared.flatMap((p) => p.bundled)), 'that the images bundle');
    progress('matrix (prepared images)');
    const plan = gateRelease({
      candidate: candidateRelease({ workspace, sourceDateEpoch, date, images: prepared.map((p) => ledgerImageOfPlan(plannedImageOf(p))) }),
      ledger: ledgerFile.ledger,
      products,
      platform: workspace.platform,
      date,
    });
    assertGate(plan);

    const results: BuildResult[] = [];
    for (const image of prepared) {
      results.push(
        await signPreparedImage(image, {
          outDir: staging.dir,
          staging: true,
          signers: options.signers,
          trust: options.trust,
          ...(options.now === undefined ? {} : { now: options.now }),
          ...(options.onProgress === undefined ? {} : { onProgress: options.onProgress }),
          ...(options.signal === undefined ? {} : { signal: options.signal }),
        }),
      );
    }
    const audit: ReleaseAudit = {
      sourceCommit: source.commit,
      fwkit: options.fwkitVersion,
      node: options.nodeVersion ?? process.version,
      signingKeyids: [...new Set(options.signers.map((s) => s.keyid))].sort(),
      demo: options.demo === true,
      allowDirty: source.allowDirty,
      dirtyFiles: source.dirty.map((f) => f.path),
    };
    const recorded = recordRelease(plan, results.map(ledgerImageOfBuild), audit);

    progress('publish');
    // The ledger first, into a temporary file: if it changed meanwhile or cannot be written, no image has moved yet.
    ledgerFileStaged = await stagePlannedLedger(ledgerFile, recorded.ledger);
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
    await ledgerFileStaged.commit();
    return Object.freeze({
      date,
      release: recorded.release,
      supportRecords: plan.supportRecords,
      matrix: plan.matrix,
      images: final,
      skipped: scope.skipped,
      ledger: recorded.ledger,
      ledgerPath: ledgerFile.path,
      source,
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
