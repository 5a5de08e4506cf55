import { join } from 'node:path';
import { INPUT_LIMITS, isFwkitError, parseJsonBytes, readInputFile, sha256Hex } from '@fwkit/device-core';
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
  readonly digests: Map<string, Promise<string>>;
  readonly packageJsons: Map<string, Promise<unknown>>;
}

export function newSbomReads(): SbomReads {
  return { digests: new Map(), packageJsons: new Map() };
}

function once<T>(memo: Map<string, Promise<T>>, key: string, load: () => Promise<T>): Promise<T> {
  let value = memo.get(key);
  if (value === undefined) memo.set(key, (value = load()));
  return value;
}

/** One input file through core's reader (regular file, size limit); coded errors keep their code. */
async function read(path: string, what: string, limit: number): Promise<Buffer> {
  try {
    return await readInputFile(path, what, limit);
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
export async function loadSbomSources(
  rootDir: string,
  metafiles: readonly BundleMetafile[],
  options: { readonly lockfile?: unknown; readonly reads?: SbomReads } = {},
): Promise<SbomSources> {
  const reads = options.reads ?? newSbomReads();
  // A caller that read package-lock.json already (a build of several products) hands it in.
  const lockfileJson =
    options.lockfile ??
    parseJsonBytes(await read(join(rootDir, 'package-lock.json'), 'package-lock.json', INPUT_LIMITS.lockfile), 'package-lock.json');
  const lockfile = parseLockfile(lockfileJson);
  const fileDigests: Record<string, string> = {};
  const packageJsons: Record<string, unknown> = {};
  // Paths leaving the root are refused later by buildSbom; do not read outside it.
  const paths = bundledFiles(metafiles).filter((path) => !path.startsWith('../') && !path.startsWith('/'));
  // Read together, recorded in path order.
  const digests = await Promise.all(
    paths.map(
      async (path) =>
        [
          path,
          await once(reads.digests, path, async () => sha256Hex(await read(join(rootDir, path), path, INPUT_LIMITS.bundledSource))),
        ] as const,
    ),
  );
  // Package folder (the key buildSbom uses) → the folder to read its package.json from.
  const dirs = new Map<string, string>();
  for (const [path, digest] of digests) {
    fileDigests[path] = digest;
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
    packageJsons[dir] = await once(reads.packageJsons, where, async () =>
      parseJsonBytes(await read(join(rootDir, where), where, INPUT_LIMITS.packageJson), where),
    );
  }
  return { fileDigests, packageJsons, lockfile: lockfileJson };
}
