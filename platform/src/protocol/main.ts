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

function portFrom(argv: readonly string[]): number {
  const arg = argValue(argv, 'port');
  if (arg === undefined) return envInt('FWKIT_HTTP_PORT', 0, 65535, 8080);
  const port = Number(arg);
  if (!/^\d+$/.test(arg) || port > 65535) throw new StartupError('USAGE', `--port must be 0 to 65535, got ${JSON.stringify(arg)}`);
  return port;
}

runMain('protocol', () => {
  const info = deviceInfo(buildInfo(), process.env);
  const port = portFrom(process.argv.slice(2));
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
    log(`cannot listen on ${HOST}:${port}: ${error.message}`);
    process.exit(1);
  });
  server.listen(port, HOST, () => {
    const bound = (server.address() as AddressInfo).port;
    // The one line on stdout: launchers and tests read the bound port from it (port 0 = any free port).
    process.stdout.write(`protocol: listening on http://${HOST}:${bound}\n`);
    channel.send(message('protocol.listening', { host: HOST, port: bound }));
  });
});
