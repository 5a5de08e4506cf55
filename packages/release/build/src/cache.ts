import { createHash } from 'node:crypto';
import { readdir, readFile, rm, stat, utimes } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { canonicalJson, sha256Hex } from '@fwkit/device-core';
import { writeFileAtomic } from '@fwkit/release-core';
import type { TrustRoot } from '@fwkit/device-trust';
import type { Signer } from '@fwkit/release-signing';
import { version as esbuildVersion } from 'esbuild';
import { LAYOUT, productDir } from './load.js';

/**
 * The build cache: a product's signed image and SBOM from an earlier build, reused when every
 * input is the same. An entry is found by a key over what is known before bundling (model,
 * options, signers, trust root, Node, esbuild and toolkit code); it records each file the build
 * read (every module esbuild bundled, the package.json files above them, platform, product,
 * release and lockfile) with its SHA-256 and the names in each source folder, and is used only when
 * all still match. Never timestamps. An entry that fails its own digest is a miss. `fwkit release`
 * does not use the cache.
 */

/** Bumped when the entry layout or the key's parts change: older entries then miss. */
const CACHE_FORMAT = 'fwkit-build-cache-1';
/** Entries kept; the least recently used go first. */
export const CACHE_MAX_ENTRIES = 64;
const ENTRY_SUFFIX = '.entry';

/** Where the cache lives: `$FWKIT_CACHE_DIR`, else `node_modules/.cache/fwkit/build` in the checkout. */
export function defaultCacheDir(repoRoot: string, env: Readonly<Record<string, string | undefined>>): string {
  const fromEnv = env['FWKIT_CACHE_DIR'];
  return fromEnv !== undefined && fromEnv !== '' ? fromEnv : join(repoRoot, 'node_modules', '.cache', 'fwkit', 'build');
}

/** Workspace packages whose compiled code makes the image: their code is part of the key. */
const TOOLKIT_PACKAGES = [
  '@fwkit/device-core',
  '@fwkit/device-image',
  '@fwkit/release-sbom',
  '@fwkit/device-trust',
  '@fwkit/device-verify',
] as const;

async function filesUnder(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { withFileTypes: true, recursive: true });
  return entries
    .filter((e) => e.isFile() && /\.(c|m)?js$/.test(e.name))
    .map((e) => join(e.parentPath, e.name))
    .sort();
}

let toolkitDigest: Promise<string> | undefined;

/** SHA-256 over the compiled code of this package and the ones it builds with: a changed toolkit misses. */
function toolkitCode(): Promise<string> {
  toolkitDigest ??= (async () => {
    const dirs = [
      dirname(fileURLToPath(import.meta.url)),
      ...TOOLKIT_PACKAGES.map((name) => dirname(fileURLToPath(import.meta.resolve(name)))),
    ];
    const hash = createHash('sha256');
    for (const dir of dirs) {
      for (const file of await filesUnder(dir)) hash.update(`${file.slice(dir.length)}\0`).update(await readFile(file));
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

export async function cacheKey(parts: CacheKeyParts): Promise<string> {
  const document = {
    format: CACHE_FORMAT,
    model: parts.model,
    sourceDateEpoch: parts.sourceDateEpoch,
    now: parts.now?.toISOString() ?? null,
    // Public halves only: Ed25519 signatures are a function of the key and the message.
    signers: parts.signers.map((s) => ({ keyid: s.keyid, publicKey: Buffer.from(s.publicKey).toString('hex') })),
    trust: sha256Hex(canonicalJson(parts.trust.metadata)),
    node: process.version,
    esbuild: esbuildVersion,
    fwkit: parts.fwkitVersion,
    toolkit: await toolkitCode(),
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

interface EntryBody {
  readonly format: string;
  readonly key: string;
  /** Checkout-relative path → SHA-256 of its bytes. */
  readonly files: Readonly<Record<string, string>>;
  /** Checkout-relative folder → SHA-256 of its sorted entry names (a new file can change what an import resolves to). */
  readonly folders: Readonly<Record<string, string>>;
  readonly result: Readonly<Record<string, unknown>>;
  readonly image: string;
  readonly sbom: string;
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

async function fileDigest(rootDir: string, path: string): Promise<string | undefined> {
  try {
    return sha256Hex(await readFile(join(rootDir, path)));
  } catch {
    return undefined;
  }
}

async function folderDigest(rootDir: string, path: string): Promise<string | undefined> {
  try {
    const names = (await readdir(join(rootDir, path))).sort();
    return sha256Hex(new TextEncoder().encode(names.join('\0')));
  } catch {
    return undefined;
  }
}

function entryPath(cacheDir: string, key: string): string {
  return join(cacheDir, `${key}${ENTRY_SUFFIX}`);
}

/** An entry's file: the SHA-256 of its body, a newline, the body (JSON). */
function parseEntry(bytes: Buffer, key: string): EntryBody | undefined {
  const newline = bytes.indexOf(0x0a);
  if (newline !== 64) return undefined;
  const body = bytes.subarray(newline + 1);
  if (bytes.subarray(0, 64).toString('latin1') !== sha256Hex(body)) return undefined;
  let parsed: unknown;
  try {
    parsed = JSON.parse(body.toString('utf8'));
  } catch {
    return undefined;
  }
  const entry = parsed as Partial<EntryBody> | null;
  if (entry?.format !== CACHE_FORMAT || entry.key !== key) return undefined;
  if (typeof entry.files !== 'object' || typeof entry.folders !== 'object' || typeof entry.result !== 'object') return undefined;
  if (typeof entry.image !== 'string' || typeof entry.sbom !== 'string') return undefined;
  return entry as EntryBody;
}

/**
 * The cached build for `key` when every file and folder it recorded is unchanged; otherwise
 * undefined (a missing, stale, corrupt or tampered entry is a miss, never an error).
 */
export async function readCache(cacheDir: string, rootDir: string, key: string): Promise<CachedBuild | undefined> {
  const path = entryPath(cacheDir, key);
  let bytes: Buffer;
  try {
    bytes = await readFile(path);
  } catch {
    return undefined;
  }
  const entry = parseEntry(bytes, key);
  if (entry === undefined) return undefined;
  for (const [file, digest] of Object.entries(entry.files)) {
    if ((await fileDigest(rootDir, file)) !== digest) return undefined;
  }
  for (const [folder, digest] of Object.entries(entry.folders)) {
    if ((await folderDigest(rootDir, folder)) !== digest) return undefined;
  }
  // Recently used: eviction takes the oldest first.
  const now = new Date();
  await utimes(path, now, now).catch(() => undefined);
  return { image: Buffer.from(entry.image, 'base64'), sbom: Buffer.from(entry.sbom, 'base64'), result: entry.result };
}

/**
 * Record a fresh build under `key`: the digests of what it read, its files and its result. Written
 * atomically; then the least recently used entries beyond CACHE_MAX_ENTRIES are removed.
 */
export async function writeCache(
  cacheDir: string,
  rootDir: string,
  key: string,
  build: CachedBuild & { readonly model: string; readonly bundled: readonly string[] },
): Promise<void> {
  const { files, folders } = await inputFiles(rootDir, build.model, build.bundled);
  const fileDigests: Record<string, string> = {};
  for (const file of files) {
    const digest = await fileDigest(rootDir, file);
    // A file the build read is gone already: nothing sound to record.
    if (digest === undefined) return;
    fileDigests[file] = digest;
  }
  const folderDigests: Record<string, string> = {};
  for (const folder of folders) {
    const digest = await folderDigest(rootDir, folder);
    if (digest === undefined) return;
    folderDigests[folder] = digest;
  }
  const body: EntryBody = {
    format: CACHE_FORMAT,
    key,
    files: fileDigests,
    folders: folderDigests,
    result: build.result,
    image: Buffer.from(build.image).toString('base64'),
    sbom: Buffer.from(build.sbom).toString('base64'),
  };
  const bodyBytes = Buffer.from(JSON.stringify(body), 'utf8');
  await writeFileAtomic(entryPath(cacheDir, key), Buffer.concat([Buffer.from(`${sha256Hex(bodyBytes)}\n`, 'latin1'), bodyBytes]));
  await evict(cacheDir);
}

async function evict(cacheDir: string): Promise<void> {
  const names = (await readdir(cacheDir)).filter((name) => name.endsWith(ENTRY_SUFFIX));
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
