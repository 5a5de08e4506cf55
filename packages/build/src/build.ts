import { readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import {
  canonicalJson,
  checkDeviceCompatibility,
  composeRequirements,
  fieldDevicesOf,
  IMAGE_FORMAT_VERSION,
  imageManifestFromJSON,
  sha256Hex,
  writeFileAtomic,
  type DeviceIdentity,
  type Grants,
  type ImageManifest,
  type ImageRequires,
  type ProductManifest,
  type Reason,
} from '@fwkit/core';
import {
  DEFAULT_BLOCK_SIZE,
  describePayloads,
  encodeImage,
  encodeSignatures,
  END_MARKER_BYTES,
  MAX_MTIME,
  SIGNATURES_PAYLOAD_TYPE,
  TAR_BLOCK,
  type BlockList,
  type PayloadBytes,
} from '@fwkit/image';
import { buildSbom, loadSbomSources, validateSbom, type BundledPackage } from '@fwkit/sbom';
import { signEnvelope, type Signer, type TrustRoot } from '@fwkit/signing';
import { verifyImage, verifyImageFile, VerifyError } from '@fwkit/verify';
import { version as esbuildVersion } from 'esbuild';
import { bundleDomain, type BuildInfo, type DomainBundle } from './bundle.js';
import { BuildError } from './errors.js';
import { LAYOUT, listProducts, loadProduct, loadWorkspace, productDir, type Workspace } from './load.js';

/** Payload path of the SBOM inside the image, and the domain of data no process executes. */
export const SBOM_PATH = 'sbom.cdx.json';
export const META_DOMAIN = 'meta';

/** Reports progress: one call per product and step (for a CLI's stderr). */
export type ProgressListener = (model: string, step: string) => void;

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
}

export interface BuildProductOptions extends BuildOptions {
  readonly model: string;
}

export interface BuildProductsOptions extends BuildOptions {
  /** Models to build; undefined or empty: every product in products/. */
  readonly products?: readonly string[] | undefined;
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
  readonly imageSha256: string;
  /** SHA-256 of manifest.json: what the signatures cover. */
  readonly manifestSha256: string;
  readonly sbomSha256: string;
  readonly sbomSerialNumber: string;
  readonly payloads: readonly { readonly path: string; readonly domain: string; readonly size: number; readonly sha256: string }[];
  readonly requires: ImageRequires;
  /** keyids that signed the manifest. */
  readonly signedBy: readonly string[];
  /** npm packages bundled into the image (also in the SBOM). */
  readonly packages: readonly Pick<BundledPackage, 'name' | 'version' | 'purl' | 'license'>[];
  /** The written image passed @fwkit/verify for `any-device` and every field device. */
  readonly verified: boolean;
  /** What it was verified for: `any-device`, then `rev <R> / bootloader <V>` per field device. */
  readonly verifiedFor: readonly string[];
}

function checkEpoch(epoch: number): void {
  if (!Number.isSafeInteger(epoch) || epoch < 0 || epoch > MAX_MTIME) {
    throw new BuildError(
      'BUILD_EPOCH_INVALID',
      `SOURCE_DATE_EPOCH must be a whole number of seconds from 0 to ${MAX_MTIME}, got ${String(epoch)}`,
      {
        details: { sourceDateEpoch: String(epoch), max: MAX_MTIME },
      },
    );
  }
}

async function fwkitVersion(): Promise<string> {
  const pkg = JSON.parse(await readFile(new URL('../package.json', import.meta.url), 'utf8')) as { version?: unknown };
  return typeof pkg.version === 'string' ? pkg.version : '0.0.0';
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
  const facts = {
    model: manifest.model,
    hardwareRevisions: manifest.hardwareRevisions,
    requires: manifest.requires,
    security: manifest.versions.security,
    firmware: manifest.versions.firmware,
  };
  return fieldDevicesOf(product).flatMap((device) => {
    const reasons = checkDeviceCompatibility(facts, device).filter((r) => r.code !== 'SECURITY_VERSION_ROLLBACK');
    return reasons.length === 0
      ? []
      : [{ device: deviceLabel(device), hardwareRevision: device.hardwareRevision, bootloader: device.bootloader.version, reasons }];
  });
}

/** The image buffer as the byte stream the verifier reads. */
function streamOf(bytes: Uint8Array): AsyncIterable<Uint8Array> {
  return Readable.from([bytes]) as AsyncIterable<Uint8Array>;
}

/** Run the device verifier for `any-device` and each field device; a failure is BUILD_VERIFY_FAILED. */
async function selfVerify(
  label: string,
  devices: readonly DeviceIdentity[],
  run: (device: DeviceIdentity | 'any-device') => Promise<unknown>,
): Promise<string[]> {
  const verifiedFor: string[] = [];
  for (const device of ['any-device' as const, ...devices]) {
    const name = device === 'any-device' ? device : deviceLabel(device);
    try {
      await run(device);
    } catch (cause) {
      if (cause instanceof VerifyError) {
        throw new BuildError('BUILD_VERIFY_FAILED', `${label} fails verification for ${name}: ${cause.code}: ${cause.message}`, {
          cause,
          details: { device: name, code: cause.code },
        });
      }
      throw cause;
    }
    verifiedFor.push(name);
  }
  return verifiedFor;
}

/**
 * Everything a build knows before anything is signed: the manifest, the payload bytes, the SBOM.
 * Holds no key, so `fwkit matrix` can compute it from the sources alone.
 */
export interface PreparedImage {
  readonly product: ProductManifest;
  /** The manifest as it will be signed (unsigned here). */
  readonly manifest: ImageManifest;
  /** Its canonical JSON: the bytes the signatures will cover. */
  readonly manifestBytes: Uint8Array;
  /** Payload bytes in manifest order (sorted by path), with their block lists. */
  readonly payloads: readonly PayloadBytes[];
  readonly blockLists: readonly BlockList[];
  readonly sbom: { readonly bytes: Uint8Array; readonly serialNumber: string; readonly packages: readonly BundledPackage[] };
}

/** Where and how a prepared image is signed, verified and written. */
export interface SignOptions {
  readonly outDir: string;
  readonly signers: readonly Signer[];
  readonly trust: TrustRoot;
  readonly now?: Date;
  readonly onProgress?: ProgressListener;
}

/** Load, compose, bundle each domain, write the SBOM, describe the payloads and make the manifest: steps 1-6. */
async function prepareOne(
  workspace: Workspace,
  model: string,
  sourceDateEpoch: number,
  tools: { fwkit: string },
  onProgress?: ProgressListener,
): Promise<PreparedImage> {
  const progress = (step: string) => onProgress?.(model, step);
  const { rootDir, platform, platformPackage, release } = workspace;
  progress('load');
  const product = await loadProduct(rootDir, model);

  // Platform + product must compose before anything is bundled.
  const composed = composeRequirements(platform, platformPackage.version, product, 0);
  if (composed.problems.length > 0) {
    throw new BuildError(
      'BUILD_REQUIREMENTS',
      `${model} does not compose with platform ${platformPackage.version}:\n${composed.problems.map((r) => `  - ${r.code}: ${r.message}`).join('\n')}`,
      {
        details: { model, reasons: composed.problems },
      },
    );
  }
  if (platform.imageFormat !== IMAGE_FORMAT_VERSION) {
    throw new BuildError(
      'BUILD_IMAGE_FORMAT_UNSUPPORTED',
      `the platform writes image format ${platform.imageFormat}; this fwkit writes format ${IMAGE_FORMAT_VERSION}`,
      { details: { imageFormat: platform.imageFormat, supported: IMAGE_FORMAT_VERSION } },
    );
  }
  const domains = Object.entries(platform.domains).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  if (domains.some(([name]) => name === META_DOMAIN)) {
    throw new BuildError(
      'BUILD_INPUT_INVALID',
      `${LAYOUT.platformManifest} declares a domain "${META_DOMAIN}", which fwkit reserves for image data`,
      {
        details: { domain: META_DOMAIN },
      },
    );
  }

  const buildInfo: BuildInfo = {
    model: product.id,
    modelName: product.name,
    firmware: release.firmware,
    platform: platformPackage.version,
    hardwareRevisions: product.hardware.map((h) => h.revision),
  };
  const drivers = `${productDir(model)}/${product.drivers}`;
  const bundles: (DomainBundle & { grants: Grants })[] = [];
  for (const [name, domain] of domains) {
    progress(`bundle ${name}`);
    const bundle = await bundleDomain({ rootDir, domain: name, entry: `${LAYOUT.platformDir}/${domain.entry}`, drivers, buildInfo });
    bundles.push({ ...bundle, grants: domain.grants });
  }

  progress('sbom');
  const metafiles = bundles.map((b) => b.metafile);
  const sources = await loadSbomSources(rootDir, metafiles);
  const sbom = buildSbom({
    firmware: {
      model: product.id,
      modelName: product.name,
      version: release.firmware,
      security: release.security,
      hardwareRevisions: buildInfo.hardwareRevisions,
    },
    platform: { dir: LAYOUT.platformDir, ...platformPackage },
    product: { dir: productDir(model), id: product.id, name: product.name },
    metafiles,
    fileDigests: sources.fileDigests,
    packageJsons: sources.packageJsons,
    lockfile: workspace.lockfile,
    sourceDateEpoch,
    tools: [
      { name: 'fwkit', version: tools.fwkit },
      { name: 'esbuild', version: esbuildVersion },
    ],
  });
  // A build never ships an SBOM the official schema rejects.
  await validateSbom(sbom.bytes);

  const inputs = [
    ...bundles.map((b) => ({ path: b.path, domain: b.domain, bytes: b.bytes })),
    { path: SBOM_PATH, domain: META_DOMAIN, bytes: sbom.bytes },
  ];
  const blockSize = DEFAULT_BLOCK_SIZE;
  const { payloads, blockLists } = describePayloads(inputs, blockSize);
  const flashBytes = payloads.reduce((sum, p) => sum + p.size, 0);
  const { requires } = composeRequirements(platform, platformPackage.version, product, flashBytes);
  const sbomSha256 = sha256Hex(sbom.bytes);
  const manifest = imageManifestFromJSON(
    {
      formatVersion: IMAGE_FORMAT_VERSION,
      model: product.id,
      modelName: product.name,
      hardwareRevisions: buildInfo.hardwareRevisions,
      versions: { firmware: release.firmware, platform: platformPackage.version, security: release.security },
      upgradeFrom: release.upgradeFrom,
      sourceDateEpoch,
      requires,
      domains: Object.fromEntries(bundles.map((b) => [b.domain, { entry: b.path, grants: b.grants }])),
      blockSize,
      payloads,
      sbom: { path: SBOM_PATH, sha256: sbomSha256, format: 'CycloneDX-1.6+json' },
    },
    `image manifest of ${model}`,
  );
  const bytesByPath = new Map(inputs.map((i) => [i.path, i.bytes]));
  const payloadBytes = payloads.map((p) => {
    const bytes = bytesByPath.get(p.path);
    if (bytes === undefined) throw new Error(`internal: no bytes for payload ${p.path}`);
    return { path: p.path, bytes };
  });
  return Object.freeze({
    product,
    manifest,
    manifestBytes: canonicalJson(manifest),
    payloads: payloadBytes,
    blockLists,
    sbom: { bytes: sbom.bytes, serialNumber: sbom.serialNumber, packages: sbom.packages },
  });
}

/** Check the field devices, sign, encode, verify in memory, write, verify the file: steps 7-10. */
async function signPrepared(prepared: PreparedImage, options: SignOptions): Promise<BuildResult> {
  const { product, manifest, manifestBytes } = prepared;
  const model = manifest.model;
  const firmware = manifest.versions.firmware;
  const progress = (step: string) => options.onProgress?.(model, step);

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
  const image = await encodeImage({
    manifestBytes,
    signaturesBytes: encodeSignatures(signatures),
    blockLists: prepared.blockLists,
    payloads: prepared.payloads,
    sourceDateEpoch: manifest.sourceDateEpoch,
  });

  const devices = fieldDevicesOf(product);
  const now = options.now ?? new Date(manifest.sourceDateEpoch * 1000);
  const label = `${model}-${firmware}.fwimg`;
  // Verify before writing, so that an image the devices would refuse is never output.
  progress('verify');
  await selfVerify(label, devices, (device) => verifyImage(streamOf(image), { trust: options.trust, device, now }));

  progress('write');
  const dir = join(options.outDir, model);
  const imagePath = join(dir, `${model}-${firmware}.fwimg`);
  const sbomPath = join(dir, `${model}-${firmware}.cdx.json`);
  let verifiedFor: string[];
  try {
    // Each file appears whole or not at all (temporary file + rename).
    await writeFileAtomic(sbomPath, prepared.sbom.bytes);
    await writeFileAtomic(imagePath, image);
    // And once more from disk: what a device will read is the file, not our buffer.
    verifiedFor = await selfVerify(label, devices, (device) => verifyImageFile(imagePath, { trust: options.trust, device, now }));
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
    imageBytes: image.byteLength,
    imageSha256: sha256Hex(image),
    manifestSha256: sha256Hex(manifestBytes),
    sbomSha256: manifest.sbom.sha256,
    sbomSerialNumber: prepared.sbom.serialNumber,
    payloads: manifest.payloads.map((p) => ({ path: p.path, domain: p.domain, size: p.size, sha256: p.sha256 })),
    requires: manifest.requires,
    signedBy: signatures.map((s) => s.keyid),
    packages: prepared.sbom.packages.map((p) => ({ name: p.name, version: p.version, purl: p.purl, license: p.license })),
    verified: true,
    verifiedFor,
  });
}

async function buildOne(workspace: Workspace, model: string, options: BuildOptions, tools: { fwkit: string }): Promise<BuildResult> {
  const prepared = await prepareOne(workspace, model, options.sourceDateEpoch, tools, options.onProgress);
  return signPrepared(prepared, options);
}

function checkOptions(options: BuildOptions): void {
  checkEpoch(options.sourceDateEpoch);
  if (options.signers.length === 0) throw new BuildError('BUILD_SIGNERS_MISSING', 'no signer given: an image must be signed');
}

/** Build, sign, write and verify the image of one product. */
export async function buildProductImage(options: BuildProductOptions): Promise<BuildResult> {
  checkOptions(options);
  const workspace = await loadWorkspace(options.repoRoot);
  return buildOne(workspace, options.model, options, { fwkit: await fwkitVersion() });
}

/**
 * Build the given products, or all of products/ when none are named, one after the other; the
 * first failure stops the run (images already written stay: each is complete and verified).
 */
export async function buildProducts(options: BuildProductsOptions): Promise<BuildResult[]> {
  checkOptions(options);
  const workspace = await loadWorkspace(options.repoRoot);
  const models =
    options.products !== undefined && options.products.length > 0 ? [...new Set(options.products)] : await listProducts(workspace.rootDir);
  if (models.length === 0) throw new BuildError('BUILD_PRODUCT_UNKNOWN', `no products in ${join(options.repoRoot, LAYOUT.productsDir)}`);
  const tools = { fwkit: await fwkitVersion() };
  const results: BuildResult[] = [];
  for (const model of models) results.push(await buildOne(workspace, model, options, tools));
  return results;
}

/** Build every product in products/. */
export async function buildAll(options: BuildOptions): Promise<BuildResult[]> {
  return buildProducts({ ...options, products: undefined });
}

export interface PrepareOptions {
  /** Root of the checkout (ignored when `workspace` is given). */
  readonly repoRoot: string;
  /** SOURCE_DATE_EPOCH in seconds, as for a build: the manifest carries it. */
  readonly sourceDateEpoch: number;
  /** Models to prepare: undefined means every product in products/; an empty list means none. */
  readonly products?: readonly string[] | undefined;
  /** An already loaded workspace (saves reading it twice). */
  readonly workspace?: Workspace;
  readonly onProgress?: ProgressListener;
}

/**
 * Steps 1-6 of a build for each model, without keys: what the images will be (manifest, payload
 * bytes, SBOM) before anything is signed or written. The field-device check is left to the
 * caller: a release runs it through the compatibility matrix, which reports every cell.
 */
export async function prepareProductImages(options: PrepareOptions): Promise<PreparedImage[]> {
  checkEpoch(options.sourceDateEpoch);
  const workspace = options.workspace ?? (await loadWorkspace(options.repoRoot));
  const models = options.products === undefined ? await listProducts(workspace.rootDir) : [...new Set(options.products)];
  const tools = { fwkit: await fwkitVersion() };
  const prepared: PreparedImage[] = [];
  for (const model of models) prepared.push(await prepareOne(workspace, model, options.sourceDateEpoch, tools, options.onProgress));
  return prepared;
}

/** Sign, verify and write an image prepared by `prepareProductImages` (steps 7-10 of a build). */
export async function signPreparedImage(prepared: PreparedImage, options: SignOptions): Promise<BuildResult> {
  if (options.signers.length === 0) throw new BuildError('BUILD_SIGNERS_MISSING', 'no signer given: an image must be signed');
  return signPrepared(prepared, options);
}

/** What `fwkit matrix` needs to know about an image that is not built yet: no key, nothing written. */
export interface PlannedImage {
  readonly model: string;
  readonly modelName: string;
  /** The manifest exactly as a build would sign it (requires.flashBytes from the real bundles). */
  readonly manifest: ImageManifest;
  /** SHA-256 of its canonical bytes (what the signatures will cover). */
  readonly manifestSha256: string;
  /** Exact size of the image with an empty signature list; each signature adds about 200 bytes, in 512-byte tar blocks. */
  readonly unsignedImageBytes: number;
}

/** Bytes an entry of `size` takes in the tar: its header plus its data padded to whole blocks. */
function tarEntryBytes(size: number): number {
  return TAR_BLOCK + Math.ceil(size / TAR_BLOCK) * TAR_BLOCK;
}

export function plannedImageOf(prepared: PreparedImage): PlannedImage {
  const entries = [
    prepared.manifestBytes.byteLength,
    encodeSignatures([]).byteLength,
    ...prepared.blockLists.map((l) => l.bytes.byteLength),
    ...prepared.payloads.map((p) => p.bytes.byteLength),
  ];
  return Object.freeze({
    model: prepared.manifest.model,
    modelName: prepared.manifest.modelName,
    manifest: prepared.manifest,
    manifestSha256: sha256Hex(prepared.manifestBytes),
    unsignedImageBytes: entries.reduce((sum, size) => sum + tarEntryBytes(size), END_MARKER_BYTES),
  });
}

/**
 * The image facts of each product without keys (for `fwkit matrix`): the same code path as a
 * build up to the signature, so the requirements and sizes are those the build would sign.
 */
export async function planProductImages(options: PrepareOptions): Promise<PlannedImage[]> {
  return (await prepareProductImages(options)).map(plannedImageOf);
}
