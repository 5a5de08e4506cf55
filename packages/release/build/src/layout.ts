import { lstat, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { BuildError } from './errors.js';

// The checkout's layout, without reading any document: what a build served from the cache needs
// (load.ts reads and validates the documents, with the release-side schemas).

/** Where things live in a checkout, relative to its root. */
export const LAYOUT = {
  platformDir: 'platform',
  platformManifest: 'platform/platform.json',
  platformPackage: 'platform/package.json',
  productsDir: 'products',
  release: 'release.json',
  lockfile: 'package-lock.json',
} as const;

export const MODEL_ID = /^[a-z][a-z0-9]*(?:-[a-z0-9]+)*$/;

function isErrno(error: unknown, code: string): boolean {
  return error instanceof Error && (error as NodeJS.ErrnoException).code === code;
}

/**
 * Model ids of every product in the checkout (folders of products/ holding a product.json), sorted.
 * A folder without products/ is no checkout (BUILD_INPUT_MISSING): `build --all` run in the wrong
 * folder must fail, not report zero images built.
 */
export async function listProducts(rootDir: string): Promise<string[]> {
  let entries;
  try {
    entries = await readdir(join(rootDir, LAYOUT.productsDir), { withFileTypes: true });
  } catch (cause) {
    if (isErrno(cause, 'ENOENT') || isErrno(cause, 'ENOTDIR')) {
      throw new BuildError('BUILD_INPUT_MISSING', `${LAYOUT.productsDir}/ not found in ${rootDir}: not a fwkit checkout (see --repo)`, {
        cause,
        details: { path: join(rootDir, LAYOUT.productsDir) },
      });
    }
    throw cause;
  }
  const models: string[] = [];
  for (const entry of entries) {
    if (!entry.isDirectory() || !MODEL_ID.test(entry.name)) continue;
    try {
      // Whatever is there counts: a product.json that is a directory or a FIFO is then refused,
      // with its code, by loadProduct's reader rather than skipped here.
      await lstat(join(rootDir, LAYOUT.productsDir, entry.name, 'product.json'));
      models.push(entry.name);
    } catch (cause) {
      if (!isErrno(cause, 'ENOENT')) throw cause;
    }
  }
  return models.sort();
}

/** Folder of a product relative to the checkout root. */
export function productDir(model: string): string {
  return `${LAYOUT.productsDir}/${model}`;
}
