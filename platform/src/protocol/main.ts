import type { AddressInfo } from 'node:net';
import { buildInfo } from '../build-info.js';
import { StartupError } from '../errors.js';
import { ROUTES, message, openParentChannel, type IpcMessage } from '../ipc/index.js';
import { argValue, envInt, logger, runMain } from '../runtime.js';
import { CoreLink } from './core-link.js';
import { deviceInfo } from './device-info.js';
import { createApiServer } from './server.js';

/**
 * The protocol domain: the network-facing API. It parses untrusted input, so it holds no
 * hardware access and no drivers; it learns about the camera only from build-time constants,
 * its environment and IPC messages from the core.
 */
const HOST = '127.0.0.1';
const log = logger('protocol');

/**
 * Where to listen: the socket the launcher bound in the host's network namespace and passed as
 * FWKIT_LISTEN_FD (this domain's own namespace has no interface), else --port for a developer's
 * run of the bundle alone.
 */
function listenTarget(argv: readonly string[]): { fd: number } | { port: number; host: string } {
  if (process.env['FWKIT_LISTEN_FD'] !== undefined) return { fd: envInt('FWKIT_LISTEN_FD', 3, 1023, 4) };
  const arg = argValue(argv, 'port') ?? '8080';
  const port = Number(arg);
  if (!/^\d+$/.test(arg) || port > 65535) throw new StartupError('USAGE', `--port must be 0 to 65535, got ${JSON.stringify(arg)}`);
  return { port, host: HOST };
}

runMain('protocol', () => {
  const info = deviceInfo(buildInfo(), process.env);
  const target = listenTarget(process.argv.slice(2));
  let stopping = false;

  const link = new CoreLink({ send: (m) => channel.send(m) });
  const server = createApiServer({ info, link, log });

  const shutdown = (why: string) => {
    if (stopping) return;
    stopping = true;
    log(`stopping: ${why}`);
    link.closeAll();
    server.close();
    server.closeAllConnections();
    channel.close();
    setTimeout(() => process.exit(0), 1000).unref();
  };

  const onMessage = (m: IpcMessage) => {
    if (!ROUTES[m.type].to.includes('protocol')) {
      log(`dropped ${m.type}: not addressed to the protocol domain`);
      return;
    }
    if (m.type === 'supervisor.shutdown') {
      shutdown(m.body.reason);
      return;
    }
    if (!link.handle(m)) log(`dropped ${m.type}: unexpected`);
  };

  const channel = openParentChannel({
    onMessage,
    onInvalid: (error) => {
      log(`dropped a message: ${error.code}: ${error.message}`);
    },
    onClose: () => {
      shutdown('IPC channel closed');
    },
  });

  server.on('error', (error) => {
    log(`cannot listen (${JSON.stringify(target)}): ${error.message}`);
    process.exit(1);
  });
  for (const signal of ['SIGTERM', 'SIGINT'] as const) {
    process.on(signal, () => {
      shutdown(`received ${signal}`);
    });
  }
  server.listen(target, () => {
    const bound = (server.address() as AddressInfo).port;
    // The one line on stdout: launchers and tests read the bound port from it (port 0 = any free port).
    process.stdout.write(`protocol: listening on http://${HOST}:${bound}\n`);
    channel.send(message('protocol.listening', { host: HOST, port: bound }));
  });
});
