import { readSync } from 'node:fs';
import type { FileHandle } from 'node:fs/promises';
import { openInputFile } from '@fwkit/device-core';

/** Chunk size for reading image files: at least one payload block per read. */
export const IMAGE_READ_CHUNK = 1024 * 1024;

export interface ImageFileOptions {
  /**
   * Bytes per read (default IMAGE_READ_CHUNK). Larger reads suit a caller whose writes share the
   * thread pool with them (the installer): fewer round trips queue behind its writes.
   */
  readonly chunkBytes?: number;
}

/**
 * An image file as a pull source for `TarReader`, in 1 MiB chunks. The file is opened without
 * blocking and checked on its descriptor before anything is read: a FIFO, directory or device is
 * INPUT_NOT_REGULAR (a FIFO would otherwise hang the verifier, a device feed it without end).
 * Images have no size limit here; the format's own limits bound what the reader accepts. The
 * reader pulls a chunk only when it needs one and returns the iterator when it stops early,
 * which closes the file.
 */
export async function* openImageFile(path: string, options: ImageFileOptions = {}): AsyncGenerator<Uint8Array, void, undefined> {
  const handle = await openInputFile(path, 'image');
  try {
    yield* new ImageFileChunks(handle, (await handle.stat()).size, options);
  } finally {
    await handle.close();
  }
}

/** A source `TarReader` can ask to pass over bytes it does not need to see (it reads them otherwise). */
export interface SkippableSource extends AsyncIterable<Uint8Array> {
  /** Leave out the next `bytes` not yet yielded; false, and nothing left out, where the source cannot. */
  skip(bytes: number): boolean;
}

/**
 * The chunks of an image file the caller opened (with `openInputFile`) and closes, read by
 * position from its start. One read runs ahead: by default the next chunk is read on libuv's
 * thread pool while the caller hashes the current one, so reading and hashing overlap on two
 * cores. With `inTurn` it is read on the caller's thread instead, for a caller that keeps the
 * second core busy itself (a third thread would only compete for the two). Two buffers take
 * turns, so a chunk is valid only until the next one is asked for — the contract `TarReader`
 * keeps (it copies or hashes a chunk before it pulls the next); fresh buffers per chunk would
 * page-fault new memory per MiB. Bytes the reader skips are not read, except what the read
 * running ahead already holds.
 */
export class ImageFileChunks implements SkippableSource {
  readonly #handle: FileHandle;
  readonly #size: number;
  /** Where the read running ahead starts, and how much the reader skipped past it. */
  #readingAt = 0;
  #skipped = 0;
  readonly #inTurn: boolean;
  readonly #chunkBytes: number;

  /** `size`: the file's size when opened. Skips stay inside it, so a short file is read to its end and shows as truncated. */
  constructor(
    handle: FileHandle,
    size: number,
    { inTurn = false, chunkBytes = IMAGE_READ_CHUNK }: ImageFileOptions & { readonly inTurn?: boolean } = {},
  ) {
    this.#handle = handle;
    this.#size = size;
    this.#inTurn = inTurn;
    this.#chunkBytes = chunkBytes;
  }

  skip(bytes: number): boolean {
    if (this.#readingAt + this.#skipped + bytes > this.#size) return false;
    this.#skipped += bytes;
    return true;
  }

  async *[Symbol.asyncIterator](): AsyncGenerator<Uint8Array, void, undefined> {
    const handle = this.#handle;
    const chunk = this.#chunkBytes;
    const readInto = async (buffer: Uint8Array, at: number): Promise<{ bytesRead: number; buffer: Uint8Array }> => {
      this.#readingAt = at;
      return this.#inTurn ? { bytesRead: readSync(handle.fd, buffer, 0, chunk, at), buffer } : handle.read(buffer, 0, chunk, at);
    };
    let spare: Uint8Array = new Uint8Array(chunk);
    let pending: ReturnType<typeof readInto> | undefined = readInto(new Uint8Array(chunk), 0);
    try {
      for (;;) {
        const { bytesRead, buffer } = await pending;
        pending = undefined;
        if (bytesRead === 0) return;
        const at = this.#readingAt;
        const from = this.#skipped;
        this.#skipped = 0;
        if (from >= bytesRead) {
          // The whole chunk was skipped while it was read: read on after the skipped bytes.
          pending = readInto(buffer, at + from);
          continue;
        }
        pending = readInto(spare, at + bytesRead);
        spare = buffer;
        yield buffer.subarray(from, bytesRead);
      }
    } finally {
      // A read still in flight must end before its descriptor closes; its outcome no longer matters.
      await pending?.catch(() => undefined);
    }
  }
}
