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

/** The `state` and `pgrp` fields of /proc/<pid>/stat (after the parenthesised command name, which may hold anything). */
function statOf(pid: string): { state: string; pgrp: number } | undefined {
  let stat: string;
  try {
    stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return undefined; // exited while we looked
  }
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return { state: fields[0] ?? '', pgrp: Number(fields[2]) };
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
    const stat = statOf(pid);
    return stat !== undefined && stat.pgrp === pgid && stat.state !== 'Z' && stat.state !== 'X';
  });
}
