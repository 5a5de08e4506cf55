import { checkDeviceCompatibility } from '@fwkit/device-core';
import { fieldDevicesOf, type LedgerImage, type ProductManifest } from '@fwkit/release-core';
import { describe, expect, it } from 'vitest';
import { computeMatrix, gateFailures, type MatrixReasonCode } from './index.js';
import {
  candidateMatrix,
  cell,
  codes,
  DATE,
  ledger,
  legacy,
  MiB,
  P14,
  P15,
  ptz,
  release,
  type ReleaseOptions,
} from './matrix.test-support.js';

// The device rules, cell by cell: the matrix asks the core engine about every field device.

describe('device rules in the matrix: the core engine per field device, a pass and a fail each', () => {
  const withRequires =
    (change: (image: LedgerImage) => Partial<LedgerImage['requires']>) =>
    (image: LedgerImage, prod: ProductManifest): LedgerImage =>
      prod.id === 'ptz-4k' ? { ...image, requires: { ...image.requires, ...change(image) } } : image;

  const rules: {
    rule: string;
    code: MatrixReasonCode;
    pass: ReleaseOptions['tweak'];
    fail: ReleaseOptions['tweak'];
    details?: Record<string, unknown>;
  }[] = [
    {
      rule: 'incompatible interface version',
      code: 'INTERFACE_VERSION_INCOMPATIBLE',
      pass: withRequires((i) => ({ interfaces: { ...i.requires.interfaces, 'ptz.visca': '>=2.1.0 <3.0.0' } })),
      fail: withRequires((i) => ({ interfaces: { ...i.requires.interfaces, 'ptz.visca': '>=2.2.0 <3.0.0' } })),
      details: { revision: 'A', interface: 'ptz.visca', required: '>=2.2.0 <3.0.0', provided: '2.1.0', bootloaders: ['2.6.0', '3.0.2'] },
    },
    {
      rule: 'missing interface',
      code: 'INTERFACE_MISSING',
      pass: withRequires((i) => ({ interfaces: { ...i.requires.interfaces, 'codec.h264': '>=2.0.0' } })),
      fail: withRequires((i) => ({ interfaces: { ...i.requires.interfaces, 'audio.i2s': '>=1.0.0 <2.0.0' } })),
      details: { interface: 'audio.i2s', required: '>=1.0.0 <2.0.0' },
    },
    {
      rule: 'image larger than the flash partition (equal fits)',
      code: 'FLASH_INSUFFICIENT',
      pass: withRequires(() => ({ flashBytes: 32 * MiB })),
      fail: withRequires(() => ({ flashBytes: 32 * MiB + 1 })),
      details: { required: 32 * MiB + 1, available: 32 * MiB },
    },
    {
      rule: 'RAM need over budget (equal fits)',
      code: 'RAM_INSUFFICIENT',
      pass: withRequires(() => ({ ramBytes: 1024 * MiB })),
      fail: withRequires(() => ({ ramBytes: 1024 * MiB + 1 })),
      details: { required: 1024 * MiB + 1, available: 1024 * MiB },
    },
    {
      rule: 'bootloader too old',
      code: 'BOOTLOADER_TOO_OLD',
      pass: withRequires(() => ({ bootloader: '>=2.6.0 <4.0.0' })),
      fail: withRequires(() => ({ bootloader: '>=3.0.0 <4.0.0' })),
      // Only rev A's 2.6.0 is too old; 3.0.2 and rev B's 3.1.0 are fine.
      details: { revision: 'A', bootloaders: ['2.6.0'], required: '>=3.0.0 <4.0.0' },
    },
    {
      rule: 'image format unsupported by a bootloader in the field',
      code: 'IMAGE_FORMAT_UNSUPPORTED',
      pass: withRequires(() => ({ imageFormat: 2 })),
      fail: withRequires(() => ({ imageFormat: 3 })),
      details: { imageFormat: 3, supported: [1, 2] },
    },
    {
      rule: 'hardware revision not covered',
      code: 'HARDWARE_REVISION_UNSUPPORTED',
      pass: (image) => image,
      fail: (image, prod) => (prod.id === 'ptz-4k' ? { ...image, hardwareRevisions: ['A'] } : image),
      details: { revision: 'B', supported: ['A'] },
    },
    {
      rule: 'requirement the devices do not understand',
      code: 'REQUIREMENT_UNKNOWN',
      pass: (image) => image,
      fail: withRequires(() => ({ gpu: '>=1.0.0' })),
      details: { requirement: 'gpu' },
    },
  ];

  it.each(rules)('$rule: passes, then fails with $code', ({ code, pass, fail, details }) => {
    const good = cell(candidateMatrix([ptz], { tweak: pass }), 'ptz-4k', '2.0.0');
    expect(good.verdict).toBe('pass');
    expect(good.reasons).toEqual([]);

    const matrix = candidateMatrix([ptz], { tweak: fail });
    const bad = cell(matrix, 'ptz-4k', '2.0.0');
    expect(bad.verdict).toBe('fail');
    expect(new Set(codes(bad))).toEqual(new Set([code]));
    expect(bad.reasons[0]?.severity).toBe('error');
    expect(bad.reasons[0]?.details).toMatchObject({ model: 'ptz-4k', ...details });
    expect(bad.reasons[0]?.message).toMatch(/^ptz-4k rev [AB] \(bootloaders? /);
    expect(gateFailures(matrix).map((r) => r.code)).toContain(code);
    // The past column is untouched: the change is in the candidate only.
    expect(cell(matrix, 'ptz-4k', '1.0.0').verdict).toBe('pass');
  });

  it('gives the codes the core engine gives each field device (the matrix does not re-implement the rules)', () => {
    const tweak: ReleaseOptions['tweak'] = (image) => ({
      ...image,
      hardwareRevisions: ['A'],
      requires: {
        ...image.requires,
        bootloader: '>=2.2.0',
        ramBytes: 300 * MiB,
        flashBytes: 9 * MiB,
        interfaces: { 'sensor.parallel': '>=1.3.0' },
      },
    });
    const matrix = candidateMatrix([legacy], { tweak });
    const candidate = release({ firmware: '2.0.0', date: '2026-05-20', products: [legacy], tweak });
    const image = candidate.images[0];
    if (image === undefined) throw new Error('no image');
    const facts = {
      model: image.model,
      hardwareRevisions: image.hardwareRevisions,
      requires: image.requires,
      security: 1,
      firmware: '2.0.0',
      upgradeFrom: '*',
    };
    const engine = fieldDevicesOf(legacy).flatMap((device) => checkDeviceCompatibility(facts, device).map((r) => r.code));
    expect(new Set(codes(cell(matrix, 'legacy-fixed-1080', '2.0.0')))).toEqual(new Set(engine));
    expect(engine.length).toBeGreaterThan(3);
  });

  it('answers each release on its own: requirements that change and come back, flash that grows and shrinks', () => {
    const visca = (range: string) => (image: LedgerImage) => ({
      ...image,
      requires: { ...image.requires, interfaces: { ...image.requires.interfaces, 'ptz.visca': range } },
    });
    const flash = (bytes: number) => (image: LedgerImage) => ({ ...image, requires: { ...image.requires, flashBytes: bytes } });
    const steps: ((image: LedgerImage) => LedgerImage)[] = [
      (i) => i,
      flash(32 * MiB + 1),
      flash(31 * MiB),
      visca('>=2.2.0 <3.0.0'),
      (i) => flash(40 * MiB)(visca('>=2.2.0 <3.0.0')(i)),
      (i) => ({ ...i, hardwareRevisions: ['B'] }),
      (i) => i,
    ];
    const products = [ptz];
    const releases = steps.map((tweak, k) =>
      release({ firmware: `1.${k}.0`, date: `2025-0${k + 1}-01`, products, upgradeFrom: '*', tweak: (image) => tweak(image) }),
    );
    const together = computeMatrix({ products, platform: P14.manifest, ledger: ledger(releases), date: DATE });
    releases.forEach((r, k) => {
      const alone = computeMatrix({ products, platform: P14.manifest, ledger: ledger([]), candidate: r, date: DATE });
      const image = r.images[0];
      if (image === undefined) throw new Error('no image');
      const facts = {
        model: 'ptz-4k',
        hardwareRevisions: image.hardwareRevisions,
        requires: image.requires,
        security: 1,
        firmware: r.firmware,
        upgradeFrom: r.upgradeFrom,
      };
      const engine = fieldDevicesOf(ptz).flatMap((device) => checkDeviceCompatibility(facts, device).map((x) => x.code));
      const mine = cell(together, 'ptz-4k', r.firmware);
      expect(new Set(codes(mine)), `release ${k}`).toEqual(new Set(engine));
      expect(mine.reasons, `release ${k}`).toEqual(cell(alone, 'ptz-4k', r.firmware).reasons);
    });
    expect(releases.map((r) => cell(together, 'ptz-4k', r.firmware).verdict)).toEqual([
      'pass',
      'fail',
      'pass',
      'fail',
      'fail',
      'fail',
      'pass',
    ]);
  });

  it('merges the bootloaders of a revision that fail alike into one reason, and keeps revisions apart', () => {
    const matrix = candidateMatrix([legacy], { platform: P15 });
    const reasons = cell(matrix, 'legacy-fixed-1080', '2.0.0').reasons.filter((r) => r.severity === 'error');
    expect(reasons).toHaveLength(1);
    expect(reasons[0]?.details).toMatchObject({ revision: 'A', bootloaders: ['2.1.4', '2.2.0'] });
    expect(reasons[0]?.message).toContain('legacy-fixed-1080 rev A (bootloaders 2.1.4, 2.2.0)');
  });
});
