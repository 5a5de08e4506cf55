import { describe, expect, it } from 'vitest';
import {
  ACTIVE_SLOT,
  CONTROLS,
  hostPathOf,
  idsOf,
  permissionFlags,
  sandboxCommand,
  stateDirsOf,
  type Control,
  type SandboxPlan,
} from './sandbox.js';

const grants = {
  user: 'fw-core',
  listen: [],
  read: [ACTIVE_SLOT, '/dev/video0', '/sys/class/thermal'],
  write: ['/dev/ttyS1', '/run/fwkit/core'],
  ipc: [],
};

const plan = (without: readonly Control[] = [], nodeMajor = 24): SandboxPlan => ({
  domain: 'core',
  entry: 'core/main.js',
  grants,
  uid: 100_000,
  gid: 100_000,
  controls: new Set(CONTROLS.filter((c) => !without.includes(c))),
  node: '/opt/node/bin/node',
  nodeMajor,
  tools: { sh: '/bin/sh', unshare: '/usr/bin/unshare', bwrap: '/usr/bin/bwrap', setpriv: '/usr/bin/setpriv' },
  payloadDir: '/dev-dir/slots/a/payload',
  stateDir: '/dev-dir/run',
  cgroupProcs: ['/sys/fs/cgroup/memory/fwkit/u100000/core/cgroup.procs'],
  env: { FWKIT_DOMAIN: 'core' },
});

const argv = (p: SandboxPlan) => {
  const { file, args } = sandboxCommand(p);
  return [file, ...args];
};
/** The values that follow each occurrence of `flag`. */
const after = (args: readonly string[], flag: string, count = 1) =>
  args.flatMap((arg, i) => (arg === flag ? [args.slice(i + 1, i + 1 + count).join(' ')] : []));

describe('the sandbox command of a domain', () => {
  it('chains the controls in order: cgroups, network, namespaces and mounts, credentials, node with permissions', () => {
    const args = argv(plan());
    const programs = ['/bin/sh', '/usr/bin/unshare', '/usr/bin/bwrap', '/usr/bin/setpriv', '/opt/node/bin/node'];
    const at = programs.map((p) => args.lastIndexOf(p));
    expect(at.every((i, n) => i > (at[n - 1] ?? -1))).toBe(true);
    expect(args.at(-1)).toBe(`${ACTIVE_SLOT}/core/main.js`);
    expect(args.slice(args.indexOf('/usr/bin/setpriv', args.indexOf('--seccomp')))).toEqual([
      '/usr/bin/setpriv',
      '--reuid=100000',
      '--regid=100000',
      '--clear-groups',
      '--no-new-privs',
      '--bounding-set=-all',
      '--inh-caps=-all',
      '--',
      '/opt/node/bin/node',
      '--permission',
      `--allow-fs-read=${ACTIVE_SLOT}`,
      '--allow-fs-read=/dev/video0',
      '--allow-fs-read=/sys/class/thermal',
      '--allow-fs-read=/dev/ttyS1',
      '--allow-fs-read=/run/fwkit/core',
      '--allow-fs-write=/dev/ttyS1',
      '--allow-fs-write=/run/fwkit/core',
      '--disable-warning=ExperimentalWarning',
      `${ACTIVE_SLOT}/core/main.js`,
    ]);
    expect(after(args, '--seccomp')).toEqual(['5']);
    expect(args).toContain('--unshare-pid');
    expect(args).toContain('--clearenv');
    expect(after(args, '--setenv', 2)).toEqual(['FWKIT_DOMAIN core']);
  });

  it('mounts only node, its libraries, setpriv, the slot read-only and the grants, on a tmpfs root', () => {
    const args = argv(plan());
    expect(after(args, '--tmpfs')).toEqual(['/']);
    expect(after(args, '--ro-bind', 2)).toEqual([
      '/opt/node/bin/node /opt/node/bin/node',
      '/usr/bin/setpriv /usr/bin/setpriv',
      `/dev-dir/slots/a/payload ${ACTIVE_SLOT}`,
    ]);
    expect(after(args, '--ro-bind-try', 2)).toContain('/sys/class/thermal /sys/class/thermal');
    // Device nodes keep their device semantics; /run grants are the device's state, writable.
    expect(after(args, '--dev-bind-try', 2)).toEqual(['/dev/video0 /dev/video0', '/dev/ttyS1 /dev/ttyS1']);
    expect(after(args, '--bind', 2)).toEqual(['/dev-dir/run/run/fwkit/core /run/fwkit/core']);
    // Every directory above a mount point is made 0755 first (bwrap would make it 0700, closed to the domain).
    expect(after(args, '--dir')).toEqual(
      expect.arrayContaining(['/opt', '/opt/fwkit', '/opt/node/bin', '/usr/bin', '/run/fwkit', '/sys/class']),
    );
    expect(after(args, '--perms')).toEqual(after(args, '--dir').map(() => '0755'));
    expect(args.join(' ')).not.toContain('device-key');
  });

  it('each control switched off leaves out exactly its part', () => {
    const all = argv(plan());
    expect(argv(plan(['cgroups']))[0]).toBe('/usr/bin/unshare');
    expect(argv(plan(['cgroups', 'net-ns']))[0]).toBe('/usr/bin/bwrap');
    expect(argv(plan(['seccomp']))).not.toContain('--seccomp');
    expect(argv(plan(['pid-ns']))).not.toContain('--unshare-pid');
    expect(argv(plan(['credentials']))).not.toContain('/usr/bin/setpriv');
    const permissionless = argv(plan(['permission']));
    expect(permissionless.filter((a) => a.startsWith('--allow-fs') || a === '--permission')).toEqual([]);
    const hostView = argv(plan(['mounts']));
    expect(hostView).not.toContain('--tmpfs');
    expect(after(hostView, '--bind', 2)).toEqual(['/ /']);
    expect(hostView.at(-1)).toBe('/dev-dir/slots/a/payload/core/main.js');
    expect(hostView).toContain('--allow-fs-write=/dev-dir/run/run/fwkit/core');
    expect(all.length).toBeGreaterThan(hostView.length);
  });

  it('names the permission model by Node version; only a listening domain gets the network permission of Node 25', () => {
    expect(permissionFlags({ grants, nodeMajor: 20 }, (p) => p)[0]).toBe('--experimental-permission');
    expect(permissionFlags({ grants, nodeMajor: 22 }, (p) => p)[0]).toBe('--permission');
    expect(permissionFlags({ grants, nodeMajor: 25 }, (p) => p)).not.toContain('--allow-net');
    expect(permissionFlags({ grants: { ...grants, listen: ['127.0.0.1:8080'] }, nodeMajor: 25 }, (p) => p)).toContain('--allow-net');
    expect(permissionFlags({ grants: { ...grants, listen: ['127.0.0.1:8080'] }, nodeMajor: 24 }, (p) => p)).not.toContain('--allow-net');
  });

  it('maps grant users to ids by their sorted names, and grant paths to the host', () => {
    expect([...idsOf(['fw-supervisor', 'fw-core', 'fw-protocol', 'fw-core'], 5000)]).toEqual([
      ['fw-core', 5000],
      ['fw-protocol', 5001],
      ['fw-supervisor', 5002],
    ]);
    const where = { payloadDir: '/d/slots/b/payload', stateDir: '/d/run' };
    expect(hostPathOf(ACTIVE_SLOT, where)).toBe('/d/slots/b/payload');
    expect(hostPathOf('/run/fwkit', where)).toBe('/d/run/run/fwkit');
    expect(hostPathOf('/runner', where)).toBe('/runner');
    expect(hostPathOf('/dev/ttyS1', where)).toBe('/dev/ttyS1');
    expect(stateDirsOf(grants)).toEqual(['/run/fwkit/core']);
  });
});
