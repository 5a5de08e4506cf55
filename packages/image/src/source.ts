import { createReadStream } from 'node:fs';

/** Chunk size for reading image files: one block per read keeps the reader from copying. */
export const IMAGE_READ_CHUNK = 1024 * 1024;

/**
 * An image file as a pull source for `TarReader`: a read stream with 1 MiB chunks. The reader
 * pulls a chunk only when it needs one and returns the iterator when it stops early, which
 * closes the file.
 */
export function openImageFile(path: string): AsyncIterable<Uint8Array> {
  return createReadStream(path, { highWaterMark: IMAGE_READ_CHUNK }) as AsyncIterable<Uint8Array>;
}
