import { join } from 'node:path';
import { INPUT_LIMITS, isFwkitError, parseJsonBytes, readInputFileSync, sha256Hex } from '@fwkit/device-core';
import { bundledFiles, packageDirOf, workspaceDirOf } from './attribute.js';
import { SbomError } from './errors.js';
import { parseLockfile } from './lockfile.js';
import type { BundleMetafile } from './types.js';

/** The file-derived part of an `SbomInput`. */
export interface SbomSources {
  readonly fileDigests: Record<string, string>;
  readonly packageJsons: Record<string, unknown>;
  readonly lockfile: unknown;
}

/**
 * What the SBOMs of one build share: each bundled file is read and hashed once, and each
 * package.json read once, however many products bundle it. Keyed by checkout-relative path.
 */
export interface SbomReads {
  readonly digests: Map<string, string>;
  readonly packageJsons: Map<string, unknown>;
}

/** `digests`: files already hashed by path (the build's dynamic-loading check reads every bundled source first). */
export function newSbomReads(digests: Map<string, string> = new Map()): SbomReads {
  return { digests, packageJsons: new Map() };
}

function once<T>(memo: Map<string, T>, key: string, load: () => T): T {
  if (memo.has(key)) return memo.get(key) as T;
  const value = load();
  memo.set(key, value);
  return value;
}

/**
 * One input file through core's reader (regular file, size limit); coded errors keep their code.
 * Synchronous: a build reads dozens of small files here, each a few microseconds, where the
 * asynchronous reader's thread-pool round trips cost more than the reads.
 */
function read(path: string, what: string, limit: number): Buffer {
  try {
    return readInputFileSync(path, what, limit);
  } catch (cause) {
    if (isFwkitError(cause)) throw cause;
    throw new SbomError('SBOM_INPUT_INVALID', `cannot read ${what}: ${(cause as Error).message}`, { cause, details: { path: what } });
  }
}

/**
 * The I/O half of `buildSbom`: read, below `rootDir` (esbuild's `absWorkingDir`), every bundled
 * file to hash it, the package.json of every npm package they sit in, and package-lock.json
 * (unless `options.lockfile` holds it, parsed). `options.reads` shares the reads between the
 * products of one build.
 */
export function loadSbomSources(
  rootDir: string,
  metafiles: readonly BundleMetafile[],
  options: { readonly lockfile?: unknown; readonly reads?: SbomReads } = {},
): SbomSources {
  const reads = options.reads ?? newSbomReads();
  // A caller that read package-lock.json already (a build of several products) hands it in.
  const lockfileJson =
    options.lockfile ??
    parseJsonBytes(read(join(rootDir, 'package-lock.json'), 'package-lock.json', INPUT_LIMITS.lockfile), 'package-lock.json');
  const lockfile = parseLockfile(lockfileJson);
  const fileDigests: Record<string, string> = {};
  const packageJsons: Record<string, unknown> = {};
  // Paths leaving the root are refused later by buildSbom; do not read outside it. Recorded in path order.
  const paths = bundledFiles(metafiles).filter((path) => !path.startsWith('../') && !path.startsWith('/'));
  // Package folder (the key buildSbom uses) → the folder to read its package.json from.
  const dirs = new Map<string, string>();
  for (const path of paths) {
    fileDigests[path] = once(reads.digests, path, () => sha256Hex(read(join(rootDir, path), path, INPUT_LIMITS.bundledSource)));
    const dir = packageDirOf(path);
    const link = dir === undefined ? undefined : lockfile.packages.get(dir);
    // A workspace package, reached by its folder (packages/device/json/…) or through its link
    // (node_modules/@fwkit/device-json/…, whose link the lockfile records).
    const workspace =
      dir !== undefined && link?.link === true && link.resolved !== undefined
        ? workspaceDirOf(`${link.resolved}${path.slice(dir.length)}`, lockfile)
        : workspaceDirOf(path, lockfile);
    if (workspace !== undefined && !dirs.has(workspace)) dirs.set(workspace, dir ?? workspace);
    else if (dir !== undefined && workspace === undefined) dirs.set(dir, dir);
  }
  for (const [dir, from] of [...dirs].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
    const where = `${from}/package.json`;
    packageJsons[dir] = once(reads.packageJsons, where, () =>
      parseJsonBytes(read(join(rootDir, where), where, INPUT_LIMITS.packageJson), where),
    );
  }
  return { fileDigests, packageJsons, lockfile: lockfileJson };
}
