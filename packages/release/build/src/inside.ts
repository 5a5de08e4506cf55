import { realpathSync } from 'node:fs';
import { realpath } from 'node:fs/promises';
import { isAbsolute, join, relative, sep } from 'node:path';
import { BuildError } from './errors.js';

/** A source that leaves the checkout: the path as the build named it, and where it really is. */
export interface OutsideSource {
  /** Relative to the checkout root (or absolute, as esbuild or the layout named it). */
  readonly path: string;
  /** Its real path (every symlink followed). */
  readonly resolved: string;
}

/**
 * Where the sources of an image may really be. Every file goes into a signed image, so each must
 * resolve (realpath) inside the checkout: a symlink to elsewhere would put unreviewed, unlisted code
 * into it. node_modules/ is no exception: linked from elsewhere, its workspace links
 * (`@fwkit/device-json` → ../../packages/device/json) would build another tree's packages.
 */
export interface Checkout {
  /** Real path of the checkout root. */
  readonly root: string;
  /**
   * Real paths found so far, by absolute path (undefined: it cannot be resolved). One build
   * resolves each module once, though every product bundles it.
   */
  readonly realpaths: Map<string, string | undefined>;
  /** Where each checkout-relative source really is (`realPathsInside`), or how it leaves the checkout. */
  readonly places: Map<string, string | OutsideSource>;
}

/** `path` is `root` or below it. */
export function isWithin(root: string, path: string): boolean {
  const rel = relative(root, path);
  return rel === '' || (rel !== '..' && !rel.startsWith(`..${sep}`) && !isAbsolute(rel));
}

function errnoOf(error: unknown): string | undefined {
  const code = error instanceof Error ? (error as NodeJS.ErrnoException).code : undefined;
  return typeof code === 'string' ? code : undefined;
}

export async function checkoutOf(rootDir: string): Promise<Checkout> {
  let root: string;
  try {
    root = await realpath(rootDir);
  } catch (cause) {
    throw new BuildError('BUILD_INPUT_MISSING', `checkout ${rootDir} cannot be resolved (${errnoOf(cause) ?? 'error'})`, {
      cause,
      details: { path: rootDir },
    });
  }
  return { root, realpaths: new Map(), places: new Map() };
}

/**
 * The real path of `named` (absolute), or undefined when it cannot be resolved (missing, a symlink
 * loop, no permission). Synchronous, one realpath(3) call: a build asks for every module it
 * bundled and a cache hit for every file it recorded, and the promise API cost several times more
 * per call (docs/decisions.md, 2026-12-06).
 */
export function realpathIn(checkout: Checkout, named: string): string | undefined {
  if (checkout.realpaths.has(named)) return checkout.realpaths.get(named);
  let resolved: string | undefined;
  try {
    resolved = realpathSync.native(named);
  } catch (cause) {
    if (errnoOf(cause) === undefined) throw cause;
  }
  checkout.realpaths.set(named, resolved);
  return resolved;
}

/**
 * Where `path` (relative to the checkout root, or absolute) really is when that is outside the
 * checkout; undefined when it is allowed, or cannot be resolved at all: then it cannot be opened
 * either, and the reader reports that.
 */
export function outsideOf(checkout: Checkout, path: string): OutsideSource | undefined {
  const named = isAbsolute(path) ? path : join(checkout.root, path);
  const resolved = realpathIn(checkout, named);
  if (resolved === undefined || isWithin(checkout.root, resolved)) return undefined;
  const shown = isWithin(checkout.root, named) ? relative(checkout.root, named).split(sep).join('/') : named;
  return { path: shown, resolved };
}

export function outsideError(files: readonly OutsideSource[], what: string): BuildError {
  const lines = files.map((f) => `  - ${f.path} -> ${f.resolved}`);
  return new BuildError(
    'BUILD_SOURCE_OUTSIDE_REPO',
    `${what} resolves outside the checkout (every source of an image must be inside it):\n${lines.join('\n')}`,
    { details: { files } },
  );
}

/** Where `file` (checkout-relative) really is, checkout-relative with '/'; or how it leaves the checkout. */
function placeOf(checkout: Checkout, file: string): string | OutsideSource {
  const outside = outsideOf(checkout, file);
  if (outside !== undefined) return outside;
  const named = join(checkout.root, file);
  return relative(checkout.root, realpathIn(checkout, named) ?? named)
    .split(sep)
    .join('/');
}

/**
 * Each of `files` (checkout-relative, as esbuild's metafile names them) with where it really is,
 * checkout-relative; refuses, with every offender named, any that resolves outside the checkout.
 * One that cannot be resolved keeps its name (reading it fails later). Remembered per checkout:
 * every domain of every product bundles most of the same modules.
 */
export function realPathsInside(checkout: Checkout, files: readonly string[], what: string): ReadonlyMap<string, string> {
  const inside = new Map<string, string>();
  const outside: OutsideSource[] = [];
  for (const file of files) {
    let place = checkout.places.get(file);
    if (place === undefined) checkout.places.set(file, (place = placeOf(checkout, file)));
    if (typeof place === 'string') inside.set(file, place);
    else outside.push(place);
  }
  if (outside.length > 0) throw outsideError(outside, what);
  return inside;
}

/** Refuse, with every offender named, any of `paths` that resolves outside the checkout. */
export function checkInsideCheckout(checkout: Checkout, paths: readonly string[], what: string): void {
  const outside = paths.map((p) => outsideOf(checkout, p)).filter((f): f is OutsideSource => f !== undefined);
  if (outside.length > 0) throw outsideError(outside, what);
}
