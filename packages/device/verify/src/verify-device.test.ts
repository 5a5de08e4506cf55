import { chunked, makeDevice, TEST_NOW } from '@fwkit/test-utils';
import { describe, expect, it } from 'vitest';
import { VerifyError } from './errors.js';
import { base, baseImage, expectRejected, MiB, recordingSink, trust, useBaseImage, verifyCode, type Case } from './verify.test-support.js';
import { verifyImage } from './verify.js';

// The device rules: a valid, well-signed image that this device must not install.

useBaseImage();

const DEVICE_CASES: readonly Case[] = [
  // Device rules.
  { name: "another model's image", image: () => baseImage({ model: 'other-cam' }).then((i) => i.bytes), code: 'MODEL_MISMATCH' },
  {
    name: 'another hardware revision',
    image: () => base.bytes,
    device: makeDevice({ hardwareRevision: 'C' }),
    code: 'HARDWARE_REVISION_UNSUPPORTED',
  },
  {
    name: 'an unknown requirement',
    image: () => baseImage({ requires: { gpu: '>=2' } }).then((i) => i.bytes),
    code: 'REQUIREMENT_UNKNOWN',
  },
  {
    name: 'an unknown requirement, any device',
    image: () => baseImage({ requires: { gpu: '>=2' } }).then((i) => i.bytes),
    device: 'any-device',
    code: 'REQUIREMENT_UNKNOWN',
  },
  {
    name: 'security version rollback',
    image: () => base.bytes,
    device: makeDevice({ installed: { firmware: '2.5.0', security: 4 } }),
    code: 'SECURITY_VERSION_ROLLBACK',
  },
  {
    name: 'installed firmware outside the signed upgradeFrom range (0.9.0, ">=1.0.0")',
    image: () => base.bytes,
    device: makeDevice({ installed: { firmware: '0.9.0', security: 1 } }),
    code: 'UPGRADE_FROM_UNSUPPORTED',
  },
  {
    name: 'bootloader too old',
    image: () => base.bytes,
    device: makeDevice({ bootloader: { version: '1.9.0', imageFormats: [1] } }),
    code: 'BOOTLOADER_TOO_OLD',
  },
  {
    name: 'bootloader cannot verify format 1',
    image: () => base.bytes,
    device: makeDevice({ bootloader: { version: '2.1.0', imageFormats: [2] } }),
    code: 'IMAGE_FORMAT_UNSUPPORTED',
  },
  {
    name: 'flash partition too small',
    image: () => base.bytes,
    device: makeDevice({ provides: { interfaces: { 'sensor.mipi-csi2': '1.2.0' }, flashPartitionBytes: 1000, ramBytes: 256 * MiB } }),
    code: 'FLASH_INSUFFICIENT',
  },
];

describe('verifyImage', () => {
  it.each(DEVICE_CASES.map((c) => [c.name, c] as const))('rejects: %s', async (_name, c) => {
    await expectRejected(c);
  });

  it("skips the device rules for 'any-device' (another model's image verifies)", async () => {
    const other = await baseImage({ model: 'other-cam', hardwareRevisions: ['Z9'] });
    expect(await verifyCode(other.bytes)).toBe('MODEL_MISMATCH');
    expect(await verifyCode(other.bytes, { devices: 'any-device' })).toBe('OK');
  });

  it('accepts a factory-fresh device (no installed firmware): provisioning, where upgradeFrom does not apply', async () => {
    expect(base.manifest.upgradeFrom).toBe('>=1.0.0');
    expect(await verifyCode(base.bytes, { devices: [makeDevice({ installed: undefined })] })).toBe('OK');
    expect(await verifyCode(base.bytes, { devices: [makeDevice({ installed: { firmware: '1.0.0', security: 1 } })] })).toBe('OK');
  });

  it('reports every device reason, with the first one as the code', async () => {
    const device = makeDevice({ model: 'other-cam', hardwareRevision: 'Z', installed: { firmware: '9.0.0', security: 99 } });
    try {
      await verifyImage(chunked(base.bytes), { trust, devices: [device], now: TEST_NOW });
      expect.unreachable();
    } catch (error) {
      expect(error).toBeInstanceOf(VerifyError);
      const e = error as VerifyError;
      expect(e.code).toBe('MODEL_MISMATCH');
      expect(e.reasons.map((r) => r.code)).toEqual([
        'MODEL_MISMATCH',
        'HARDWARE_REVISION_UNSUPPORTED',
        'SECURITY_VERSION_ROLLBACK',
        'FIRMWARE_DOWNGRADE',
      ]);
      // A line per reason, each with its code (not one long line of them).
      const lines = e.message.split('\n');
      expect(lines[0]).toBe('4 reasons:');
      expect(lines.slice(1).map((l) => /^ {2}- ([A-Z_]+): \S/.exec(l)?.[1])).toEqual(e.reasons.map((r) => r.code));
    }
  });
});

describe('verifyImage over several devices', () => {
  const fits = makeDevice({ hardwareRevision: 'A' });
  const oldBootloader = makeDevice({ bootloader: { version: '1.9.0', imageFormats: [1] } });
  const otherRevision = makeDevice({ hardwareRevision: 'C' });

  it('reports each device, in the order given, when the image fits them all', async () => {
    const second = makeDevice({ installed: undefined });
    const verified = await verifyImage(chunked(base.bytes), { trust, devices: [fits, second], now: TEST_NOW });
    expect(verified.devices.map((r) => [r.device, r.ok, r.reasons])).toEqual([
      [fits, true, []],
      [second, true, []],
    ]);
  });

  it('fails with the first reason of the first device that does not fit, and carries every report', async () => {
    try {
      await verifyImage(chunked(base.bytes), { trust, devices: [fits, oldBootloader, otherRevision], now: TEST_NOW });
      expect.unreachable();
    } catch (error) {
      expect(error).toBeInstanceOf(VerifyError);
      const e = error as VerifyError;
      expect(e.code).toBe('BOOTLOADER_TOO_OLD');
      expect(e.message).toMatch(/^device test-cam rev A with bootloader 1\.9\.0: /);
      expect(e.devices.map((r) => [r.ok, r.reasons.map((x) => x.code)])).toEqual([
        [true, []],
        [false, ['BOOTLOADER_TOO_OLD']],
        [false, ['HARDWARE_REVISION_UNSUPPORTED']],
      ]);
      expect(e.details?.['devices']).toEqual([
        { model: 'test-cam', hardwareRevision: 'A', bootloader: '2.1.0', installed: '1.0.0', ok: true, reasons: [] },
        { model: 'test-cam', hardwareRevision: 'A', bootloader: '1.9.0', installed: '1.0.0', ok: false, reasons: ['BOOTLOADER_TOO_OLD'] },
        {
          model: 'test-cam',
          hardwareRevision: 'C',
          bootloader: '2.1.0',
          installed: '1.0.0',
          ok: false,
          reasons: ['HARDWARE_REVISION_UNSUPPORTED'],
        },
      ]);
    }
  });

  it('refuses a device before a payload byte reaches the sink, whichever device it is', async () => {
    const { sink, calls } = recordingSink();
    await expect(verifyImage(chunked(base.bytes), { trust, devices: [fits, otherRevision], now: TEST_NOW, sink })).rejects.toMatchObject({
      code: 'HARDWARE_REVISION_UNSUPPORTED',
    });
    expect(calls).toEqual([]);
  });

  it("never takes an empty device list for 'any-device'", async () => {
    await expect(verifyImage(chunked(base.bytes), { trust, devices: [], now: TEST_NOW })).rejects.toThrow(/no device given/);
  });
});
