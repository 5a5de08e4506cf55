import { checkDeviceCompatibility, type DeviceIdentity, type ImageFacts } from '@fwkit/device-core';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { UpgradeGraph, type UpgradeNode } from './upgrade.js';

// "May a device running release X install release Y's image?" has one answer: the device rules of
// the core (upgradeFrom, security version). The matrix's upgrade graph must give the same answer for
// every pair of releases, or the gate would approve upgrades that devices refuse (or the reverse).

const versions = ['0.9.0', '1.0.0', '1.2.0', '1.3.0-rc.1', '1.3.0', '1.5.0', '2.0.0', '2.1.4', '3.0.0'];
const ranges = ['*', '>=1.0.0', '>=1.5.0', '^1.2.0', '~1.3.0', '>=1.3.0-0', '1.x || >=3.0.0', '<1.2.0', '=2.0.0', '>=1.0.0 <2.0.0'];

const node = fc.record({
  firmware: fc.constantFrom(...versions),
  security: fc.integer({ min: 0, max: 3 }),
  upgradeFrom: fc.constantFrom(...ranges),
});

/** A device that fits every image below, except for what its installed firmware says. */
function deviceRunning(from: UpgradeNode): DeviceIdentity {
  return {
    schemaVersion: 1,
    model: 'cam',
    hardwareRevision: 'A',
    bootloader: { version: '2.0.0', imageFormats: [1] },
    provides: { interfaces: {}, flashPartitionBytes: 1000, ramBytes: 1000 },
    installed: { firmware: from.firmware, security: from.security },
  };
}

function imageOf(to: UpgradeNode): ImageFacts {
  return {
    model: 'cam',
    hardwareRevisions: ['A'],
    requires: { interfaces: {}, bootloader: '*', imageFormat: 1, ramBytes: 1, flashBytes: 1 },
    security: to.security,
    firmware: to.firmware,
    upgradeFrom: to.upgradeFrom,
  };
}

describe('the upgrade graph asks the device rules', () => {
  it('a direct upgrade X→Y exactly when a device running X accepts Y’s image (property)', () => {
    const seen = new Set<string>();
    fc.assert(
      fc.property(fc.array(node, { minLength: 2, maxLength: 6 }), (drafts) => {
        const releases: UpgradeNode[] = drafts.map((d) => ({ ...d, installerFormats: [1] }));
        const graph = new UpgradeGraph(releases);
        releases.forEach((to, j) => {
          releases.slice(0, j).forEach((from, i) => {
            const device = checkDeviceCompatibility(imageOf(to), deviceRunning(from)).map((r) => r.code);
            const why = graph.whyNoDirect(i, j, 1);
            expect(why.length === 0, `${from.firmware}/${from.security} → ${to.firmware} (${to.upgradeFrom})/${to.security}`).toBe(
              device.length === 0,
            );
            expect(why.some((w) => w.includes('accepts upgrades from'))).toBe(device.includes('UPGRADE_FROM_UNSUPPORTED'));
            expect(why.some((w) => w.includes('security version would go down'))).toBe(device.includes('SECURITY_VERSION_ROLLBACK'));
            expect(why.some((w) => w.includes('is older than'))).toBe(device.includes('FIRMWARE_DOWNGRADE'));
            seen.add(device.join(',') || 'pass');
          });
        });
      }),
      { numRuns: 300, seed: 20261203 },
    );
    // Each rule was reached alone, the first two together, and plain passes. (The graph itself only
    // pairs a release with higher versions, where the downgrade rule never fires.)
    expect([...seen]).toEqual(
      expect.arrayContaining([
        'pass',
        'SECURITY_VERSION_ROLLBACK',
        'UPGRADE_FROM_UNSUPPORTED',
        'FIRMWARE_DOWNGRADE',
        'SECURITY_VERSION_ROLLBACK,UPGRADE_FROM_UNSUPPORTED',
      ]),
    );
  });

  it('strands a release whose installed version the next image refuses (installed 0.9.0, upgradeFrom ">=1.0.0")', () => {
    const releases: UpgradeNode[] = [
      { firmware: '0.9.0', security: 1, upgradeFrom: '*', installerFormats: [1] },
      { firmware: '2.0.0', security: 1, upgradeFrom: '>=1.0.0', installerFormats: [1] },
    ];
    const [, result] = new UpgradeGraph(releases).paths([1, 1]);
    expect(result?.stranded).toEqual([0]);
    expect(
      checkDeviceCompatibility(imageOf(releases[1] as UpgradeNode), deviceRunning(releases[0] as UpgradeNode)).map((r) => r.code),
    ).toEqual(['UPGRADE_FROM_UNSUPPORTED']);
  });
});
