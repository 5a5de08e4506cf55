import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { Duplex } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { StartupError, isIpcError } from '../errors.js';
import { Channel, IPC_FD, message, type IpcMessage } from '../ipc/index.js';
import { argValue, logger, runMain } from '../runtime.js';
import { planDelivery } from './relay.js';

/**
 * The supervisor domain: starts `core` and `protocol` as separate processes, each with one end
 * of a socket pair on fd 3, and relays newline-delimited JSON between them under the IPC
 * contract. When either child dies, it stops the other and exits non-zero, so the device's
 * init system restarts the firmware as a whole (no half-alive camera).
 *
 * Launch convention: the image holds each domain's bundle at `<domain>/main.js`, so the others
 * sit at `../core/main.js` and `../protocol/main.js` from this file; FWKIT_CORE_ENTRY /
 * FWKIT_PROTOCOL_ENTRY override the paths.
 *   node supervisor/main.js [--port <n>]     (port 0 picks a free port; default 8080)
 */
type Child = 'core' | 'protocol';
const CHILDREN: readonly Child[] = ['core', 'protocol'];
const STOP_GRACE_MS = 3000;
const log = logger('supervisor');

function entryOf(domain: Child): string {
  const override = process.env[domain === 'core' ? 'FWKIT_CORE_ENTRY' : 'FWKIT_PROTOCOL_ENTRY'];
  const entry =
    override !== undefined && override !== '' ? override : join(dirname(fileURLToPath(import.meta.url)), '..', domain, 'main.js');
  if (!existsSync(entry)) throw new StartupError('USAGE', `cannot find the ${domain} domain at ${entry}`);
  return entry;
}

runMain('supervisor', () => {
  const port = argValue(process.argv.slice(2), 'port');
  if (port !== undefined && !/^\d{1,5}$/.test(port))
    throw new StartupError('USAGE', `--port must be a number, got ${JSON.stringify(port)}`);
  const entries = { core: entryOf('core'), protocol: entryOf('protocol') };

  const processes = new Map<Child, ChildProcess>();
  const channels = new Map<Child, Channel>();
  let stopping = false;

  const deliver = (from: Child, m: IpcMessage) => {
    let targets;
    try {
      targets = planDelivery(from, m);
    } catch (error) {
      if (!isIpcError(error)) throw error;
      log(`denied: ${error.message}`);
      return;
    }
    for (const to of targets) {
      if (to === 'supervisor') {
        if (m.type === 'protocol.listening') log(`protocol domain serving http://${m.body.host}:${m.body.port}`);
      } else if (channels.get(to)?.send(m) !== true) {
        log(`dropped ${m.type} for ${to}: not connected`);
      }
    }
  };

  const stop = (exitCode: number, why: string) => {
    if (stopping) return;
    stopping = true;
    log(`stopping: ${why}`);
    for (const channel of channels.values()) channel.send(message('supervisor.shutdown', { reason: why }));
    const killer = setTimeout(() => {
      for (const [name, child] of processes) {
        log(`${name} did not stop within ${STOP_GRACE_MS} ms; killing it`);
        child.kill('SIGKILL');
      }
    }, STOP_GRACE_MS);
    const waitAll = () => {
      if (processes.size === 0) {
        clearTimeout(killer);
        process.exit(exitCode);
      }
    };
    for (const child of processes.values()) child.once('exit', waitAll);
    waitAll();
  };

  for (const name of CHILDREN) {
    const env = { ...process.env, FWKIT_DOMAIN: name, ...(name === 'protocol' && port !== undefined ? { FWKIT_HTTP_PORT: port } : {}) };
    const child = spawn(process.execPath, [entries[name]], { stdio: ['ignore', 'inherit', 'inherit', 'pipe'], env });
    processes.set(name, child);
    const stream = child.stdio[IPC_FD] as Duplex | null | undefined;
    if (stream === null || stream === undefined) throw new StartupError('USAGE', `no IPC pipe for ${name}`);
    channels.set(
      name,
      new Channel(stream, {
        onMessage: (m) => {
          deliver(name, m);
        },
        onInvalid: (error) => {
          log(`dropped a message from ${name}: ${error.code}: ${error.message}`);
        },
        onClose: () => {
          channels.delete(name);
        },
      }),
    );
    // Spawning failed (no process, so maybe no 'exit' either): treat it as the child exiting.
    child.on('error', (error) => {
      processes.delete(name);
      channels.delete(name);
      stop(1, `cannot run ${name}: ${error.message}`);
    });
    child.on('exit', (code, signal) => {
      processes.delete(name);
      channels.delete(name);
      if (!stopping) stop(1, `${name} exited (${signal ?? `code ${code ?? '?'}`})`);
    });
  }

  for (const signal of ['SIGTERM', 'SIGINT'] as const) {
    process.on(signal, () => {
      stop(0, `received ${signal}`);
    });
  }
});
