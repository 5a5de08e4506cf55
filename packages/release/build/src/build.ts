import { readFile, rm } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { Readable } from 'node:stream';
import { isFwkitError, InterruptedError, throwIfInterrupted, type FwkitError } from '@fwkit/device-core';
import { holdsBytes, makeStagingDir, publishStaged, removeIfEmpty, writeStagedFile } from '@fwkit/release-core/fs';
import { sbomBesideImage } from '@fwkit/release-sbom/beside';
import type { ProductManifest } from '@fwkit/release-core';
import type { TrustRoot } from '@fwkit/device-trust';
import type { Signer } from '@fwkit/release-signing';
import { verifyImage, VerifyError } from '@fwkit/device-verify';
import { cacheKey, inputDigests, isStringList, readCache, writeCache, type CachedBuild, type InputDigests } from './cache.js';
import {
  checkEpoch,
  fwkitVersion,
  resultOf,
  stoppableProgress,
  type BuildFacts,
  type BuildResult,
  type ProgressListener,
} from './common.js';
import { BuildError } from './errors.js';
import { checkoutOf } from './inside.js';
import { LAYOUT, listProducts } from './layout.js';
import type { Workspace } from './load.js';
import type { PreparedImage } from './prepare.js';
import type { SignOptions } from './sign.js';
import { checkSigners } from './signers.js';

// Builds products, through the cache when one is given. This module loads only what a cache hit
// needs (the cache, the device verifier, the output files): esbuild, the SBOM code, the image
// writer and the release-side schemas are imported when a product is built afresh (`stagesOf`), so
// a build served from the cache never loads them.

export type { BuildResult } from './common.js';

export interface BuildKeys {
  /** Who signs the manifest (a PEM file is one adapter: `loadPemSigner`). Only public keys and signatures leave a signer. */
  readonly signers: readonly Signer[];
  /** Trust root the built image must verify against (the device's view). */
  readonly trust: TrustRoot;
}

export interface BuildOptions {
  /** Root of the checkout: platform/, products/, release.json, package-lock.json, node_modules/. */
  readonly repoRoot: string;
  /** Images go to `<outDir>/<model>/<model>-<firmware>.fwimg`, the SBOM beside them. */
  readonly outDir: string;
  /** SOURCE_DATE_EPOCH in seconds: every timestamp in the image and SBOM. */
  readonly sourceDateEpoch: number;
  /**
   * Who signs and what the images must verify against, or a function that loads them: the build
   * calls it when it first needs them (the cache is keyed by them) or once esbuild has its first
   * request, so that the key files and the trust root are read while esbuild bundles. Either way
   * they are checked before anything is signed, and a failure of theirs is the build's error,
   * ahead of any product's (the build stops at its next step).
   */
  readonly keys: BuildKeys | (() => Promise<BuildKeys>);
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
  /** Product manifests already read (the build's scope read them); a model not among them is read. */
  readonly productManifests?: readonly ProductManifest[] | undefined;
}

/** The build stages and the workspace they read: loaded once per build, on the first product built afresh. */
interface Stages {
  readonly workspace: Workspace;
  readonly prepareOne: typeof import('./prepare.js').prepareOne;
  readonly loadSigning: () => Promise<unknown>;
  readonly signPrepared: typeof import('./sign.js').signPrepared;
}

async function stagesOf(repoRoot: string): Promise<Stages> {
  const [{ loadWorkspace }, { prepareOne }] = await Promise.all([import('./load.js'), import('./prepare.js')]);
  const workspace = await loadWorkspace(repoRoot);
  // Signing is needed only after bundling: its modules load while esbuild works (`whileBundling`).
  let signing: Promise<typeof import('./sign.js')> | undefined;
  const loadSigning = () => {
    signing ??= import('./sign.js');
    signing.catch(() => undefined); // awaited on first use; this only keeps a failed load from going unhandled
    return signing;
  };
  return {
    workspace,
    prepareOne,
    loadSigning,
    signPrepared: async (prepared, options) => (await loadSigning()).signPrepared(prepared, options),
  };
}

/** Steps 1-10 for one product: prepare (bundle, SBOM, manifest), then sign, write and verify. */
async function buildFresh(
  stages: Stages,
  model: string,
  options: BuildOptions,
  keys: () => Promise<BuildKeys>,
  tools: { fwkit: string },
  loaded: ProductManifest | undefined,
): Promise<BuildResult & { bundled: readonly string[] }> {
  const onProgress = stoppableProgress(options.onProgress, options.signal);
  const prepared = await stages.prepareOne(stages.workspace, model, options.sourceDateEpoch, tools, {
    onProgress,
    loaded,
    whileBundling: () => {
      void stages.loadSigning();
      void keys();
    },
  });
  // `outDir` is the build's staging directory (buildProducts).
  return { ...(await stages.signPrepared(prepared, { ...options, ...(await keys()), staging: true })), bundled: prepared.bundled };
}

/** What an entry records besides its files: the facts of a result the manifest does not hold. */
function factsOf(result: BuildResult): Record<string, unknown> {
  return {
    sbomSerialNumber: result.sbomSerialNumber,
    signedBy: result.signedBy,
    packages: result.packages,
    verifiedFor: result.verifiedFor,
  };
}

/**
 * Stage a cached build's files once it has proved itself: the image verifies against
 * the trust root (signatures, layout, every block) for this model and SOURCE_DATE_EPOCH, and the
 * SBOM is the one inside the image plus the image's identity. An entry whose digest still matches
 * but whose bytes were swapped (someone who can write the cache folder) thus gives at most an image
 * the trusted keys signed for this model — never one that fails its verifier. Undefined: not usable.
 *
 * A file that `publishDir` already holds with these bytes (an unchanged rebuild into the same
 * folder) is not written again: its result names it where it is, and publishing leaves it there.
 */
async function restore(
  model: string,
  hit: CachedBuild,
  options: BuildOptions,
  trust: TrustRoot,
  publishDir: string,
): Promise<BuildResult | undefined> {
  const { sbomSerialNumber, signedBy, packages, verifiedFor } = hit.result;
  if (typeof sbomSerialNumber !== 'string' || !isStringList(signedBy) || !Array.isArray(packages) || !isStringList(verifiedFor))
    return undefined;
  const sbomBlocks: Uint8Array[] = [];
  let sbomEntry: string | undefined;
  let verified;
  try {
    // The image is small: verified from memory, then written (a fresh build verifies the file it wrote).
    verified = await verifyImage(Readable.from([hit.image]), {
      trust,
      devices: 'any-device',
      now: options.now ?? new Date(options.sourceDateEpoch * 1000),
      fileDigest: true,
      // Only the SBOM's blocks are kept (copied: the verifier lends them); the rest is checked only.
      sink: {
        start: (documents) => {
          sbomEntry = documents.manifest.sbom.path;
          return Promise.resolve();
        },
        block: (path, _offset, bytes) => {
          if (path === sbomEntry) sbomBlocks.push(Uint8Array.from(bytes));
          return Promise.resolve();
        },
      },
    });
  } catch (error) {
    if (error instanceof VerifyError) return undefined;
    throw error;
  }
  const { manifest, manifestSha256, fileSha256 } = verified;
  if (manifest.model !== model || manifest.sourceDateEpoch !== options.sourceDateEpoch || fileSha256 === undefined) return undefined;
  const inside = Buffer.concat(sbomBlocks);
  let beside: Uint8Array;
  try {
    beside = sbomBesideImage(inside, manifestSha256);
  } catch (error) {
    if (isFwkitError(error)) return undefined;
    throw error;
  }
  if (!Buffer.from(beside).equals(Buffer.from(hit.sbom))) return undefined;

  // The names come from the verified manifest (a checked model id and version), not from the entry.
  const firmware = manifest.versions.firmware;
  // Into the build's staging directory (`options.outDir`), which the build publishes.
  const place = async (name: string, bytes: Uint8Array): Promise<string> => {
    const published = join(publishDir, model, name);
    if (await holdsBytes(published, bytes)) return published;
    const staged = join(options.outDir, model, name);
    await writeStagedFile(staged, (put) => put(bytes));
    return staged;
  };
  const [sbomPath, imagePath] = await Promise.all([
    place(`${model}-${firmware}.cdx.json`, hit.sbom),
    place(`${model}-${firmware}.fwimg`, hit.image),
  ]);
  const facts: BuildFacts = {
    sbomSerialNumber,
    signedBy,
    packages: packages as BuildFacts['packages'],
    verifiedFor,
  };
  return resultOf(manifest, { imagePath, sbomPath, imageBytes: hit.image.byteLength, fileSha256, manifestSha256 }, facts);
}

/** A product's cache key and, when the cache holds a build of it, that build. */
interface Lookup {
  readonly model: string;
  readonly key: string;
  readonly hit: CachedBuild | undefined;
}

interface Cache {
  readonly dir: string;
  readonly digests: InputDigests;
  readonly lookups: ReadonlyMap<string, Lookup>;
}

async function lookUp(
  cacheDir: string,
  digests: InputDigests,
  model: string,
  options: BuildOptions,
  { signers, trust }: BuildKeys,
  env: Readonly<Record<string, string | undefined>>,
  tools: { fwkit: string },
): Promise<Lookup> {
  const key = cacheKey({
    model,
    sourceDateEpoch: options.sourceDateEpoch,
    now: options.now,
    signers,
    trust,
    fwkitVersion: tools.fwkit,
    env,
  });
  return { model, key, hit: await readCache(cacheDir, digests, key) };
}

/** One product through the cache: a hit that proves itself is restored; anything else is built afresh and recorded. */
async function buildOne(
  model: string,
  options: BuildOptions,
  keys: () => Promise<BuildKeys>,
  tools: { fwkit: string },
  stages: () => Promise<Stages>,
  cache: Cache | undefined,
  loaded: ProductManifest | undefined,
  publishDir: string,
): Promise<BuildResult> {
  const lookup = cache?.lookups.get(model);
  if (lookup?.hit !== undefined) {
    const restored = await restore(model, lookup.hit, options, (await keys()).trust, publishDir);
    if (restored !== undefined) {
      stoppableProgress(options.onProgress, options.signal)(model, 'cached');
      return restored;
    }
  }
  const { bundled, ...result } = await buildFresh(await stages(), model, options, keys, tools, loaded);
  if (cache !== undefined && lookup !== undefined) {
    try {
      const [image, sbom] = await Promise.all([readFile(result.imagePath), readFile(result.sbomPath)]);
      await writeCache(cache.dir, cache.digests, lookup.key, { model, bundled, image, sbom, result: factsOf(result) });
    } catch (error) {
      // The cache only saves time: a folder that cannot be written leaves the build as it is.
      options.onProgress?.(model, `cache not written: ${error instanceof Error ? error.message : String(error)}`);
    }
  }
  return Object.freeze(result);
}

/** At least one signer, and a threshold of signers the trust root's targets role trusts. */
function checkKeys({ signers, trust }: BuildKeys): BuildKeys {
  if (signers.length === 0) throw new BuildError('BUILD_SIGNERS_MISSING', 'no signer given: an image must be signed');
  checkSigners(signers, trust);
  return { signers, trust };
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
 * failure does not stop the others, so that every failure is reported at once), all at the same
 * time (esbuild bundles them together; signing and writing one overlaps bundling another), into a
 * staging directory inside `outDir`; only when all succeeded do the images and SBOMs move into
 * place, each image with its SBOM. Any failure or an interruption leaves `outDir` as it was.
 */
export async function buildProducts(options: BuildProductsOptions): Promise<BuildResult[]> {
  checkEpoch(options.sourceDateEpoch);
  const given = options.keys;
  if (typeof given !== 'function') {
    const checked = Promise.resolve(checkKeys(given));
    return buildWith(options, () => checked);
  }
  // Keys to load (once): the build stops at its next step if they fail.
  const stop = new AbortController();
  let loading: Promise<BuildKeys> | undefined;
  const keys = (): Promise<BuildKeys> => {
    if (loading === undefined) {
      loading = Promise.resolve().then(given).then(checkKeys);
      loading.catch(() => {
        stop.abort();
      });
    }
    return loading;
  };
  const signal = options.signal === undefined ? stop.signal : AbortSignal.any([options.signal, stop.signal]);
  try {
    return await buildWith({ ...options, signal }, keys);
  } catch (error) {
    // Keys that cannot sign are the build's error, ahead of anything that failed meanwhile.
    await keys();
    throw error;
  }
}

async function buildWith(options: BuildProductsOptions, keys: () => Promise<BuildKeys>): Promise<BuildResult[]> {
  let loading: Promise<Stages> | undefined;
  const stages = () => (loading ??= stagesOf(options.repoRoot));
  // Without a cache the workspace is read first, as it always was; with one, only when a product misses.
  const rootDir = options.cacheDir === undefined ? (await stages()).workspace.rootDir : (await checkoutOf(options.repoRoot)).root;
  const models =
    options.products !== undefined && options.products.length > 0 ? [...new Set(options.products)] : await listProducts(rootDir);
  if (models.length === 0) {
    await stages();
    throw new BuildError('BUILD_PRODUCT_UNKNOWN', `no products in ${join(options.repoRoot, LAYOUT.productsDir)}`);
  }
  const tools = { fwkit: await fwkitVersion() };
  let cache: Cache | undefined;
  if (options.cacheDir !== undefined) {
    const { cacheDir } = options;
    const digests = inputDigests(rootDir);
    const resolved = await keys();
    const found = await Promise.all(
      models.map((model) => lookUp(cacheDir, digests, model, options, resolved, options.env ?? process.env, tools)),
    );
    cache = { dir: cacheDir, digests, lookups: new Map(found.map((l) => [l.model, l])) };
    // A workspace that does not load fails the whole build, before anything is staged.
    if (found.some((l) => l.hit === undefined)) await stages();
  }
  const loaded = new Map((options.productManifests ?? []).map((p) => [p.id, p]));
  const staging = await makeStagingDir(options.outDir, '.fwkit-build-');
  try {
    const settled = await Promise.allSettled(
      models.map((model) =>
        buildOne(model, { ...options, outDir: staging.dir }, keys, tools, stages, cache, loaded.get(model), options.outDir),
      ),
    );
    const staged: BuildResult[] = [];
    const failures: ProductFailure[] = [];
    for (const [i, outcome] of settled.entries()) {
      if (outcome.status === 'fulfilled') staged.push(outcome.value);
      // An interruption or a bug stops everything; a coded refusal is one product's result.
      else if (outcome.reason instanceof InterruptedError || !isFwkitError(outcome.reason)) throw outcome.reason;
      else failures.push({ model: models[i] ?? '', error: outcome.reason });
    }
    if (failures.length > 0) throw failureOf(failures);
    throwIfInterrupted(options.signal);
    const final = staged.map((r) => {
      const dir = join(options.outDir, r.model);
      return { result: r, imagePath: join(dir, basename(r.imagePath)), sbomPath: join(dir, basename(r.sbomPath)) };
    });
    // The last step: all checked, then renamed (each SBOM before its image), undone on any failure.
    // A file already in place with its bytes (a cache hit's, see `restore`) stays where it is.
    await publishStaged(
      final
        .flatMap((f) => [
          { from: f.result.sbomPath, to: f.sbomPath },
          { from: f.result.imagePath, to: f.imagePath },
        ])
        .filter((move) => move.from !== move.to),
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
  const { signPrepared } = await import('./sign.js');
  return signPrepared(prepared, options);
}
