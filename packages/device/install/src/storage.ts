import * as fs from 'node:fs';
import type { FileHandle } from 'node:fs/promises';
import { dirname, join } from 'node:path';

/**
 * The one interface through which anything changes a device directory. Paths are relative to the
 * device root, '/'-separated. Durability model (the simulated storage implements exactly this):
 * a file's bytes are durable once `fsync(file)` returned; a name (create, mkdir, rename, unlink)
 * is durable once `fsyncDir(parent)` returned; everything else may be lost, in any combination,
 * at a power cut, and a write may be torn.
 */
export interface DeviceStorage {
  /** The file's bytes, or undefined when it does not exist. */
  read(file: string): Uint8Array | undefined;
  /** Names in a directory (empty when it does not exist), sorted. */
  list(dir: string): string[];
  isDir(path: string): boolean;
  /** Create or replace a file's content (mode applies on creation). */
  write(file: string, bytes: Uint8Array, mode?: number): void;
  /** Create a file with its content only if no file has the name (atomically); false when one exists (the device lock). */
  writeNew(file: string, bytes: Uint8Array): boolean;
  /**
   * Write at an offset of an existing file (a streamed payload). It may settle before the bytes
   * landed, so that the caller verifies the next block meanwhile; it rejects with an earlier
   * write's failure. It copies what it keeps: the caller may reuse `bytes` once it settled.
   */
  writeAt(file: string, offset: number, bytes: Uint8Array): Promise<void>;
  /**
   * Optional: a buffer of `size` bytes that `writeAt(file, offset, …)` would copy its bytes into.
   * Filled by the caller and passed to that `writeAt` as they are, the bytes are not copied again.
   * Valid until the next call of `writeAt`, `bufferFor` or `drain`; what is left in it unwritten
   * is never written.
   */
  bufferFor?(file: string, offset: number, size: number): Uint8Array;
  /**
   * Removes a directory tree nothing refers to any more (an invalid slot's old content, renamed
   * aside), possibly in the background while payloads stream: freeing a large file's blocks takes
   * time. `drain` waits for it.
   */
  discard(dir: string): void;
  /** Settles once every `writeAt` and `discard` finished (rejects with the first failure); before an fsync of those files. */
  drain(): Promise<void>;
  truncate(file: string, size: number): void;
  /**
   * `site` names the call site (`arm-trial.fsync`, `slot.fsyncDir`, …) for the power-cut harness,
   * whose simulated storage can leave one site out to show that the harness notices; a real
   * storage ignores it.
   */
  fsync(file: string, site?: string): void;
  rename(from: string, to: string): void;
  fsyncDir(dir: string, site?: string): void;
  mkdir(dir: string): void;
  unlink(file: string): void;
  rmdir(dir: string): void;
  /** Where the firmware runner finds a directory (a real path; the simulated storage has none). */
  realPath(path: string): string;
}

/** `action()`, or `fallback` when it fails with the errno `code` (a name that is missing, or already there). */
function orOnError<T>(code: 'ENOENT' | 'EEXIST', fallback: T, action: () => T): T {
  try {
    return action();
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === code) return fallback;
    throw error;
  }
}

/**
 * Payload bytes `writeAt` may have in flight: the disk takes them while the verifier hashes the
 * next block (the two would otherwise take turns). Eight 1 MiB blocks keep the write queue busy
 * and the memory bound small (the install's peak RSS is a bench limit).
 */
const WRITE_AHEAD_BYTES = 8 * 1024 * 1024;

/**
 * Every this many bytes written to a file, `writeAt` also starts an fdatasync on the thread pool:
 * the disk then writes back while the verifier hashes, instead of all of it in the slot's final
 * fsync (which still runs, and is what makes the bytes durable).
 */
const WRITE_BACK_BYTES = 16 * 1024 * 1024;

/**
 * Neighbouring blocks of a file are gathered into writes of this size: four 1 MiB blocks per system
 * call and thread-pool round trip, as a plain copy writes.
 */
const WRITE_CHUNK_BYTES = 4 * 1024 * 1024;

/** A file `writeAt` writes: its handle, the tail of its writes (one at a time, in order), and the bytes gathered for the next one. */
interface OpenFile {
  readonly handle: Promise<FileHandle>;
  tail: Promise<void>;
  unsynced: number;
  /** An fdatasync of the file is under way (a pile of them would hold the thread pool the writes need). */
  flushing: boolean;
  staged: Staged | undefined;
}

/** Bytes gathered for a file's next write: `length` bytes of `buffer`, for the file from `offset`. */
interface Staged {
  readonly buffer: Uint8Array;
  readonly offset: number;
  length: number;
}

/**
 * DeviceStorage on node:fs: synchronous, each call one system call or a few in the program's
 * order, except `writeAt`, which queues payload writes on the thread pool up to WRITE_AHEAD_BYTES.
 */
export class NodeStorage implements DeviceStorage {
  readonly #handles = new Map<string, OpenFile>();
  #inFlight: { readonly landed: Promise<void>; readonly bytes: number }[] = [];
  /** Flushes and removals that run beside the writes; `drain` waits for them. */
  #background: Promise<void>[] = [];
  /** Buffers of the writes in flight, recycled once written (fresh megabytes would cost page faults). */
  readonly #spare: Uint8Array[] = [];
  #inFlightBytes = 0;
  #lastWritten: OpenFile | undefined;
  #failure: { readonly error: unknown } | undefined;

  constructor(readonly root: string) {}

  realPath(path: string): string {
    return join(this.root, path);
  }

  read(file: string): Uint8Array | undefined {
    return orOnError('ENOENT', undefined, () => fs.readFileSync(this.realPath(file)));
  }

  list(dir: string): string[] {
    return orOnError('ENOENT', [], () => fs.readdirSync(this.realPath(dir)).sort());
  }

  isDir(path: string): boolean {
    return orOnError('ENOENT', false, () => fs.statSync(this.realPath(path)).isDirectory());
  }

  #withFd(file: string, flags: string, mode: number | undefined, action: (fd: number) => void): void {
    const fd = fs.openSync(this.realPath(file), flags, mode);
    try {
      action(fd);
    } finally {
      fs.closeSync(fd);
    }
  }

  #writeAll(fd: number, bytes: Uint8Array, position: number): void {
    for (let done = 0; done < bytes.byteLength;) {
      done += fs.writeSync(fd, bytes, done, bytes.byteLength - done, position + done);
    }
  }

  write(file: string, bytes: Uint8Array, mode = 0o644): void {
    this.#withFd(file, 'w', mode, (fd) => {
      this.#writeAll(fd, bytes, 0);
    });
  }

  writeNew(file: string, bytes: Uint8Array): boolean {
    // The name appears with its whole content (link(2) of a written temp file fails on an existing
    // name), so another process never reads a lock half written.
    const temp = `${file}.${process.pid}.new`;
    this.write(temp, bytes);
    try {
      fs.linkSync(this.realPath(temp), this.realPath(file));
      return true;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'EEXIST') return false;
      throw error;
    } finally {
      this.unlink(temp);
    }
  }

  bufferFor(file: string, offset: number, size: number): Uint8Array {
    const staged = this.#stage(this.#open(file), offset, size);
    return staged.buffer.subarray(staged.length, staged.length + size);
  }

  async writeAt(file: string, offset: number, bytes: Uint8Array): Promise<void> {
    this.#throwFailure();
    const open = this.#open(file);
    const staged = this.#stage(open, offset, bytes.byteLength);
    // Bytes the caller read into `bufferFor`'s buffer are in place already.
    const at = staged.buffer.byteOffset + staged.length;
    if (bytes.buffer !== staged.buffer.buffer || bytes.byteOffset !== at) staged.buffer.set(bytes, staged.length);
    staged.length += bytes.byteLength;
    if (staged.length === staged.buffer.byteLength) this.#queueStaged(open);
    while (this.#inFlightBytes > WRITE_AHEAD_BYTES) {
      const oldest = this.#inFlight.shift();
      if (oldest === undefined) break;
      this.#inFlightBytes -= oldest.bytes;
      await oldest.landed;
    }
    this.#throwFailure();
  }

  /** The file's write state, opened on first use. Only the file written last gathers bytes: a payload that ended gives its tail to the queue. */
  #open(file: string): OpenFile {
    let open = this.#handles.get(file);
    if (open === undefined) {
      const handle = fs.promises.open(this.realPath(file), 'r+');
      open = { handle, tail: handle.then(() => undefined), unsynced: 0, flushing: false, staged: undefined };
      this.#handles.set(file, open);
    }
    if (this.#lastWritten !== undefined && this.#lastWritten !== open) this.#queueStaged(this.#lastWritten);
    this.#lastWritten = open;
    return open;
  }

  /** The buffer that gathers `size` bytes at `offset` next: the staged one when they follow its bytes and fit, else a fresh one (the staged one queued). */
  #stage(open: OpenFile, offset: number, size: number): Staged {
    const staged = open.staged;
    if (staged !== undefined && staged.offset + staged.length === offset && staged.length + size <= staged.buffer.byteLength) return staged;
    this.#queueStaged(open);
    const spare = this.#spare.pop();
    const buffer = spare !== undefined && spare.byteLength >= size ? spare : new Uint8Array(Math.max(WRITE_CHUNK_BYTES, size));
    return (open.staged = { buffer, offset, length: 0 });
  }

  /** Queues a file's staged bytes as one write after its earlier ones. */
  #queueStaged(open: OpenFile): void {
    const staged = open.staged;
    if (staged === undefined) return;
    open.staged = undefined;
    // A buffer lent by `bufferFor` whose bytes never came: nothing to write.
    if (staged.length === 0) {
      this.#spare.push(staged.buffer);
      return;
    }
    open.unsynced += staged.length;
    // One flush at a time per file: the next one is due once it finished, and then covers more.
    const writeBack = open.unsynced >= WRITE_BACK_BYTES && !open.flushing;
    if (writeBack) {
      open.unsynced = 0;
      open.flushing = true;
    }
    const { handle } = open;
    const { buffer, offset, length } = staged;
    const landed = open.tail
      .then(async () => {
        const h = await handle;
        for (let done = 0; done < length;) {
          done += (await h.write(buffer, done, length - done, offset + done)).bytesWritten;
        }
        this.#spare.push(buffer);
        // Not awaited, and not in the write-ahead queue: the flush runs beside the next writes, and
        // only drain waits for it (a writer held up by a flush would stall the verifier).
        if (writeBack) {
          const flushed = h
            .datasync()
            .catch((error: unknown) => void (this.#failure ??= { error }))
            .finally(() => (open.flushing = false));
          this.#background.push(flushed);
        }
      })
      .catch((error: unknown) => {
        this.#failure ??= { error };
      });
    open.tail = landed;
    this.#inFlight.push({ landed, bytes: length });
    this.#inFlightBytes += length;
  }

  discard(dir: string): void {
    const removed = fs.promises.rm(this.realPath(dir), { recursive: true, force: true }).catch((error: unknown) => {
      this.#failure ??= { error };
    });
    this.#background.push(removed);
  }

  async drain(): Promise<void> {
    for (const open of this.#handles.values()) this.#queueStaged(open);
    this.#lastWritten = undefined;
    const inFlight = this.#inFlight;
    this.#inFlight = [];
    this.#inFlightBytes = 0;
    await Promise.all(inFlight.map((w) => w.landed));
    // Every write landed, so no flush starts any more.
    const background = this.#background;
    this.#background = [];
    await Promise.all(background);
    this.#spare.length = 0;
    const handles = [...this.#handles.values()];
    this.#handles.clear();
    await Promise.all(handles.map((h) => h.handle.then((fh) => fh.close()).catch(() => undefined)));
    this.#throwFailure();
  }

  #throwFailure(): void {
    const failure = this.#failure;
    if (failure === undefined) return;
    this.#failure = undefined;
    throw failure.error;
  }

  truncate(file: string, size: number): void {
    fs.truncateSync(this.realPath(file), size);
  }

  fsync(file: string): void {
    this.#withFd(file, 'r', undefined, (fd) => {
      fs.fsyncSync(fd);
    });
  }

  rename(from: string, to: string): void {
    fs.renameSync(this.realPath(from), this.realPath(to));
  }

  fsyncDir(dir: string): void {
    this.#withFd(dir === '' ? '.' : dir, 'r', undefined, (fd) => {
      fs.fsyncSync(fd);
    });
  }

  mkdir(dir: string): void {
    orOnError('EEXIST', undefined, () => {
      fs.mkdirSync(this.realPath(dir), { mode: 0o755 });
    });
  }

  unlink(file: string): void {
    orOnError('ENOENT', undefined, () => {
      fs.unlinkSync(this.realPath(file));
    });
  }

  rmdir(dir: string): void {
    orOnError('ENOENT', undefined, () => {
      fs.rmdirSync(this.realPath(dir));
    });
  }
}

/** The parent directory of a device path ('' for the root). */
export function parentOf(path: string): string {
  const parent = dirname(path);
  return parent === '.' ? '' : parent;
}

/** Removes everything under a directory, file by file (an invalid slot, a failed provision). */
export function removeTree(storage: DeviceStorage, dir: string): void {
  for (const name of storage.list(dir)) {
    const path = `${dir}/${name}`;
    if (storage.isDir(path)) removeTree(storage, path);
    else storage.unlink(path);
  }
  storage.rmdir(dir);
}
