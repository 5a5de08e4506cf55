import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { XMLParser } from 'fast-xml-parser';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { readEmbeddedData } from '../src/core/pattern.js';
import { LineSplitter, decodeMessage, type IpcMessage } from '../src/ipc/index.js';
import { PLATFORM_DIR, bundlePlatform, inputsOf, type Bundle } from './bundle.js';
import { eventually, startDomain, startFirmware, stopAll, stopProcess, type Firmware } from './processes.js';

/**
 * The platform as it runs on a camera: bundled with real esbuild for a test product, started
 * as three real processes, spoken to over real loopback HTTP.
 */
const DRIVERS = join(PLATFORM_DIR, 'test/fixtures/test-drivers.ts');
const BUILD = { model: 'test-cam', modelName: 'Test Camera 320', firmware: '2.3.4', platform: '1.4.0', hardwareRevisions: ['A', 'B'] };

let bundle: Bundle;
let fw: Firmware;

beforeAll(async () => {
  bundle = await bundlePlatform(DRIVERS, BUILD);
  fw = await startFirmware(bundle, { FWKIT_HARDWARE_REVISION: 'B', FWKIT_SERIAL_NUMBER: 'SN-0042' });
});

afterAll(async () => {
  await stopAll();
  await bundle.remove();
});

const getJson = async (path: string) => {
  const res = await fetch(`${fw.url}${path}`);
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
};

describe('import boundaries (esbuild metafile)', () => {
  test('the core bundle contains nothing of the protocol domain and no XML parser', () => {
    const inputs = inputsOf(bundle, 'core');
    expect(inputs).toContain('src/core/main.ts');
    expect(inputs).toContain('test/fixtures/test-drivers.ts');
    expect(inputs.filter((i) => i.startsWith('src/protocol/'))).toEqual([]);
    expect(inputs.filter((i) => i.includes('node_modules/'))).toEqual([]);
  });

  test('the protocol bundle contains nothing of the core domain and no drivers', () => {
    const inputs = inputsOf(bundle, 'protocol');
    expect(inputs).toContain('src/protocol/main.ts');
    expect(inputs.some((i) => i.includes('node_modules/fast-xml-parser/'))).toBe(true);
    expect(inputs.filter((i) => i.startsWith('src/core/'))).toEqual([]);
    expect(inputs.filter((i) => i.startsWith('test/fixtures/') || i.startsWith('../products/'))).toEqual([]);
  });

  test('the supervisor bundle contains neither domain', () => {
    const inputs = inputsOf(bundle, 'supervisor');
    expect(inputs.filter((i) => /^src\/(core|protocol)\//.test(i) || i.startsWith('test/'))).toEqual([]);
  });
});

describe('running firmware', () => {
  test('GET /api/device reports the build constants and this unit', async () => {
    const { status, body } = await getJson('/api/device');
    expect(status).toBe(200);
    expect(body).toMatchObject({
      model: 'test-cam',
      name: 'Test Camera 320',
      firmware: '2.3.4',
      platform: '1.4.0',
      hardwareRevision: 'B',
      hardwareRevisions: ['A', 'B'],
      serialNumber: 'SN-0042',
    });
  });

  test('GET /api/health shows frames produced and compressed, with driver telemetry', async () => {
    const core = await eventually(async () => {
      const { status, body } = await getJson('/api/health');
      const c = body.core as { frames: { produced: number }; compression: { frames: number } } | null;
      return status === 200 && c !== null && c.frames.produced >= 10 && c.compression.frames >= 5 ? c : undefined;
    }, 'frames in /api/health');
    expect(core).toMatchObject({
      frames: { targetFps: 30 },
      compression: { codec: 'deflate' },
      telemetry: { ptz: { pan: 0, tilt: 0, zoom: 1 }, housingPressureKPa: 112, housingPressureOk: true, spotTemperatureC: 36 },
    });
    const c = core as unknown as { compression: { rawBytes: number; compressedBytes: number; ratio: number }; temperatureC: number };
    // Test bars compress well; a ratio near 1 would mean frames are not being deflated.
    expect(c.compression.ratio).toBeGreaterThan(5);
    expect(c.compression.rawBytes).toBeGreaterThan(c.compression.compressedBytes);
    expect(c.temperatureC).toBeGreaterThanOrEqual(30);
  });

  test('GET /api/stream names the snapshot URI, and the snapshot is a deflated test frame', async () => {
    const { status, body } = await getJson('/api/stream');
    expect(status).toBe(200);
    expect(body).toMatchObject({ uri: `${fw.url}/api/stream/snapshot`, format: 'gray8', width: 320, height: 240, fps: 30 });

    const res = await eventually(async () => {
      const r = await fetch(body.uri as string);
      return r.status === 200 ? r : undefined;
    }, 'a snapshot');
    // fetch inflates `Content-Encoding: deflate` itself: a body that is not a zlib stream would fail here.
    expect(res.headers.get('content-encoding')).toBe('deflate');
    const frame = new Uint8Array(await res.arrayBuffer());
    expect(frame.byteLength).toBe(320 * 240);
    const meta = readEmbeddedData(frame);
    expect(meta?.frameIndex).toBe(Number(res.headers.get('x-frame-index')));
    expect(meta?.timestampUs).toBe(Number(res.headers.get('x-frame-timestamp-us')));
  });

  test('POST /api/ptz moves the head through the core, and bad requests are refused', async () => {
    const post = (body: string, type = 'application/json') =>
      fetch(`${fw.url}/api/ptz`, { method: 'POST', headers: { 'content-type': type }, body });
    const moved = await post(JSON.stringify({ pan: 300, tilt: -10, zoom: 4 }));
    expect(moved.status).toBe(200);
    // Clamped by the driver to its pan limit.
    expect(await moved.json()).toEqual({ position: { pan: 170, tilt: -10, zoom: 4 } });

    const preset = await post(JSON.stringify({ preset: 2 }));
    expect(await preset.json()).toEqual({ position: { pan: 45, tilt: -10, zoom: 2 } });

    const missing = await post(JSON.stringify({ preset: 9 }));
    expect(missing.status).toBe(502);
    expect(await missing.json()).toMatchObject({ error: { code: 'PTZ_FAILED' } });

    const extra = await post(JSON.stringify({ pan: 1, tilt: 1, zoom: 1, speed: 3 }));
    expect(extra.status).toBe(400);
    expect(await extra.json()).toMatchObject({ error: { code: 'BAD_REQUEST' } });

    // The toolkit's strict JSON reader: a repeated key is refused, not read as its last value.
    const twice = await post('{"preset": 2, "preset": 9}');
    expect(twice.status).toBe(400);
    expect(await twice.json()).toMatchObject({ error: { code: 'BAD_REQUEST' } });

    expect((await post('{}', 'text/plain')).status).toBe(415);
    const big = await post(JSON.stringify({ pad: 'x'.repeat(10_000) }));
    expect(big.status).toBe(413);
  });

  test('POST /onvif/device_service answers GetDeviceInformation with parseable SOAP', async () => {
    const request = `<?xml version="1.0" encoding="UTF-8"?>
<s:Envelope xmlns:s="http://www.w3.org/2003/05/soap-envelope" xmlns:tds="http://www.onvif.org/ver10/device/wsdl">
  <s:Body><tds:GetDeviceInformation/></s:Body>
</s:Envelope>`;
    const res = await fetch(`${fw.url}/onvif/device_service`, {
      method: 'POST',
      headers: { 'content-type': 'application/soap+xml; charset=utf-8' },
      body: request,
    });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toContain('application/soap+xml');
    const doc = new XMLParser({ removeNSPrefix: true, parseTagValue: false }).parse(await res.text()) as {
      Envelope: { Body: { GetDeviceInformationResponse: Record<string, string> } };
    };
    expect(doc.Envelope.Body.GetDeviceInformationResponse).toEqual({
      Manufacturer: 'fwkit camera platform',
      Model: 'Test Camera 320',
      FirmwareVersion: '2.3.4',
      SerialNumber: 'SN-0042',
      HardwareId: 'test-cam:B',
    });
  });

  test('the ONVIF endpoint answers malformed XML and DTDs with a SOAP Sender fault', async () => {
    for (const body of ['<s:Envelope><s:Body>', '<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "aaaa">]><x>&a;</x>']) {
      const res = await fetch(`${fw.url}/onvif/device_service`, {
        method: 'POST',
        headers: { 'content-type': 'application/soap+xml' },
        body,
      });
      expect(res.status).toBe(400);
      const doc = new XMLParser({ removeNSPrefix: true }).parse(await res.text()) as { Envelope: { Body: { Fault: unknown } } };
      expect(doc.Envelope.Body.Fault).toMatchObject({ Code: { Value: 'env:Sender', Subcode: { Value: 'ter:WellFormed' } } });
    }
  });

  test('unknown paths and methods get coded JSON errors', async () => {
    expect(await getJson('/api/nothing')).toMatchObject({ status: 404, body: { error: { code: 'NOT_FOUND' } } });
    const res = await fetch(`${fw.url}/api/device`, { method: 'DELETE' });
    expect(res.status).toBe(405);
    expect(await res.json()).toMatchObject({ error: { code: 'METHOD_NOT_ALLOWED' } });
  });
});

describe('core domain on its IPC channel', () => {
  test('drops malformed, unknown, oversized and misaddressed messages and keeps serving', async () => {
    const core = startDomain(bundle.files.core);
    const received: IpcMessage[] = [];
    const splitter = new LineSplitter();
    core.channel.on('data', (chunk: Buffer) => {
      for (const item of splitter.push(chunk)) if ('line' in item) received.push(decodeMessage(item.line));
    });
    try {
      await eventually(async () => Promise.resolve(received.find((m) => m.type === 'core.ready')), 'core.ready');
      core.channel.write('this is not json\n');
      core.channel.write('{"v":1,"type":"core.reboot","body":{}}\n');
      core.channel.write('{"v":1,"type":"snapshot.request","body":{"requestId":0}}\n');
      core.channel.write('{"v":1,"type":"protocol.listening","body":{"host":"127.0.0.1","port":8080}}\n');
      core.channel.write(`${'x'.repeat(1024 * 1024 + 10)}\n`);
      core.channel.write('{"v":1,"type":"snapshot.request","body":{"requestId":7}}\n');
      const reply = await eventually(async () => Promise.resolve(received.find((m) => m.type === 'snapshot.result')), 'snapshot.result');
      expect(reply.body).toMatchObject({ requestId: 7 });
      expect(core.process.exitCode).toBeNull();
      const log = core.stderr();
      expect(log).toContain('IPC_MALFORMED');
      expect(log).toContain('IPC_UNKNOWN_TYPE');
      expect(log).toContain('IPC_INVALID_BODY');
      expect(log).toContain('IPC_TOO_LARGE');
      expect(log).toContain('dropped protocol.listening: not addressed to the core');
    } finally {
      await stopProcess(core.process);
    }
  });

  test('refuses to run without a channel on fd 3', async () => {
    const child = spawn(process.execPath, [bundle.files.core], { stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    try {
      const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
      expect(code).toBe(1);
      expect(stderr).toContain('IPC_CLOSED');
    } finally {
      await stopProcess(child);
    }
  });

  test('stops when its channel closes (the supervisor is gone)', async () => {
    const core = startDomain(bundle.files.core);
    await eventually(async () => Promise.resolve(core.stderr().includes('acquiring') ? true : undefined), 'core start');
    core.channel.end();
    await eventually(async () => Promise.resolve(core.process.exitCode ?? undefined), 'core exit');
    expect(core.process.exitCode).toBe(0);
  });
});

describe('supervisor', () => {
  test('every domain stops on the launcher’s SIGTERM, through its own shutdown', async () => {
    const other = await startFirmware(bundle);
    await other.stop();
    expect(other.stderr()).toMatch(/\[supervisor\] stopping: received SIGTERM/);
    expect(other.stderr()).toMatch(/\[core\] stopping: received SIGTERM/);
    expect(other.stderr()).toMatch(/\[protocol\] stopping: received SIGTERM/);
  });
});
