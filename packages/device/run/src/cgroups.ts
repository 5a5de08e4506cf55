import { existsSync } from 'node:fs';
import { mkdir, rmdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';

/**
 * Per-domain cgroups: memory, process count and CPU, so that one domain cannot exhaust the camera
 * and take another down with it (an out-of-memory kill stays inside the domain's group). Both
 * hierarchies are handled: cgroup v1 (one tree per controller, as on this project's CI machines)
 * and v2 (one unified tree).
 */

export interface DomainLimits {
  readonly memoryBytes: number;
  /** Tasks, threads included: Node runs about a dozen. */
  readonly pids: number;
  /** Share of one CPU, in percent; undefined for no quota. */
  readonly cpuPercent?: number;
}

const MiB = 1024 * 1024;

/**
 * The launcher's built-in limits, by domain name (the signed grants carry none; adding them
 * would need a new image format). The core keeps the CPU it needs; the outward-facing protocol
 * and the relay get half and a quarter of one CPU.
 */
export const DOMAIN_LIMITS: Readonly<Record<string, DomainLimits>> = {
  supervisor: { memoryBytes: 96 * MiB, pids: 32, cpuPercent: 25 },
  core: { memoryBytes: 256 * MiB, pids: 64 },
  protocol: { memoryBytes: 160 * MiB, pids: 32, cpuPercent: 50 },
};
const OTHER_DOMAIN: DomainLimits = { memoryBytes: 96 * MiB, pids: 32, cpuPercent: 25 };

export const limitsOf = (domain: string): DomainLimits => DOMAIN_LIMITS[domain] ?? OTHER_DOMAIN;

const ROOT = '/sys/fs/cgroup';
const V1_CONTROLLERS = ['memory', 'pids', 'cpu'] as const;
const CPU_PERIOD_US = 100_000;

export type CgroupVersion = 1 | 2;

/** Which hierarchy the host has, or why none is usable. */
export function cgroupVersion(): CgroupVersion | string {
  if (existsSync(join(ROOT, 'cgroup.controllers'))) return 2;
  const missing = V1_CONTROLLERS.filter((controller) => !existsSync(join(ROOT, controller, 'cgroup.procs')));
  if (missing.length === 0) return 1;
  return `no cgroup v2 at ${ROOT} and no v1 ${missing.join(', ')} controller`;
}

/** One domain's group in each hierarchy. */
export interface DomainCgroup {
  /** The cgroup.procs files a process writes its pid into to join. */
  readonly procs: readonly string[];
  /** The group directories (for tests and the health report). */
  readonly dirs: readonly string[];
  /** Removes the groups once their processes are gone (see removeGroup). */
  remove(): Promise<void>;
}

/**
 * Removes an empty group, retrying while the kernel still holds it (a v1 memory group stays busy
 * for a moment after its last process exits); then the device's group, once its last domain's
 * is gone. A group left behind is harmless (empty, reused by the next boot): never an error.
 */
async function removeGroup(dir: string): Promise<void> {
  for (const target of [dir, join(dir, '..')]) {
    for (let attempt = 0; attempt < 40; attempt++) {
      try {
        await rmdir(target);
        break;
      } catch (error) {
        const code = (error as NodeJS.ErrnoException).code;
        if (code === 'ENOENT') break;
        if (code !== 'EBUSY' || target !== dir) return;
        await sleep(50);
      }
    }
  }
}

/** Creates (or reuses) `fwkit/<device>/<domain>` with `limits`; rejects when the host refuses. */
export async function createDomainCgroup(
  version: CgroupVersion,
  device: string,
  domain: string,
  limits: DomainLimits,
): Promise<DomainCgroup> {
  const files: Array<[string, string]> = [];
  let dirs: string[];
  if (version === 1) {
    dirs = V1_CONTROLLERS.map((controller) => join(ROOT, controller, 'fwkit', device, domain));
    const [memory = '', pids = '', cpu = ''] = dirs;
    files.push(
      [join(memory, 'memory.limit_in_bytes'), String(limits.memoryBytes)],
      [join(pids, 'pids.max'), String(limits.pids)],
      [join(cpu, 'cpu.cfs_period_us'), String(CPU_PERIOD_US)],
      [join(cpu, 'cpu.cfs_quota_us'), limits.cpuPercent === undefined ? '-1' : String((CPU_PERIOD_US * limits.cpuPercent) / 100)],
    );
  } else {
    const dir = join(ROOT, 'fwkit', device, domain);
    dirs = [dir];
    // A v2 controller reaches a group only when every ancestor enables it for its children.
    for (const parent of [ROOT, join(ROOT, 'fwkit'), join(ROOT, 'fwkit', device)]) {
      await mkdir(parent, { recursive: true });
      await writeFile(join(parent, 'cgroup.subtree_control'), '+memory +pids +cpu');
    }
    files.push(
      [join(dir, 'memory.max'), String(limits.memoryBytes)],
      [join(dir, 'memory.swap.max'), '0'],
      [join(dir, 'pids.max'), String(limits.pids)],
      [join(dir, 'cpu.max'), limits.cpuPercent === undefined ? 'max' : `${(CPU_PERIOD_US * limits.cpuPercent) / 100} ${CPU_PERIOD_US}`],
    );
  }
  for (const dir of dirs) await mkdir(dir, { recursive: true });
  for (const [file, value] of files) await writeFile(file, value);
  return {
    procs: dirs.map((dir) => join(dir, 'cgroup.procs')),
    dirs,
    remove: async () => {
      for (const dir of dirs) await removeGroup(dir);
    },
  };
}
