import { realpath } from 'node:fs/promises';
import { join } from 'node:path';
import { INPUT_LIMITS, InputError, readJsonInputFile } from '@fwkit/device-core';
import {
  platformManifestFromJSON,
  productManifestFromJSON,
  releaseSpecFromJSON,
  type PlatformManifest,
  type ProductManifest,
  type ReleaseSpec,
} from '@fwkit/release-core';
import type { SbomSupplier } from '@fwkit/release-sbom';
import { BuildError, type BuildErrorCode } from './errors.js';
import { checkInsideCheckout, checkoutOf, type Checkout } from './inside.js';
import { LAYOUT, MODEL_ID, productDir } from './layout.js';

export { LAYOUT, listProducts, productDir } from './layout.js';

/** The facts of platform/package.json a build uses. */
export interface PlatformPackage {
  readonly name: string;
  readonly version: string;
  readonly license: string | undefined;
  /** npm's `author`: the camera maker, the SBOM's supplier (an NTIA minimum element). */
  readonly author: SbomSupplier;
}

/** npm's person field, `"Name <email> (url)"` or `{ name, email, url }`; undefined without a name. */
function personOf(value: unknown): SbomSupplier | undefined {
  if (typeof value === 'string') {
    const match = /^([^<(]+?)\s*(?:<([^>]*)>)?\s*(?:\(([^)]*)\))?\s*$/.exec(value);
    const [, name, email, url] = match ?? [];
    return name === undefined || name === '' ? undefined : { name, email: email || undefined, url: url || undefined };
  }
  if (typeof value !== 'object' || value === null) return undefined;
  const { name, email, url } = value as Record<string, unknown>;
  if (typeof name !== 'string' || name.trim() === '') return undefined;
  const text = (v: unknown): string | undefined => (typeof v === 'string' && v !== '' ? v : undefined);
  return { name: name.trim(), email: text(email), url: text(url) };
}

/** Everything shared by the products of one checkout, read and validated once. */
export interface Workspace {
  /** Real path of the checkout root (esbuild's absWorkingDir). */
  readonly rootDir: string;
  readonly platform: PlatformManifest;
  readonly platformPackage: PlatformPackage;
  readonly release: ReleaseSpec;
  /**
   * package-lock.json as parsed JSON (the SBOM validates what it reads). Only the SBOM needs it,
   * after bundling: it is read and parsed on first use, while esbuild works, not before.
   */
  readonly lockfile: () => Promise<unknown>;
  /** The checkout, shared by every bundle of the build. */
  readonly checkout: Checkout;
}

// semver.org's regular expression for a valid version.
const SEMVER =
  /^(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)(?:-((?:0|[1-9]\d*|\d*[a-zA-Z-][0-9a-zA-Z-]*)(?:\.(?:0|[1-9]\d*|\d*[a-zA-Z-][0-9a-zA-Z-]*))*))?(?:\+([0-9a-zA-Z-]+(?:\.[0-9a-zA-Z-]+)*))?$/;
const NPM_NAME = /^(?:@[a-z0-9][a-z0-9._~-]*\/)?[a-z0-9][a-z0-9._~-]*$/;

/** Size limit of each document a build reads (docs/inputs.md). */
const LIMITS: Readonly<Record<string, number>> = {
  [LAYOUT.platformManifest]: INPUT_LIMITS.platformManifest,
  [LAYOUT.platformPackage]: INPUT_LIMITS.packageJson,
  [LAYOUT.release]: INPUT_LIMITS.releaseSpec,
  [LAYOUT.lockfile]: INPUT_LIMITS.lockfile,
};

/**
 * Read a JSON document of the checkout with core's input reader (regular file, size limit, strict
 * JSON): a missing one is `missing`; a directory, FIFO or device is INPUT_NOT_REGULAR, not a crash.
 */
async function readJson(rootDir: string, path: string, missing: BuildErrorCode, details: Record<string, unknown> = {}): Promise<unknown> {
  try {
    return await readJsonInputFile(join(rootDir, path), path, LIMITS[path] ?? INPUT_LIMITS.productManifest);
  } catch (cause) {
    if (cause instanceof InputError && cause.code === 'INPUT_NOT_FOUND') {
      throw new BuildError(missing, `${path} not found in the checkout`, { cause, details: { path, ...details } });
    }
    throw cause;
  }
}

function platformPackageFrom(value: unknown): PlatformPackage {
  const pkg = typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : {};
  const { name, version, license } = pkg;
  const author = personOf(pkg['author']);
  const problems: string[] = [];
  if (author === undefined)
    problems.push('"author" must name the camera maker (the SBOM\'s supplier), e.g. "Example Camera Co. (https://camera.example)"');
  if (typeof name !== 'string' || !NPM_NAME.test(name)) problems.push('"name" must be an npm package name');
  if (typeof version !== 'string' || !SEMVER.test(version)) problems.push('"version" must be a semantic version');
  if (license !== undefined && typeof license !== 'string') problems.push('"license" must be a string');
  if (problems.length > 0 || typeof name !== 'string' || typeof version !== 'string' || author === undefined) {
    throw new BuildError('BUILD_INPUT_INVALID', `${LAYOUT.platformPackage}: ${problems.join('; ')}`, {
      details: { path: LAYOUT.platformPackage, problems },
    });
  }
  return Object.freeze({ name, version, license: typeof license === 'string' ? license : undefined, author });
}

/** Read and validate the platform, its package.json, release.json and package-lock.json of a checkout. */
export async function loadWorkspace(rootDir: string): Promise<Workspace> {
  let root: string;
  try {
    // The real path: esbuild reports module paths relative to it, whatever symlink led here.
    root = await realpath(rootDir);
  } catch (cause) {
    throw new BuildError('BUILD_INPUT_MISSING', `checkout ${rootDir} not found`, { cause, details: { path: rootDir } });
  }
  const checkout = await checkoutOf(root);
  checkInsideCheckout(
    checkout,
    [LAYOUT.platformManifest, LAYOUT.platformPackage, LAYOUT.release, LAYOUT.lockfile],
    'a document of the checkout',
  );
  const [platformJson, packageJson, releaseJson] = await Promise.all([
    readJson(root, LAYOUT.platformManifest, 'BUILD_INPUT_MISSING'),
    readJson(root, LAYOUT.platformPackage, 'BUILD_INPUT_MISSING'),
    readJson(root, LAYOUT.release, 'BUILD_INPUT_MISSING'),
  ]);
  let lockfile: Promise<unknown> | undefined;
  return Object.freeze({
    rootDir: root,
    platform: platformManifestFromJSON(platformJson, LAYOUT.platformManifest),
    platformPackage: platformPackageFrom(packageJson),
    release: releaseSpecFromJSON(releaseJson, LAYOUT.release),
    lockfile: () => (lockfile ??= readJson(root, LAYOUT.lockfile, 'BUILD_INPUT_MISSING')),
    checkout,
  });
}

/** Read and validate products/<model>/product.json; its id must be the folder name. */
export async function loadProduct(rootDir: string, model: string): Promise<ProductManifest> {
  // The model id becomes a path: anything but a model id could walk out of products/.
  if (!MODEL_ID.test(model)) throw new BuildError('BUILD_PRODUCT_UNKNOWN', `"${model}" is not a model id`, { details: { model } });
  const path = `${productDir(model)}/product.json`;
  checkInsideCheckout(await checkoutOf(rootDir), [path], `the product.json of ${model}`);
  const product = productManifestFromJSON(await readJson(rootDir, path, 'BUILD_PRODUCT_UNKNOWN', { model }), path);
  if (product.id !== model) {
    throw new BuildError('BUILD_PRODUCT_MISMATCH', `${path} declares model "${product.id}"; it must match its folder "${model}"`, {
      details: { model, id: product.id },
    });
  }
  return product;
}
