import { parentOf, removeTree, type DeviceStorage } from './storage.js';

type SimNode = { readonly kind: 'dir' } | { readonly kind: 'file'; readonly ino: number };

/** A device directory as the simulated storage holds it: names (entries) and file contents (inodes). */
export interface SimState {
  readonly entries: Map<string, SimNode>;
  readonly inodes: Map<number, Uint8Array>;
  nextIno: number;
}

/** The fsync sites (DeviceStorage.fsync's `site`) the power-cut harness watches. */
export interface SyncSites {
  /** The sites to leave out: the harness's mutation check removes one fsync at a time. */
  readonly skip?: ReadonlySet<string>;
  /** Told each named site as it is passed (left out or not), so the harness can list them. */
  readonly onSync?: (site: string) => void;
}

/** One logged operation; flushes persist the earlier operations they cover. */
export type SimOp =
  | { readonly k: 'link'; readonly path: string; readonly node: SimNode }
  | { readonly k: 'unlink'; readonly path: string }
  | { readonly k: 'rename'; readonly from: string; readonly to: string }
  | { readonly k: 'data'; readonly ino: number; readonly offset: number; readonly bytes: Uint8Array; readonly replace: boolean }
  | { readonly k: 'trunc'; readonly ino: number; readonly size: number }
  | { readonly k: 'fsync'; readonly ino: number; readonly path: string }
  | { readonly k: 'fsyncDir'; readonly dir: string };

interface Logged {
  readonly op: SimOp;
  /** Index of the flush that made this operation durable, if any yet. */
  persistedBy: number | undefined;
}

export function emptySimState(): SimState {
  return { entries: new Map([['', { kind: 'dir' }]]), inodes: new Map(), nextIno: 1 };
}

export function copySimState(state: SimState): SimState {
  return {
    entries: new Map(state.entries),
    inodes: new Map([...state.inodes].map(([ino, bytes]) => [ino, Uint8Array.from(bytes)])),
    nextIno: state.nextIno,
  };
}

function enospc(): Error {
  return Object.assign(new Error('ENOSPC: no space left on device (simulated)'), { code: 'ENOSPC' });
}

function notFound(path: string): Error {
  return Object.assign(new Error(`ENOENT: ${path} (simulated)`), { code: 'ENOENT' });
}

/** Applies one operation to a state that may lack what it refers to (a crash dropped it): then it does nothing. */
function apply(state: SimState, op: SimOp, torn = false): void {
  switch (op.k) {
    case 'link':
      if (state.entries.get(parentOf(op.path))?.kind === 'dir') state.entries.set(op.path, op.node);
      return;
    case 'unlink':
      state.entries.delete(op.path);
      return;
    case 'rename': {
      const node = state.entries.get(op.from);
      if (node === undefined) return;
      state.entries.delete(op.from);
      state.entries.set(op.to, node);
      return;
    }
    case 'data': {
      const bytes = torn ? op.bytes.subarray(0, Math.floor(op.bytes.byteLength / 2)) : op.bytes;
      const old = op.replace ? new Uint8Array(0) : (state.inodes.get(op.ino) ?? new Uint8Array(0));
      const next = new Uint8Array(Math.max(old.byteLength, op.offset + bytes.byteLength));
      next.set(old);
      next.set(bytes, op.offset);
      state.inodes.set(op.ino, next);
      return;
    }
    case 'trunc': {
      const old = state.inodes.get(op.ino) ?? new Uint8Array(0);
      const next = new Uint8Array(op.size);
      next.set(old.subarray(0, op.size));
      state.inodes.set(op.ino, next);
      return;
    }
    default:
      return;
  }
}

/**
 * The simulated storage of the power-cut harness: the DeviceStorage durability model made
 * explicit. It logs every operation; `crashState(k, ...)` is what a power cut before operation k
 * leaves: the starting state, every operation a flush before k made durable, plus any chosen
 * subset of the volatile ones (a disk may persist them in any order), one of them possibly torn.
 */
export class SimStorage implements DeviceStorage {
  readonly state: SimState;
  readonly #base: SimState;
  readonly #log: Logged[] = [];
  readonly #sites: SyncSites;
  /** Total file bytes the storage holds; a write beyond it fails with ENOSPC. */
  capacity = Number.POSITIVE_INFINITY;

  constructor(state: SimState = emptySimState(), sites: SyncSites = {}) {
    this.#base = copySimState(state);
    this.state = copySimState(state);
    this.#sites = sites;
  }

  /** Operations so far (flushes included): the cut points. */
  get operations(): number {
    return this.#log.length;
  }

  opAt(index: number): SimOp | undefined {
    return this.#log[index]?.op;
  }

  /** Indices of the operations before `k` that no flush before `k` made durable (flushes excluded). */
  volatileBefore(k: number): number[] {
    const out: number[] = [];
    for (let i = 0; i < k && i < this.#log.length; i += 1) {
      const entry = this.#log[i];
      if (entry === undefined || entry.op.k === 'fsync' || entry.op.k === 'fsyncDir') continue;
      if (entry.persistedBy === undefined || entry.persistedBy >= k) out.push(i);
    }
    return out;
  }

  /** The state after a power cut before operation `k`, with the volatile operations in `survivors` kept (`torn` kept half). */
  crashState(k: number, survivors: ReadonlySet<number> = new Set(), torn?: number): SimState {
    const state = copySimState(this.#base);
    state.nextIno = this.state.nextIno;
    for (let i = 0; i < k && i < this.#log.length; i += 1) {
      const entry = this.#log[i];
      if (entry === undefined) continue;
      const durable = entry.persistedBy !== undefined && entry.persistedBy < k;
      if (durable || survivors.has(i) || torn === i) apply(state, entry.op, torn === i && !durable);
    }
    // Names whose directory was lost are lost too.
    for (const path of [...state.entries.keys()].sort()) {
      if (path !== '' && state.entries.get(parentOf(path))?.kind !== 'dir') state.entries.delete(path);
    }
    return state;
  }

  #record(op: SimOp): void {
    const index = this.#log.length;
    this.#log.push({ op, persistedBy: undefined });
    apply(this.state, op);
    if (op.k === 'fsync' || op.k === 'fsyncDir') {
      for (const entry of this.#log) {
        if (entry.persistedBy !== undefined) continue;
        const o = entry.op;
        const covered =
          op.k === 'fsync'
            ? (o.k === 'data' || o.k === 'trunc') && o.ino === op.ino
            : ((o.k === 'link' || o.k === 'unlink') && parentOf(o.path) === op.dir) || (o.k === 'rename' && parentOf(o.to) === op.dir);
        if (covered) entry.persistedBy = index;
      }
    }
  }

  #file(file: string): number {
    const node = this.state.entries.get(file);
    if (node?.kind !== 'file') throw notFound(file);
    return node.ino;
  }

  #checkSpace(extra: number): void {
    let used = 0;
    for (const node of this.state.entries.values()) if (node.kind === 'file') used += this.state.inodes.get(node.ino)?.byteLength ?? 0;
    if (used + extra > this.capacity) throw enospc();
  }

  realPath(path: string): string {
    return `sim:/${path}`;
  }

  read(file: string): Uint8Array | undefined {
    const node = this.state.entries.get(file);
    if (node?.kind !== 'file') return undefined;
    return Uint8Array.from(this.state.inodes.get(node.ino) ?? new Uint8Array(0));
  }

  list(dir: string): string[] {
    const prefix = dir === '' ? '' : `${dir}/`;
    return [...this.state.entries.keys()]
      .filter((p) => p !== '' && parentOf(p) === dir && p.startsWith(prefix))
      .map((p) => p.slice(prefix.length))
      .sort();
  }

  isDir(path: string): boolean {
    return this.state.entries.get(path)?.kind === 'dir';
  }

  #create(file: string): number {
    if (this.state.entries.get(parentOf(file))?.kind !== 'dir') throw notFound(parentOf(file));
    const node = this.state.entries.get(file);
    if (node?.kind === 'file') return node.ino;
    const ino = this.state.nextIno;
    this.state.nextIno += 1;
    this.#record({ k: 'link', path: file, node: { kind: 'file', ino } });
    return ino;
  }

  write(file: string, bytes: Uint8Array): void {
    this.#checkSpace(bytes.byteLength);
    const ino = this.#create(file);
    this.#record({ k: 'data', ino, offset: 0, bytes: Uint8Array.from(bytes), replace: true });
  }

  writeNew(file: string, bytes: Uint8Array): boolean {
    if (this.state.entries.has(file)) return false;
    this.write(file, bytes);
    return true;
  }

  /** Lands at once (in program order, as the harness counts operations); a failure rejects this call. */
  writeAt(file: string, offset: number, bytes: Uint8Array): Promise<void> {
    try {
      this.#checkSpace(bytes.byteLength);
      this.#record({ k: 'data', ino: this.#file(file), offset, bytes: Uint8Array.from(bytes), replace: false });
      return Promise.resolve();
    } catch (error) {
      return Promise.reject(error instanceof Error ? error : new Error(String(error)));
    }
  }

  /** At once, file by file, in program order (each unlink an operation the harness cuts at). */
  discard(dir: string): void {
    removeTree(this, dir);
  }

  drain(): Promise<void> {
    return Promise.resolve();
  }

  truncate(file: string, size: number): void {
    this.#record({ k: 'trunc', ino: this.#file(file), size });
  }

  fsync(file: string, site?: string): void {
    if (this.#leftOut(site)) return;
    this.#record({ k: 'fsync', ino: this.#file(file), path: file });
  }

  /** Reports a named fsync site, and whether the mutation check leaves it out. */
  #leftOut(site: string | undefined): boolean {
    if (site === undefined) return false;
    this.#sites.onSync?.(site);
    return this.#sites.skip?.has(site) === true;
  }

  rename(from: string, to: string): void {
    if (!this.state.entries.has(from)) throw notFound(from);
    this.#record({ k: 'rename', from, to });
  }

  fsyncDir(dir: string, site?: string): void {
    if (this.#leftOut(site)) return;
    if (!this.isDir(dir)) throw notFound(dir);
    this.#record({ k: 'fsyncDir', dir });
  }

  mkdir(dir: string): void {
    if (this.state.entries.has(dir)) return;
    if (!this.isDir(parentOf(dir))) throw notFound(parentOf(dir));
    this.#record({ k: 'link', path: dir, node: { kind: 'dir' } });
  }

  unlink(file: string): void {
    if (this.state.entries.get(file)?.kind === 'file') this.#record({ k: 'unlink', path: file });
  }

  rmdir(dir: string): void {
    if (this.isDir(dir) && this.list(dir).length === 0) this.#record({ k: 'unlink', path: dir });
  }
}
