import { canonicalJson, IMAGE_FORMAT_VERSION, imageManifestFromJSON, sha256Hex, type ImageManifest } from '@fwkit/device-core';
import { composeRequirements, lastDayOfSupport, runtimeTarget, type Grants, type ProductManifest } from '@fwkit/release-core';
import { archivedEntryBytes, DEFAULT_BLOCK_SIZE, encodeSignatures, END_MARKER_BYTES } from '@fwkit/device-image';
import { describePayloads, type BlockList } from '@fwkit/release-image/blocks';
import type { PayloadBytes } from '@fwkit/release-image';
import { isVirtualInput } from '@fwkit/release-sbom/attribute';
import type { BundledPackage, SbomReads } from '@fwkit/release-sbom';
import { bundleDomains, sourceDigestsOf, type BuildInfo, type DomainBundle } from './bundle.js';
import { checkEpoch, fwkitVersion, onePer, type ProgressListener } from './common.js';
import { BuildError } from './errors.js';
import { esbuild } from './esbuild.js';
import { LAYOUT, listProducts, loadProduct, loadWorkspace, productDir, type Workspace } from './load.js';

/** Payload path of the SBOM inside the image, and the domain of data no process executes. */
export const SBOM_PATH = 'sbom.cdx.json';
export const META_DOMAIN = 'meta';

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
  /** Every module esbuild bundled, checkout-relative and sorted: what the build cache checks. */
  readonly bundled: readonly string[];
}

/** The SBOM reads of one build, by its workspace (one per build): shared by its products. */
const sbomReadsOf = new WeakMap<Workspace, SbomReads>();

/** What `prepareOne` may be told besides its product. */
export interface PrepareOneOptions {
  readonly onProgress?: ProgressListener | undefined;
  /** The product's manifest, already read (a release and a build's scope read each once). */
  readonly loaded?: ProductManifest | undefined;
  /** Work for later steps (loading their code) to start while esbuild bundles. */
  readonly whileBundling?: (() => void) | undefined;
}

/** The next turn of the event loop: esbuild's request, made in this one's microtasks, is out by then. */
const nextTurn = () => new Promise<void>((resolve) => setImmediate(resolve));

/** Load, compose, bundle each domain, write the SBOM, describe the payloads and make the manifest: steps 1-6. */
export async function prepareOne(
  workspace: Workspace,
  model: string,
  sourceDateEpoch: number,
  tools: { fwkit: string },
  { onProgress, loaded, whileBundling }: PrepareOneOptions = {},
): Promise<PreparedImage> {
  const progress = (step: string) => onProgress?.(model, step);
  const { rootDir, platform, platformPackage, release } = workspace;
  progress('load');
  // A release and a build's scope read each product once already; a product they could not is read here.
  const product = loaded ?? (await loadProduct(rootDir, model));

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
  const { runtime } = platform;
  if (runtime === undefined) {
    throw new BuildError(
      'BUILD_RUNTIME_UNDECLARED',
      `${LAYOUT.platformManifest} declares no runtime: add "runtime": { "name": "node", "version": "<the devices' Node.js>", "endOfLife": "<YYYY-MM-DD>" }`,
      { details: { file: LAYOUT.platformManifest } },
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
  progress(`bundle ${domains.map(([name]) => name).join(', ')}`);
  // esbuild bundles in its own process, so what only later steps need (the SBOM code and its
  // schema validator, package-lock.json and its index, the caller's) loads meanwhile: once esbuild has its
  // request, so that this work (tens of milliseconds, much of it synchronous) does not delay it.
  let requested!: () => void;
  const bundlingStarted = new Promise<void>((resolve) => (requested = resolve)).then(nextTurn);
  const sbomCode = bundlingStarted.then(async () => {
    whileBundling?.();
    const sbom = await import('@fwkit/release-sbom');
    sbom.prepareSbomValidator();
    return sbom;
  });
  const lockfile = bundlingStarted.then(async () => {
    const json = await workspace.lockfile();
    // Its index too (once per build: parseLockfile keeps it for each product's SBOM).
    (await sbomCode).parseLockfile(json);
    return json;
  });
  // Awaited below; this only keeps a failed bundle from leaving them unhandled.
  for (const pending of [sbomCode, lockfile]) pending.catch(() => undefined);
  // One esbuild build for every domain.
  const bundled = await bundleDomains({
    onRequested: requested,
    rootDir,
    domains: domains.map(([name, domain]) => ({ domain: name, entry: `${LAYOUT.platformDir}/${domain.entry}` })),
    drivers,
    productDir: productDir(model),
    imports: platform.imports,
    buildInfo,
    target: runtimeTarget(runtime),
    checkout: workspace.checkout,
  });
  const bundles: (DomainBundle & { grants: Grants })[] = domains.map(([name, domain]) => {
    const bundle = bundled.find((b) => b.domain === name);
    if (bundle === undefined) throw new Error(`internal: no bundle for domain ${name}`);
    return { ...bundle, grants: domain.grants };
  });

  progress('sbom');
  const { buildSbom, loadSbomSources, newSbomReads, validateSbom } = await sbomCode;
  const metafiles = bundles.map((b) => b.metafile);
  const reads = onePer(sbomReadsOf, workspace, () => newSbomReads(sourceDigestsOf(workspace.checkout)));
  // package-lock.json was read once with the workspace, and each source file is hashed once per build.
  const lockfileJson = await lockfile;
  const sources = loadSbomSources(rootDir, metafiles, { lockfile: lockfileJson, reads });
  const sbom = buildSbom({
    firmware: {
      model: product.id,
      modelName: product.name,
      version: release.firmware,
      security: release.security,
      hardwareRevisions: buildInfo.hardwareRevisions,
      endOfSupport: lastDayOfSupport(product.lifecycle),
    },
    supplier: platformPackage.author,
    platform: { dir: LAYOUT.platformDir, ...platformPackage },
    runtime,
    product: { dir: productDir(model), id: product.id, name: product.name, license: product.license },
    metafiles,
    fileDigests: sources.fileDigests,
    packageJsons: sources.packageJsons,
    lockfile: lockfileJson,
    sourceDateEpoch,
    tools: [
      { name: 'fwkit', version: tools.fwkit },
      { name: 'esbuild', version: esbuild.version },
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
  // Composed once, above; the flash need is known only now that the payloads are built.
  const requires = { ...composed.requires, flashBytes };
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
    bundled: [...new Set(metafiles.flatMap((m) => Object.keys(m.inputs)).filter((path) => !isVirtualInput(path)))].sort(),
  });
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
  /** Already loaded product manifests (a release reads each once); models not among them are read. */
  readonly productManifests?: readonly ProductManifest[];
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
  const loaded = new Map((options.productManifests ?? []).map((p) => [p.id, p]));
  for (const model of models) {
    prepared.push(
      await prepareOne(workspace, model, options.sourceDateEpoch, tools, { onProgress: options.onProgress, loaded: loaded.get(model) }),
    );
  }
  return prepared;
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
    unsignedImageBytes: entries.reduce((sum, size) => sum + archivedEntryBytes(size), END_MARKER_BYTES),
  });
}

/**
 * The image facts of each product without keys (for `fwkit matrix`): the same code path as a
 * build up to the signature, so the requirements and sizes are those the build would sign.
 */
export async function planProductImages(options: PrepareOptions): Promise<PlannedImage[]> {
  return (await prepareProductImages(options)).map(plannedImageOf);
}
