import { parseJsonBytes } from '@fwkit/device-core';
import { procStat } from '@fwkit/device-run';
import { InstallError } from './errors.js';
import { LAYOUT } from './record.js';
import type { DeviceStorage } from './storage.js';

/** Who holds the device lock (install.lock). */
export interface LockHolder {
  readonly pid: number;
  /** The holder's start time (field 22 of /proc/<pid>/stat); null where /proc is not readable. */
  readonly startTime?: string | null;
  /** The operation that took the lock: install, boot, commit or revert. */
  readonly operation?: string;
}

/** Field 22 (starttime, clock ticks since boot) of /proc/<pid>/stat; null when it cannot be read. */
export function processStartTime(pid: number): string | null {
  return procStat(pid)?.[19] ?? null;
}

function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * The stale rule: a lock is stale when its holder's pid is not a live process, or when that pid
 * now belongs to another process (its start time differs from the one recorded: the pid was reused).
 */
export function holderIsGone(holder: LockHolder): boolean {
  if (!pidAlive(holder.pid)) return true;
  if (holder.startTime === undefined || holder.startTime === null) return false;
  const current = processStartTime(holder.pid);
  return current !== null && current !== holder.startTime;
}

function holderOf(bytes: Uint8Array): LockHolder | undefined {
  try {
    const v = parseJsonBytes(bytes, LAYOUT.lock) as Record<string, unknown>;
    const { pid, startTime, operation } = v;
    if (!Number.isSafeInteger(pid) || (pid as number) <= 0) return undefined;
    return {
      pid: pid as number,
      startTime: typeof startTime === 'string' ? startTime : null,
      ...(typeof operation === 'string' ? { operation } : {}),
    };
  } catch {
    return undefined;
  }
}

/**
 * Takes the device lock for one state-changing operation and returns its release. The lock file is
 * created whole (DeviceStorage.writeNew) and made durable, so it outlives a crash of its holder;
 * a stale one (`isStale`, default `holderIsGone`; a lock that does not parse is stale) is removed
 * and taken over. A live holder: INSTALL_LOCKED.
 */
export function takeLock(storage: DeviceStorage, operation: string, isStale: (holder: LockHolder) => boolean = holderIsGone): () => void {
  const self: LockHolder = { pid: process.pid, startTime: processStartTime(process.pid), operation };
  const bytes = new TextEncoder().encode(`${JSON.stringify(self)}\n`);
  for (let tries = 0; tries < 2; tries += 1) {
    if (storage.writeNew(LAYOUT.lock, bytes)) {
      storage.fsync(LAYOUT.lock);
      storage.fsyncDir('');
      return () => {
        storage.unlink(LAYOUT.lock);
        storage.fsyncDir('');
      };
    }
    const existing = storage.read(LAYOUT.lock);
    if (existing === undefined) continue; // released meanwhile
    const holder = holderOf(existing);
    if (holder !== undefined && !isStale(holder)) {
      throw new InstallError(
        'INSTALL_LOCKED',
        `the device is locked by process ${holder.pid} (${holder.operation ?? 'unknown operation'})`,
        {
          details: { lock: LAYOUT.lock, pid: holder.pid, operation: holder.operation ?? null },
        },
      );
    }
    storage.unlink(LAYOUT.lock);
  }
  throw new InstallError('INSTALL_LOCKED', 'the device lock changed hands while it was being taken', { details: { lock: LAYOUT.lock } });
}
