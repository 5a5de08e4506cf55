import { openInputFile } from '@fwkit/core';

/** Chunk size for reading image files: one block per read keeps the reader from copying. */
export const IMAGE_READ_CHUNK = 1024 * 1024;

/**
 * An image file as a pull source for `TarReader`, in 1 MiB chunks. The file is opened without
 * blocking and checked on its descriptor before anything is read: a FIFO, directory or device is
 * INPUT_NOT_REGULAR (a FIFO would otherwise hang the verifier, a device feed it without end).
 * Images have no size limit here; the format's own limits bound what the reader accepts. The
 * reader pulls a chunk only when it needs one and returns the iterator when it stops early,
 * which closes the file.
 */
export async function* openImageFile(path: string): AsyncGenerator<Uint8Array, void, undefined> {
  const handle = await openInputFile(path, 'image');
  try {
    for (;;) {
      // A fresh buffer per chunk: the reader may keep a chunk while it asks for the next.
      const chunk = new Uint8Array(IMAGE_READ_CHUNK);
      const { bytesRead } = await handle.read(chunk, 0, IMAGE_READ_CHUNK, null);
      if (bytesRead === 0) return;
      yield chunk.subarray(0, bytesRead);
    }
  } finally {
    await handle.close();
  }
}
