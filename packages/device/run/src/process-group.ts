import { readdirSync, readFileSync } from 'node:fs';

/**
 * The firmware runs in its own process group (spawned detached: the group id is the
 * supervisor's pid), and core and protocol inherit it. Signalling the group reaches every
 * domain even when the supervisor is already gone, so no domain outlives a stop.
 */

function isNoSuchProcess(error: unknown): boolean {
  return error instanceof Error && (error as NodeJS.ErrnoException).code === 'ESRCH';
}

/** Sends `signal` to every process of the group; false when the group is empty. */
export function signalGroup(pgid: number, signal: NodeJS.Signals | 0): boolean {
  try {
    process.kill(-pgid, signal);
    return true;
  } catch (error) {
    if (isNoSuchProcess(error)) return false;
    throw error;
  }
}

/**
 * The fields of /proc/<pid>/stat after the command name (field 2, which may hold spaces and
 * parentheses: counted from its closing one), so that [0] is field 3 (state); undefined when it
 * cannot be read (the process exited, or there is no /proc).
 */
export function procStat(pid: number | string): string[] | undefined {
  let stat: string;
  try {
    stat = readFileSync(`/proc/${pid}/stat`, 'latin1');
  } catch {
    return undefined;
  }
  return stat.slice(stat.lastIndexOf(')') + 2).split(' ');
}

/**
 * Whether any process of the group still runs. A zombie does not count: an orphaned domain
 * is reparented to PID 1, which may be slow to reap it (or, in a container, never), but it
 * runs no code and holds no port. Without /proc, a member answering signal 0 counts as running.
 */
export function groupRunning(pgid: number): boolean {
  if (!signalGroup(pgid, 0)) return false;
  let pids: string[];
  try {
    pids = readdirSync('/proc').filter((name) => /^\d+$/.test(name));
  } catch {
    return true;
  }
  return pids.some((pid) => {
    const [state, , pgrp] = procStat(pid) ?? [];
    return Number(pgrp) === pgid && state !== 'Z' && state !== 'X';
  });
}
