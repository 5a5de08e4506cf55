import { spawn, type ChildProcess } from 'node:child_process';
import { chmod, chown, mkdir } from 'node:fs/promises';
import { realpathSync } from 'node:fs';
import type { Socket } from 'node:net';
import { constants as osConstants } from 'node:os';
import type { Writable } from 'node:stream';
import { setTimeout as sleep } from 'node:timers/promises';
import { createDomainCgroup, limitsOf, type DomainCgroup } from './cgroups.js';
import { listenOn, socketPair, type Listener } from './channels.js';
import type { IsolationHost } from './host.js';
import { LineSplitter, Tail } from './output.js';
import { groupRunning, signalGroup } from './process-group.js';
import { CONTROLS, IPC_FD, LISTEN_FD, SECCOMP_FD, hostPathOf, idsOf, sandboxCommand, stateDirsOf, type Control } from './sandbox.js';
import type { DomainLaunch, FirmwareLaunch, Isolation } from './types.js';

/**
 * The privileged half of a running firmware: starts every domain of the slot in its own
 * sandbox and process group, hands the supervisor (an unprivileged relay) each domain's IPC
 * channel, restarts an outward-facing domain when the supervisor asks, and stops them all.
 *
 * Roles, from the signed grants: `supervisor` is the relay; a domain with a listen grant faces
 * the outside and is restarted with back-off when it dies (the camera keeps acquiring); any other
 * domain (core) is vital: its end, like the supervisor's, ends the firmware, which the health
 * check reports and a trial boot reverts.
 */

export const SUPERVISOR = 'supervisor';
/** After SIGTERM, how long a domain has before SIGKILL. */
export const STOP_GRACE_MS = 5000;
/** Restart back-off of an outward-facing domain: doubles from the first to the last, reset after a calm minute. */
const RESTART_FIRST_MS = 250;
const RESTART_LAST_MS = 8000;
const CALM_MS = 60_000;

/** How the firmware ended on its own: a vital domain (or the supervisor) exited, or could not be started. */
export type Ending =
  | { readonly kind: 'spawn-error'; readonly message: string }
  | {
      readonly kind: 'exit';
      readonly domain: string;
      readonly code: number | null;
      readonly signal: NodeJS.Signals | null;
      readonly stderr: string;
    };

/** The launcher's messages to and from the supervisor over the Node IPC control channel. */
export type ControlMessage =
  { readonly type: 'fwkit.attach'; readonly domain: string } | { readonly type: 'fwkit.restart'; readonly domain: string };

export interface Domains {
  /** The port the outward-facing domain listens on (bound by the launcher). */
  readonly port: number;
  readonly ended: Promise<Ending>;
  /** Settles when no process of any domain is left. */
  readonly exited: Promise<void>;
  /** The process group of each running domain (the group of its sandbox chain). */
  groups(): ReadonlyMap<string, number>;
  /** How often each domain was restarted. */
  restarts(): ReadonlyMap<string, number>;
  stop(): Promise<void>;
}

interface Running {
  readonly child: ChildProcess;
  readonly pgid: number | undefined;
  readonly started: number;
  readonly gone: Promise<void>;
}

const SIGNAL_NAMES = new Map(Object.entries(osConstants.signals).map(([name, number]) => [number, name as NodeJS.Signals]));

/** bwrap exits with 128 + n when the domain was killed by signal n (as a shell does): report the signal. */
function throughSandbox(code: number | null, signal: NodeJS.Signals | null): { code: number | null; signal: NodeJS.Signals | null } {
  const killedBy = code !== null && code > 128 ? SIGNAL_NAMES.get(code - 128) : undefined;
  return killedBy === undefined ? { code, signal } : { code: null, signal: killedBy };
}

function controlsOf(isolation: Isolation): ReadonlySet<Control> {
  if (isolation.mode === 'none') return new Set();
  const without = isolation.without ?? [];
  return new Set(CONTROLS.filter((control) => !without.includes(control)));
}

/** `host:port` of a listen grant (the schema has checked its form). */
function parseListen(address: string): { host: string; port: number } {
  const at = address.lastIndexOf(':');
  return { host: address.slice(0, at).replace(/^\[|\]$/g, ''), port: Number(address.slice(at + 1)) };
}

/**
 * Starts every domain of `launch` (the caller has checked the request and, for OS isolation, the
 * host). Rejects only when nothing could be set up (a cgroup, a state directory, the listening
 * socket); a domain that fails to start ends the firmware instead.
 */
export async function startDomains(launch: FirmwareLaunch, host: IsolationHost | undefined): Promise<Domains> {
  const controls = controlsOf(launch.isolation);
  const sandboxed = launch.isolation.mode === 'os';
  const node = realpathSync(process.execPath);
  const nodeMajor = Number(process.versions.node.split('.')[0]);
  const names = Object.keys(launch.domains).sort((a, b) => (a === SUPERVISOR ? -1 : b === SUPERVISOR ? 1 : a < b ? -1 : 1));
  const ids = idsOf(
    names.map((name) => launch.domains[name]?.grants.user ?? name),
    launch.isolation.mode === 'os' ? launch.isolation.uidBase : 0,
  );
  const idOf = (domain: DomainLaunch) => ids.get(domain.grants.user) ?? 0;
  const outward = names.filter((name) => (launch.domains[name]?.grants.listen.length ?? 0) > 0);
  const tail = new Tail();
  const cgroups = new Map<string, DomainCgroup>();
  const running = new Map<string, Running>();
  const restartCounts = new Map<string, number>();
  const failures = new Map<string, number>();
  /** Outward-facing domains the relay asked to restart while they were still exiting. */
  const wanted = new Set<string>();
  /** How long each outward-facing domain's last run lasted (a calm one resets its back-off). */
  const lives = new Map<string, number>();
  const listenAt = new Map<string, { host: string; port: number }>();
  let stopping = false;
  let endFirmware: (ending: Ending) => void = () => undefined;
  const ended = new Promise<Ending>((resolve) => {
    endFirmware = resolve;
  });

  if (launch.isolation.mode === 'os' && host !== undefined) {
    const device = `u${launch.isolation.uidBase}`;
    try {
      for (const name of names) {
        const domain = launch.domains[name] as DomainLaunch;
        if (controls.has('cgroups')) cgroups.set(name, await createDomainCgroup(host.cgroups, device, name, limitsOf(name)));
        for (const path of stateDirsOf(domain.grants)) {
          const dir = hostPathOf(path, { payloadDir: launch.payloadDir, stateDir: launch.isolation.stateDir });
          await mkdir(dir, { recursive: true });
          await chown(dir, idOf(domain), idOf(domain));
          await chmod(dir, 0o700);
        }
      }
    } catch (error) {
      // Nothing started: leave no group behind (the state directories are the device's own, kept).
      for (const cgroup of cgroups.values()) await cgroup.remove();
      throw error;
    }
  }
  // Bound before any domain starts: the port is known at once, and a taken port fails the start.
  for (const name of outward) {
    const grant = launch.domains[name]?.grants.listen[0] ?? '';
    const at = parseListen(grant);
    const first = await listenOn(at.host, launch.listenPort ?? at.port);
    listenAt.set(name, { host: at.host, port: first.port });
    first.close();
  }

  const env = (name: string): Record<string, string> => ({
    ...launch.env,
    FWKIT_DOMAIN: name,
    ...(outward.includes(name) ? { FWKIT_LISTEN_FD: String(LISTEN_FD) } : {}),
  });
  /** Node names the control channel in the environment it gives the sandbox chain, which clears it: named again inside. */
  const sandboxEnv = (name: string): Record<string, string> =>
    name === SUPERVISOR ? { ...env(name), NODE_CHANNEL_FD: String(IPC_FD), NODE_CHANNEL_SERIALIZATION_MODE: 'json' } : env(name);

  const spawnDomain = (name: string, channel: Socket | 'ipc', listener: Listener | undefined): ChildProcess => {
    const domain = launch.domains[name] as DomainLaunch;
    const stdio: Array<'ignore' | 'pipe' | 'ipc' | Socket | number> = ['ignore', 'pipe', 'pipe', channel];
    let file: string;
    let args: readonly string[];
    if (launch.isolation.mode === 'os' && host !== undefined) {
      const id = idOf(domain);
      ({ file, args } = sandboxCommand({
        domain: name,
        entry: domain.entry,
        grants: domain.grants,
        uid: id,
        gid: id,
        controls,
        node,
        nodeMajor,
        tools: host.tools,
        payloadDir: launch.payloadDir,
        stateDir: launch.isolation.stateDir,
        cgroupProcs: cgroups.get(name)?.procs ?? [],
        env: sandboxEnv(name),
      }));
      stdio.push(listener?.fd ?? 'ignore', controls.has('seccomp') ? 'pipe' : 'ignore');
    } else {
      file = node;
      args = [`${launch.payloadDir}/${domain.entry}`];
      if (listener !== undefined) stdio.push(listener.fd);
    }
    // detached: a process group per domain, so a stop reaches every process of its chain.
    const child = spawn(file, args, { cwd: launch.payloadDir, env: sandboxed ? {} : env(name), detached: true, stdio });
    if (launch.isolation.mode === 'os' && host !== undefined && controls.has('seccomp')) {
      const program = (child.stdio as unknown as ReadonlyArray<Writable | null | undefined>)[SECCOMP_FD];
      program?.on('error', () => undefined);
      program?.end(host.seccomp);
    }
    const lines = new LineSplitter((line) => {
      tail.add(line);
      launch.log?.(line);
    });
    child.stderr?.setEncoding('utf8').on('data', (chunk: string) => {
      lines.push(chunk);
    });
    child.stdout?.resume();
    return child;
  };

  const watch = (name: string, child: ChildProcess): Running => {
    const pgid = child.pid;
    const gone = new Promise<void>((resolve) => {
      const settle = () => {
        void (async () => {
          if (pgid !== undefined) {
            if (groupRunning(pgid)) signalGroup(pgid, 'SIGKILL');
            while (groupRunning(pgid)) await sleep(25);
          }
          resolve();
        })();
      };
      child.once('exit', settle);
      child.once('error', (error) => {
        if (child.pid === undefined) {
          if (!stopping) endFirmware({ kind: 'spawn-error', message: `${name}: ${error.message}` });
          resolve();
        }
      });
    });
    const entry: Running = { child, pgid, started: Date.now(), gone };
    child.once('exit', (exitCode, exitSignal) => {
      if (running.get(name)?.child !== child) return;
      const { code, signal } = sandboxed ? throughSandbox(exitCode, exitSignal) : { code: exitCode, signal: exitSignal };
      running.delete(name);
      if (!stopping) {
        const then = outward.includes(name) ? 'restarted when the relay asks' : 'the firmware stops';
        const line = `[launcher] ${name} exited (${signal ?? `code ${code ?? '?'}`}); ${then}`;
        tail.add(line);
        launch.log?.(line);
      }
      lives.set(name, Date.now() - entry.started);
      if (wanted.delete(name)) restart(name);
      if (stopping || outward.includes(name)) return;
      // Let the last stderr lines arrive before the reason is written.
      setTimeout(() => {
        endFirmware({ kind: 'exit', domain: name, code, signal, stderr: tail.text() });
      }, 200);
    });
    running.set(name, entry);
    return entry;
  };

  const supervisor = spawnDomain(SUPERVISOR, 'ipc', undefined);
  watch(SUPERVISOR, supervisor);

  const startChannelled = async (name: string): Promise<void> => {
    const pair = await socketPair();
    const at = listenAt.get(name);
    const listener = at === undefined ? undefined : await listenOn(at.host, at.port);
    let child: ChildProcess;
    try {
      child = spawnDomain(name, pair.domainEnd, listener);
    } finally {
      pair.domainEnd.destroy();
      listener?.close();
    }
    watch(name, child);
    // Node queues a handle until the previous one is acknowledged, and closes the launcher's copy once it is sent.
    if (supervisor.connected) {
      supervisor.send({ type: 'fwkit.attach', domain: name } satisfies ControlMessage, pair.relayEnd, (error) => {
        if (error !== null) pair.relayEnd.destroy();
      });
    } else {
      pair.relayEnd.destroy();
    }
  };

  const restart = (name: string) => {
    if (stopping || !outward.includes(name)) return;
    // The relay may see the channel close before the launcher sees the exit: restart once it has.
    if (running.has(name)) {
      wanted.add(name);
      return;
    }
    if ((lives.get(name) ?? 0) > CALM_MS) failures.set(name, 0);
    const quick = failures.get(name) ?? 0;
    const delay = Math.min(RESTART_FIRST_MS * 2 ** quick, RESTART_LAST_MS);
    failures.set(name, quick + 1);
    setTimeout(() => {
      if (stopping || running.has(name)) return;
      restartCounts.set(name, (restartCounts.get(name) ?? 0) + 1);
      startChannelled(name).catch((error: unknown) => {
        tail.add(`[launcher] cannot restart ${name}: ${error instanceof Error ? error.message : String(error)}`);
      });
    }, delay).unref();
  };

  supervisor.on('error', () => undefined);
  supervisor.on('message', (message: unknown) => {
    // The supervisor is firmware: it may only ask for what the launcher would do anyway.
    const m = message as Partial<ControlMessage> | null;
    if (m?.type === 'fwkit.restart' && typeof m.domain === 'string') restart(m.domain);
  });
  for (const name of names) if (name !== SUPERVISOR) await startChannelled(name);

  let stopped: Promise<void> | undefined;
  let resolveExited: () => void = () => undefined;
  const exited = new Promise<void>((resolve) => {
    resolveExited = resolve;
  });
  const stop = (): Promise<void> => {
    stopped ??= (async () => {
      stopping = true;
      const all = [...running.values()];
      for (const { pgid } of all) if (pgid !== undefined) signalGroup(pgid, 'SIGTERM');
      const killer = setTimeout(() => {
        for (const { pgid } of all) if (pgid !== undefined) signalGroup(pgid, 'SIGKILL');
      }, STOP_GRACE_MS);
      await Promise.all(all.map((r) => r.gone));
      clearTimeout(killer);
      for (const cgroup of cgroups.values()) await cgroup.remove().catch(() => undefined);
      resolveExited();
    })();
    return stopped;
  };
  void ended.then(() => stop());

  return {
    port: [...listenAt.values()][0]?.port ?? 0,
    ended,
    exited,
    groups: () => new Map([...running].flatMap(([name, r]) => (r.pgid === undefined ? [] : [[name, r.pgid] as const]))),
    restarts: () => new Map(restartCounts),
    stop,
  };
}
