import { readFile, rm } from 'node:fs/promises';
import { basename, join } from 'node:path';
import {
  compileImage,
  imageFactsOf,
  isFwkitError,
  InterruptedError,
  type FwkitError,
  sha256Hex,
  throwIfInterrupted,
  type DeviceIdentity,
  type ImageManifest,
  type ImageRequires,
  type Reason,
} from '@fwkit/device-core';
import { fieldDevicesOf, makeStagingDir, publishStaged, removeIfEmpty, writeFileAtomic, type ProductManifest } from '@fwkit/release-core';
import { encodeSignatures, SIGNATURES_PAYLOAD_TYPE } from '@fwkit/device-image';
import { writeImageFile } from '@fwkit/release-image';
import { sbomBesideImage, validateSbom, type BundledPackage } from '@fwkit/release-sbom';
import { type TrustRoot } from '@fwkit/device-trust';
import { signEnvelope, type Signer } from '@fwkit/release-signing';
import { verifyImageFile, VerifyError } from '@fwkit/device-verify';
import { cacheKey, readCache, writeCache } from './cache.js';
import { checkEpoch, fwkitVersion, type ProgressListener } from './common.js';
import { BuildError } from './errors.js';
import { LAYOUT, listProducts, loadWorkspace, type Workspace } from './load.js';
import { prepareOne, type PreparedImage } from './prepare.js';
import { checkSigners } from './signers.js';

export interface BuildOptions {
  /** Root of the checkout: platform/, products/, release.json, package-lock.json, node_modules/. */
  readonly repoRoot: string;
  /** Images go to `<outDir>/<model>/<model>-<firmware>.fwimg`, the SBOM beside them. */
  readonly outDir: string;
  /** SOURCE_DATE_EPOCH in seconds: every timestamp in the image and SBOM. */
  readonly sourceDateEpoch: number;
  /** Who signs the manifest (a PEM file is one adapter: `loadPemSigner`). Only public keys and signatures leave a signer. */
  readonly signers: readonly Signer[];
  /** Trust root the built image must verify against (the device's view). */
  readonly trust: TrustRoot;
  /** Clock for the trust root's expiry during self-verification; default: the SOURCE_DATE_EPOCH instant (reproducible). */
  readonly now?: Date;
  readonly onProgress?: ProgressListener;
  /** Aborted with an InterruptedError (SIGINT/SIGTERM): the build stops at the next step and writes nothing. */
  readonly signal?: AbortSignal;
}

export interface BuildProductOptions extends BuildOptions {
  readonly model: string;
}

export interface BuildProductsOptions extends BuildOptions {
  /** Models to build; undefined or empty: every product in products/. */
  readonly products?: readonly string[] | undefined;
  /**
   * The build cache's folder (see cache.ts): a product whose every input is unchanged since a
   * build recorded there is copied from it, and a fresh build is recorded. Undefined: no cache.
   */
  readonly cacheDir?: string | undefined;
  /** Environment whose relevant variables (NODE_ENV) are part of the cache key; default process.env. */
  readonly env?: Readonly<Record<string, string | undefined>>;
}

/** What one build produced, for a CLI to print (`--json` prints it as is: it holds no secrets). */
export interface BuildResult {
  readonly model: string;
  readonly modelName: string;
  readonly firmware: string;
  readonly platform: string;
  readonly security: number;
  /** Installed firmware versions that may upgrade to this image directly (release.json). */
  readonly upgradeFrom: string;
  readonly sourceDateEpoch: number;
  /** Hardware revisions the image is for, and its format version: what a ledger records. */
  readonly hardwareRevisions: readonly string[];
  readonly formatVersion: number;
  readonly imagePath: string;
  readonly sbomPath: string;
  readonly imageBytes: number;
  /** SHA-256 of the image file written: one copy of the image, not its identity (signatures.json may vary). */
  readonly fileSha256: string;
  /** The image's identity: SHA-256 of manifest.json, what the signatures cover. */
  readonly manifestSha256: string;
  /** SHA-256 of the SBOM inside the image (the one the manifest signs; the copy beside it adds the image identity). */
  readonly sbomSha256: string;
  readonly sbomSerialNumber: string;
  readonly payloads: readonly { readonly path: string; readonly domain: string; readonly size: number; readonly sha256: string }[];
  readonly requires: ImageRequires;
  /** keyids that signed the manifest. */
  readonly signedBy: readonly string[];
  /** npm packages bundled into the image (also in the SBOM). */
  readonly packages: readonly Pick<BundledPackage, 'name' | 'version' | 'purl' | 'license'>[];
  /** The written image passed @fwkit/device-verify for `any-device` and every field device. */
  readonly verified: boolean;
  /** What it was verified for: `any-device`, then `rev <R> / bootloader <V>` per field device. */
  readonly verifiedFor: readonly string[];
}

function deviceLabel(device: DeviceIdentity): string {
  return `rev ${device.hardwareRevision} / bootloader ${device.bootloader.version}`;
}

/**
 * Build-time device check: every hardware revision and bootloader of the model in the field must
 * be able to take the image, or the build fails. The security rule is left out: field devices
 * are described without an installed version, and rollback is the release gate's concern.
 */
export function fieldDeviceProblems(
  manifest: ImageManifest,
  product: ProductManifest,
): { device: string; hardwareRevision: string; bootloader: string; reasons: Reason[] }[] {
  // Compiled once, checked against every device in the field.
  const image = compileImage(imageFactsOf(manifest));
  return fieldDevicesOf(product).flatMap((device) => {
    const reasons = image.check(device).filter((r) => r.code !== 'SECURITY_VERSION_ROLLBACK');
    return reasons.length === 0
      ? []
      : [{ device: deviceLabel(device), hardwareRevision: device.hardwareRevision, bootloader: device.bootloader.version, reasons }];
  });
}

/**
 * Run the device verifier over the image (signatures, format, every block) and turn a failure into
 * BUILD_VERIFY_FAILED. The streamed checks do not depend on the device, and the device rules are the
 * same pure engine that `fieldDeviceProblems` has already run for every device in the field, so
 * one pass stands for all of them.
 */
async function selfVerify(label: string, run: () => Promise<unknown>): Promise<void> {
  try {
    await run();
  } catch (cause) {
    if (cause instanceof VerifyError) {
      throw new BuildError('BUILD_VERIFY_FAILED', `${label} fails verification: ${cause.code}: ${cause.message}`, {
        cause,
        details: { code: cause.code },
      });
    }
    throw cause;
  }
}

/** Where and how a prepared image is signed, verified and written. */
export interface SignOptions {
  readonly outDir: string;
  readonly signers: readonly Signer[];
  readonly trust: TrustRoot;
  readonly now?: Date;
  readonly onProgress?: ProgressListener;
  readonly signal?: AbortSignal;
}

/** Progress that first checks for an interruption: every step boundary is a place to stop. */
export function stoppableProgress(onProgress: ProgressListener | undefined, signal: AbortSignal | undefined): ProgressListener {
  return (model, step) => {
    throwIfInterrupted(signal);
    onProgress?.(model, step);
  };
}

/** Check the field devices, sign, stream the image to disk while hashing it, verify the file once: steps 7-10. */
async function signPrepared(prepared: PreparedImage, options: SignOptions): Promise<BuildResult> {
  const { product, manifest, manifestBytes } = prepared;
  const model = manifest.model;
  const firmware = manifest.versions.firmware;
  const onProgress = stoppableProgress(options.onProgress, options.signal);
  const progress = (step: string) => {
    onProgress(model, step);
  };

  progress('check devices');
  const problems = fieldDeviceProblems(manifest, product);
  if (problems.length > 0) {
    const lines = problems.flatMap((p) => p.reasons.map((r) => `  - ${p.device}: ${r.code}: ${r.message}`));
    throw new BuildError(
      'BUILD_DEVICE_INCOMPATIBLE',
      `${model} ${firmware} cannot be installed on devices in the field:\n${lines.join('\n')}`,
      {
        details: { model, devices: problems },
      },
    );
  }

  progress('sign');
  const signatures = await signEnvelope(SIGNATURES_PAYLOAD_TYPE, manifestBytes, options.signers);

  // The SBOM beside the image also names the image's identity, which the copy inside cannot.
  const sbomBeside = sbomBesideImage(prepared.sbom.bytes, sha256Hex(manifestBytes));
  await validateSbom(sbomBeside);

  const devices = fieldDevicesOf(product);
  const now = options.now ?? new Date(manifest.sourceDateEpoch * 1000);
  const label = `${model}-${firmware}.fwimg`;
  const dir = join(options.outDir, model);
  const imagePath = join(dir, label);
  const sbomPath = join(dir, `${model}-${firmware}.cdx.json`);
  let written: { bytes: number; sha256: string };
  try {
    progress('write');
    // Each file appears whole or not at all (temporary file + rename). The image is streamed and
    // hashed as it is written: the ledger's file digest is of the bytes written, not a re-read.
    await writeFileAtomic(sbomPath, sbomBeside);
    written = await writeImageFile(imagePath, {
      manifestBytes,
      signaturesBytes: encodeSignatures(signatures),
      blockLists: prepared.blockLists,
      payloads: prepared.payloads,
      sourceDateEpoch: manifest.sourceDateEpoch,
    });
    // Verified once, from disk: what a device will read is the file. The callers write into a
    // staging directory, so an image that fails here never reaches the out dir.
    progress('verify');
    await selfVerify(label, () => verifyImageFile(imagePath, { trust: options.trust, devices: 'any-device', now }));
    throwIfInterrupted(options.signal);
  } catch (error) {
    // No image without its SBOM, and no image that fails its own verifier.
    await rm(imagePath, { force: true });
    await rm(sbomPath, { force: true });
    throw error;
  }

  return Object.freeze({
    model,
    modelName: manifest.modelName,
    firmware,
    platform: manifest.versions.platform,
    security: manifest.versions.security,
    upgradeFrom: manifest.upgradeFrom,
    sourceDateEpoch: manifest.sourceDateEpoch,
    hardwareRevisions: manifest.hardwareRevisions,
    formatVersion: manifest.formatVersion,
    imagePath,
    sbomPath,
    imageBytes: written.bytes,
    fileSha256: written.sha256,
    manifestSha256: sha256Hex(manifestBytes),
    sbomSha256: manifest.sbom.sha256,
    sbomSerialNumber: prepared.sbom.serialNumber,
    payloads: manifest.payloads.map((p) => ({ path: p.path, domain: p.domain, size: p.size, sha256: p.sha256 })),
    requires: manifest.requires,
    signedBy: signatures.map((s) => s.keyid),
    packages: prepared.sbom.packages.map((p) => ({ name: p.name, version: p.version, purl: p.purl, license: p.license })),
    verified: true,
    verifiedFor: ['any-device', ...devices.map(deviceLabel)],
  });
}

async function buildOne(workspace: Workspace, model: string, options: BuildOptions, tools: { fwkit: string }): Promise<BuildResult> {
  const onProgress = stoppableProgress(options.onProgress, options.signal);
  const prepared = await prepareOne(workspace, model, options.sourceDateEpoch, tools, onProgress);
  return signPrepared(prepared, options);
}

/** A result without where its files are (an entry of the cache outlives any output folder). */
function placeless(result: BuildResult): Record<string, unknown> {
  return Object.fromEntries(Object.entries(result).filter(([name]) => name !== 'imagePath' && name !== 'sbomPath'));
}

/** buildOne through the cache: a hit writes the recorded image and SBOM into `outDir`; a miss builds and records. */
async function buildOneCached(
  workspace: Workspace,
  model: string,
  options: BuildOptions & { readonly cacheDir: string; readonly env: Readonly<Record<string, string | undefined>> },
  tools: { fwkit: string },
): Promise<BuildResult> {
  const key = await cacheKey({
    model,
    sourceDateEpoch: options.sourceDateEpoch,
    now: options.now,
    signers: options.signers,
    trust: options.trust,
    fwkitVersion: tools.fwkit,
    env: options.env,
  });
  const hit = await readCache(options.cacheDir, workspace.rootDir, key);
  const onProgress = stoppableProgress(options.onProgress, options.signal);
  if (hit !== undefined) {
    const result = hit.result as unknown as Omit<BuildResult, 'imagePath' | 'sbomPath'>;
    onProgress(model, 'cached');
    const dir = join(options.outDir, model);
    const imagePath = join(dir, `${model}-${result.firmware}.fwimg`);
    const sbomPath = join(dir, `${model}-${result.firmware}.cdx.json`);
    await writeFileAtomic(sbomPath, hit.sbom);
    await writeFileAtomic(imagePath, hit.image);
    return Object.freeze({ ...result, imagePath, sbomPath });
  }
  const prepared = await prepareOne(workspace, model, options.sourceDateEpoch, tools, onProgress);
  const result = await signPrepared(prepared, options);
  try {
    const [image, sbom] = await Promise.all([readFile(result.imagePath), readFile(result.sbomPath)]);
    await writeCache(options.cacheDir, workspace.rootDir, key, {
      model,
      bundled: prepared.bundled,
      image,
      sbom,
      result: placeless(result),
    });
  } catch (error) {
    // The cache only saves time: a folder that cannot be written leaves the build as it is.
    onProgress(model, `cache not written: ${error instanceof Error ? error.message : String(error)}`);
  }
  return result;
}

function checkOptions(options: BuildOptions): void {
  checkEpoch(options.sourceDateEpoch);
  if (options.signers.length === 0) throw new BuildError('BUILD_SIGNERS_MISSING', 'no signer given: an image must be signed');
  checkSigners(options.signers, options.trust);
}

/** Build, sign, write and verify the image of one product. */
export async function buildProductImage(options: BuildProductOptions): Promise<BuildResult> {
  const [result] = await buildProducts({ ...options, products: [options.model] });
  if (result === undefined) throw new Error('buildProducts returned no result for one product');
  return result;
}

/** One product that failed in a multi-product build. */
interface ProductFailure {
  readonly model: string;
  readonly error: FwkitError;
}

/** Every product's failure in one error; a single failure is thrown as it is (its own code). */
function failureOf(failures: readonly ProductFailure[]): unknown {
  if (failures.length === 1) return failures[0]?.error;
  const list = failures.map((f) => ({ model: f.model, code: f.error.code, message: f.error.message, details: f.error.details ?? null }));
  return new BuildError(
    'BUILD_PRODUCTS_FAILED',
    `${failures.length} products failed; nothing was written:\n${list.map((f) => `  - ${f.model}: ${f.code}: ${f.message}`).join('\n')}`,
    { details: { failures: list } },
  );
}

/**
 * Build the given products, or all of products/ when none are named. Every product is built (a
 * failure does not stop the others, so that every failure is reported at once) into a staging
 * directory inside `outDir`; only when all succeeded do the images and SBOMs move into place, each
 * image with its SBOM. Any failure or an interruption leaves `outDir` as it was.
 */
export async function buildProducts(options: BuildProductsOptions): Promise<BuildResult[]> {
  checkOptions(options);
  const workspace = await loadWorkspace(options.repoRoot);
  const models =
    options.products !== undefined && options.products.length > 0 ? [...new Set(options.products)] : await listProducts(workspace.rootDir);
  if (models.length === 0) throw new BuildError('BUILD_PRODUCT_UNKNOWN', `no products in ${join(options.repoRoot, LAYOUT.productsDir)}`);
  const tools = { fwkit: await fwkitVersion() };
  const staging = await makeStagingDir(options.outDir, '.fwkit-build-');
  try {
    const staged: BuildResult[] = [];
    const failures: ProductFailure[] = [];
    for (const model of models) {
      try {
        const cacheDir = options.cacheDir;
        staged.push(
          cacheDir === undefined
            ? await buildOne(workspace, model, { ...options, outDir: staging.dir }, tools)
            : await buildOneCached(workspace, model, { ...options, outDir: staging.dir, cacheDir, env: options.env ?? process.env }, tools),
        );
      } catch (error) {
        // An interruption or a bug stops everything; a coded refusal is one product's result.
        if (error instanceof InterruptedError || !isFwkitError(error)) throw error;
        failures.push({ model, error });
      }
    }
    if (failures.length > 0) throw failureOf(failures);
    throwIfInterrupted(options.signal);
    const final = staged.map((r) => {
      const dir = join(options.outDir, r.model);
      return { result: r, imagePath: join(dir, basename(r.imagePath)), sbomPath: join(dir, basename(r.sbomPath)) };
    });
    // The last step: all checked, then renamed (each SBOM before its image), undone on any failure.
    await publishStaged(
      final.flatMap((f) => [
        { from: f.result.sbomPath, to: f.sbomPath },
        { from: f.result.imagePath, to: f.imagePath },
      ]),
      staging.dir,
    );
    return final.map((f) => Object.freeze({ ...f.result, imagePath: f.imagePath, sbomPath: f.sbomPath }));
  } finally {
    await rm(staging.dir, { recursive: true, force: true });
    if (staging.created) await removeIfEmpty(options.outDir);
  }
}

/** Build every product in products/. */
export async function buildAll(options: BuildOptions): Promise<BuildResult[]> {
  return buildProducts({ ...options, products: undefined });
}

/** Sign, verify and write an image prepared by `prepareProductImages` (steps 7-10 of a build). */
export async function signPreparedImage(prepared: PreparedImage, options: SignOptions): Promise<BuildResult> {
  if (options.signers.length === 0) throw new BuildError('BUILD_SIGNERS_MISSING', 'no signer given: an image must be signed');
  return signPrepared(prepared, options);
}
