import { posix } from 'node:path';
import type { Grants } from '@fwkit/device-core';

/**
 * How one domain process is started under OS isolation: pure, from the domain's signed grants and
 * the host's facts to a command line (docs/security-domains.md, "The controls"). The chain, each
 * program executing the next, so that every step is in place before the firmware's first
 * instruction:
 *
 *   sh (joins the domain's cgroups) → unshare --net (a namespace with no interface) → bwrap (pid,
 *   ipc, uts and mount namespaces on a tmpfs root, the seccomp filter) → setpriv (the domain's
 *   uid and gid, no supplementary groups, no-new-privileges, empty bounding and inheritable sets)
 *   → node (the permission model) → the domain's bundle.
 */

/** Every control, in the order the attack tests switch them off. */
export const CONTROLS = ['permission', 'seccomp', 'mounts', 'pid-ns', 'net-ns', 'credentials', 'cgroups'] as const;
export type Control = (typeof CONTROLS)[number];

/** Where every domain sees the active slot's payload (the grant `read: ["/opt/fwkit/active"]`). */
export const ACTIVE_SLOT = '/opt/fwkit/active';
/** File descriptors a domain inherits: its IPC channel (the supervisor: the launcher's control channel). */
export const IPC_FD = 3;
/** The listening socket of a domain with a listen grant, bound by the launcher in the host's network namespace. */
export const LISTEN_FD = 4;
/** The seccomp program, read by bwrap (a pipe of the launcher; bwrap reads it to the end). */
export const SECCOMP_FD = 5;

/** Host programs of the chain, by absolute path. */
export interface HostTools {
  readonly sh: string;
  readonly unshare: string;
  readonly bwrap: string;
  readonly setpriv: string;
}

export interface SandboxPlan {
  readonly domain: string;
  /** The domain's bundle, relative to the payload directory. */
  readonly entry: string;
  readonly grants: Grants;
  readonly uid: number;
  readonly gid: number;
  /** The controls in force (all of CONTROLS, unless a test switched some off). */
  readonly controls: ReadonlySet<Control>;
  /** The node binary (a real path), its major version, and the chain's programs. */
  readonly node: string;
  readonly nodeMajor: number;
  readonly tools: HostTools;
  /** The slot's payload directory and the device's volatile state directory, on the host. */
  readonly payloadDir: string;
  readonly stateDir: string;
  /** The cgroup.procs files the domain joins (empty when the cgroups control is off). */
  readonly cgroupProcs: readonly string[];
  /** The domain's whole environment. */
  readonly env: Readonly<Record<string, string>>;
}

export interface SandboxCommand {
  readonly file: string;
  readonly args: readonly string[];
}

/** Directories a library of node may be in; bound read-only when they exist. */
const LIBRARY_DIRS = ['/lib', '/lib64', '/usr/lib', '/usr/lib64'];

/** Device nodes keep their device semantics (a bind elsewhere is `nodev`); their own modes decide access. */
const isDevicePath = (path: string) => path === '/dev' || path.startsWith('/dev/');

/** Where a grant's path lives on the host: the payload for the active slot, the device's state directory for /run, else itself. */
export function hostPathOf(path: string, plan: Pick<SandboxPlan, 'payloadDir' | 'stateDir'>): string {
  if (path === ACTIVE_SLOT) return plan.payloadDir;
  if (path === '/run' || path.startsWith('/run/')) return posix.join(plan.stateDir, path);
  return path;
}

/** The grant paths that are volatile state the launcher creates for the domain (writable, outside /dev). */
export function stateDirsOf(grants: Grants): readonly string[] {
  return grants.write.filter((path) => !isDevicePath(path));
}

/** Numeric ids of each grant user: `base` plus the user's index among the sorted names (no account on the host). */
export function idsOf(users: readonly string[], base: number): ReadonlyMap<string, number> {
  return new Map([...new Set(users)].sort().map((user, index) => [user, base + index]));
}

/** Node's permission model flags: the second layer (Node's docs: not a boundary against malicious code). */
export function permissionFlags(plan: Pick<SandboxPlan, 'grants' | 'nodeMajor'>, view: (path: string) => string): string[] {
  const read = [...new Set([ACTIVE_SLOT, ...plan.grants.read, ...plan.grants.write].map(view))];
  const write = [...new Set(plan.grants.write.map(view))];
  // Node 20 names it experimental. One flag per path: a comma-separated list does not work on Node 20.20.
  const flags = [
    plan.nodeMajor < 22 ? '--experimental-permission' : '--permission',
    ...read.map((path) => `--allow-fs-read=${path}`),
    ...write.map((path) => `--allow-fs-write=${path}`),
  ];
  // Node 25 added a network permission (all or nothing): only a domain that listens gets it.
  if (plan.nodeMajor >= 25 && plan.grants.listen.length > 0) flags.push('--allow-net');
  return [...flags, '--disable-warning=ExperimentalWarning'];
}

/** The directories above each mount point, made readable first: bwrap would create them with mode 0700, closed to the domain's uid. */
function parentDirs(points: readonly string[]): string[] {
  const dirs = new Set<string>();
  for (const point of points) {
    for (let dir = posix.dirname(point); dir !== '/' && !dirs.has(dir); dir = posix.dirname(dir)) dirs.add(dir);
  }
  return [...dirs].sort().flatMap((dir) => ['--perms', '0755', '--dir', dir]);
}

function bwrapArgs(plan: SandboxPlan, has: (control: Control) => boolean): string[] {
  const args = ['--die-with-parent', '--unshare-ipc', '--unshare-uts', '--unshare-cgroup-try', '--clearenv'];
  for (const [name, value] of Object.entries(plan.env)) args.push('--setenv', name, value);
  if (has('pid-ns')) args.push('--unshare-pid');
  if (has('mounts')) {
    const programs = [plan.node, ...(has('credentials') ? [plan.tools.setpriv] : [])];
    const readOnly = plan.grants.read.filter((path) => path !== ACTIVE_SLOT && !plan.grants.write.includes(path));
    args.push('--tmpfs', '/', ...parentDirs([...programs, ACTIVE_SLOT, ...readOnly, ...plan.grants.write]));
    for (const program of programs) args.push('--ro-bind', program, program);
    for (const dir of LIBRARY_DIRS) args.push('--ro-bind-try', dir, dir);
    args.push('--proc', '/proc', '--dev', '/dev');
    args.push('--ro-bind', plan.payloadDir, ACTIVE_SLOT);
    for (const path of readOnly) args.push(isDevicePath(path) ? '--dev-bind-try' : '--ro-bind-try', hostPathOf(path, plan), path);
    for (const path of plan.grants.write) args.push(isDevicePath(path) ? '--dev-bind-try' : '--bind', hostPathOf(path, plan), path);
    args.push('--chdir', ACTIVE_SLOT);
  } else {
    args.push('--bind', '/', '/', '--dev-bind', '/dev', '/dev');
    if (has('pid-ns')) args.push('--proc', '/proc');
    args.push('--chdir', plan.payloadDir);
  }
  if (has('seccomp')) args.push('--seccomp', String(SECCOMP_FD));
  return args;
}

/** The command that starts `plan.domain` with the controls in `plan.controls`. */
export function sandboxCommand(plan: SandboxPlan): SandboxCommand {
  const has = (control: Control) => plan.controls.has(control);
  const view = (path: string) => (has('mounts') ? path : hostPathOf(path, plan));
  const node = [plan.node, ...(has('permission') ? permissionFlags(plan, view) : []), posix.join(view(ACTIVE_SLOT), plan.entry)];
  const credentials = has('credentials')
    ? [
        plan.tools.setpriv,
        `--reuid=${plan.uid}`,
        `--regid=${plan.gid}`,
        '--clear-groups',
        '--no-new-privs',
        '--bounding-set=-all',
        '--inh-caps=-all',
        '--',
      ]
    : [];
  const sandbox = [plan.tools.bwrap, ...bwrapArgs(plan, has), '--', ...credentials, ...node];
  const network = has('net-ns') ? [plan.tools.unshare, '--net', '--', ...sandbox] : sandbox;
  if (!has('cgroups') || plan.cgroupProcs.length === 0) return { file: network[0] ?? '', args: network.slice(1) };
  // The shell writes its own pid into each cgroup, then becomes the chain: every later process is born inside.
  const join = 'for procs do [ "$procs" = -- ] && break; echo $$ > "$procs" || exit 125; shift; done; shift; exec "$@"';
  return { file: plan.tools.sh, args: ['-c', join, 'fwkit-cgroup', ...plan.cgroupProcs, '--', ...network] };
}
