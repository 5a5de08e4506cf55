import { mkdtemp, rm } from 'node:fs/promises';
import { createConnection, createServer, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * The sockets the launcher hands out. Node has no socketpair(): a pair is a connection to a
 * private Unix socket (in a directory only root can enter), accepted with `pauseOnConnect` so the
 * launcher never reads either end; both ends leave the launcher as soon as they are handed over.
 */

/** Both ends of one IPC channel: `domainEnd` for the domain's fd 3, `relayEnd` for the supervisor. */
export interface SocketPair {
  readonly domainEnd: Socket;
  readonly relayEnd: Socket;
}

export async function socketPair(): Promise<SocketPair> {
  const dir = await mkdtemp(join(tmpdir(), 'fwkit-pair-'));
  const server = createServer({ pauseOnConnect: true });
  try {
    await listen(server, join(dir, 's'));
    const accepted = new Promise<Socket>((resolve) => server.once('connection', resolve));
    const domainEnd = createConnection(join(dir, 's'));
    domainEnd.pause();
    await new Promise<void>((resolve, reject) => {
      domainEnd.once('connect', resolve).once('error', reject);
    });
    return { domainEnd, relayEnd: await accepted };
  } finally {
    server.close();
    await rm(dir, { recursive: true, force: true });
  }
}

function listen(server: Server, ...args: unknown[]): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    (server.listen as (...a: unknown[]) => Server)(...args, () => {
      server.off('error', reject);
      resolve();
    });
  });
}

/** A listening TCP socket on `host:port` in the launcher's (the host's) network namespace. */
export interface Listener {
  readonly port: number;
  /** The descriptor the domain inherits. */
  readonly fd: number;
  /** Closes the launcher's copy (the domain keeps its own). */
  close(): void;
}

/**
 * Binds and listens; the domain inherits the descriptor. The launcher closes its copy in the same
 * tick as it spawns the domain, before its event loop could accept a connection on it.
 */
export async function listenOn(host: string, port: number): Promise<Listener> {
  const server = createServer();
  await listen(server, { host, port, exclusive: true });
  const address = server.address();
  // A listening net.Server's handle has the descriptor (Unix); Node has no public accessor for it.
  const fd = (server as unknown as { _handle?: { fd?: unknown } })._handle?.fd;
  if (typeof fd !== 'number' || fd < 0 || address === null || typeof address === 'string') {
    server.close();
    throw new Error(`no descriptor for the socket listening on ${host}:${port}`);
  }
  return { port: address.port, fd, close: () => server.close() };
}
