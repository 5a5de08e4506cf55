import { DEVICE_RULES, checkDeviceCompatibility, type DeviceIdentity, type ImageFacts } from '@fwkit/core';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { FAST_PATH_ENABLED, MIRRORED_RULES, passesAllButFlash, passesFlash } from './device-checks.js';
import { SemverCache } from './semver-cache.js';

// The matrix skips the core engine where a mirror of its rules says a device passes (for speed),
// and asks the engine for every reason it reports. These tests keep the mirror equal to the engine.

const versions = ['0.9.0', '1.0.0', '1.2.0', '1.2.3', '1.3.0-rc.1', '1.3.0', '2.0.0', '2.1.4', 'v2.2.0', '3.0.0'];
const ranges = ['*', '>=1.2.0 <2.0.0', '^1.2.0', '~1.3.0', '>=1.3.0-0', '1.x || >=3.0.0', '<1.2.0', '>=2.1.0 <4.0.0', '=2.0.0'];
const names = ['sensor.parallel', 'codec.h264', 'ptz.visca', 'constructor', 'toString', '__proto__x'];
const requirementKeys = ['interfaces', 'bootloader', 'imageFormat', 'ramBytes', 'flashBytes'];

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

const semverLib = (await import('semver')).default;
const rangesFor = (version: string): string[] => ranges.filter((r) => semverLib.satisfies(version, r));

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

describe('the fast path mirrors the core device rules', () => {
  it('covers exactly the rules of the core, in order (update device-checks.ts when the core changes)', () => {
    expect(DEVICE_RULES.map((rule) => rule.name)).toEqual([...MIRRORED_RULES]);
    expect(FAST_PATH_ENABLED).toBe(true);
    expect(requirementKeys.length).toBe(5);
  });

  it('says "passes" exactly when the engine finds no reason (property)', () => {
    const cache = new SemverCache();
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
          const engine = checkDeviceCompatibility(image, device);
          const mirror = passesAllButFlash(image, device, cache) && passesFlash(requires, device);
          expect(mirror).toBe(engine.length === 0);
          // The flash part alone: the engine's flash reason appears exactly when the mirror's flash check fails.
          expect(passesFlash(requires, device)).toBe(!engine.some((r) => r.code === 'FLASH_INSUFFICIENT'));
          const only = engine.length === 0 ? 'pass' : new Set(engine.map((r) => r.code)).size === 1 ? engine[0]?.code : 'several';
          if (only !== undefined) seen.set(only, (seen.get(only) ?? 0) + 1);
        },
      ),
      { numRuns: 3000, seed: 20261203 },
    );
    // The inputs reach every rule alone, and passing devices, so that each rule's mirror is compared.
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
      ].sort(),
    );
  });

  it('answers satisfies() like semver, parsed once', async () => {
    const semver = (await import('semver')).default;
    const cache = new SemverCache();
    for (const v of [...versions, 'not-a-version', '']) {
      for (const r of [...ranges, 'not a range', '>=']) {
        expect(cache.satisfies(v, r), `${v} in ${r}`).toBe(semver.satisfies(v, r));
        expect(cache.satisfies(v, r), `${v} in ${r}, answered again`).toBe(semver.satisfies(v, r));
      }
    }
  });
});
