import { readdirSync, readFileSync, readlinkSync } from 'node:fs';
import { chmod, mkdtemp, readFile, rm } from 'node:fs/promises';
import { createConnection, createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { Device, provision } from '@fwkit/device-install';
import type { Grants } from '@fwkit/device-core';
import { CONTROLS, DOMAIN_LIMITS, startFirmware, type Control, type FirmwareRunner } from '@fwkit/device-run';
import { describeWithTools, makeImage, OS_ISOLATION, type MadeImage } from '@fwkit/test-utils';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { identity, now, rootJson, stream } from '../packages/device/install/src/device.test-support.js';
import { bundlePlatform, PLATFORM_DIR, type Bundle } from '../platform/test/bundle.js';

// Issue 11: the OS is the boundary between the domains. Real processes, real sandboxes (bwrap,
// setpriv, unshare, cgroups, seccomp) on devices provisioned with images signed by the test keys:
// a hostile protocol domain whose every attack is denied, and succeeds once the controls that
// deny it are switched off (a test-only switch of the launcher); /proc of each running domain
// against its grants; a killed protocol domain restarted while the core keeps acquiring; a killed
// core on a trial boot reverts the device. Every product booting isolated: test/device-e2e.test.ts.

const DRIVERS = join(PLATFORM_DIR, 'test/fixtures/test-drivers.ts');
const BUILD = { model: 'test-cam', modelName: 'Test Camera 320', firmware: '2.3.4', platform: '1.4.0', hardwareRevisions: ['A', 'B'] };
const ALLOCATE_MIB = 512;

let work: string;
let host: Server;
let hostPort: number;
let hostConnections = 0;
let bundle: Bundle;
let grants: Record<string, Grants>;
let goodDir: string;
let hostileDir: string;

const text = (s: string) => new TextEncoder().encode(s);

/** A signed image of the platform's domains (their real grants), `protocol` replaced when given. */
async function platformImage(from: Bundle, firmware: string, protocol?: string): Promise<MadeImage> {
  const bytes = async (domain: string) => new Uint8Array(await readFile(join(from.dir, domain, 'main.js')));
  return makeImage({
    blockSize: 4096,
    firmware,
    security: 1,
    payloads: [
      { path: 'supervisor/main.js', domain: 'supervisor', bytes: await bytes('supervisor') },
      { path: 'core/main.js', domain: 'core', bytes: await bytes('core') },
      { path: 'protocol/main.js', domain: 'protocol', bytes: protocol === undefined ? await bytes('protocol') : text(protocol) },
    ],
    mutateManifest: (manifest) => {
      for (const [name, domain] of Object.entries(manifest.domains as Record<string, { grants: Grants }>)) {
        domain.grants = grants[name] ?? domain.grants;
      }
    },
  });
}

beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'fwkit-isolation-'));
  // With the mount view switched off the domains see the host: their uids must reach the slot as on a device.
  await chmod(work, 0o755);
  host = createServer((socket) => {
    hostConnections++;
    socket.on('error', () => undefined); // the hostile domain hangs up at once
    socket.end('host\n');
  });
  await new Promise<void>((resolve) => host.listen(0, '127.0.0.1', resolve));
  hostPort = (host.address() as { port: number }).port;
  grants = Object.fromEntries(
    Object.entries(
      (JSON.parse(await readFile(join(PLATFORM_DIR, 'platform.json'), 'utf8')) as { domains: Record<string, { grants: Grants }> }).domains,
    ).map(([name, d]) => [name, d.grants]),
  );
  bundle = await bundlePlatform(DRIVERS, BUILD);
  goodDir = join(work, 'good');
  hostileDir = join(work, 'hostile');
  const targets = {
    deviceKey: join(hostileDir, 'device-key.pem'),
    bootRecord: join(hostileDir, 'boot', 'record.0'),
    slotFile: join(hostileDir, 'slots', 'a', 'payload', 'core', 'main.js'),
    hostPort,
    allocateMiB: ALLOCATE_MIB,
  };
  const hostile = `const TARGETS = ${JSON.stringify(targets)};\n${await readFile(join(import.meta.dirname, 'fixtures', 'hostile', 'protocol.cjs'), 'utf8')}`;
  const [good, bad] = await Promise.all([platformImage(bundle, BUILD.firmware), platformImage(bundle, BUILD.firmware, hostile)]);
  await provision(goodDir, { identity: identity(), trustRoot: rootJson, factoryImage: stream(good.bytes), device: { now } });
  await provision(hostileDir, { identity: identity(), trustRoot: rootJson, factoryImage: stream(bad.bytes), device: { now } });
}, 120_000);

afterAll(async () => {
  host.close();
  await bundle.remove();
  await rm(work, { recursive: true, force: true });
});

/** The launcher, with every stderr line of the domains kept in `lines`. */
const recording =
  (lines: string[]): FirmwareRunner =>
  (launch) =>
    startFirmware({ ...launch, log: (line) => lines.push(line) });

type Outcome = { readonly ok: true; readonly detail?: unknown } | { readonly ok: false; readonly code: string };

/**
 * Whether the hostile domain's server answers on this loopback port of the host. It greets with
 * `hostile`: a port number inside the domain's own namespace may be in use on the host by another
 * test's server, which is no proof that the domain's port is reachable.
 */
function reachable(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = createConnection(port, '127.0.0.1');
    let greeting = '';
    socket.setEncoding('utf8');
    socket.on('data', (chunk: string) => (greeting += chunk));
    socket.once('close', () => {
      resolve(greeting.startsWith('hostile'));
    });
    socket.once('error', () => {
      resolve(false);
    });
    socket.setTimeout(2000, () => socket.destroy());
  });
}

interface HostileRun {
  readonly outcomes: Record<string, Outcome>;
  readonly lines: string[];
  /** Whether the port the domain bound took a connection from the host, while it ran. */
  readonly boundReachable: boolean | undefined;
}

/** Boots the hostile device with `without` switched off; its protocol domain's report and every log line. */
async function hostileBoot(without: readonly Control[]): Promise<HostileRun> {
  const lines: string[] = [];
  let knock: Promise<boolean> | undefined;
  const runner: FirmwareRunner = (launch) =>
    startFirmware({
      ...launch,
      log: (line) => {
        lines.push(line);
        if (!line.startsWith('HOSTILE {') || knock !== undefined) return;
        const bound = (JSON.parse(line.slice('HOSTILE '.length)) as Record<string, Outcome>)['bindPort'];
        knock = bound?.ok === true ? reachable(bound.detail as number) : Promise.resolve(false);
      },
    });
  // It never answers the health check: the launcher stops it after the timeout, the attacks done.
  await new Device(hostileDir, { now }).boot({ runner, isolation: 'os', withoutControls: without, healthTimeoutMs: 12_000 });
  const report = lines.find((line) => line.startsWith('HOSTILE {'));
  if (report === undefined) throw new Error(`no report from the hostile domain:\n${lines.join('\n')}`);
  return { outcomes: JSON.parse(report.slice('HOSTILE '.length)) as Record<string, Outcome>, lines, boundReachable: await knock };
}

/** What denied an attack (its error code), or `allowed`. */
const verdictOf = (outcome: Outcome | undefined) => (outcome === undefined ? 'missing' : outcome.ok ? 'allowed' : outcome.code);

/**
 * Each attack, and what denies it as the controls are switched off one after another (CONTROLS'
 * order): the first code is what stops it with every control on; `allowed` once the last control
 * in its way is off.
 */
const EXPECTED: Readonly<Record<string, Readonly<Partial<Record<Control | 'all', string>>>>> = {
  readKeyStore: { all: 'ERR_ACCESS_DENIED', permission: 'ENOENT', mounts: 'EACCES', credentials: 'allowed' },
  writeBootRecord: { all: 'ERR_ACCESS_DENIED', permission: 'ENOENT', mounts: 'EACCES', credentials: 'allowed' },
  writeSlot: { all: 'ERR_ACCESS_DENIED', permission: 'ENOENT', mounts: 'EACCES', credentials: 'allowed' },
  startProgram: { all: 'ERR_ACCESS_DENIED', permission: 'EPERM', seccomp: 'allowed' },
  signalCore: { all: 'ERR_ACCESS_DENIED', permission: 'ESRCH', 'pid-ns': 'EPERM', credentials: 'allowed' },
  readCoreEnviron: { all: 'ERR_ACCESS_DENIED', permission: 'ESRCH', 'pid-ns': 'EACCES', credentials: 'allowed' },
  connectHost: { all: 'ENETUNREACH', 'net-ns': 'allowed' },
  // An empty network namespace binds any port: what matters is that nothing outside can reach it (checked below).
  bindPort: { all: 'allowed' },
};

describeWithTools(OS_ISOLATION, 'OS isolation of the domains (issue 11)', () => {
  it('a hostile protocol domain: every attack denied by the OS or the runtime, and allowed once the controls in its way are off', async () => {
    const steps: Array<Control | 'all'> = ['all', ...CONTROLS];
    const current: Record<string, string> = {};
    for (const [index, step] of steps.entries()) {
      const without = index === 0 ? [] : CONTROLS.slice(0, index);
      const before = hostConnections;
      const { outcomes, lines, boundReachable } = await hostileBoot(without);
      for (const [attack, expected] of Object.entries(EXPECTED)) {
        current[attack] = expected[step] ?? current[attack] ?? '?';
        expect(`${attack}: ${verdictOf(outcomes[attack])}`, `without ${without.join(', ') || 'nothing'}`).toBe(
          `${attack}: ${current[attack]}`,
        );
      }
      // A port bound inside the empty namespace is no port of the camera's: the host cannot reach it.
      expect(boundReachable).toBe(without.includes('net-ns'));
      // (A restarted domain attacks again: more than one connection once the namespace is off.)
      expect(hostConnections - before > 0).toBe(outcomes['connectHost']?.ok === true);
      // The flood: dropped and counted by the relay; the core never stops.
      expect(lines.some((line) => /\[supervisor\] dropped a message from protocol \(\d+ dropped\): IPC_MALFORMED/.test(line))).toBe(true);
      expect(lines.some((line) => /IPC_TOO_LARGE/.test(line))).toBe(true);
      expect(lines.some((line) => /\[supervisor\] denied \(\d+ dropped\): protocol may not send supervisor.shutdown/.test(line))).toBe(
        true,
      );
      expect(lines.filter((line) => line.startsWith('[launcher] core exited'))).toEqual([]);
      // Past its memory limit: killed by the kernel inside its own cgroup, or, without cgroups, it holds it all.
      if (without.includes('cgroups')) {
        expect(lines).toContain(`HOSTILE-ALLOCATED ${ALLOCATE_MIB}`);
      } else {
        expect(lines.some((line) => line.startsWith('HOSTILE-ALLOCATED'))).toBe(false);
        expect(lines).toContain('[launcher] protocol exited (SIGKILL); restarted when the relay asks');
      }
    }
  }, 300_000);

  it('each running domain: its uid, no-new-privileges, no capability, its own namespaces and cgroup limits, from /proc', async () => {
    const lines: string[] = [];
    const booted = await new Device(goodDir, { now }).boot({ runner: recording(lines), isolation: 'os', serve: true });
    const running = booted.running;
    try {
      expect(booted.verdict, lines.join('\n')).toMatchObject({ ok: true, isolation: 'os' });
      const groups = running?.groups() ?? new Map<string, number>();
      expect([...groups.keys()].sort()).toEqual(['core', 'protocol', 'supervisor']);
      const uids = new Map<string, number>();
      for (const [domain, pgid] of groups) {
        const pid = nodeOf(pgid);
        const status = readFileSync(`/proc/${pid}/status`, 'utf8');
        const field = (name: string) => new RegExp(`^${name}:[ \\t]*(.*)$`, 'm').exec(status)?.[1] ?? '';
        const [uid = '', , , fsuid = ''] = field('Uid').split(/\s+/);
        const [gid = ''] = field('Gid').split(/\s+/);
        uids.set(domain, Number(uid));
        expect({ domain, euid: fsuid, gid, groups: field('Groups'), nnp: field('NoNewPrivs'), seccomp: field('Seccomp') }).toEqual({
          domain,
          euid: uid,
          gid: uid,
          groups: '',
          nnp: '1',
          seccomp: '2',
        });
        for (const caps of ['CapInh', 'CapPrm', 'CapEff', 'CapBnd', 'CapAmb'])
          expect(`${domain} ${caps} ${field(caps)}`).toBe(`${domain} ${caps} 0000000000000000`);
        for (const ns of ['mnt', 'net', 'pid', 'ipc', 'uts']) {
          expect(
            `${domain} ${ns} ${readlinkSync(`/proc/${pid}/ns/${ns}`) === readlinkSync(`/proc/self/ns/${ns}`) ? 'shared' : 'own'}`,
          ).toBe(`${domain} ${ns} own`);
        }
        // The cgroups it is in, and their limits.
        const cgroups = readFileSync(`/proc/${pid}/cgroup`, 'utf8');
        const memory = /^\d+:memory:(.*)$/m.exec(cgroups)?.[1];
        const pids = /^\d+:pids:(.*)$/m.exec(cgroups)?.[1];
        expect(memory).toMatch(new RegExp(`^/fwkit/u\\d+/${domain}$`));
        const limits = DOMAIN_LIMITS[domain];
        expect(Number(readFileSync(`/sys/fs/cgroup/memory${memory ?? ''}/memory.limit_in_bytes`, 'utf8'))).toBe(limits?.memoryBytes);
        expect(Number(readFileSync(`/sys/fs/cgroup/pids${pids ?? ''}/pids.max`, 'utf8'))).toBe(limits?.pids);
        // No interface but the namespace's own loopback (down): nothing to reach, nothing to be reached on.
        const interfaces = readFileSync(`/proc/${pid}/net/dev`, 'utf8')
          .split('\n')
          .slice(2)
          .flatMap((line) => /^\s*([^:\s]+):/.exec(line)?.[1] ?? []);
        expect(`${domain} ${interfaces.join(',')}`).toBe(`${domain} lo`);
      }
      // Each grant user its own id: consecutive, in the order of the sorted names, clear of system accounts.
      const core = uids.get('core') ?? 0;
      expect(core).toBeGreaterThanOrEqual(100_000);
      expect([uids.get('protocol'), uids.get('supervisor')]).toEqual([core + 1, core + 2]);
    } finally {
      await running?.stop();
    }
  });

  it('killing the protocol domain: the core keeps acquiring and the launcher restarts the protocol domain on the relay’s request', async () => {
    const lines: string[] = [];
    const booted = await new Device(goodDir, { now }).boot({ runner: recording(lines), isolation: 'os', serve: true });
    const running = booted.running;
    try {
      expect(booted.verdict.ok, lines.join('\n')).toBe(true);
      if (!booted.verdict.ok || running === undefined) return;
      const api = `http://127.0.0.1:${booted.verdict.port}/api/health`;
      const corePid = nodeOf(running.groups().get('core') ?? 0);
      process.kill(nodeOf(running.groups().get('protocol') ?? 0), 'SIGKILL');
      const killedAt = Date.now();
      let health: { core: { seq: number; uptimeMs: number; frames: { produced: number } } | null } | undefined;
      for (let tries = 0; tries < 100 && health?.core === undefined; tries++) {
        await sleep(100);
        health = await fetch(api)
          .then((res) => (res.ok ? (res.json() as Promise<typeof health>) : undefined))
          .catch(() => undefined);
        if (health?.core === null) health = undefined;
      }
      expect(health?.core, lines.join('\n')).toBeDefined();
      expect(running.restarts().get('protocol')).toBe(1);
      // The same core, acquiring since before the kill.
      expect(nodeOf(running.groups().get('core') ?? 0)).toBe(corePid);
      expect(health?.core?.uptimeMs).toBeGreaterThan(Date.now() - killedAt);
      expect(health?.core?.frames.produced).toBeGreaterThan(0);
      expect(lines).toContain('[launcher] protocol exited (SIGKILL); restarted when the relay asks');
    } finally {
      await running?.stop();
    }
  });

  it('killing the core during a trial boot is a failed health check: the device reverts', async () => {
    const trialBundle = await bundlePlatform(DRIVERS, { ...BUILD, firmware: '2.4.0' });
    try {
      const device = new Device(goodDir, { now });
      await device.install(stream((await platformImage(trialBundle, '2.4.0')).bytes));
      const lines: string[] = [];
      const killer = new AbortController();
      const booted = await device.boot({
        isolation: 'os',
        runner: (launch) => {
          // The core of this trial: the first uid of the device's range, running the trial's bundle.
          if (launch.isolation.mode === 'os') void killCore(launch.isolation.uidBase, killer.signal);
          return recording(lines)(launch);
        },
      });
      killer.abort();
      expect(booted.trial).toBe('reverted');
      expect(booted.status.last.reason).toContain('the core domain was killed by SIGKILL');
      expect(booted.status.committed?.version).toBe(BUILD.firmware);
    } finally {
      await trialBundle.remove();
    }
  });
});

/** The node process of a domain's process group (its sandbox chain: sh, unshare and bwrap exec'd into each other, bwrap's reaper, node). */
function nodeOf(pgid: number): number {
  for (const pid of readdirSync('/proc').filter((name) => /^\d+$/.test(name))) {
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      const program = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0')[0] ?? '';
      if (Number(fields[2]) === pgid && program.endsWith('/node')) return Number(pid);
    } catch {
      // exited while listed
    }
  }
  throw new Error(`no node process in group ${pgid}`);
}

/** Kills the first process running as `uid` (the device's core) with SIGKILL, as soon as it appears. */
async function killCore(uid: number, signal: AbortSignal): Promise<void> {
  while (!signal.aborted) {
    for (const pid of readdirSync('/proc').filter((name) => /^\d+$/.test(name))) {
      try {
        if (new RegExp(`^Uid:\\s+${uid}\\s`, 'm').test(readFileSync(`/proc/${pid}/status`, 'utf8'))) {
          process.kill(Number(pid), 'SIGKILL');
          return;
        }
      } catch {
        // exited while listed
      }
    }
    await sleep(20);
  }
}
