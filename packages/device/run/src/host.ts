import { accessSync, constants, existsSync, realpathSync } from 'node:fs';
import { delimiter, join } from 'node:path';
import { cgroupVersion } from './cgroups.js';
import type { HostTools } from './sandbox.js';
import { noNewProcessesFilter } from './seccomp.js';

/**
 * What the host must offer before a firmware may start isolated. "No isolation, no boot": the
 * device refuses to boot and names each missing piece, unless it runs in the development mode
 * (`--no-isolation`).
 */

const TOOLS: ReadonlyArray<[keyof HostTools, string, string]> = [
  ['sh', 'sh', 'dash or any POSIX shell'],
  ['unshare', 'unshare', 'apt-get install util-linux'],
  ['bwrap', 'bwrap', 'apt-get install bubblewrap'],
  ['setpriv', 'setpriv', 'apt-get install util-linux'],
];
/** Looked up in these directories only: the launcher's own PATH could be anything. */
const SYSTEM_PATH = ['/usr/local/sbin', '/usr/local/bin', '/usr/sbin', '/usr/bin', '/sbin', '/bin'];

function findProgram(name: string): string | undefined {
  for (const dir of SYSTEM_PATH) {
    const path = join(dir, name);
    try {
      accessSync(path, constants.X_OK);
      return realpathSync(path);
    } catch {
      // not in this directory
    }
  }
  return undefined;
}

export interface IsolationHost {
  readonly tools: HostTools;
  readonly cgroups: 1 | 2;
  readonly seccomp: Buffer;
}

/** The host's means of isolation, or every reason it has none (empty list never returned). */
export function isolationHost(): IsolationHost | { readonly missing: readonly string[] } {
  const missing: string[] = [];
  const uid = process.geteuid?.();
  if (uid !== 0) missing.push(`root (running as uid ${uid ?? '?'}): other users' processes, namespaces and cgroups need it`);
  const tools: Partial<Record<keyof HostTools, string>> = {};
  for (const [key, name, install] of TOOLS) {
    const path = findProgram(name);
    if (path === undefined) missing.push(`${name} (${install}) in ${SYSTEM_PATH.join(delimiter)}`);
    else tools[key] = path;
  }
  for (const ns of ['mnt', 'net', 'pid', 'ipc', 'uts']) {
    if (!existsSync(`/proc/self/ns/${ns}`)) missing.push(`${ns} namespaces (a kernel built with them)`);
  }
  const cgroups = cgroupVersion();
  if (typeof cgroups === 'string') missing.push(`cgroups: ${cgroups}`);
  const seccomp = noNewProcessesFilter(process.arch);
  if (seccomp === undefined) missing.push(`a seccomp filter for ${process.arch}`);
  if (missing.length > 0 || typeof cgroups === 'string' || seccomp === undefined) return { missing };
  return { tools: tools as HostTools, cgroups, seccomp };
}
