import { dirname } from 'node:path';
import { createSha256 } from '@fwkit/device-core';
import { ensureDirectory, stageFile, writeStagedFile } from '@fwkit/release-core/fs';
import type { BlockList } from './blocks.js';
import {
  ImageError,
  blocksEntryName,
  archivedEntryBytes,
  encodeCanonicalHeader,
  END_MARKER_BYTES,
  paddingAfter,
  ENTRY_MANIFEST,
  ENTRY_SIGNATURES,
  MAX_ENTRY_SIZE,
  MAX_MANIFEST_BYTES,
  MAX_MTIME,
  MAX_SIGNATURES_BYTES,
  payloadEntryName,
  isCanonicalEntryName,
} from '@fwkit/device-image';

/** A payload held in memory. */
export interface PayloadBytes {
  readonly path: string;
  readonly bytes: Uint8Array;
}

/** A payload streamed from elsewhere (a file): `open()` must yield exactly `size` bytes. */
export interface PayloadStream {
  readonly path: string;
  readonly size: number;
  open(): AsyncIterable<Uint8Array>;
}

export interface ImageContents<P extends PayloadBytes | PayloadStream = PayloadBytes> {
  /** manifest.json: the canonical JSON of the manifest (what was signed). */
  readonly manifestBytes: Uint8Array;
  /** signatures.json (see `encodeSignatures`). */
  readonly signaturesBytes: Uint8Array;
  /** `blocks/<path>` entries, in manifest payload order. */
  readonly blockLists: readonly BlockList[];
  /** `payload/<path>` entries, in manifest payload order (sorted by path). */
  readonly payloads: readonly P[];
  /** mtime of every entry: the manifest's sourceDateEpoch. */
  readonly sourceDateEpoch: number;
}

interface PlannedEntry {
  readonly name: string;
  readonly size: number;
  readonly bytes?: Uint8Array;
  readonly open?: () => AsyncIterable<Uint8Array>;
}

function invalid(message: string): ImageError {
  return new ImageError('IMAGE_ENCODE_INVALID', message);
}

/** Check the contents fit the canonical layout and list the entries in order. */
function planEntries(contents: ImageContents<PayloadBytes | PayloadStream>): PlannedEntry[] {
  const { sourceDateEpoch, blockLists, payloads } = contents;
  if (!Number.isSafeInteger(sourceDateEpoch) || sourceDateEpoch < 0 || sourceDateEpoch > MAX_MTIME) {
    throw invalid(`sourceDateEpoch must be an integer from 0 to ${MAX_MTIME}: ${sourceDateEpoch}`);
  }
  if (contents.manifestBytes.byteLength > MAX_MANIFEST_BYTES) throw invalid(`manifest.json exceeds ${MAX_MANIFEST_BYTES} bytes`);
  if (contents.signaturesBytes.byteLength > MAX_SIGNATURES_BYTES) throw invalid(`signatures.json exceeds ${MAX_SIGNATURES_BYTES} bytes`);
  if (blockLists.length !== payloads.length || blockLists.some((b, i) => b.path !== payloads[i]?.path)) {
    throw invalid('block lists and payloads must name the same paths in the same order');
  }
  for (let i = 1; i < payloads.length; i++) {
    const [before, after] = [payloads.at(i - 1), payloads.at(i)];
    if (before !== undefined && after !== undefined && !(before.path < after.path)) {
      throw invalid(`payloads must be sorted by path without repeats ("${after.path}")`);
    }
  }
  const entries: PlannedEntry[] = [
    { name: ENTRY_MANIFEST, size: contents.manifestBytes.byteLength, bytes: contents.manifestBytes },
    { name: ENTRY_SIGNATURES, size: contents.signaturesBytes.byteLength, bytes: contents.signaturesBytes },
    ...blockLists.map((b) => ({ name: blocksEntryName(b.path), size: b.bytes.byteLength, bytes: b.bytes })),
    ...payloads.map((p) =>
      'bytes' in p
        ? { name: payloadEntryName(p.path), size: p.bytes.byteLength, bytes: p.bytes }
        : { name: payloadEntryName(p.path), size: p.size, open: () => p.open() },
    ),
  ];
  for (const entry of entries) {
    // Anything else would need a PAX header or the prefix field, which the format forbids.
    if (!isCanonicalEntryName(entry.name)) throw invalid(`entry name "${entry.name}" is not 1-100 printable ASCII bytes`);
    if (!Number.isSafeInteger(entry.size) || entry.size < 0 || entry.size > MAX_ENTRY_SIZE) {
      throw invalid(`entry "${entry.name}" has size ${entry.size}; the format allows 0 to ${MAX_ENTRY_SIZE}`);
    }
  }
  return entries;
}

/** Zeros for the padding after an entry and for the end marker. */
const ZEROS = new Uint8Array(END_MARKER_BYTES);

/**
 * The image's bytes in order: for each entry its canonical header (device-image's encoder, the one
 * the reader holds every header to), its data, zeros to the next 512-byte block; then the end
 * marker. What tar-stream's pack writes for these entries, byte for byte (writer.test.ts compares).
 */
async function* imageChunks(entries: readonly PlannedEntry[], mtime: number): AsyncGenerator<Uint8Array> {
  for (const entry of entries) {
    yield encodeCanonicalHeader(entry.name, entry.size, mtime);
    if (entry.bytes !== undefined) {
      yield entry.bytes;
    } else {
      const source = entry.open?.();
      if (source === undefined) throw invalid(`entry ${entry.name} has no data`);
      let written = 0;
      for await (const chunk of source) {
        written += chunk.byteLength;
        // Checked before yielding: extra bytes must never reach the archive as the next header.
        if (written > entry.size) throw invalid(`payload entry ${entry.name} yields more than its ${entry.size} bytes`);
        yield chunk;
      }
      if (written !== entry.size) throw invalid(`payload entry ${entry.name} yields ${written} bytes, not ${entry.size}`);
    }
    const padding = paddingAfter(entry.size);
    if (padding > 0) yield ZEROS.subarray(0, padding);
  }
  yield ZEROS;
}

/** Bytes gathered before each `write`: a small image is one write, a large one written in pieces this size. */
const WRITE_BYTES = 4 * 1024 * 1024;

/**
 * Write the image, handing `write` pieces of WRITE_BYTES (the last one shorter), each copied
 * once into a buffer that is awaited before it is filled again (back pressure; a streamed source
 * may reuse its chunks). Every header: regular file, mode 0644, uid/gid 0, no owner names, mtime
 * = sourceDateEpoch; no PAX or GNU headers (names are checked to fit the ustar name field).
 */
async function packImage(
  contents: ImageContents<PayloadBytes | PayloadStream>,
  write: (chunk: Uint8Array) => Promise<void>,
): Promise<void> {
  const entries = planEntries(contents);
  const total = entries.reduce((sum, entry) => sum + archivedEntryBytes(entry.size), END_MARKER_BYTES);
  const piece = Buffer.allocUnsafe(Math.min(total, WRITE_BYTES));
  let filled = 0;
  for await (const chunk of imageChunks(entries, contents.sourceDateEpoch)) {
    for (let offset = 0; offset < chunk.byteLength;) {
      const n = Math.min(piece.byteLength - filled, chunk.byteLength - offset);
      piece.set(chunk.subarray(offset, offset + n), filled);
      filled += n;
      offset += n;
      if (filled === piece.byteLength) {
        await write(piece);
        filled = 0;
      }
    }
  }
  if (filled > 0) await write(piece.subarray(0, filled));
}

/** The image as one buffer (fine for tests and small images; see `writeImageFile` for large ones). */
export async function encodeImage(contents: ImageContents): Promise<Uint8Array> {
  const chunks: Uint8Array[] = [];
  await packImage(contents, (chunk) => {
    chunks.push(Buffer.from(chunk)); // a copy: packImage fills the same buffer again
    return Promise.resolve();
  });
  return new Uint8Array(Buffer.concat(chunks));
}

/**
 * Stream the image to `path` atomically with core's stageFile: written to a temporary file beside
 * it, flushed, then renamed over `path`, so a reader sees no image or a whole one. Payloads may be
 * streamed. A `path` that is not a regular file is refused (OUTPUT_NOT_REGULAR), like every output.
 * With `staged`, `path` is a new file in a staging directory, written in place and flushed
 * (`writeStagedFile`): publishing the directory (`publishStaged`) is what puts it in place.
 */
export async function writeImageFile(
  path: string,
  contents: ImageContents<PayloadBytes | PayloadStream>,
  options: { readonly staged?: boolean } = {},
): Promise<{ bytes: number; sha256: string }> {
  planEntries(contents);
  const hash = createSha256();
  let bytes = 0;
  const write = (put: (chunk: Uint8Array) => Promise<void>) =>
    packImage(contents, async (chunk) => {
      hash.update(chunk);
      bytes += chunk.byteLength;
      await put(chunk);
    });
  if (options.staged === true) {
    await writeStagedFile(path, write);
  } else {
    await ensureDirectory(dirname(path));
    await (await stageFile(path, write)).commit();
  }
  return { bytes, sha256: hash.digest('hex') };
}
