import fc from 'fast-check';
import semver from 'semver';
import { describe, expect, it } from 'vitest';
import { KNOWN_REQUIREMENTS } from '../schema/image-manifest.js';
import type { DeviceIdentity } from '../schema/device.js';
import { compileImage, compileUpgrade, type ImageFacts } from './engine.js';
import type { ReasonCode } from './reasons.js';

// The compiled engine against a naive reference of the device rules, written here over the
// `semver` package, one rule after the other (moved from the matrix's fast-path test when the
// matrix's mirror of the rules went: the engine itself is now the fast path).

const versions = ['0.9.0', '1.0.0', '1.2.0', '1.2.3', '1.3.0-rc.1', '1.3.0', '2.0.0', '2.1.4', '3.0.0'];
const ranges = ['*', '>=1.2.0 <2.0.0', '^1.2.0', '~1.3.0', '>=1.3.0-0', '1.x || >=3.0.0', '<1.2.0', '>=2.1.0 <4.0.0', '=2.0.0'];
const names = ['sensor.parallel', 'codec.h264', 'ptz.visca', 'constructor', 'toString', '__proto__x'];

const sizes = fc.constantFrom(0, 1, 4096, 4097, 1 << 20);
const deviceArb = fc.record({
  model: fc.constantFrom('cam', 'other'),
  hardwareRevision: fc.constantFrom('A', 'B', 'C'),
  bootloader: fc.constantFrom(...versions),
  formats: fc.uniqueArray(fc.constantFrom(1, 2, 3), { minLength: 1 }),
  interfaces: fc.dictionary(fc.constantFrom(...names), fc.constantFrom(...versions), { maxKeys: 4 }),
  ram: sizes,
  flash: sizes,
  installed: fc.option(fc.record({ security: fc.integer({ min: 0, max: 3 }), firmware: fc.constantFrom(...versions) }), { nil: undefined }),
});
type DeviceDraft = typeof deviceArb extends fc.Arbitrary<infer T> ? T : never;

/** Mostly what the device provides (so that one broken rule is often the only one), sometimes anything. */
function near<T>(fits: fc.Arbitrary<T>, anything: fc.Arbitrary<T>): fc.Arbitrary<T> {
  return fc.oneof({ arbitrary: fits, weight: 6 }, { arbitrary: anything, weight: 1 });
}

const rangesFor = (version: string): string[] => ranges.filter((r) => semver.satisfies(version, r));

/** Ranges that hold the installed firmware (any range when there is none: a factory-fresh device). */
const upgradeRangesFor = (installed: string | undefined): string[] => {
  const fitting = installed === undefined ? ranges : rangesFor(installed);
  return fitting.length > 0 ? fitting : ['*'];
};

function imageFor(d: DeviceDraft) {
  const provided = Object.entries(d.interfaces);
  const fittingInterfaces =
    provided.length === 0
      ? fc.constant({})
      : fc
          .subarray(provided)
          .chain((subset) =>
            fc.tuple(
              ...subset.map(([name, v]) =>
                fc.constantFrom(...(rangesFor(v).length > 0 ? rangesFor(v) : ['*'])).map((r) => [name, r] as const),
              ),
            ),
          )
          .map((pairs) => Object.fromEntries(pairs));
  return fc.record({
    model: near(fc.constant(d.model), fc.constantFrom('cam', 'other')),
    hardwareRevisions: near<readonly string[]>(
      fc.constant([d.hardwareRevision]),
      fc.uniqueArray(fc.constantFrom('A', 'B', 'C'), { minLength: 1 }),
    ),
    interfaces: near(fittingInterfaces, fc.dictionary(fc.constantFrom(...names), fc.constantFrom(...ranges), { maxKeys: 4 })),
    bootloader: near(fc.constantFrom('*', ...rangesFor(d.bootloader)), fc.constantFrom(...ranges)),
    imageFormat: near(fc.constantFrom(...d.formats), fc.constantFrom(1, 2, 3)),
    ramBytes: near(fc.constant(d.ram), sizes),
    flashBytes: near(fc.constant(d.flash), sizes),
    unknown: fc.option(fc.constantFrom('gpu', 'secureElement'), { nil: undefined, freq: 8 }),
    security: near(fc.constant(d.installed?.security ?? 0), fc.integer({ min: 0, max: 3 })),
    upgradeFrom: near(fc.constantFrom(...upgradeRangesFor(d.installed?.firmware)), fc.constantFrom(...ranges)),
  });
}

/** The device rules as the issue states them, one after the other, over the semver package. */
function reference(image: ImageFacts, device: DeviceIdentity): ReasonCode[] {
  const out: ReasonCode[] = [];
  const r = image.requires;
  if (image.model !== device.model) out.push('MODEL_MISMATCH');
  if (!image.hardwareRevisions.includes(device.hardwareRevision)) out.push('HARDWARE_REVISION_UNSUPPORTED');
  for (const key of Object.keys(r)) if (!(KNOWN_REQUIREMENTS as readonly string[]).includes(key)) out.push('REQUIREMENT_UNKNOWN');
  for (const [name, range] of Object.entries(r.interfaces)) {
    const provided = Object.hasOwn(device.provides.interfaces, name) ? device.provides.interfaces[name] : undefined;
    if (provided === undefined) out.push('INTERFACE_MISSING');
    else if (!semver.satisfies(provided, range)) out.push('INTERFACE_VERSION_INCOMPATIBLE');
  }
  if (!semver.satisfies(device.bootloader.version, r.bootloader)) out.push('BOOTLOADER_TOO_OLD');
  if (!device.bootloader.imageFormats.includes(r.imageFormat)) out.push('IMAGE_FORMAT_UNSUPPORTED');
  if (r.ramBytes > device.provides.ramBytes) out.push('RAM_INSUFFICIENT');
  if (r.flashBytes > device.provides.flashPartitionBytes) out.push('FLASH_INSUFFICIENT');
  if (device.installed !== undefined) {
    if (image.security < device.installed.security) out.push('SECURITY_VERSION_ROLLBACK');
    if (!semver.satisfies(device.installed.firmware, image.upgradeFrom)) out.push('UPGRADE_FROM_UNSUPPORTED');
    if (semver.lt(image.firmware, device.installed.firmware)) out.push('FIRMWARE_DOWNGRADE');
  }
  return out;
}

describe('the compiled engine', () => {
  it('says "passes" exactly when the engine finds no reason (property)', () => {
    const seen = new Map<string, number>();
    fc.assert(
      fc.property(
        deviceArb.chain((d) => imageFor(d).map((i) => ({ i, d }))),
        ({ i, d }) => {
          const requires: ImageFacts['requires'] = {
            interfaces: i.interfaces,
            bootloader: i.bootloader,
            imageFormat: i.imageFormat,
            ramBytes: i.ramBytes,
            flashBytes: i.flashBytes,
            ...(i.unknown === undefined ? {} : { [i.unknown]: '>=1.0.0' }),
          };
          const image: ImageFacts = {
            model: i.model,
            hardwareRevisions: i.hardwareRevisions,
            requires,
            security: i.security,
            firmware: '2.0.0',
            upgradeFrom: i.upgradeFrom,
          };
          const device: DeviceIdentity = {
            schemaVersion: 1,
            model: d.model,
            hardwareRevision: d.hardwareRevision,
            bootloader: { version: d.bootloader, imageFormats: d.formats },
            provides: { interfaces: d.interfaces, flashPartitionBytes: d.flash, ramBytes: d.ram },
            ...(d.installed === undefined ? {} : { installed: d.installed }),
          };
          const compiled = compileImage(image);
          const codes = compiled.check(device).map((r) => r.code);
          const expected = reference(image, device);
          expect(codes).toEqual(expected);
          expect(compiled.accepts(device)).toBe(expected.length === 0);
          // Compiled once, asked again: the same answer (nothing is consumed by a check).
          expect(compiled.check(device).map((r) => r.code)).toEqual(expected);
          const only = expected.length === 0 ? 'pass' : new Set(expected).size === 1 ? expected[0] : 'several';
          if (only !== undefined) seen.set(only, (seen.get(only) ?? 0) + 1);
        },
      ),
      { numRuns: 3000, seed: 20261203 },
    );
    // The inputs reach every rule alone, and passing devices, so that each rule is compared.
    expect([...seen.keys()].sort()).toEqual(
      [
        'pass',
        'several',
        'MODEL_MISMATCH',
        'HARDWARE_REVISION_UNSUPPORTED',
        'REQUIREMENT_UNKNOWN',
        'INTERFACE_MISSING',
        'INTERFACE_VERSION_INCOMPATIBLE',
        'BOOTLOADER_TOO_OLD',
        'IMAGE_FORMAT_UNSUPPORTED',
        'RAM_INSUFFICIENT',
        'FLASH_INSUFFICIENT',
        'SECURITY_VERSION_ROLLBACK',
        'UPGRADE_FROM_UNSUPPORTED',
        'FIRMWARE_DOWNGRADE',
      ].sort(),
    );
  });

  it('returns one shared empty list for every passing check, and frozen reasons on failure', () => {
    const image: ImageFacts = {
      model: 'cam',
      hardwareRevisions: ['A'],
      requires: { interfaces: { 'codec.h264': '^1.2.0' }, bootloader: '>=1.0.0', imageFormat: 1, ramBytes: 1, flashBytes: 1 },
      security: 1,
      firmware: '2.0.0',
      upgradeFrom: '>=1.0.0',
    };
    const device: DeviceIdentity = {
      schemaVersion: 1,
      model: 'cam',
      hardwareRevision: 'A',
      bootloader: { version: '1.0.0', imageFormats: [1] },
      provides: { interfaces: { 'codec.h264': '1.3.0' }, flashPartitionBytes: 1, ramBytes: 1 },
    };
    const compiled = compileImage(image);
    expect(compiled.check(device)).toBe(compiled.check({ ...device, hardwareRevision: 'A' }));
    const failing = compiled.check({ ...device, provides: { ...device.provides, ramBytes: 0 } });
    expect(failing.map((r) => r.code)).toEqual(['RAM_INSUFFICIENT']);
    expect(Object.isFrozen(failing)).toBe(true);
  });

  it('refuses a range it cannot read instead of guessing (it satisfies nothing)', () => {
    const upgrade = compileUpgrade({ firmware: '2.0.0', security: 1, upgradeFrom: '>= 1.0.0' });
    expect(upgrade.check({ firmware: '1.5.0', security: 1 }).map((r) => r.code)).toEqual(['UPGRADE_FROM_UNSUPPORTED']);
  });

  it('answers the upgrade rules in the order of the device check: the security version, upgradeFrom, then the downgrade', () => {
    const upgrade = compileUpgrade({ firmware: '2.0.0', security: 1, upgradeFrom: '>=1.0.0' });
    expect(upgrade.accepts({ firmware: '1.0.0', security: 1 })).toBe(true);
    expect(upgrade.check({ firmware: '0.9.0', security: 2 }).map((r) => r.code)).toEqual([
      'SECURITY_VERSION_ROLLBACK',
      'UPGRADE_FROM_UNSUPPORTED',
    ]);
    const narrow = compileUpgrade({ firmware: '2.0.0', security: 1, upgradeFrom: '<2.0.0' });
    expect(narrow.check({ firmware: '2.1.0', security: 2 }).map((r) => r.code)).toEqual([
      'SECURITY_VERSION_ROLLBACK',
      'UPGRADE_FROM_UNSUPPORTED',
      'FIRMWARE_DOWNGRADE',
    ]);
  });
});
