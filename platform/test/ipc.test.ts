import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { isIpcError } from '../src/errors.js';
import {
  LineSplitter,
  MAX_LINE_BYTES,
  MESSAGE_TYPES,
  decodeMessage,
  encodeMessage,
  message,
  sendableBy,
  type Domain,
  type IpcErrorCode,
  type IpcMessage,
} from '../src/ipc/index.js';
import { planDelivery } from '../src/supervisor/relay.js';
import { PLATFORM_DIR } from './bundle.js';

function codeOf(fn: () => unknown): IpcErrorCode | 'no error' | 'untyped error' {
  try {
    fn();
    return 'no error';
  } catch (error) {
    return isIpcError(error) ? error.code : 'untyped error';
  }
}

const HEALTH = message('health.report', {
  seq: 3,
  uptimeMs: 1200,
  status: 'degraded',
  warnings: ['sensor temperature 91 °C is above 90 °C'],
  frames: {
    produced: 36,
    dropped: 1,
    droppedLate: 1,
    droppedEncoderBusy: 0,
    fps: 29.5,
    targetFps: 30,
    lastIndex: 36,
    lastTimestampUs: 1_200_000,
  },
  compression: { codec: 'deflate', frames: 35, rawBytes: 2_688_000, compressedBytes: 64_000, ratio: 42 },
  temperatureC: 91,
  memory: { rssBytes: 50_000_000, heapUsedBytes: 4_000_000 },
  telemetry: { housingPressureKPa: 114.9, housingPressureOk: true },
});

/** One valid example of every message type. */
const VALID: readonly IpcMessage[] = [
  message('core.ready', {
    sensor: { name: 'IMX585', interface: 'sensor.mipi-csi2', interfaceVersion: '2.1.0', width: 3840, height: 2160, fps: 30 },
    frame: { width: 640, height: 360, format: 'gray8' },
    capabilities: ['ptz'],
  }),
  HEALTH,
  message('ptz.result', { outcome: 'done', requestId: 1, position: { pan: 10, tilt: -5, zoom: 2 } }),
  message('ptz.result', { outcome: 'failed', requestId: 2, error: 'PTZ_FAILED', message: 'preset 9 is not stored' }),
  message('snapshot.result', {
    outcome: 'done',
    requestId: 3,
    frameIndex: 9,
    timestampUs: 300_000,
    width: 320,
    height: 240,
    format: 'gray8',
    encoding: 'deflate',
    data: 'eJwDAAAAAAE=',
  }),
  message('snapshot.result', { outcome: 'failed', requestId: 4, error: 'NO_FRAME_YET', message: 'no frame yet' }),
  message('protocol.listening', { host: '127.0.0.1', port: 8080 }),
  message('ptz.command', { action: 'move', requestId: 5, pan: 1, tilt: 2, zoom: 3 }),
  message('ptz.command', { action: 'preset', requestId: 6, preset: 2 }),
  message('snapshot.request', { requestId: 7 }),
  message('supervisor.shutdown', { reason: 'received SIGTERM' }),
];

describe('decodeMessage', () => {
  test('every message type round-trips through encode and decode', () => {
    expect(new Set(VALID.map((m) => m.type))).toEqual(new Set(MESSAGE_TYPES));
    for (const m of VALID) expect(decodeMessage(encodeMessage(m).trimEnd())).toEqual(m);
  });

  test.each([
    ['not JSON', '{"v":1,', 'IPC_MALFORMED'],
    ['an array', '[1,2]', 'IPC_MALFORMED'],
    ['a string', '"core.ready"', 'IPC_MALFORMED'],
    ['an empty line', '', 'IPC_MALFORMED'],
    // The strict reader: JSON.parse would keep the last "type" and the check would pass a message
    // whose first "type" another reader would act on.
    ['a duplicate envelope key', '{"v":1,"type":"core.ready","type":"snapshot.request","body":{"requestId":1}}', 'IPC_MALFORMED'],
    ['a duplicate body key', '{"v":1,"type":"snapshot.request","body":{"requestId":1,"requestId":2}}', 'IPC_MALFORMED'],
    ['a lone surrogate', '{"v":1,"type":"snapshot.request\\ud800","body":{"requestId":1}}', 'IPC_MALFORMED'],
    ['deep nesting', `{"v":1,"type":"snapshot.request","body":${'['.repeat(1_000)}}`, 'IPC_MALFORMED'],
    ['no body', '{"v":1,"type":"snapshot.request"}', 'IPC_MALFORMED'],
    ['an extra envelope key', '{"v":1,"type":"snapshot.request","body":{"requestId":1},"from":"core"}', 'IPC_MALFORMED'],
    ['another envelope version', '{"v":2,"type":"snapshot.request","body":{"requestId":1}}', 'IPC_MALFORMED'],
    ['a numeric type', '{"v":1,"type":7,"body":{}}', 'IPC_MALFORMED'],
    ['an unknown type', '{"v":1,"type":"core.reboot","body":{}}', 'IPC_UNKNOWN_TYPE'],
    ['a type named like an Object method', '{"v":1,"type":"toString","body":{}}', 'IPC_UNKNOWN_TYPE'],
    ['an extra body field', '{"v":1,"type":"snapshot.request","body":{"requestId":1,"all":true}}', 'IPC_INVALID_BODY'],
    ['a __proto__ body field', '{"v":1,"type":"snapshot.request","body":{"requestId":1,"__proto__":{"x":1}}}', 'IPC_INVALID_BODY'],
    ['a missing body field', '{"v":1,"type":"protocol.listening","body":{"host":"127.0.0.1"}}', 'IPC_INVALID_BODY'],
    ['a string for a number', '{"v":1,"type":"snapshot.request","body":{"requestId":"1"}}', 'IPC_INVALID_BODY'],
    ['a fractional request id', '{"v":1,"type":"snapshot.request","body":{"requestId":1.5}}', 'IPC_INVALID_BODY'],
    ['a port out of range', '{"v":1,"type":"protocol.listening","body":{"host":"h","port":70000}}', 'IPC_INVALID_BODY'],
    ['an unknown PTZ action', '{"v":1,"type":"ptz.command","body":{"action":"spin","requestId":1}}', 'IPC_INVALID_BODY'],
    [
      'a preset command with move fields',
      '{"v":1,"type":"ptz.command","body":{"action":"preset","requestId":1,"preset":1,"pan":3}}',
      'IPC_INVALID_BODY',
    ],
    ['an unknown capability', '{"v":1,"type":"core.ready","body":{"sensor":{},"frame":{},"capabilities":["root"]}}', 'IPC_INVALID_BODY'],
    [
      'an unknown snapshot error',
      '{"v":1,"type":"snapshot.result","body":{"outcome":"failed","requestId":1,"error":"NOPE","message":""}}',
      'IPC_INVALID_BODY',
    ],
    [
      'snapshot data that is not base64',
      '{"v":1,"type":"snapshot.result","body":{"outcome":"done","requestId":1,"frameIndex":0,"timestampUs":0,"width":1,"height":1,"format":"gray8","encoding":"deflate","data":"<script>"}}',
      'IPC_INVALID_BODY',
    ],
  ] as const)('rejects %s with %s', (_what, line, code) => {
    expect(codeOf(() => decodeMessage(line))).toBe(code);
  });

  test('rejects a line longer than MAX_LINE_BYTES before parsing it', () => {
    const huge = `{"v":1,"type":"supervisor.shutdown","body":{"reason":"${'x'.repeat(MAX_LINE_BYTES)}"}}`;
    expect(codeOf(() => decodeMessage(huge))).toBe('IPC_TOO_LARGE');
    expect(codeOf(() => decodeMessage(Buffer.from(huge)))).toBe('IPC_TOO_LARGE');
  });

  test('a text field longer than its bound is refused, and encode refuses an oversized message', () => {
    expect(codeOf(() => decodeMessage(JSON.stringify({ v: 1, type: 'supervisor.shutdown', body: { reason: 'x'.repeat(201) } })))).toBe(
      'IPC_INVALID_BODY',
    );
    const data = 'A'.repeat(MAX_LINE_BYTES);
    const tooBig = { type: 'supervisor.shutdown', body: { reason: data } } as IpcMessage;
    expect(codeOf(() => encodeMessage(tooBig))).toBe('IPC_TOO_LARGE');
  });

  test('arbitrary input only ever yields a coded IpcError (property)', () => {
    fc.assert(
      fc.property(
        fc.oneof(
          fc.string(),
          fc.json(),
          fc.jsonValue().map((v) => JSON.stringify({ v: 1, type: 'health.report', body: v })),
        ),
        (line) => {
          const code = codeOf(() => decodeMessage(line));
          expect(code).not.toBe('untyped error');
        },
      ),
      { numRuns: 500 },
    );
  });

  test('mutating one field of a valid message never lets an ill-typed value through (property)', () => {
    fc.assert(
      fc.property(fc.constantFrom(...VALID), fc.jsonValue(), (m, junk) => {
        const body = { ...(m.body as Record<string, unknown>) };
        const keys = Object.keys(body);
        const key = keys[Math.abs(JSON.stringify(junk).length) % keys.length] ?? 'x';
        body[key] = junk;
        const line = JSON.stringify({ v: 1, type: m.type, body });
        const code = codeOf(() => decodeMessage(line));
        expect(['no error', 'IPC_INVALID_BODY', 'IPC_TOO_LARGE']).toContain(code);
        if (code === 'no error') expect(decodeMessage(line).body).toEqual((JSON.parse(line) as { body: unknown }).body);
      }),
      { numRuns: 500 },
    );
  });
});

describe('LineSplitter', () => {
  test('reassembles lines split across chunks and splits several lines in one chunk', () => {
    const s = new LineSplitter();
    expect(s.push(Buffer.from('{"a"'))).toEqual([]);
    expect(s.pending).toBe(4);
    const out = s.push(Buffer.from(':1}\n{"b":2}\n{"c"'));
    expect(out.map((o) => ('line' in o ? o.line.toString() : o))).toEqual(['{"a":1}', '{"b":2}']);
    expect(s.push(Buffer.from(':3}\n')).map((o) => ('line' in o ? o.line.toString() : o))).toEqual(['{"c":3}']);
  });

  test('skips an over-long line without buffering it, then resumes at the next line', () => {
    const s = new LineSplitter(16);
    const first = s.push(Buffer.from('x'.repeat(40)));
    expect(first).toEqual([{ tooLarge: 40 }]);
    expect(s.pending).toBe(0);
    expect(s.push(Buffer.from('y'.repeat(40)))).toEqual([]);
    const rest = s.push(Buffer.from('zz\nok\n'));
    expect(rest.map((o) => ('line' in o ? o.line.toString() : o))).toEqual(['ok']);
  });

  test('a line of exactly the limit (with its newline) passes; one byte more does not', () => {
    const s = new LineSplitter(8);
    expect(s.push(Buffer.from('1234567\n'))).toEqual([{ line: Buffer.from('1234567') }]);
    expect(s.push(Buffer.from('12345678\n'))).toEqual([{ tooLarge: 8 }]);
  });
});

describe('routing and grants', () => {
  test('a domain may send only the message types of its grant', () => {
    const forged: Array<[Domain, IpcMessage]> = [
      ['protocol', message('supervisor.shutdown', { reason: 'forged' })],
      ['protocol', HEALTH],
      ['core', message('ptz.command', { action: 'preset', requestId: 1, preset: 1 })],
    ];
    for (const [from, m] of forged) expect(codeOf(() => planDelivery(from, m))).toBe('IPC_FORBIDDEN');
    expect(planDelivery('protocol', message('snapshot.request', { requestId: 1 }))).toEqual(['core']);
    expect(planDelivery('core', HEALTH)).toEqual(['protocol']);
  });

  test('the ipc grants in platform.json are exactly what the contract lets each domain send', () => {
    const platform = JSON.parse(readFileSync(join(PLATFORM_DIR, 'platform.json'), 'utf8')) as {
      domains: Record<Domain, { grants: { ipc: string[] } }>;
    };
    for (const domain of ['supervisor', 'core', 'protocol'] as const) {
      expect([...platform.domains[domain].grants.ipc].sort()).toEqual(sendableBy(domain).sort());
    }
  });
});
