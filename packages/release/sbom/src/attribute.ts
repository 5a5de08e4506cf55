import { SbomError } from './errors.js';
import { resolveDependency, type Lockfile } from './lockfile.js';
import type { BundleMetafile } from './types.js';

/** esbuild's virtual modules (`<define:X>`, `<runtime>`): generated, not files of any package. */
export function isVirtualInput(path: string): boolean {
  return path.startsWith('<');
}

/** Every real file in any of the bundles, sorted and without duplicates (domains share modules). */
export function bundledFiles(metafiles: readonly BundleMetafile[]): string[] {
  const paths = new Set<string>();
  for (const metafile of metafiles) {
    for (const path of Object.keys(metafile.inputs)) if (!isVirtualInput(path)) paths.add(path);
  }
  return [...paths].sort(compareStrings);
}

export function compareStrings(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/**
 * The npm package folder a file sits in: everything up to the package name after the last
 * `node_modules/` (`node_modules/a/node_modules/@s/b/x.js` → `node_modules/a/node_modules/@s/b`).
 * These folders are also the keys of package-lock.json's `packages`.
 */
export function packageDirOf(path: string): string | undefined {
  const parts = path.split('/');
  const at = parts.lastIndexOf('node_modules');
  if (at < 0) return undefined;
  const scoped = parts.at(at + 1)?.startsWith('@') === true;
  const end = at + (scoped ? 3 : 2);
  // The package folder must contain the file, not be it.
  if (end >= parts.length) return undefined;
  return parts.slice(0, end).join('/');
}

/**
 * The workspace package folder (`packages/device/json`) a file sits in: a package-lock.json entry that is
 * the target of a workspace link and has a version. Such a package is bundled like an npm package
 * (the firmware uses the toolkit's zero-dependency JSON reader) and described like one. With
 * `dependents`, only a workspace package that one of those folders declares as a dependency
 * counts: toolkit code the platform does not depend on is not firmware.
 */
export function workspaceDirOf(path: string, lockfile: Lockfile, dependents?: readonly string[]): string | undefined {
  const allowed =
    dependents === undefined
      ? undefined
      : new Set(
          dependents.flatMap((from) =>
            (lockfile.packages.get(from)?.dependencies ?? []).map((name) => {
              const at = resolveDependency(lockfile, from, name);
              return at === undefined ? undefined : lockfile.packages.get(at)?.resolved;
            }),
          ),
        );
  for (const dir of lockfile.workspaceDirs) {
    if (path.startsWith(`${dir}/`) && (allowed === undefined || allowed.has(dir))) return dir;
  }
  return undefined;
}

/** Which component a bundled file belongs to. */
export type Owner = { readonly kind: 'platform' } | { readonly kind: 'product' } | { readonly kind: 'npm'; readonly dir: string };

export function ownerKey(owner: Owner): string {
  return owner.kind === 'npm' ? `npm:${owner.dir}` : owner.kind;
}

function isInside(path: string, dir: string): boolean {
  return dir === '' || path.startsWith(`${dir}/`);
}

/**
 * Attribute a file to the platform, the product or an npm package. Metafile paths are relative to
 * the checkout root; a path that leaves it (`../`) or is absolute cannot be described reproducibly.
 */
export function ownerOf(
  path: string,
  dirs: { readonly platform: string; readonly product: string },
  lockfile: Lockfile,
): { owner: Owner; relative: string } {
  let current = path;
  // Workspace links: a file reached through `node_modules/<workspace>` belongs to the workspace folder.
  for (let hops = 0; hops < 8; hops++) {
    if (current.startsWith('/') || current.startsWith('../') || current.includes('\\') || /^[A-Za-z]:/.test(current)) break;
    const dir = packageDirOf(current);
    if (dir !== undefined) {
      const entry = lockfile.packages.get(dir);
      if (entry?.link === true && entry.resolved !== undefined) {
        current = `${entry.resolved}${current.slice(dir.length)}`;
        continue;
      }
      return { owner: { kind: 'npm', dir }, relative: current.slice(dir.length + 1) };
    }
    if (isInside(current, dirs.product)) return { owner: { kind: 'product' }, relative: current.slice(dirs.product.length + 1) };
    if (isInside(current, dirs.platform)) return { owner: { kind: 'platform' }, relative: current.slice(dirs.platform.length + 1) };
    const workspace = workspaceDirOf(current, lockfile, [dirs.platform, dirs.product]);
    if (workspace !== undefined) return { owner: { kind: 'npm', dir: workspace }, relative: current.slice(workspace.length + 1) };
    break;
  }
  throw new SbomError(
    'SBOM_FILE_UNATTRIBUTED',
    `bundled file "${path}" belongs to neither the platform (${dirs.platform}/), the product (${dirs.product}/) nor an npm package in the checkout`,
    { details: { path } },
  );
}
