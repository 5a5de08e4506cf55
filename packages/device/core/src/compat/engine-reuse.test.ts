import { describe, expect, it } from 'vitest';
import type { DeviceIdentity } from '../schema/device.js';
import { compileImage, compileUpgrade, type CompiledImage, type ImageFacts } from './engine.js';

// `compileImage(facts, previous)` lends the previous image's compiled hardware rules only when the
// image asks exactly the same of the hardware (flash aside): each difference must compile anew and
// answer for the new image, never for the old one.

const base: ImageFacts = {
  model: 'cam',
  hardwareRevisions: ['A', 'B'],
  requires: {
    interfaces: { 'codec.h264': '^1.2.0', 'ptz.visca': '>=2.0.0' },
    bootloader: '>=1.0.0',
    imageFormat: 1,
    ramBytes: 100,
    flashBytes: 100,
  },
  security: 1,
  firmware: '2.0.0',
  upgradeFrom: '>=1.0.0',
};

const device: DeviceIdentity = {
  schemaVersion: 1,
  model: 'cam',
  hardwareRevision: 'A',
  bootloader: { version: '1.5.0', imageFormats: [1] },
  provides: { interfaces: { 'codec.h264': '1.3.0', 'ptz.visca': '2.1.0' }, flashPartitionBytes: 1000, ramBytes: 100 },
  installed: { firmware: '1.0.0', security: 1 },
};

/** The compiled hardware rules an image uses (an internal the reuse is about). */
const hardwareOf = (compiled: CompiledImage): unknown => (compiled as unknown as { hardware: unknown }).hardware;

const withRequires = (requires: Partial<ImageFacts['requires']> & Record<string, unknown>): ImageFacts => ({
  ...base,
  requires: { ...base.requires, ...requires },
});

describe('compiling an image after another (the matrix reuses hardware rules)', () => {
  it('reuses them for the same hardware asks, whatever the flash need, firmware or security', () => {
    const previous = compileImage(base);
    expect(previous.check(device)).toEqual([]);
    const same = [
      base,
      { ...base },
      { ...base, hardwareRevisions: ['A', 'B'] },
      withRequires({ flashBytes: 5000 }),
      withRequires({ interfaces: { 'codec.h264': '^1.2.0', 'ptz.visca': '>=2.0.0' } }),
      { ...base, firmware: '3.0.0', security: 2 },
    ];
    for (const facts of same) {
      const next = compileImage(facts, previous);
      expect(hardwareOf(next)).toBe(hardwareOf(previous));
      expect(next.facts).toBe(facts);
    }
    // Flash is checked per image even when the rest is lent.
    expect(
      compileImage(withRequires({ flashBytes: 5000 }), previous)
        .check(device)
        .map((r) => r.code),
    ).toEqual(['FLASH_INSUFFICIENT']);
  });

  const different: [string, ImageFacts, string[]][] = [
    ['another model', { ...base, model: 'other' }, ['MODEL_MISMATCH']],
    ['fewer revisions', { ...base, hardwareRevisions: ['B'] }, ['HARDWARE_REVISION_UNSUPPORTED']],
    ['the first revision only', { ...base, hardwareRevisions: ['A'] }, []],
    ['more revisions', { ...base, hardwareRevisions: ['A', 'B', 'C'] }, []],
    ['other revisions, as many', { ...base, hardwareRevisions: ['B', 'C'] }, ['HARDWARE_REVISION_UNSUPPORTED']],
    ['the same revisions in another order', { ...base, hardwareRevisions: ['B', 'A'] }, []],
    ['another bootloader range', withRequires({ bootloader: '>=2.0.0' }), ['BOOTLOADER_TOO_OLD']],
    ['another image format', withRequires({ imageFormat: 2 }), ['IMAGE_FORMAT_UNSUPPORTED']],
    ['more RAM', withRequires({ ramBytes: 101 }), ['RAM_INSUFFICIENT']],
    ['an unknown requirement more', withRequires({ gpu: '>=1' }), ['REQUIREMENT_UNKNOWN']],
    [
      'another interface range',
      withRequires({ interfaces: { 'codec.h264': '^1.4.0', 'ptz.visca': '>=2.0.0' } }),
      ['INTERFACE_VERSION_INCOMPATIBLE'],
    ],
    ['another interface name', withRequires({ interfaces: { 'codec.h265': '^1.2.0', 'ptz.visca': '>=2.0.0' } }), ['INTERFACE_MISSING']],
    [
      'one interface more',
      withRequires({ interfaces: { 'codec.h264': '^1.2.0', 'ptz.visca': '>=2.0.0', 'x.y': '*' } }),
      ['INTERFACE_MISSING'],
    ],
    ['one interface less', withRequires({ interfaces: { 'codec.h264': '^1.2.0' } }), []],
  ];

  it.each(different)('compiles anew for %s, and answers for the new image', (_name, facts, codes) => {
    const previous = compileImage(base);
    expect(previous.check(device)).toEqual([]);
    const next = compileImage(facts, previous);
    expect(hardwareOf(next)).not.toBe(hardwareOf(previous));
    expect(next.check(device).map((r) => r.code)).toEqual(codes);
    expect(next.accepts(device)).toBe(codes.length === 0);
    // …and the lender still answers for itself.
    expect(previous.accepts(device)).toBe(true);
  });

  it('looks only at own fields, as the rules do: an inherited enumerable field changes nothing', () => {
    const inheriting = <T extends object>(own: T, inherited: Record<string, unknown>): T =>
      Object.assign(Object.create(inherited) as T, own);
    const previous = compileImage(base);
    const requires = inheriting(base.requires, { gpu: '>=1' });
    const interfaces = inheriting(base.requires.interfaces, { 'x.inherited': '*' });
    for (const facts of [
      { ...base, requires },
      { ...base, requires: { ...base.requires, interfaces } },
    ]) {
      const next = compileImage(facts, previous);
      expect(hardwareOf(next)).toBe(hardwareOf(previous));
      expect(next.check(device)).toEqual([]);
    }
    // …on either side.
    const lender = compileImage({ ...base, requires });
    expect(hardwareOf(compileImage(base, lender))).toBe(hardwareOf(lender));
  });

  it('compiles anew when the previous image had a requirement the new one lacks', () => {
    const previous = compileImage(withRequires({ gpu: '>=1' }));
    expect(previous.check(device).map((r) => r.code)).toEqual(['REQUIREMENT_UNKNOWN']);
    const next = compileImage(base, previous);
    expect(hardwareOf(next)).not.toBe(hardwareOf(previous));
    expect(next.check(device)).toEqual([]);
  });

  it('answers a device the lender already answered for, by the new image', () => {
    const previous = compileImage(base);
    const small = { ...device, provides: { ...device.provides, ramBytes: 50 } };
    expect(previous.accepts(small)).toBe(false);
    expect(previous.accepts(small)).toBe(false);
    const bigger = compileImage(withRequires({ ramBytes: 40 }), previous);
    expect(bigger.accepts(small)).toBe(true);
  });
});

describe('compileUpgrade', () => {
  it('returns one shared empty list for every passing check, and the reasons otherwise', () => {
    const upgrade = compileUpgrade(base);
    const pass = upgrade.check({ firmware: '1.0.0', security: 1 });
    expect(pass).toEqual([]);
    expect(upgrade.check({ firmware: '2.0.0', security: 0 })).toBe(pass);
    expect(Object.isFrozen(pass)).toBe(true);
    expect(upgrade.check({ firmware: '2.0.0', security: 2 }).map((r) => r.code)).toEqual(['SECURITY_VERSION_ROLLBACK']);
  });
});
