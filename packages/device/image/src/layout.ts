import { MAX_SOURCE_DATE_EPOCH, type ImageManifest } from '@fwkit/device-core';
import { ImageError } from './errors.js';

/** Entry names and limits of image format v1. */

export const ENTRY_MANIFEST = 'manifest.json';
export const ENTRY_SIGNATURES = 'signatures.json';
export const BLOCKS_PREFIX = 'blocks/';
export const PAYLOAD_PREFIX = 'payload/';

export function blocksEntryName(path: string): string {
  return BLOCKS_PREFIX + path;
}

export function payloadEntryName(path: string): string {
  return PAYLOAD_PREFIX + path;
}

/** DSSE payload type the signatures in signatures.json are made over (with the manifest bytes as body). */
export const SIGNATURES_PAYLOAD_TYPE = 'application/vnd.fwkit.manifest+json';

export const DEFAULT_BLOCK_SIZE = 1024 * 1024;

/** Bytes of one block digest (SHA-256) in a block list. */
export const BLOCK_DIGEST_BYTES = 32;

/** Endless data: manifest.json is read whole, so its size is capped before a byte of it is read. */
export const MAX_MANIFEST_BYTES = 1024 * 1024;

/** Endless data: signatures.json is read whole, so its size is capped too. */
export const MAX_SIGNATURES_BYTES = 64 * 1024;

/** Most signatures signatures.json may hold (a threshold of a handful of keys needs far fewer). */
export const MAX_SIGNATURES = 32;

/**
 * Endless data: every block list is held in memory until its payload streams past, so their
 * total is capped (8 MiB of digests: 256 GiB of payload at 1 MiB blocks).
 */
export const MAX_BLOCK_LISTS_BYTES = 8 * 1024 * 1024;

/** The ustar name field; longer names would need a prefix, PAX or GNU header, none of which the format allows. */
export const MAX_ENTRY_NAME_BYTES = 100;

/** Largest size 11 octal digits hold (8 GiB - 1): tar-stream switches to base-256 above it, which the format forbids. */
export const MAX_ENTRY_SIZE = 8 ** 11 - 1;

/** tar-stream writes `(mtime / 1000) | 0`, a signed 32-bit value: larger epochs would wrap. Core's time parser holds the number. */
export const MAX_MTIME = MAX_SOURCE_DATE_EPOCH;

/** The entry names of an image, in the one order they must appear. */
export function expectedEntryNames(manifest: Pick<ImageManifest, 'payloads'>): string[] {
  const paths = manifest.payloads.map((p) => p.path);
  return [ENTRY_MANIFEST, ENTRY_SIGNATURES, ...paths.map(blocksEntryName), ...paths.map(payloadEntryName)];
}

/** Names the v1 layout can contain at all (used before the manifest says which payloads exist). */
export function isLayoutName(name: string): boolean {
  return name === ENTRY_MANIFEST || name === ENTRY_SIGNATURES || name.startsWith(BLOCKS_PREFIX) || name.startsWith(PAYLOAD_PREFIX);
}

/**
 * Mix-and-match: the entry at `position` must be exactly `expected[position]`. Returns the error
 * for `name` when it is not: a name seen before is a duplicate; one that belongs elsewhere in the
 * layout is out of order; anything else is unexpected. `expected` may be a prefix of the layout
 * (only manifest and signatures are known before the manifest is read): then any name of the
 * layout's shape counts as out of order.
 */
export function entryPlaceError(
  name: string,
  position: number,
  expected: readonly string[],
  seen: ReadonlySet<string>,
  complete: boolean,
): ImageError | undefined {
  const want = expected.at(position);
  if (name === want) return undefined;
  const details = { entry: name, position, expected: want ?? null };
  const wanted = want === undefined ? 'the end of the archive' : `"${want}"`;
  if (seen.has(name)) return new ImageError('IMAGE_ENTRY_DUPLICATE', `entry "${name}" appears twice (expected ${wanted})`, { details });
  if (complete ? expected.includes(name) : isLayoutName(name)) {
    return new ImageError('IMAGE_ENTRY_ORDER', `entry "${name}" is out of order (expected ${wanted})`, { details });
  }
  return new ImageError('IMAGE_ENTRY_UNEXPECTED', `entry "${name}" is not part of this image (expected ${wanted})`, { details });
}
