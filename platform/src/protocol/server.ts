import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { parseJson } from '@fwkit/device-json';
import { ApiError, isIpcError } from '../errors.js';
import { integer, number, object } from '../ipc/check.js';
import type { CoreLink } from './core-link.js';
import type { DeviceInfo } from './device-info.js';
import { SOAP_CONTENT_TYPE, handleDeviceService } from './onvif.js';

/**
 * The loopback HTTP API for video-management software. Every request body is bounded, every
 * answer that needs the hardware goes to the core over IPC, and every failure is a coded JSON
 * error (`{"error":{"code","message"}}`) with the HTTP status of its code.
 */

export interface ApiServerOptions {
  readonly info: DeviceInfo;
  readonly link: CoreLink;
  readonly log: (message: string) => void;
  /** A health report older than this makes /api/health answer 503 "stale". */
  readonly staleAfterMs?: number;
}

interface Reply {
  readonly status: number;
  readonly headers: Readonly<Record<string, string>>;
  readonly body: string | Buffer;
}

const MAX_JSON_BODY = 4 * 1024;
const MAX_SOAP_BODY = 64 * 1024;

function json(status: number, value: unknown): Reply {
  return { status, headers: { 'content-type': 'application/json; charset=utf-8' }, body: `${JSON.stringify(value)}\n` };
}

function errorReply(error: ApiError): Reply {
  return json(error.status, { error: { code: error.code, message: error.message } });
}

function contentType(req: IncomingMessage): string {
  return (req.headers['content-type'] ?? '').split(';')[0]?.trim().toLowerCase() ?? '';
}

/** The request body, refusing more than `limit` bytes before buffering them. */
function readBody(req: IncomingMessage, limit: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const declared = Number(req.headers['content-length'] ?? '0');
    if (declared > limit) {
      reject(new ApiError('PAYLOAD_TOO_LARGE', 413, `request bodies are limited to ${limit} bytes`));
      return;
    }
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.byteLength;
      if (size > limit) {
        req.removeAllListeners('data');
        req.resume();
        reject(new ApiError('PAYLOAD_TOO_LARGE', 413, `request bodies are limited to ${limit} bytes`));
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => {
      resolve(Buffer.concat(chunks));
    });
    req.on('error', reject);
  });
}

const ptzMove = object({ pan: number(-360, 360), tilt: number(-180, 180), zoom: number(1, 1000) });
const ptzPreset = object({ preset: integer(1, 256) });

function parsePtzRequest(body: Buffer): { pan: number; tilt: number; zoom: number } | { preset: number } {
  let value: unknown;
  try {
    value = parseJson(body.toString('utf8'));
  } catch (cause) {
    throw new ApiError('BAD_REQUEST', 400, 'the body must be JSON without duplicate keys', { cause });
  }
  try {
    return typeof value === 'object' && value !== null && 'preset' in value ? ptzPreset(value, '') : ptzMove(value, '');
  } catch (error) {
    if (isIpcError(error)) throw new ApiError('BAD_REQUEST', 400, error.message, { cause: error });
    throw error;
  }
}

export function createApiServer(options: ApiServerOptions): Server {
  const { info, link, log } = options;
  const staleAfterMs = options.staleAfterMs ?? 10_000;
  const startedAt = performance.now();
  let requests = 0;

  const requireCore = () => {
    const ready = link.ready;
    if (ready === undefined) throw new ApiError('CORE_UNAVAILABLE', 503, 'the core has not started yet');
    return ready;
  };

  const routes: Record<string, Partial<Record<string, (req: IncomingMessage, server: Server) => Promise<Reply> | Reply>>> = {
    '/api/device': {
      GET: () => json(200, info),
    },
    '/api/health': {
      GET: () => {
        const health = link.health;
        const protocol = { uptimeMs: Math.round(performance.now() - startedAt), requests };
        if (health === undefined) return json(503, { status: 'starting', core: null, reportAgeMs: null, protocol });
        const reportAgeMs = Math.round(health.ageMs);
        const status = health.ageMs > staleAfterMs ? 'stale' : health.report.status;
        return json(status === 'stale' ? 503 : 200, { status, core: health.report, reportAgeMs, protocol });
      },
    },
    '/api/stream': {
      GET: (_req, server) => {
        const ready = requireCore();
        const { port } = server.address() as AddressInfo;
        return json(200, {
          uri: `http://127.0.0.1:${port}/api/stream/snapshot`,
          transport: 'http-snapshot',
          format: ready.frame.format,
          encoding: 'deflate',
          width: ready.frame.width,
          height: ready.frame.height,
          fps: ready.sensor.fps,
          sensor: ready.sensor,
        });
      },
    },
    '/api/stream/snapshot': {
      GET: async () => {
        requireCore();
        const { body } = await link.snapshot();
        if (body.outcome === 'failed') {
          throw body.error === 'NO_FRAME_YET'
            ? new ApiError('NO_FRAME_YET', 503, body.message)
            : new ApiError('SNAPSHOT_TOO_LARGE', 500, body.message);
        }
        return {
          status: 200,
          headers: {
            'content-type': 'application/octet-stream',
            'content-encoding': 'deflate',
            'x-frame-format': body.format,
            'x-frame-width': String(body.width),
            'x-frame-height': String(body.height),
            'x-frame-index': String(body.frameIndex),
            'x-frame-timestamp-us': String(body.timestampUs),
          },
          body: Buffer.from(body.data, 'base64'),
        };
      },
    },
    '/api/ptz': {
      POST: async (req) => {
        if (!requireCore().capabilities.includes('ptz')) throw new ApiError('PTZ_UNSUPPORTED', 404, `${info.name} has no PTZ head`);
        if (contentType(req) !== 'application/json') throw new ApiError('UNSUPPORTED_MEDIA_TYPE', 415, 'send application/json');
        const { body } = await link.ptz(parsePtzRequest(await readBody(req, MAX_JSON_BODY)));
        if (body.outcome === 'failed') {
          throw new ApiError(
            body.error === 'PTZ_UNSUPPORTED' ? 'PTZ_UNSUPPORTED' : 'PTZ_FAILED',
            body.error === 'PTZ_UNSUPPORTED' ? 404 : 502,
            body.message,
          );
        }
        return json(200, { position: body.position });
      },
    },
    '/onvif/device_service': {
      POST: async (req) => {
        if (!['application/soap+xml', 'application/xml', 'text/xml'].includes(contentType(req))) {
          throw new ApiError('UNSUPPORTED_MEDIA_TYPE', 415, 'send application/soap+xml');
        }
        const soap = handleDeviceService((await readBody(req, MAX_SOAP_BODY)).toString('utf8'), info);
        return { status: soap.status, headers: { 'content-type': SOAP_CONTENT_TYPE }, body: soap.body };
      },
    },
  };

  const respond = (res: ServerResponse, reply: Reply) => {
    res.writeHead(reply.status, { 'cache-control': 'no-store', 'x-content-type-options': 'nosniff', ...reply.headers });
    res.end(reply.body);
  };

  const server = createServer((req, res) => {
    requests += 1;
    const path = new URL(req.url ?? '/', 'http://localhost').pathname;
    const methods = Object.hasOwn(routes, path) ? routes[path] : undefined;
    const handler = methods?.[req.method ?? ''];
    const work = async (): Promise<Reply> => {
      if (methods === undefined) throw new ApiError('NOT_FOUND', 404, `no resource at ${path.slice(0, 100)}`);
      if (handler === undefined) throw new ApiError('METHOD_NOT_ALLOWED', 405, `${req.method ?? '?'} is not allowed on ${path}`);
      return handler(req, server);
    };
    work().then(
      (reply) => {
        respond(res, reply);
      },
      (error: unknown) => {
        if (error instanceof ApiError) {
          if (error.code === 'PAYLOAD_TOO_LARGE') res.setHeader('connection', 'close');
          respond(res, errorReply(error));
          return;
        }
        log(`internal error on ${req.method ?? '?'} ${path}: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
        respond(res, json(500, { error: { code: 'INTERNAL', message: 'internal error' } }));
      },
    );
  });
  // Loopback only, but still bounded: a stuck client must not hold the domain's sockets forever.
  server.headersTimeout = 10_000;
  server.requestTimeout = 15_000;
  server.keepAliveTimeout = 5_000;
  server.maxConnections = 64;
  return server;
}
