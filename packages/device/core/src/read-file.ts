import type { Stats } from 'node:fs';
// Not node:fs: its ES module facade reads every export, and the stream getters load the fs streams.
import { constants, open, type FileHandle } from 'node:fs/promises';
import { InputError } from './errors.js';
import { parseJsonBytes } from './schema/validate.js';

const KiB = 1024;
const MiB = 1024 * KiB;

/**
 * Size limit of each kind of document fwkit reads, in bytes (docs/inputs.md says why each is what
 * it is). A limit bounds memory and time on hostile input; it is checked by the read itself.
 */
export const INPUT_LIMITS = {
  trustRoot: 1 * MiB,
  deviceIdentity: 64 * KiB,
  productManifest: 1 * MiB,
  platformManifest: 1 * MiB,
  releaseSpec: 1 * MiB,
  packageJson: 1 * MiB,
  ledger: 64 * MiB,
  lockfile: 64 * MiB,
  privateKey: 16 * KiB,
  publicKey: 16 * KiB,
  /** A source file bundled into an image, read to hash it for the SBOM. */
  bundledSource: 64 * MiB,
} as const;

/**
 * O_NONBLOCK: opening a FIFO does not wait for a writer (it would hang forever), nor a device for
 * its carrier. O_NOCTTY: a terminal device never becomes our controlling terminal.
 */
const OPEN_FLAGS = constants.O_RDONLY | constants.O_NONBLOCK | constants.O_NOCTTY;

function kindOf(stats: Stats): string {
  if (stats.isDirectory()) return 'a directory';
  if (stats.isFIFO()) return 'a FIFO';
  if (stats.isCharacterDevice()) return 'a character device';
  if (stats.isBlockDevice()) return 'a block device';
  if (stats.isSocket()) return 'a socket';
  return 'not a regular file';
}

function errnoOf(error: unknown): string | undefined {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? code : undefined;
}

function unreadable(path: string, what: string, cause: unknown): InputError {
  const errno = errnoOf(cause);
  return new InputError('INPUT_UNREADABLE', `cannot read ${what} ${path}: ${errno ?? 'error'}: ${(cause as Error).message}`, {
    cause,
    details: { path, what, errno },
  });
}

/** Why `path` could not be opened, as the coded error a reader throws. */
function openFailure(path: string, what: string, cause: unknown): InputError {
  const errno = errnoOf(cause);
  if (errno === 'ENOENT' || errno === 'ENOTDIR') {
    return new InputError('INPUT_NOT_FOUND', `${what} ${path} not found`, { cause, details: { path, what } });
  }
  // open(2) of a Unix socket fails with ENXIO.
  if (errno === 'ENXIO') {
    return new InputError('INPUT_NOT_REGULAR', `${what} ${path} is not a regular file`, { cause, details: { path, what } });
  }
  return unreadable(path, what, cause);
}

/** Refuses what the open descriptor's stats say is not a regular file. */
function checkRegular(stats: Stats, path: string, what: string): void {
  if (!stats.isFile()) {
    const kind = kindOf(stats);
    throw new InputError('INPUT_NOT_REGULAR', `${what} ${path} is ${kind}, not a regular file`, { details: { path, what, kind } });
  }
}

function tooLarge(path: string, what: string, limit: number): InputError {
  return new InputError('INPUT_TOO_LARGE', `${what} ${path} is larger than its limit of ${limit} bytes`, {
    details: { path, what, limit },
  });
}

/**
 * Open an input file for reading and make sure, on the open descriptor (fstat, never stat-then-open:
 * the path could change in between), that it is a regular file. The caller closes the handle.
 */
export async function openInputFile(path: string, what: string): Promise<FileHandle> {
  let handle: FileHandle;
  try {
    handle = await open(path, OPEN_FLAGS);
  } catch (cause) {
    throw openFailure(path, what, cause);
  }
  try {
    checkRegular(await handle.stat(), path, what);
    return handle;
  } catch (error) {
    await handle.close();
    if (error instanceof InputError) throw error;
    throw unreadable(path, what, error);
  }
}

/** The first read buffer: most inputs are a few KB; one byte over the limit shows a file too large. */
const firstBuffer = (limit: number): Buffer => Buffer.allocUnsafe(Math.min(limit + 1, 64 * KiB));

/** `buffer` (holding `length` bytes) with room for more: doubled when full, up to limit + 1 bytes. */
function roomIn(buffer: Buffer, length: number, limit: number): Buffer {
  if (length < buffer.length) return buffer;
  const bigger = Buffer.allocUnsafe(Math.min(limit + 1, buffer.length * 2));
  buffer.copy(bigger, 0, 0, length);
  return bigger;
}

/**
 * Read a whole input file of at most `limit` bytes: open without blocking, refuse anything but a
 * regular file, and read at most limit + 1 bytes — the size stat reports is not trusted (files in
 * /proc say 0, a sparse file claims gigabytes it costs nothing to make). Always closes the file.
 * `inspect` sees the open file's stats before a byte is read (a key file's mode: the file read is
 * the file checked) and may throw to refuse it.
 */
export async function readInputFile(path: string, what: string, limit: number, inspect?: (stats: Stats) => void): Promise<Buffer> {
  const handle = await openInputFile(path, what);
  try {
    if (inspect !== undefined) inspect(await handle.stat());
    let buffer = firstBuffer(limit);
    let length = 0;
    for (;;) {
      buffer = roomIn(buffer, length, limit);
      let bytesRead: number;
      try {
        ({ bytesRead } = await handle.read(buffer, length, buffer.length - length, null));
      } catch (cause) {
        throw unreadable(path, what, cause);
      }
      if (bytesRead === 0) return buffer.subarray(0, length);
      length += bytesRead;
      if (length > limit) throw tooLarge(path, what, limit);
    }
  } finally {
    await handle.close();
  }
}

/**
 * readInputFile without the event loop: for a process that reads many small inputs in a row (a
 * build hashes each bundled source), where each of the asynchronous reader's five thread-pool
 * round trips costs more than the read itself. Same checks, same errors.
 */
export function readInputFileSync(path: string, what: string, limit: number): Buffer {
  // node:fs itself, not its ES module facade (see the import above).
  const fs = process.getBuiltinModule('node:fs');
  let fd: number;
  try {
    fd = fs.openSync(path, OPEN_FLAGS);
  } catch (cause) {
    throw openFailure(path, what, cause);
  }
  try {
    try {
      checkRegular(fs.fstatSync(fd), path, what);
    } catch (error) {
      if (error instanceof InputError) throw error;
      throw unreadable(path, what, error);
    }
    let buffer = firstBuffer(limit);
    let length = 0;
    for (;;) {
      buffer = roomIn(buffer, length, limit);
      let bytesRead: number;
      try {
        bytesRead = fs.readSync(fd, buffer, length, buffer.length - length, null);
      } catch (cause) {
        throw unreadable(path, what, cause);
      }
      if (bytesRead === 0) return buffer.subarray(0, length);
      length += bytesRead;
      if (length > limit) throw tooLarge(path, what, limit);
    }
  } finally {
    fs.closeSync(fd);
  }
}

/**
 * readInputFileSync, then the strict JSON reader (UTF-8, no duplicate keys); errors name `what`,
 * never content. The read is synchronous: a document is read whole before anything else can use
 * it, and the asynchronous reader's round trips cost a command more than the read itself.
 */
export function readJsonInputFile(path: string, what: string, limit: number): Promise<unknown> {
  return Promise.resolve().then(() => parseJsonBytes(readInputFileSync(path, what, limit), `${what} ${path}`));
}
