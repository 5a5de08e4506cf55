import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { readdir, readFile, rm, stat, utimes } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { canonicalJson, isRecord, sha256Hex } from '@fwkit/device-core';
import { createRequire } from 'node:module';
import { writeFileAtomic } from '@fwkit/release-core/fs';
import type { TrustRoot } from '@fwkit/device-trust';
import type { Signer } from '@fwkit/release-signing';
import { checkoutOf, outsideOf } from './inside.js';
import { LAYOUT, productDir } from './layout.js';

/**
 * The build cache: a product's signed image and SBOM from an earlier build, reused when every
 * input is the same. An entry is found by a key over what is known before bundling (model,
 * options, signers, trust root, Node, esbuild and toolkit code); it records each file the build
 * read (every module esbuild bundled, the package.json files above them, platform, product,
 * release and lockfile) with its SHA-256 and the names in each source folder, and is used only when
 * all still match. Never timestamps. An entry that fails its own digest is a miss. `fwkit release`
 * does not use the cache.
 *
 * This module loads neither esbuild nor the SBOM code nor the release-side schemas: a build whose
 * every product is in the cache never loads them (build.ts imports the build stages on a miss).
 */

/** Bumped when the entry layout or the key's parts change: older entries then miss. */
const CACHE_FORMAT = 'fwkit-build-cache-3';
/** Entries kept; the least recently used go first. */
export const CACHE_MAX_ENTRIES = 64;
const ENTRY_SUFFIX = '.entry';

/** Where the cache lives: `$FWKIT_CACHE_DIR`, else `node_modules/.cache/fwkit/build` in the checkout. */
export function defaultCacheDir(repoRoot: string, env: Readonly<Record<string, string | undefined>>): string {
  const fromEnv = env['FWKIT_CACHE_DIR'];
  return fromEnv !== undefined && fromEnv !== '' ? fromEnv : join(repoRoot, 'node_modules', '.cache', 'fwkit', 'build');
}

/** Set to true by the bundler of the CLI package; undeclared anywhere else. */
declare const FWKIT_BUNDLED: boolean | undefined;

/** Whether this code runs from the bundled CLI package (scripts/build-cli-package.mjs defines FWKIT_BUNDLED). */
const isBundled = (): boolean => typeof FWKIT_BUNDLED !== 'undefined' && FWKIT_BUNDLED;

/** Workspace packages whose compiled code makes the image (this one's dependencies, transitively): their code is part of the key. */
const TOOLKIT_PACKAGES = [
  '@fwkit/device-json',
  '@fwkit/device-core',
  '@fwkit/device-image',
  '@fwkit/device-trust',
  '@fwkit/device-verify',
  '@fwkit/release-core',
  '@fwkit/release-image',
  '@fwkit/release-sbom',
  '@fwkit/release-signing',
] as const;

/**
 * A tool's version from its package.json (esbuild bundles; acorn reads each module's syntax for the
 * dynamic-loading check): importing it only to ask would cost a cache hit more than the rest of it.
 */
function toolVersion(name: 'esbuild' | 'acorn'): string {
  // The bundled CLI package carries acorn inside its own code (whose digest is the toolkit's); only
  // esbuild, a native binary, is a package beside it.
  if (name === 'acorn' && isBundled()) return 'bundled';
  const pkg = createRequire(import.meta.url)(`${name}/package.json`) as { version?: unknown };
  return typeof pkg.version === 'string' ? pkg.version : 'unknown';
}

function filesUnder(dir: string): string[] {
  const entries = readdirSync(dir, { withFileTypes: true, recursive: true });
  return entries
    .filter((e) => e.isFile() && /\.(c|m)?js$/.test(e.name))
    .map((e) => join(e.parentPath, e.name))
    .sort();
}

let toolkitDigest: string | undefined;

/** SHA-256 over the compiled code of this package and the ones it builds with: a changed toolkit misses. */
export function toolkitCode(): string {
  toolkitDigest ??= (() => {
    // In the bundled CLI package (scripts/build-cli-package.mjs) every package is inside the one
    // file beside this code: its folder is the whole toolkit, and the packages resolve nowhere.
    const dirs = [
      dirname(fileURLToPath(import.meta.url)),
      ...(isBundled() ? [] : TOOLKIT_PACKAGES.map((name) => dirname(fileURLToPath(import.meta.resolve(name))))),
    ];
    // Read synchronously, like the inputs (see `inputDigests`): a cache hit waits for this.
    const hash = createHash('sha256');
    for (const dir of dirs) {
      for (const file of filesUnder(dir)) hash.update(`${file.slice(dir.length)}\0`).update(readFileSync(file));
      hash.update('\0\0');
    }
    return hash.digest('hex');
  })();
  return toolkitDigest;
}

/** What a build of one product depends on besides the files it reads. */
export interface CacheKeyParts {
  readonly model: string;
  readonly sourceDateEpoch: number;
  readonly now: Date | undefined;
  readonly signers: readonly Signer[];
  readonly trust: TrustRoot;
  readonly fwkitVersion: string;
  readonly env: Readonly<Record<string, string | undefined>>;
}

/** Environment variables that change what a build makes (SOURCE_DATE_EPOCH arrives as `sourceDateEpoch`). */
const RELEVANT_ENV = ['NODE_ENV'] as const;

export function cacheKey(parts: CacheKeyParts): string {
  const document = {
    format: CACHE_FORMAT,
    model: parts.model,
    sourceDateEpoch: parts.sourceDateEpoch,
    now: parts.now?.toISOString() ?? null,
    // Public halves only: Ed25519 signatures are a function of the key and the message.
    signers: parts.signers.map((s) => ({ keyid: s.keyid, publicKey: Buffer.from(s.publicKey).toString('hex') })),
    trust: sha256Hex(canonicalJson(parts.trust.metadata)),
    node: process.version,
    esbuild: toolVersion('esbuild'),
    acorn: toolVersion('acorn'),
    fwkit: parts.fwkitVersion,
    toolkit: toolkitCode(),
    env: Object.fromEntries(RELEVANT_ENV.map((name) => [name, parts.env[name] ?? null])),
  };
  return sha256Hex(canonicalJson(document));
}

/** What an entry gives back: the files as the build wrote them, and its result without paths. */
export interface CachedBuild {
  readonly image: Uint8Array;
  readonly sbom: Uint8Array;
  readonly result: Readonly<Record<string, unknown>>;
}

/** An entry of the cache: what it is for, what the build read, and what it made. */
export interface CacheEntry extends CachedBuild {
  readonly format: string;
  readonly key: string;
  /** Checkout-relative path → SHA-256 of its bytes. */
  readonly files: Readonly<Record<string, string>>;
  /** Checkout-relative folder → SHA-256 of its sorted entry names (a new file can change what an import resolves to). */
  readonly folders: Readonly<Record<string, string>>;
}

/** The files a product's build read, from the modules esbuild bundled (checkout-relative). */
async function inputFiles(rootDir: string, model: string, bundled: readonly string[]): Promise<{ files: string[]; folders: string[] }> {
  const files = new Set<string>([
    LAYOUT.platformManifest,
    LAYOUT.platformPackage,
    LAYOUT.release,
    LAYOUT.lockfile,
    `${productDir(model)}/product.json`,
    ...bundled,
  ]);
  const folders = new Set(bundled.map((path) => dirname(path)));
  // Every package.json above a bundled module: the SBOM reads names, versions and licences there.
  const ancestors = new Set<string>();
  for (const folder of folders) {
    for (let dir = folder; dir !== '.' && dir !== '/' && !ancestors.has(dir); dir = dirname(dir)) ancestors.add(dir);
  }
  for (const dir of ancestors) {
    const candidate = `${dir}/package.json`;
    if (await isFile(join(rootDir, candidate))) files.add(candidate);
  }
  return { files: [...files].sort(), folders: [...folders].sort() };
}

async function isFile(path: string): Promise<boolean> {
  try {
    return (await stat(path)).isFile();
  } catch {
    return false;
  }
}

/**
 * The digests of a checkout's files and folders, each read once per build (products share most of
 * their modules). A file that cannot be read, or resolves outside the checkout (which a build
 * refuses), has no digest: an entry that names it misses. Read synchronously: a hit checks about
 * a hundred small files, and the promise API's round trips per file (open, stat, read, close)
 * cost it 3-4 times more (docs/decisions.md, 2026-12-06).
 */
export interface InputDigests {
  readonly rootDir: string;
  readonly file: (path: string) => Promise<string | undefined>;
  readonly folder: (path: string) => Promise<string | undefined>;
}

export function inputDigests(rootDir: string): InputDigests {
  const files = new Map<string, Promise<string | undefined>>();
  const folders = new Map<string, Promise<string | undefined>>();
  const checkout = checkoutOf(rootDir);
  const memo = (map: Map<string, Promise<string | undefined>>, path: string, read: () => string | Promise<string>) => {
    let digest = map.get(path);
    if (digest === undefined) {
      digest = Promise.resolve()
        .then(read)
        .catch(() => undefined);
      map.set(path, digest);
    }
    return digest;
  };
  return {
    rootDir,
    file: (path) =>
      memo(files, path, async () => {
        if (outsideOf(await checkout, path) !== undefined) throw new Error(`${path} resolves outside the checkout`);
        return sha256Hex(readFileSync(join(rootDir, path)));
      }),
    folder: (path) =>
      memo(folders, path, () => {
        const names = readdirSync(join(rootDir, path)).sort();
        return sha256Hex(new TextEncoder().encode(names.join('\0')));
      }),
  };
}

/** Whether every recorded digest still matches (all read at once). */
async function unchanged(
  recorded: Readonly<Record<string, string>>,
  digest: (path: string) => Promise<string | undefined>,
): Promise<boolean> {
  const now = await Promise.all(Object.entries(recorded).map(async ([path, expected]) => (await digest(path)) === expected));
  return now.every(Boolean);
}

function entryPath(cacheDir: string, key: string): string {
  return join(cacheDir, `${key}${ENTRY_SUFFIX}`);
}

/**
 * An entry's file: the SHA-256 of the rest, a newline; a line of JSON (everything but the files,
 * with their sizes); the image's bytes, then the SBOM's, as they are (a JSON string of them would
 * cost a cache hit more to parse than the rest of it). The digest guards against damage, not
 * against someone who can write the folder: a restored image is verified (build.ts).
 */
export function encodeCacheEntry(entry: CacheEntry): Buffer {
  const { image, sbom, ...meta } = entry;
  const head = Buffer.from(`${JSON.stringify({ ...meta, imageBytes: image.byteLength, sbomBytes: sbom.byteLength })}\n`, 'utf8');
  return seal(Buffer.concat([head, image, sbom]));
}

/** A cache file's bytes: the SHA-256 of `body` in hex, a newline, then `body`. */
export function seal(body: Uint8Array): Buffer {
  return Buffer.concat([Buffer.from(`${sha256Hex(body)}\n`, 'latin1'), body]);
}

/** The body of a sealed cache file, or undefined when its digest does not match (damaged or truncated). */
export function unseal(bytes: Buffer): Buffer | undefined {
  if (bytes.indexOf(0x0a) !== 64) return undefined;
  const body = bytes.subarray(65);
  return bytes.subarray(0, 64).toString('latin1') === sha256Hex(body) ? body : undefined;
}

/** A shape check for what a cache file holds (read back as untyped JSON). */
export const isStringList = (value: unknown): value is string[] => Array.isArray(value) && value.every((v) => typeof v === 'string');

/** The entry in an entry file, or undefined when it is damaged, truncated or of another format. */
export function decodeCacheEntry(bytes: Buffer): CacheEntry | undefined {
  const body = unseal(bytes);
  if (body === undefined) return undefined;
  const newline = body.indexOf(0x0a);
  let meta: unknown;
  try {
    meta = JSON.parse(body.subarray(0, newline).toString('utf8'));
  } catch {
    return undefined;
  }
  if (!isRecord(meta) || meta['format'] !== CACHE_FORMAT || typeof meta['key'] !== 'string') return undefined;
  const { files, folders, result, imageBytes, sbomBytes } = meta;
  if (!isRecord(files) || !isRecord(folders) || !isRecord(result)) return undefined;
  if (typeof imageBytes !== 'number' || typeof sbomBytes !== 'number' || newline + 1 + imageBytes + sbomBytes !== body.byteLength)
    return undefined;
  const image = body.subarray(newline + 1, newline + 1 + imageBytes);
  const sbom = body.subarray(newline + 1 + imageBytes);
  return {
    format: CACHE_FORMAT,
    key: meta['key'],
    files: files as Record<string, string>,
    folders: folders as Record<string, string>,
    result,
    image,
    sbom,
  };
}

/**
 * The cached build for `key` when every file and folder it recorded is unchanged; otherwise
 * undefined (a missing, stale, corrupt or tampered entry is a miss, never an error).
 */
export async function readCache(cacheDir: string, digests: InputDigests, key: string): Promise<CachedBuild | undefined> {
  const path = entryPath(cacheDir, key);
  let bytes: Buffer;
  try {
    bytes = await readFile(path);
  } catch {
    return undefined;
  }
  const entry = decodeCacheEntry(bytes);
  if (entry?.key !== key) return undefined;
  const [files, folders] = await Promise.all([unchanged(entry.files, digests.file), unchanged(entry.folders, digests.folder)]);
  if (!files || !folders) return undefined;
  // Recently used: eviction takes the oldest first.
  const now = new Date();
  await utimes(path, now, now).catch(() => undefined);
  return { image: entry.image, sbom: entry.sbom, result: entry.result };
}

/** Path → digest for every path, or undefined when one has none. */
async function recordOf(
  paths: readonly string[],
  digest: (path: string) => Promise<string | undefined>,
): Promise<Record<string, string> | undefined> {
  const all = await Promise.all(paths.map(async (path) => [path, await digest(path)] as const));
  const record: Record<string, string> = {};
  for (const [path, value] of all) {
    if (value === undefined) return undefined;
    record[path] = value;
  }
  return record;
}

/**
 * Record a fresh build under `key`: the digests of what it read, its files and its result. Written
 * atomically; then the least recently used entries beyond CACHE_MAX_ENTRIES are removed.
 */
export async function writeCache(
  cacheDir: string,
  digests: InputDigests,
  key: string,
  build: CachedBuild & { readonly model: string; readonly bundled: readonly string[] },
): Promise<void> {
  const { files, folders } = await inputFiles(digests.rootDir, build.model, build.bundled);
  const [fileDigests, folderDigests] = await Promise.all([recordOf(files, digests.file), recordOf(folders, digests.folder)]);
  // A file the build read is gone already: nothing sound to record.
  if (fileDigests === undefined || folderDigests === undefined) return;
  const entry: CacheEntry = {
    format: CACHE_FORMAT,
    key,
    files: fileDigests,
    folders: folderDigests,
    result: build.result,
    image: build.image,
    sbom: build.sbom,
  };
  await writeFileAtomic(entryPath(cacheDir, key), encodeCacheEntry(entry));
  await evict(cacheDir, ENTRY_SUFFIX);
}

/** Removes the least recently used files named `*<suffix>` beyond CACHE_MAX_ENTRIES. */
export async function evict(cacheDir: string, suffix: string): Promise<void> {
  const names = (await readdir(cacheDir)).filter((name) => name.endsWith(suffix));
  if (names.length <= CACHE_MAX_ENTRIES) return;
  const aged = await Promise.all(
    names.map(async (name) => ({
      name,
      used: await stat(join(cacheDir, name)).then(
        (s) => s.mtimeMs,
        () => 0,
      ),
    })),
  );
  aged.sort((a, b) => a.used - b.used || (a.name < b.name ? -1 : 1));
  for (const { name } of aged.slice(0, aged.length - CACHE_MAX_ENTRIES)) await rm(join(cacheDir, name), { force: true });
}
