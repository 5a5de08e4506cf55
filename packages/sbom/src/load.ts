import { join } from 'node:path';
import { INPUT_LIMITS, isFwkitError, parseJsonBytes, readInputFile, sha256Hex } from '@fwkit/core';
import { bundledFiles, packageDirOf } from './attribute.js';
import { SbomError } from './errors.js';
import type { BundleMetafile } from './types.js';

/** The file-derived part of an `SbomInput`. */
export interface SbomSources {
  readonly fileDigests: Record<string, string>;
  readonly packageJsons: Record<string, unknown>;
  readonly lockfile: unknown;
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
 * file to hash it, the package.json of every npm package they sit in, and package-lock.json.
 */
export async function loadSbomSources(rootDir: string, metafiles: readonly BundleMetafile[]): Promise<SbomSources> {
  const fileDigests: Record<string, string> = {};
  const packageJsons: Record<string, unknown> = {};
  const dirs = new Set<string>();
  for (const path of bundledFiles(metafiles)) {
    // Paths leaving the root are refused later by buildSbom; do not read outside it.
    if (path.startsWith('../') || path.startsWith('/')) continue;
    fileDigests[path] = sha256Hex(await read(join(rootDir, path), path, INPUT_LIMITS.bundledSource));
    const dir = packageDirOf(path);
    if (dir !== undefined) dirs.add(dir);
  }
  for (const dir of [...dirs].sort()) {
    const where = `${dir}/package.json`;
    packageJsons[dir] = parseJsonBytes(await read(join(rootDir, where), where, INPUT_LIMITS.packageJson), where);
  }
  const lockBytes = await read(join(rootDir, 'package-lock.json'), 'package-lock.json', INPUT_LIMITS.lockfile);
  return { fileDigests, packageJsons, lockfile: parseJsonBytes(lockBytes, 'package-lock.json') };
}
