import { randomBytes } from 'node:crypto';
import { constants, link, lstat, mkdir, mkdtemp, open, rename, rm, rmdir, stat, unlink, type FileHandle } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { FwkitError } from '@fwkit/device-core';

// Every file fwkit writes goes through this module: only regular files are written or replaced,
// always by a temporary file in the target's own directory that is flushed and then renamed (or
// linked) into place, so that a reader sees the old file or the new one, never a part, and a
// device node, FIFO or symlink given as an output is refused instead of being replaced.

export type OutputErrorCode =
  /** The output path exists and is not a regular file (a directory, device, FIFO, socket or symlink). */
  | 'OUTPUT_NOT_REGULAR'
  /** A directory the output goes into is not a directory (a file, `file/sub`, a device). */
  | 'OUTPUT_NOT_DIRECTORY'
  /** The output's directory may not be written: EACCES, EPERM or EROFS (a read-only mount). */
  | 'OUTPUT_NOT_WRITABLE'
  /** A file that must not be replaced exists already. */
  | 'OUTPUT_EXISTS'
  /** Any other write failure (ENOSPC, EDQUOT, EIO, ...); `details.errno` names it. */
  | 'OUTPUT_FAILED';

/** Writing an output failed; nothing of it was left behind. `details.path` names the path. */
export class OutputError extends FwkitError<OutputErrorCode> {
  override readonly name = 'OutputError';
}

function errnoOf(error: unknown): string | undefined {
  const code = (error as NodeJS.ErrnoException | null)?.code;
  return typeof code === 'string' && /^E[A-Z0-9]+$/.test(code) ? code : undefined;
}

/**
 * The coded error for an fs failure while writing `path`; a value that is not an fs error (a bug,
 * an abort) is returned unchanged so that it keeps its meaning.
 */
export function outputErrorOf(error: unknown, path: string, doing: string): unknown {
  if (error instanceof FwkitError) return error;
  const errno = errnoOf(error);
  if (errno === undefined) return error;
  const details = { path, errno };
  const options = { cause: error, details };
  switch (errno) {
    case 'EACCES':
    case 'EPERM':
    case 'EROFS':
      return new OutputError('OUTPUT_NOT_WRITABLE', `cannot ${doing} ${path}: not writable (${errno})`, options);
    case 'ENOTDIR':
      return new OutputError('OUTPUT_NOT_DIRECTORY', `cannot ${doing} ${path}: a part of the path is not a directory`, options);
    case 'EISDIR':
      return new OutputError('OUTPUT_NOT_REGULAR', `cannot ${doing} ${path}: it is a directory`, options);
    case 'EEXIST':
      return new OutputError('OUTPUT_EXISTS', `cannot ${doing} ${path}: it exists already`, options);
    default:
      return new OutputError('OUTPUT_FAILED', `cannot ${doing} ${path}: ${errno}`, options);
  }
}

function kindOf(stats: { isDirectory(): boolean; isSymbolicLink(): boolean; isFIFO(): boolean; isSocket(): boolean }): string {
  if (stats.isDirectory()) return 'a directory';
  if (stats.isSymbolicLink()) return 'a symbolic link';
  if (stats.isFIFO()) return 'a FIFO';
  if (stats.isSocket()) return 'a socket';
  return 'a device or other special file';
}

/**
 * Whether `path` may be written as an output file: true when it is a regular file (to be
 * replaced), false when it does not exist. Anything else is OUTPUT_NOT_REGULAR — a symlink too:
 * the rename would replace the link, not write where it points, and either surprise is worse
 * than a refusal.
 */
export async function checkOutputFile(path: string): Promise<boolean> {
  let stats;
  try {
    stats = await lstat(path);
  } catch (error) {
    if (errnoOf(error) === 'ENOENT') return false;
    throw outputErrorOf(error, path, 'write');
  }
  if (stats.isFile()) return true;
  throw new OutputError('OUTPUT_NOT_REGULAR', `refusing to write ${path}: it is ${kindOf(stats)}, not a regular file`, {
    details: { path },
  });
}

/**
 * Whether `path` is a regular file (not a link to one) holding exactly `bytes`. Anything else —
 * absent, another kind of file, other bytes, unreadable — is false: the caller then writes it.
 */
export async function holdsBytes(path: string, bytes: Uint8Array): Promise<boolean> {
  let handle: FileHandle;
  try {
    handle = await open(path, constants.O_RDONLY | constants.O_NOFOLLOW);
  } catch {
    return false;
  }
  try {
    const stats = await handle.stat();
    if (!stats.isFile() || stats.size !== bytes.byteLength) return false;
    const held = Buffer.allocUnsafe(bytes.byteLength);
    const { bytesRead } = await handle.read(held, 0, held.byteLength, 0);
    return bytesRead === held.byteLength && held.equals(bytes);
  } catch {
    return false;
  } finally {
    await handle.close();
  }
}

/**
 * Whether `path` is a directory (true; a symlink to one counts: `out -> /mnt/big` is a directory
 * the user chose) or does not exist (false). Anything else in the way is OUTPUT_NOT_DIRECTORY.
 */
async function isDirectory(path: string): Promise<boolean> {
  let stats;
  try {
    stats = await lstat(path);
    if (stats.isSymbolicLink()) stats = await stat(path);
  } catch (error) {
    if (errnoOf(error) === 'ENOENT' && stats === undefined) return false;
    throw outputErrorOf(error, path, 'write into');
  }
  if (stats.isDirectory()) return true;
  throw new OutputError('OUTPUT_NOT_DIRECTORY', `cannot write into ${path}: it is not a directory`, { details: { path } });
}

/** mkdir -p, one level at a time, so that each failure names its own errno (a recursive mkdir reports ENOENT on EROFS). */
async function makeDirectories(path: string, mode: number | undefined): Promise<void> {
  const parent = dirname(path);
  if (parent !== path && !(await isDirectory(parent))) await makeDirectories(parent, mode);
  try {
    await mkdir(path, mode === undefined ? {} : { mode });
  } catch (error) {
    if (errnoOf(error) === 'EEXIST' && (await isDirectory(path))) return;
    throw outputErrorOf(error, path, 'create directory');
  }
}

/**
 * Make `path` a directory (and its parents) unless it is one; a file or device in the way is
 * OUTPUT_NOT_DIRECTORY. Returns whether it existed before.
 */
export async function ensureDirectory(path: string, mode?: number): Promise<boolean> {
  if (await isDirectory(path)) return true;
  await makeDirectories(path, mode);
  return false;
}

/** fsync a directory, so that a rename in it survives a power cut. */
export async function syncDirectory(path: string): Promise<void> {
  const handle = await open(path, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

export interface AtomicWriteOptions {
  /** Mode of the new file (before the umask); default 0o644. Keys use 0o600. */
  readonly mode?: number;
  /** false: refuse (OUTPUT_EXISTS) when the target exists, instead of replacing it; default true. */
  readonly replace?: boolean;
}

/** A temporary file written and flushed beside its target, not yet in place. */
export interface StagedFile {
  readonly path: string;
  /** Whether `commit` put the file in place (true even if the directory fsync after it failed). */
  readonly committed: boolean;
  /** Put the file in place (rename, or link when it must not replace) and fsync the directory. */
  commit(): Promise<void>;
  /** Remove the temporary file; the target stays as it was. Safe to call after commit or twice. */
  abort(): Promise<void>;
}

/**
 * Create `file` (O_CREAT|O_EXCL, `mode`), hand `write` a function that writes all of a chunk, then
 * fsync it. On failure `file` is gone; errors name `path`, the file it stands for.
 */
async function writeNewFile(
  file: string,
  path: string,
  write: (put: (chunk: Uint8Array) => Promise<void>) => Promise<void>,
  mode = 0o644,
): Promise<void> {
  let handle: FileHandle;
  try {
    handle = await open(file, 'wx', mode);
  } catch (error) {
    throw outputErrorOf(error, dirname(path), 'write a file in');
  }
  try {
    try {
      await write(async (chunk) => {
        // One write call may write less than asked; loop until the chunk is written.
        for (let offset = 0; offset < chunk.byteLength;) {
          const { bytesWritten } = await handle.write(chunk, offset);
          offset += bytesWritten;
        }
      });
      await handle.sync();
    } finally {
      await handle.close();
    }
  } catch (error) {
    await rm(file, { force: true });
    throw outputErrorOf(error, path, 'write');
  }
}

/**
 * Write a new file into a private staging directory (`makeStagingDir`): created exclusively,
 * written and flushed, without a temporary name or a directory flush. `publishStaged` renames it
 * into place and flushes the directories it lands in: that is the step a power cut must not split.
 */
export async function writeStagedFile(path: string, write: (put: (chunk: Uint8Array) => Promise<void>) => Promise<void>): Promise<void> {
  await ensureDirectory(dirname(path));
  await writeNewFile(path, path, write);
}

/**
 * Open a temporary file beside `path` (O_CREAT|O_EXCL, `mode`) and hand `write` a function that
 * writes all of a chunk; then fsync it. The target is checked first (regular file or absent) and
 * its directory must exist. On failure the temporary file is gone and the target untouched.
 */
export async function stageFile(
  path: string,
  write: (put: (chunk: Uint8Array) => Promise<void>) => Promise<void>,
  options: AtomicWriteOptions = {},
): Promise<StagedFile> {
  const replace = options.replace ?? true;
  const dir = dirname(path);
  if ((await checkOutputFile(path)) && !replace) {
    throw new OutputError('OUTPUT_EXISTS', `refusing to overwrite ${path}`, { details: { path } });
  }
  const tmp = join(dir, `.${basename(path)}.${randomBytes(6).toString('hex')}.tmp`);
  await writeNewFile(tmp, path, write, options.mode);
  let done = false; // the temporary file is gone: renamed/linked into place, or removed
  let committed = false;
  return {
    path,
    get committed() {
      return committed;
    },
    async commit() {
      try {
        // Checked again: the target may have been replaced by something else meanwhile.
        await checkOutputFile(path);
        // link(2) fails with EEXIST where rename(2) would replace.
        await (replace ? rename(tmp, path) : link(tmp, path));
        committed = true;
        if (!replace) await unlink(tmp);
        done = true;
        await syncDirectory(dir);
      } catch (error) {
        if (!done) await rm(tmp, { force: true });
        throw outputErrorOf(error, path, 'write');
      }
    },
    async abort() {
      if (!done) await rm(tmp, { force: true });
      done = true;
    },
  };
}

/**
 * Write a file so that readers see the old content or the new, never a part: a temporary file
 * beside it, flushed, then renamed over the target (atomic on one filesystem). Makes the parent
 * directory if needed; refuses a target that is not a regular file (OUTPUT_NOT_REGULAR).
 */
export async function writeFileAtomic(path: string, data: Uint8Array | string, options: AtomicWriteOptions = {}): Promise<void> {
  await ensureDirectory(dirname(path));
  const bytes = typeof data === 'string' ? new TextEncoder().encode(data) : data;
  const staged = await stageFile(path, (put) => put(bytes), options);
  await staged.commit();
}

/**
 * A private staging directory inside `outDir` (same filesystem, so publishing is a rename);
 * `outDir` is made if needed. `created` says whether `outDir` was new.
 */
export async function makeStagingDir(outDir: string, prefix: string): Promise<{ dir: string; created: boolean }> {
  const created = !(await ensureDirectory(outDir));
  try {
    return { dir: await mkdtemp(join(outDir, prefix)), created };
  } catch (error) {
    throw outputErrorOf(error, outDir, 'write into');
  }
}

/** Remove `dir` if it is empty (an out dir a failed build or release made and left nothing in). */
export async function removeIfEmpty(dir: string): Promise<void> {
  try {
    await rmdir(dir);
  } catch (error) {
    // Not empty (someone else's files), or gone already: both mean "leave it".
    const code = (error as NodeJS.ErrnoException).code;
    if (code !== 'ENOENT' && code !== 'ENOTEMPTY' && code !== 'EEXIST') throw error;
  }
}

/** One staged file and where it goes. */
export interface Move {
  readonly from: string;
  readonly to: string;
}

/** Moves done by `publishStaged`; the replaced files wait in the backup directory. */
export interface Published {
  /** Put every replaced file back and remove the new ones: the targets are as before. */
  rollback(): Promise<void>;
}

/**
 * Move staged files into place as one step that can be undone. Every target is checked before
 * anything moves (a regular file or absent, in a directory); an existing target is first moved
 * aside into `backupDir` (same filesystem), so a rollback restores the old file rather than
 * deleting it. Directories made for targets are removed again on rollback.
 */
export async function publishStaged(moves: readonly Move[], backupDir: string): Promise<Published> {
  // Check every target before anything is made or moved: a refusal leaves no trace.
  const dirs = [...new Set(moves.map((m) => dirname(m.to)))];
  const dirExists = new Map<string, boolean>();
  for (const dir of dirs) dirExists.set(dir, await isDirectory(dir));
  const existing: boolean[] = [];
  for (const move of moves) existing.push(dirExists.get(dirname(move.to)) === true && (await checkOutputFile(move.to)));
  const madeDirs: string[] = [];
  try {
    for (const dir of dirs) {
      if (!(await ensureDirectory(dir))) madeDirs.push(dir);
    }
  } catch (error) {
    for (const dir of madeDirs.reverse()) await rmdir(dir);
    throw error;
  }
  const undo: (() => Promise<void>)[] = [];
  const rollback = async () => {
    for (const step of undo.reverse()) await step();
    undo.length = 0;
    // Only if empty: whatever else appeared there meanwhile is not ours to delete.
    for (const dir of madeDirs.reverse()) await rmdir(dir).catch(() => undefined);
  };
  try {
    for (const [index, move] of moves.entries()) {
      if (existing[index] === true) {
        const saved = join(backupDir, `old-${index}-${basename(move.to)}`);
        await rename(move.to, saved).catch((error: unknown) => {
          throw outputErrorOf(error, move.to, 'replace');
        });
        undo.push(() => rename(saved, move.to));
      }
      await rename(move.from, move.to).catch((error: unknown) => {
        throw outputErrorOf(error, move.to, 'write');
      });
      undo.push(() => unlink(move.to));
    }
    for (const dir of new Set(moves.map((m) => dirname(m.to)))) await syncDirectory(dir);
  } catch (error) {
    await rollback();
    throw error;
  }
  return { rollback };
}
