import { sha256Hex, type ImageManifest } from '@fwkit/device-core';
import {
  ImageError,
  ENTRY_MANIFEST,
  ENTRY_SIGNATURES,
  MAX_MANIFEST_BYTES,
  MAX_SIGNATURES_BYTES,
  entryPlaceError,
  decodeManifest,
  TarReader,
  type TarEntry,
  decodeSignatures,
  type ImageSignature,
  openImageFile,
} from '@fwkit/device-image';

export interface ImageEntryInfo {
  readonly name: string;
  readonly size: number;
  /** Offset of the entry's header in the image; its data starts 512 bytes later. */
  readonly offset: number;
}

/** What an image says about itself. Nothing here is verified: no signature, no payload digest. */
export interface InspectedImage {
  readonly manifest: ImageManifest;
  readonly manifestBytes: Uint8Array;
  /** The image's identity: SHA-256 of the manifest.json bytes (what the signatures cover). */
  readonly manifestSha256: string;
  readonly payloadType: string;
  readonly signatures: readonly ImageSignature[];
  /** Every entry, in archive order. */
  readonly entries: readonly ImageEntryInfo[];
  readonly imageBytes: number;
  /** SHA-256 of this copy of the file; not its identity (signatures.json may vary). */
  readonly fileSha256: string;
}

async function readSmallEntry(reader: TarReader, entry: TarEntry, limit: number): Promise<Uint8Array> {
  if (entry.size > limit) {
    throw new ImageError('IMAGE_ENTRY_TOO_LARGE', `${entry.name} is ${entry.size} bytes; the limit is ${limit}`, {
      details: { entry: entry.name, size: entry.size, limit },
    });
  }
  return reader.readRest();
}

/**
 * Read an image's manifest and signatures and list its entries, for `fwkit inspect`. Needs no
 * trust root and checks no signature or digest, but reads the archive with the same strict
 * reader as the verifier, so a malformed archive fails here with the same code.
 */
export async function inspectImage(source: AsyncIterable<Uint8Array>): Promise<InspectedImage> {
  const reader = new TarReader(source, { digest: true });
  try {
    const entries: ImageEntryInfo[] = [];
    const seen = new Set<string>();
    const head = [ENTRY_MANIFEST, ENTRY_SIGNATURES];
    const nextOf = async (position: number): Promise<TarEntry> => {
      const entry = await reader.next();
      if (entry === null) throw new ImageError('IMAGE_ENTRY_MISSING', `the image has no ${head[position] ?? 'entry'}`);
      const misplaced = entryPlaceError(entry.name, position, head, seen, false);
      if (misplaced !== undefined) throw misplaced;
      seen.add(entry.name);
      entries.push({ name: entry.name, size: entry.size, offset: entry.headerOffset });
      return entry;
    };
    const manifestBytes = await readSmallEntry(reader, await nextOf(0), MAX_MANIFEST_BYTES);
    const manifest = decodeManifest(manifestBytes);
    const signatures = decodeSignatures(await readSmallEntry(reader, await nextOf(1), MAX_SIGNATURES_BYTES));
    for (let entry = await reader.next(); entry !== null; entry = await reader.next()) {
      entries.push({ name: entry.name, size: entry.size, offset: entry.headerOffset });
    }
    return {
      manifest,
      manifestBytes,
      manifestSha256: sha256Hex(manifestBytes),
      payloadType: signatures.payloadType,
      signatures: signatures.signatures,
      entries,
      imageBytes: reader.position,
      fileSha256: reader.sha256,
    };
  } finally {
    await reader.close();
  }
}

export async function inspectImageFile(path: string): Promise<InspectedImage> {
  return inspectImage(openImageFile(path));
}
