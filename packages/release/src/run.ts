import { mkdir, mkdtemp, readdir, rename, rm, rmdir, stat } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
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
  type BuildResult,
  type ProgressListener,
  type Workspace,
} from '@fwkit/build';
import type { Ledger, LedgerRelease, ProductManifest, SupportRecord, SupportStatus } from '@fwkit/core';
import type { Matrix } from '@fwkit/matrix';
import type { Signer, TrustRoot } from '@fwkit/signing';
import { ReleaseError } from './errors.js';
import { appendToLedger, checkCandidateVersion, LEDGER_PATH, readLedgerFile } from './ledger.js';
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

async function exists(path: string): Promise<boolean> {
  try {
    await stat(path);
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return false;
    throw error;
  }
}

/** Remove `dir` if it exists and is empty (a directory this release made and left nothing in). */
async function removeIfEmpty(dir: string): Promise<void> {
  try {
    if ((await readdir(dir)).length === 0) await rmdir(dir);
  } catch (error) {
    // Gone already, or something else put a file there meanwhile: both mean "leave it".
    const code = (error as NodeJS.ErrnoException).code;
    if (code !== 'ENOENT' && code !== 'ENOTEMPTY') throw error;
  }
}

/**
 * `fwkit release`: build, sign and verify every supported model's image, gate the candidate with
 * the compatibility matrix, and only then put the images in place and append the ledger. A refusal
 * (any coded error) writes nothing: no image, no ledger change, the staging directory removed.
 *
 * The gate runs twice: on the prepared images (before any key is used, so a red matrix costs no
 * signing and is reported cell by cell rather than as the build's first device failure), and on
 * the signed images that will be recorded.
 */
export async function runRelease(options: RunReleaseOptions): Promise<ReleaseResult> {
  const progress = (step: string) => options.onProgress?.('release', step);
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

  const prepared = await prepareProductImages({
    repoRoot: workspace.rootDir,
    workspace,
    sourceDateEpoch,
    products: supported,
    ...(options.onProgress === undefined ? {} : { onProgress: options.onProgress }),
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

  const outDir = options.outDir;
  const outDirExisted = await exists(outDir);
  await mkdir(outDir, { recursive: true });
  // Staging inside the out dir: the final move is a rename on one filesystem.
  const staging = await mkdtemp(join(outDir, '.fwkit-release-'));
  const moved: string[] = [];
  try {
    const results: BuildResult[] = [];
    for (const image of prepared) {
      results.push(
        await signPreparedImage(image, {
          outDir: staging,
          signers: options.signers,
          trust: options.trust,
          ...(options.now === undefined ? {} : { now: options.now }),
          ...(options.onProgress === undefined ? {} : { onProgress: options.onProgress }),
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
    const final: BuildResult[] = [];
    for (const result of results) {
      const dir = join(outDir, result.model);
      await mkdir(dir, { recursive: true });
      const imagePath = join(dir, basename(result.imagePath));
      const sbomPath = join(dir, basename(result.sbomPath));
      await rename(result.sbomPath, sbomPath);
      moved.push(sbomPath);
      await rename(result.imagePath, imagePath);
      moved.push(imagePath);
      final.push(Object.freeze({ ...result, imagePath, sbomPath }));
    }
    // The ledger is the commit point: once it is written, the release happened.
    const ledger = await appendToLedger({
      repoRoot: workspace.rootDir,
      release: plan.candidate,
      support: plan.supportRecords,
      basis: ledgerFile.text,
    });
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
    // Nothing of a refused release stays behind.
    for (const path of moved) await rm(path, { force: true });
    for (const path of moved) await removeIfEmpty(dirname(path));
    throw error;
  } finally {
    await rm(staging, { recursive: true, force: true });
    if (!outDirExisted) await removeIfEmpty(outDir);
  }
}
