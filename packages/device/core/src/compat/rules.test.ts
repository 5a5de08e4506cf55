import { describe, expect, it } from 'vitest';
import type { DeviceIdentity } from '../schema/device.js';
import type { PlatformManifest, ProductManifest } from '@fwkit/release-core';
import { composeRequirements, fieldDevicesOf } from '@fwkit/release-core';
import type { ReasonCode } from './reasons.js';
import { compileImage } from './engine.js';
import { checkDeviceCompatibility, upgradeReasons, type ImageFacts } from './rules.js';

const image: ImageFacts = {
  model: 'cam',
  hardwareRevisions: ['A', 'B'],
  firmware: '2.0.0',
  security: 5,
  upgradeFrom: '>=1.0.0',
  requires: {
    interfaces: { 'sensor.mipi-csi2': '>=2.0.0 <3.0.0', 'ptz.visca': '^1.2.0' },
    bootloader: '>=3.0.0',
    imageFormat: 1,
    ramBytes: 1000,
    flashBytes: 5000,
  },
};

const device: DeviceIdentity = {
  schemaVersion: 1,
  model: 'cam',
  hardwareRevision: 'B',
  bootloader: { version: '3.1.0', imageFormats: [1, 2] },
  provides: { interfaces: { 'sensor.mipi-csi2': '2.4.1', 'ptz.visca': '1.3.0' }, flashPartitionBytes: 5000, ramBytes: 1000 },
  installed: { firmware: '1.9.0', security: 5 },
};

const codes = (i: ImageFacts, d: DeviceIdentity): ReasonCode[] => checkDeviceCompatibility(i, d).map((r) => r.code);

describe('device rules', () => {
  it('pass when the device provides everything at the boundaries (equal RAM, flash, security)', () => {
    expect(checkDeviceCompatibility(image, device)).toEqual([]);
  });

  const failing: [string, ImageFacts, DeviceIdentity, ReasonCode][] = [
    ['another model', image, { ...device, model: 'other' }, 'MODEL_MISMATCH'],
    ['another hardware revision', image, { ...device, hardwareRevision: 'C' }, 'HARDWARE_REVISION_UNSUPPORTED'],
    ['an unknown requirement', { ...image, requires: { ...image.requires, gpu: '>=1' } }, device, 'REQUIREMENT_UNKNOWN'],
    [
      'a missing interface',
      image,
      { ...device, provides: { ...device.provides, interfaces: { 'sensor.mipi-csi2': '2.4.1' } } },
      'INTERFACE_MISSING',
    ],
    [
      'an interface version out of range',
      image,
      { ...device, provides: { ...device.provides, interfaces: { 'sensor.mipi-csi2': '1.9.0', 'ptz.visca': '1.3.0' } } },
      'INTERFACE_VERSION_INCOMPATIBLE',
    ],
    ['an old bootloader', image, { ...device, bootloader: { version: '2.9.9', imageFormats: [1] } }, 'BOOTLOADER_TOO_OLD'],
    [
      'a bootloader that cannot verify the format',
      image,
      { ...device, bootloader: { version: '3.1.0', imageFormats: [2] } },
      'IMAGE_FORMAT_UNSUPPORTED',
    ],
    ['too little RAM', image, { ...device, provides: { ...device.provides, ramBytes: 999 } }, 'RAM_INSUFFICIENT'],
    ['too little flash', image, { ...device, provides: { ...device.provides, flashPartitionBytes: 4999 } }, 'FLASH_INSUFFICIENT'],
    ['a security version rollback', image, { ...device, installed: { firmware: '1.9.0', security: 6 } }, 'SECURITY_VERSION_ROLLBACK'],
    ['an older firmware version (a downgrade)', image, { ...device, installed: { firmware: '2.0.1', security: 5 } }, 'FIRMWARE_DOWNGRADE'],
    [
      'installed firmware outside upgradeFrom',
      image,
      { ...device, installed: { firmware: '0.9.0', security: 5 } },
      'UPGRADE_FROM_UNSUPPORTED',
    ],
  ];
  it.each(failing)('refuse %s with its own code and only that code', (_name, i, d, code) => {
    expect(codes(i, d)).toEqual([code]);
  });

  describe('upgradeFrom (the signed range of installed versions that may upgrade directly)', () => {
    const at = (firmware: string, range: string, security = 5): ReasonCode[] =>
      codes({ ...image, upgradeFrom: range }, { ...device, installed: { firmware, security } });

    it('passes inside the range, at its bounds', () => {
      expect(at('1.0.0', '>=1.0.0')).toEqual([]);
      expect(at('1.4.9', '>=1.0.0 <1.5.0')).toEqual([]);
      expect(at('1.9.0', '*')).toEqual([]);
    });

    it('refuses outside it with UPGRADE_FROM_UNSUPPORTED and the facts', () => {
      expect(at('0.9.0', '>=1.0.0')).toEqual(['UPGRADE_FROM_UNSUPPORTED']);
      expect(at('1.5.0', '>=1.0.0 <1.5.0')).toEqual(['UPGRADE_FROM_UNSUPPORTED']);
      // A pre-release is not in a plain range (semver's rule): the device must take a stable release first.
      expect(at('1.3.0-rc.1', '>=1.0.0')).toEqual(['UPGRADE_FROM_UNSUPPORTED']);
      const [reason] = checkDeviceCompatibility(image, { ...device, installed: { firmware: '0.9.0', security: 5 } });
      expect(reason?.details).toEqual({ upgradeFrom: '>=1.0.0', installed: '0.9.0', firmware: '2.0.0' });
    });

    it('allows the installed version itself (a repair), and refuses any lower one, also across lines', () => {
      expect(codes(image, { ...device, installed: { firmware: '2.0.0', security: 5 } })).toEqual([]);
      expect(
        codes({ ...image, firmware: '1.4.2', upgradeFrom: '*' }, { ...device, installed: { firmware: '1.5.0', security: 4 } }),
      ).toEqual(['FIRMWARE_DOWNGRADE']);
      expect(codes({ ...image, firmware: '2.0.0-rc.1' }, { ...device, installed: { firmware: '2.0.0', security: 5 } })).toEqual([
        'FIRMWARE_DOWNGRADE',
      ]);
    });

    it('reports it with the security rollback when both fail', () => {
      expect(at('0.9.0', '>=1.0.0', 6)).toEqual(['SECURITY_VERSION_ROLLBACK', 'UPGRADE_FROM_UNSUPPORTED']);
    });

    it('does not apply to a factory-fresh device (no installed firmware): provisioning, not an upgrade', () => {
      const factory: DeviceIdentity = { ...device, installed: undefined };
      expect(codes({ ...image, upgradeFrom: '>=9.0.0', security: 0 }, factory)).toEqual([]);
    });

    it('is the same function the device rules use (upgradeReasons), with a caller-supplied semver', () => {
      // Renamed in spirit: no caller-supplied semver any more (the engine compiles its ranges once); the
      // upgrade rules and the device check are one implementation and give the same reasons.
      const installed = { firmware: '0.9.0', security: 6 };
      expect(upgradeReasons(image, installed).map((r) => r.code)).toEqual(['SECURITY_VERSION_ROLLBACK', 'UPGRADE_FROM_UNSUPPORTED']);
      const onDevice = compileImage(image).check({ ...device, installed });
      expect(onDevice.map((r) => r.code)).toEqual(['SECURITY_VERSION_ROLLBACK', 'UPGRADE_FROM_UNSUPPORTED']);
      expect(new Set(onDevice.map((r) => r.message))).toEqual(new Set(upgradeReasons(image, installed).map((r) => r.message)));
    });
  });

  it('do not find inherited properties: an interface named "constructor" is missing, not provided', () => {
    const needsConstructor = { ...image, requires: { ...image.requires, interfaces: { constructor: '*' } } };
    expect(codes(needsConstructor, device)).toEqual(['INTERFACE_MISSING']);
  });

  it('report every failing rule at once, with the facts a release engineer needs', () => {
    const reasons = checkDeviceCompatibility(image, { ...device, provides: { interfaces: {}, flashPartitionBytes: 0, ramBytes: 0 } });
    expect(reasons.map((r) => r.code)).toEqual(['INTERFACE_MISSING', 'INTERFACE_MISSING', 'RAM_INSUFFICIENT', 'FLASH_INSUFFICIENT']);
    expect(reasons[0]?.details).toMatchObject({ model: 'cam', revision: 'B', interface: 'sensor.mipi-csi2' });
  });
});

describe('composeRequirements', () => {
  const platform: PlatformManifest = {
    schemaVersion: 1,
    imageFormat: 1,
    installerFormats: [1],
    domains: {},
    base: { interfaces: { 'sensor.mipi-csi2': '>=2.0.0' }, ramBytes: 100, bootloader: '>=2.0.0' },
    features: {
      'ptz-control': { interfaces: { 'ptz.visca': '^1.2.0', 'sensor.mipi-csi2': '<3.0.0' }, ramBytes: 20, bootloader: '>=3.0.0' },
      wdr: { interfaces: {}, ramBytes: 5 },
    },
    interfaces: {},
  };
  const product = { id: 'cam', platform: '>=1.0.0 <2.0.0', features: ['ptz-control', 'wdr'] } as unknown as ProductManifest;

  it('adds the base and every enabled feature: ranges intersect, RAM adds up', () => {
    const { requires, problems } = composeRequirements(platform, '1.4.0', product, 4096);
    expect(problems).toEqual([]);
    expect(requires).toEqual({
      interfaces: { 'ptz.visca': '^1.2.0', 'sensor.mipi-csi2': '>=2.0.0 <3.0.0' },
      bootloader: '>=3.0.0',
      imageFormat: 1,
      ramBytes: 125,
      flashBytes: 4096,
    });
  });

  it('flags a feature the platform does not offer and a platform version the product refuses', () => {
    const { problems } = composeRequirements(platform, '2.0.0', { ...product, features: ['laser'] }, 0);
    expect(problems.map((p) => p.code)).toEqual(['PLATFORM_VERSION_REJECTED', 'FEATURE_UNKNOWN']);
  });
});

describe('fieldDevicesOf', () => {
  it('gives one device per hardware revision and bootloader in the field', () => {
    const hw = { interfaces: {}, flashPartitionBytes: 1, ramBytes: 1 };
    const product = {
      id: 'cam',
      hardware: [
        {
          ...hw,
          revision: 'A',
          bootloaders: [
            { version: '1.0.0', imageFormats: [1] },
            { version: '1.1.0', imageFormats: [1] },
          ],
        },
        { ...hw, revision: 'B', bootloaders: [{ version: '2.0.0', imageFormats: [1] }] },
      ],
    } as unknown as ProductManifest;
    expect(fieldDevicesOf(product).map((d) => `${d.hardwareRevision}@${d.bootloader.version}`)).toEqual(['A@1.0.0', 'A@1.1.0', 'B@2.0.0']);
    expect(fieldDevicesOf(product, 'B')).toHaveLength(1);
  });
});
