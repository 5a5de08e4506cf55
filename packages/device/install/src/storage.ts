import * as fs from 'node:fs';
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
  /** Write at an offset of an existing file (a streamed payload). */
  writeAt(file: string, offset: number, bytes: Uint8Array): void;
  truncate(file: string, size: number): void;
  fsync(file: string): void;
  rename(from: string, to: string): void;
  fsyncDir(dir: string): void;
  mkdir(dir: string): void;
  unlink(file: string): void;
  rmdir(dir: string): void;
  /** Where the firmware runner finds a directory (a real path; the simulated storage has none). */
  realPath(path: string): string;
}

function ignoreCode(code: string, action: () => void): void {
  try {
    action();
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== code) throw error;
  }
}

/** DeviceStorage on node:fs (synchronous: each call is one system call or a few, and the order is the program's). */
export class NodeStorage implements DeviceStorage {
  constructor(readonly root: string) {}

  realPath(path: string): string {
    return join(this.root, path);
  }

  read(file: string): Uint8Array | undefined {
    try {
      return fs.readFileSync(this.realPath(file));
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw error;
    }
  }

  list(dir: string): string[] {
    try {
      return fs.readdirSync(this.realPath(dir)).sort();
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
      throw error;
    }
  }

  isDir(path: string): boolean {
    try {
      return fs.statSync(this.realPath(path)).isDirectory();
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return false;
      throw error;
    }
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

  writeAt(file: string, offset: number, bytes: Uint8Array): void {
    this.#withFd(file, 'r+', undefined, (fd) => {
      this.#writeAll(fd, bytes, offset);
    });
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
    ignoreCode('EEXIST', () => {
      fs.mkdirSync(this.realPath(dir), { mode: 0o755 });
    });
  }

  unlink(file: string): void {
    ignoreCode('ENOENT', () => {
      fs.unlinkSync(this.realPath(file));
    });
  }

  rmdir(dir: string): void {
    ignoreCode('ENOENT', () => {
      fs.rmdirSync(this.realPath(dir));
    });
  }
}

/** The parent directory of a device path ('' for the root). */
export function parentOf(path: string): string {
  const parent = dirname(path);
  return parent === '.' ? '' : parent;
}
