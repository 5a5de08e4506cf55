import { openInputFile } from '@fwkit/device-core';

/** Chunk size for reading image files: at least one payload block per read. */
export const IMAGE_READ_CHUNK = 1024 * 1024;

/**
 * An image file as a pull source for `TarReader`, in 1 MiB chunks. The file is opened without
 * blocking and checked on its descriptor before anything is read: a FIFO, directory or device is
 * INPUT_NOT_REGULAR (a FIFO would otherwise hang the verifier, a device feed it without end).
 * Images have no size limit here; the format's own limits bound what the reader accepts. The
 * reader pulls a chunk only when it needs one and returns the iterator when it stops early,
 * which closes the file.
 *
 * One read runs ahead: the next chunk is read (on libuv's thread pool) while the caller hashes
 * the current one, so reading and hashing overlap. Two buffers take turns, so a chunk is valid
 * only until the next one is asked for — the contract `TarReader` keeps (it copies or hashes a
 * chunk before it pulls the next); fresh buffers per chunk would page-fault new memory per MiB.
 */
export async function* openImageFile(path: string): AsyncGenerator<Uint8Array, void, undefined> {
  const handle = await openInputFile(path, 'image');
  const readInto = (buffer: Uint8Array) => handle.read(buffer, 0, IMAGE_READ_CHUNK, null);
  let spare: Uint8Array = new Uint8Array(IMAGE_READ_CHUNK);
  let pending: ReturnType<typeof readInto> | undefined = readInto(new Uint8Array(IMAGE_READ_CHUNK));
  try {
    for (;;) {
      const { bytesRead, buffer } = await pending;
      pending = undefined;
      if (bytesRead === 0) return;
      pending = readInto(spare);
      spare = buffer;
      yield buffer.subarray(0, bytesRead);
    }
  } finally {
    // A read still in flight must end before its descriptor closes; its outcome no longer matters.
    await pending?.catch(() => undefined);
    await handle.close();
  }
}
