import { array, boolean, integer, literal, number, object, optional, string, variants, type Check, type Infer } from './check.js';

/**
 * The IPC contract between the security domains: every message type, who may send it, where
 * the supervisor routes it, and the exact shape of its body. Nothing else crosses a domain
 * boundary.
 */

export type Domain = 'supervisor' | 'core' | 'protocol';

/** Envelope version; a peer speaking another version is refused as malformed. */
export const IPC_VERSION = 1;

/** Longest line (one JSON message plus newline) a reader buffers before it gives up on it. */
export const MAX_LINE_BYTES = 1024 * 1024;

/** Longest base64 snapshot payload; leaves room for the envelope inside MAX_LINE_BYTES. */
export const MAX_SNAPSHOT_BASE64 = 960 * 1024;

const MAX_COUNT = Number.MAX_SAFE_INTEGER;
const count = integer(0, MAX_COUNT);
const requestId = integer(1, 2 ** 31 - 1);
const text = string(200);
const interfaceName = string(64, /^[a-z][a-z0-9]*(?:[.-][a-z0-9]+)*$/);
const version = string(32, /^\d+\.\d+\.\d+$/);
const base64 = string(MAX_SNAPSHOT_BASE64, /^[A-Za-z0-9+/]*={0,2}$/);

export const capabilityCheck = literal('ptz', 'thermal', 'housing');
export type Capability = Infer<typeof capabilityCheck>;

export const ptzPositionCheck = object({
  /** Degrees, positive to the right. */
  pan: number(-360, 360),
  /** Degrees, positive up. */
  tilt: number(-180, 180),
  /** Optical zoom factor, 1 = wide. */
  zoom: number(1, 1000),
});
export type PtzPosition = Infer<typeof ptzPositionCheck>;

const bodies = {
  'core.ready': object({
    sensor: object({
      name: string(64),
      interface: interfaceName,
      interfaceVersion: version,
      width: integer(1, 16384),
      height: integer(1, 16384),
      fps: number(0.1, 1000),
    }),
    /** What the synthetic acquisition actually renders (sensor size divided by an integer). */
    frame: object({ width: integer(1, 16384), height: integer(1, 16384), format: literal('gray8') }),
    capabilities: array(capabilityCheck, 3),
  }),
  'health.report': object({
    seq: count,
    uptimeMs: count,
    status: literal('ok', 'degraded'),
    warnings: array(text, 16),
    frames: object({
      produced: count,
      dropped: count,
      droppedLate: count,
      droppedEncoderBusy: count,
      fps: number(0, 1000),
      targetFps: number(0.1, 1000),
      lastIndex: count,
      lastTimestampUs: count,
    }),
    compression: object({
      codec: literal('deflate'),
      frames: count,
      rawBytes: count,
      compressedBytes: count,
      ratio: number(0, 1e9),
    }),
    temperatureC: number(-100, 300),
    memory: object({ rssBytes: count, heapUsedBytes: count }),
    telemetry: object({
      ptz: optional(ptzPositionCheck),
      spotTemperatureC: optional(number(-100, 2000)),
      housingPressureKPa: optional(number(0, 10000)),
      housingPressureOk: optional(boolean),
    }),
  }),
  'ptz.result': variants('outcome', {
    done: object({ outcome: literal('done'), requestId, position: ptzPositionCheck }),
    failed: object({ outcome: literal('failed'), requestId, error: literal('PTZ_UNSUPPORTED', 'PTZ_FAILED'), message: text }),
  }),
  'snapshot.result': variants('outcome', {
    done: object({
      outcome: literal('done'),
      requestId,
      frameIndex: count,
      timestampUs: count,
      width: integer(1, 16384),
      height: integer(1, 16384),
      format: literal('gray8'),
      encoding: literal('deflate'),
      data: base64,
    }),
    failed: object({ outcome: literal('failed'), requestId, error: literal('NO_FRAME_YET', 'TOO_LARGE'), message: text }),
  }),
  'protocol.listening': object({ host: string(64), port: integer(1, 65535) }),
  'ptz.command': variants('action', {
    move: object({ action: literal('move'), requestId, pan: number(-360, 360), tilt: number(-180, 180), zoom: number(1, 1000) }),
    preset: object({ action: literal('preset'), requestId, preset: integer(1, 256) }),
  }),
  'snapshot.request': object({ requestId }),
  'supervisor.shutdown': object({ reason: text }),
} satisfies Record<string, Check<unknown>>;

export type MessageType = keyof typeof bodies;
export type BodyOf<T extends MessageType> = Infer<(typeof bodies)[T]>;

/** One message as the domains see it, after decoding: a discriminated union on `type`. */
export type IpcMessage = { [T in MessageType]: { readonly type: T; readonly body: BodyOf<T> } }[MessageType];
export type MessageOf<T extends MessageType> = Extract<IpcMessage, { type: T }>;

/** Who may send each type, and where the supervisor delivers it. Mirrors the `ipc` grants in platform.json. */
export const ROUTES: { readonly [T in MessageType]: { readonly from: Domain; readonly to: readonly Domain[] } } = {
  'core.ready': { from: 'core', to: ['protocol'] },
  'health.report': { from: 'core', to: ['protocol'] },
  'ptz.result': { from: 'core', to: ['protocol'] },
  'snapshot.result': { from: 'core', to: ['protocol'] },
  'protocol.listening': { from: 'protocol', to: ['supervisor'] },
  'ptz.command': { from: 'protocol', to: ['core'] },
  'snapshot.request': { from: 'protocol', to: ['core'] },
  'supervisor.shutdown': { from: 'supervisor', to: ['core', 'protocol'] },
};

export const MESSAGE_TYPES = Object.keys(bodies) as readonly MessageType[];

export function isMessageType(value: string): value is MessageType {
  return Object.hasOwn(bodies, value);
}

export function bodyCheck<T extends MessageType>(type: T): Check<BodyOf<T>> {
  return bodies[type] as Check<BodyOf<T>>;
}

/** The message types `domain` is allowed to send (its `ipc` grant). */
export function sendableBy(domain: Domain): MessageType[] {
  return MESSAGE_TYPES.filter((t) => ROUTES[t].from === domain);
}
