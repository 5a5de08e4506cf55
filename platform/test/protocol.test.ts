import { XMLParser } from 'fast-xml-parser';
import { describe, expect, test } from 'vitest';
import { parseBuildInfo } from '../src/build-info.js';
import { isPlatformError } from '../src/errors.js';
import { message, type IpcMessage } from '../src/ipc/index.js';
import { CoreLink } from '../src/protocol/core-link.js';
import { deviceInfo, type DeviceInfo } from '../src/protocol/device-info.js';
import { handleDeviceService } from '../src/protocol/onvif.js';

const BUILD = parseBuildInfo({
  model: 'ptz-4k',
  modelName: 'PTZ <4K> & Co',
  firmware: '3.1.0',
  platform: '1.4.0',
  hardwareRevisions: ['A', 'B'],
});
const INFO: DeviceInfo = deviceInfo(BUILD, { FWKIT_HARDWARE_REVISION: 'B', FWKIT_SERIAL_NUMBER: 'SN1' });

const soap = (body: string) =>
  `<?xml version="1.0"?><s:Envelope xmlns:s="http://www.w3.org/2003/05/soap-envelope" xmlns:tds="http://www.onvif.org/ver10/device/wsdl"><s:Body>${body}</s:Body></s:Envelope>`;
const parse = (xml: string) =>
  new XMLParser({ removeNSPrefix: true, parseTagValue: false }).parse(xml) as { Envelope: { Body: Record<string, unknown> } };

function codeOf(fn: () => unknown): string {
  try {
    fn();
    return 'no error';
  } catch (error) {
    return isPlatformError(error) ? error.code : 'untyped error';
  }
}

describe('ONVIF device service', () => {
  test('GetDeviceInformation answers with the device facts, XML-escaped', () => {
    const res = handleDeviceService(soap('<tds:GetDeviceInformation/>'), INFO);
    expect(res.status).toBe(200);
    expect(res.body).toContain('PTZ &lt;4K&gt; &amp; Co');
    expect(parse(res.body).Envelope.Body.GetDeviceInformationResponse).toEqual({
      Manufacturer: 'fwkit camera platform',
      Model: 'PTZ <4K> & Co',
      FirmwareVersion: '3.1.0',
      SerialNumber: 'SN1',
      HardwareId: 'ptz-4k:B',
    });
  });

  test.each([
    ['another operation', soap('<tds:SystemReboot/>'), 500, 'env:Receiver', 'ter:ActionNotSupported'],
    ['two operations', soap('<tds:GetDeviceInformation/><tds:GetHostname/>'), 400, 'env:Sender', 'ter:InvalidArgVal'],
    ['no envelope', '<GetDeviceInformation/>', 400, 'env:Sender', 'ter:InvalidArgVal'],
    ['malformed XML', soap('<tds:GetDeviceInformation>'), 400, 'env:Sender', 'ter:WellFormed'],
    [
      'a DTD',
      `<?xml version="1.0"?><!DOCTYPE s [<!ENTITY x "${'a'.repeat(10)}">]>${soap('<tds:GetDeviceInformation/>')}`,
      400,
      'env:Sender',
      'ter:WellFormed',
    ],
    ['absurd nesting', soap(`${'<a>'.repeat(200)}${'</a>'.repeat(200)}`), 400, 'env:Sender', 'ter:WellFormed'],
  ])('%s gets a SOAP fault', (_what, xml, status, code, subcode) => {
    const res = handleDeviceService(xml, INFO);
    expect(res.status).toBe(status);
    expect(parse(res.body).Envelope.Body.Fault).toMatchObject({ Code: { Value: code, Subcode: { Value: subcode } } });
  });
});

describe('device facts', () => {
  test('a missing revision or serial number is reported as null, not guessed', () => {
    expect(deviceInfo(BUILD, {})).toMatchObject({ hardwareRevision: null, serialNumber: null, hardwareRevisions: ['A', 'B'] });
  });

  test('refuses unprintable per-unit facts and a malformed __FWKIT_BUILD__', () => {
    expect(codeOf(() => deviceInfo(BUILD, { FWKIT_SERIAL_NUMBER: 'SN\n<x>' }))).toBe('USAGE');
    expect(codeOf(() => parseBuildInfo(undefined))).toBe('BUILD_INFO_INVALID');
    expect(codeOf(() => parseBuildInfo({ ...BUILD, hardwareRevisions: [] }))).toBe('BUILD_INFO_INVALID');
    expect(codeOf(() => parseBuildInfo({ ...BUILD, firmware: 3 }))).toBe('BUILD_INFO_INVALID');
  });
});

describe('CoreLink', () => {
  const ready = message('core.ready', {
    sensor: { name: 'S', interface: 'sensor.mipi-csi2', interfaceVersion: '2.0.0', width: 64, height: 48, fps: 30 },
    frame: { width: 64, height: 48, format: 'gray8' },
    capabilities: ['ptz'],
  });

  const codeOfRejection = async (p: Promise<unknown>) =>
    p.then(
      () => 'no error',
      (error: unknown) => (isPlatformError(error) ? error.code : 'untyped error'),
    );

  test('refuses requests until the core has announced itself', async () => {
    const link = new CoreLink({ send: () => true });
    expect(await codeOfRejection(link.snapshot())).toBe('CORE_UNAVAILABLE');
  });

  test('matches replies by request id and type, and ignores anything else', async () => {
    const sent: IpcMessage[] = [];
    const link = new CoreLink({ send: (m) => (sent.push(m), true) });
    link.handle(ready);
    const pending = link.ptz({ preset: 2 });
    expect(sent).toEqual([message('ptz.command', { action: 'preset', requestId: 1, preset: 2 })]);

    // Wrong type for that id, then an id nobody asked for: neither settles the request.
    expect(link.handle(message('snapshot.result', { outcome: 'failed', requestId: 1, error: 'NO_FRAME_YET', message: '' }))).toBe(false);
    expect(link.handle(message('ptz.result', { outcome: 'done', requestId: 99, position: { pan: 0, tilt: 0, zoom: 1 } }))).toBe(false);
    const reply = message('ptz.result', { outcome: 'done', requestId: 1, position: { pan: 90, tilt: -15, zoom: 4 } });
    expect(link.handle(reply)).toBe(true);
    expect(await pending).toEqual(reply);
    // Settled once: a duplicate reply is dropped.
    expect(link.handle(reply)).toBe(false);
  });

  test('times out, bounds the waiting requests, and fails them all when the channel closes', async () => {
    const link = new CoreLink({ send: () => true, timeoutMs: 20, maxPending: 2 });
    link.handle(ready);
    expect(await codeOfRejection(link.snapshot())).toBe('CORE_TIMEOUT');

    const patient = new CoreLink({ send: () => true, timeoutMs: 60_000, maxPending: 2 });
    patient.handle(ready);
    const a = codeOfRejection(patient.snapshot());
    const b = codeOfRejection(patient.snapshot());
    expect(await codeOfRejection(patient.snapshot())).toBe('CORE_BUSY');
    patient.closeAll();
    expect([await a, await b]).toEqual(['CORE_UNAVAILABLE', 'CORE_UNAVAILABLE']);

    const closed = new CoreLink({ send: () => false });
    closed.handle(ready);
    expect(await codeOfRejection(closed.snapshot())).toBe('CORE_UNAVAILABLE');
  });
});
