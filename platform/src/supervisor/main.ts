import type { Socket } from 'node:net';
import { StartupError, isIpcError } from '../errors.js';
import { Channel, message, ROUTES, type Domain, type IpcMessage } from '../ipc/index.js';
import { logger, runMain } from '../runtime.js';
import { planDelivery } from './relay.js';

/**
 * The supervisor domain: an unprivileged relay. The device's launcher starts every domain in its
 * own sandbox and hands this process each domain's end of an IPC channel over the Node IPC
 * control channel (`fwkit.attach` with the socket); the relay routes newline-delimited JSON
 * between them under the IPC contract, drops and counts what breaks it, and asks the launcher to
 * restart a domain whose channel closed (`fwkit.restart`). It spawns nothing: it has no right to.
 *
 *   started by the launcher only (fwkit device boot): fd 3 is the control channel.
 */
const log = logger('supervisor');
const RELAYED: readonly Domain[] = ['core', 'protocol'];
/**
 * Messages that state a fact rather than ask for something: the latest of each is handed again to
 * a domain attached later (a restarted protocol domain learns the core's sensor and capabilities).
 */
const STATEMENTS: ReadonlySet<IpcMessage['type']> = new Set(['core.ready']);

interface Attach {
  readonly type: 'fwkit.attach';
  readonly domain: string;
}

const isAttach = (m: unknown): m is Attach => {
  const fields = (typeof m === 'object' && m !== null ? m : {}) as Record<string, unknown>;
  return fields['type'] === 'fwkit.attach' && typeof fields['domain'] === 'string';
};

runMain('supervisor', () => {
  const send = process.send?.bind(process);
  if (send === undefined)
    throw new StartupError('USAGE', 'no control channel: start the firmware through the device launcher (fwkit device boot)');
  const channels = new Map<Domain, Channel>();
  const latest = new Map<IpcMessage['type'], IpcMessage>();
  let dropped = 0;

  const deliver = (from: Domain, m: IpcMessage) => {
    let targets;
    try {
      targets = planDelivery(from, m);
    } catch (error) {
      if (!isIpcError(error)) throw error;
      dropped++;
      log(`denied (${dropped} dropped): ${error.message}`);
      return;
    }
    if (STATEMENTS.has(m.type)) latest.set(m.type, m);
    for (const to of targets) {
      if (to === 'supervisor') {
        if (m.type === 'protocol.listening') log(`protocol domain serving http://${m.body.host}:${m.body.port}`);
      } else if (channels.get(to)?.send(m) !== true) {
        log(`dropped ${m.type} for ${to}: not connected`);
      }
    }
  };

  process.on('message', (m: unknown, handle: unknown) => {
    if (!isAttach(m) || !(RELAYED as readonly string[]).includes(m.domain) || handle === undefined) return;
    const domain = m.domain as Domain;
    channels.get(domain)?.close();
    const channel = new Channel(handle as Socket, {
      onMessage: (received) => {
        deliver(domain, received);
      },
      onInvalid: (error) => {
        dropped++;
        log(`dropped a message from ${domain} (${dropped} dropped): ${error.code}: ${error.message}`);
      },
      onClose: () => {
        if (channels.get(domain) !== channel) return;
        channels.delete(domain);
        log(`${domain} channel closed; asking for a restart`);
        send({ type: 'fwkit.restart', domain });
      },
    });
    channels.set(domain, channel);
    log(`${domain} attached`);
    for (const statement of latest.values()) if (ROUTES[statement.type].to.includes(domain)) channel.send(statement);
  });
  // The launcher gone, nobody can restart anything: stop relaying.
  process.on('disconnect', () => {
    process.exit(0);
  });

  for (const signal of ['SIGTERM', 'SIGINT'] as const) {
    process.on(signal, () => {
      log(`stopping: received ${signal}`);
      for (const channel of channels.values()) channel.send(message('supervisor.shutdown', { reason: `received ${signal}` }));
      setTimeout(() => process.exit(0), 100);
    });
  }
});
