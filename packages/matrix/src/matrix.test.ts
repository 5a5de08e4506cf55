import {
  checkDeviceCompatibility,
  composeRequirements,
  fieldDevicesOf,
  ledgerFromJSON,
  platformManifestFromJSON,
  productManifestFromJSON,
  type Ledger,
  type LedgerImage,
  type LedgerRelease,
  type PlatformManifest,
  type ProductManifest,
  type SupportRecord,
} from '@fwkit/core';
import { afterEach, describe, expect, it, vi } from 'vitest';
import {
  MatrixError,
  computeMatrix,
  gateFailures,
  matrixToJSON,
  supportRecordsFor,
  type Matrix,
  type MatrixCell,
  type MatrixInput,
  type MatrixReasonCode,
} from './index.js';

// ---------------------------------------------------------------------------------------------
// Fixtures: a platform at two versions, three camera models, releases composed the way
// `fwkit release` composes them (core composeRequirements), all validated by the core schemas.
// ---------------------------------------------------------------------------------------------

const MiB = 1024 * 1024;

function platform(sensorParallel: string, lifecycle: unknown[]): PlatformManifest {
  return platformManifestFromJSON({
    schemaVersion: 1,
    imageFormat: 1,
    installerFormats: [1],
    domains: {},
    base: { interfaces: { 'board.hal': '>=1.3.0 <3.0.0' }, ramBytes: 96 * MiB, bootloader: '>=2.1.0 <4.0.0' },
    features: {
      'sensor-parallel': { interfaces: { 'sensor.parallel': sensorParallel }, ramBytes: 8 * MiB },
      'sensor-mipi-csi2': { interfaces: { 'sensor.mipi-csi2': '>=2.0.0 <3.0.0' }, ramBytes: 16 * MiB },
      'h264-encoding': { interfaces: { 'codec.h264': '>=1.1.0 <3.0.0' }, ramBytes: 32 * MiB },
      'ptz-control': { interfaces: { 'ptz.visca': '>=2.0.0 <3.0.0' }, ramBytes: 2 * MiB },
    },
    interfaces: { 'sensor.parallel': lifecycle },
  });
}

const P14 = { version: '1.4.0', manifest: platform('>=1.2.0 <2.0.0', [{ versions: '<1.2.0', status: 'removed', since: '1.0.0' }]) };
/** Platform 1.5.0 drops the parallel sensor bus before 1.3 and deprecates the rest. */
const P15 = {
  version: '1.5.0',
  manifest: platform('>=1.3.0 <2.0.0', [
    { versions: '>=1.3.0 <2.0.0', status: 'deprecated', since: '1.5.0', note: 'The parallel sensor bus goes away in platform 2' },
    { versions: '<1.3.0', status: 'removed', since: '1.5.0' },
  ]),
};

function product(fields: Record<string, unknown>): ProductManifest {
  return productManifestFromJSON({ schemaVersion: 1, platform: '>=1.0.0 <2.0.0', drivers: 'src/drivers.ts', ...fields });
}

const legacy = product({
  id: 'legacy-fixed-1080',
  name: 'Fixed 1080p Bullet (legacy)',
  features: ['sensor-parallel', 'h264-encoding'],
  lifecycle: { released: '2019-03-18', endOfSupport: '2029-03-31' },
  hardware: [
    {
      revision: 'A',
      interfaces: { 'board.hal': '1.3.2', 'sensor.parallel': '1.2.0', 'codec.h264': '1.1.0' },
      flashPartitionBytes: 8 * MiB,
      ramBytes: 256 * MiB,
      bootloaders: [
        { version: '2.1.4', imageFormats: [1] },
        { version: '2.2.0', imageFormats: [1] },
      ],
    },
    {
      revision: 'B',
      interfaces: { 'board.hal': '1.3.5', 'sensor.parallel': '1.3.1', 'codec.h264': '1.1.3' },
      flashPartitionBytes: 8 * MiB,
      ramBytes: 256 * MiB,
      bootloaders: [{ version: '2.2.0', imageFormats: [1] }],
    },
  ],
});

const ptz = product({
  id: 'ptz-4k',
  name: 'PTZ 4K Dome',
  features: ['sensor-mipi-csi2', 'h264-encoding', 'ptz-control'],
  lifecycle: { released: '2022-09-01', endOfSupport: '2033-09-30' },
  hardware: [
    {
      revision: 'A',
      interfaces: { 'board.hal': '2.0.1', 'sensor.mipi-csi2': '2.1.0', 'codec.h264': '2.0.0', 'ptz.visca': '2.1.0' },
      flashPartitionBytes: 32 * MiB,
      ramBytes: 1024 * MiB,
      bootloaders: [
        { version: '2.6.0', imageFormats: [1, 2] },
        { version: '3.0.2', imageFormats: [1, 2] },
      ],
    },
    {
      revision: 'B',
      interfaces: { 'board.hal': '2.1.0', 'sensor.mipi-csi2': '2.2.0', 'codec.h264': '2.0.1', 'ptz.visca': '2.2.0' },
      flashPartitionBytes: 32 * MiB,
      ramBytes: 1024 * MiB,
      bootloaders: [{ version: '3.1.0', imageFormats: [1, 2] }],
    },
  ],
});

interface ReleaseOptions {
  readonly firmware: string;
  readonly date: string;
  readonly products: readonly ProductManifest[];
  readonly security?: number;
  readonly upgradeFrom?: string;
  readonly installerFormats?: number[];
  readonly steppingStone?: boolean;
  readonly platform?: { version: string; manifest: PlatformManifest };
  readonly flashBytes?: number;
  readonly formatVersion?: number;
  /** Change one model's image (a broken build, a hand-edited requirement). */
  readonly tweak?: (image: LedgerImage, product: ProductManifest) => LedgerImage;
}

function release(o: ReleaseOptions): LedgerRelease {
  const p = o.platform ?? P14;
  const formatVersion = o.formatVersion ?? 1;
  const draft = {
    firmware: o.firmware,
    platform: p.version,
    security: o.security ?? 1,
    date: o.date,
    sourceDateEpoch: Date.parse(`${o.date}T00:00:00Z`) / 1000,
    upgradeFrom: o.upgradeFrom ?? '*',
    installerFormats: o.installerFormats ?? [1],
    steppingStone: o.steppingStone ?? false,
    images: o.products.map((prod) => {
      const { requires } = composeRequirements(p.manifest, p.version, prod, o.flashBytes ?? 4 * MiB);
      const image: LedgerImage = {
        model: prod.id,
        hardwareRevisions: prod.hardware.map((h) => h.revision),
        sha256: '0'.repeat(64),
        bytes: (o.flashBytes ?? 4 * MiB) + 10_240,
        formatVersion,
        requires: { ...requires, imageFormat: formatVersion },
      };
      return o.tweak === undefined ? image : o.tweak(image, prod);
    }),
  };
  // Through the ledger schema, as `fwkit release` would read it back.
  const parsed = ledgerFromJSON({ schemaVersion: 1, releases: [draft], support: [] }).releases[0];
  if (parsed === undefined) throw new Error('fixture release did not parse');
  return parsed;
}

function ledger(releases: readonly LedgerRelease[], support: readonly SupportRecord[] = []): Ledger {
  return ledgerFromJSON({ schemaVersion: 1, releases, support });
}

const DATE = '2026-06-01';

function cell(matrix: Matrix, model: string, firmware: string): MatrixCell {
  const i = matrix.models.findIndex((m) => m.id === model);
  const j = matrix.releases.findIndex((r) => r.firmware === firmware);
  const found = matrix.cells[i]?.[j];
  if (found === undefined) throw new Error(`no cell ${model} × ${firmware}`);
  return found;
}

const codes = (c: MatrixCell): MatrixReasonCode[] => c.reasons.map((r) => r.code);

/** A matrix with one earlier release and a candidate 2.0.0 for `products`; `tweak` changes candidate images. */
function candidateMatrix(products: readonly ProductManifest[], options: Partial<ReleaseOptions> = {}, date = DATE): Matrix {
  const past = release({ firmware: '1.0.0', date: '2025-01-10', products });
  const candidate = release({ firmware: '2.0.0', date: '2026-05-20', products, ...options });
  return computeMatrix({ products, platform: options.platform?.manifest ?? P14.manifest, ledger: ledger([past]), candidate, date });
}

// ---------------------------------------------------------------------------------------------

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

describe('release rules', () => {
  it('model missing from the candidate: fails while supported; a past release before the model existed is "not released"', () => {
    const products = [legacy, ptz];
    const old = release({ firmware: '0.9.0', date: '2021-01-01', products: [legacy] });
    const past = release({ firmware: '1.0.0', date: '2025-01-10', products });
    const dropped = release({ firmware: '2.0.0', date: '2026-05-20', products: [legacy] });
    const matrix = computeMatrix({ products, platform: P14.manifest, ledger: ledger([old, past]), candidate: dropped, date: DATE });
    expect(cell(matrix, 'ptz-4k', '0.9.0').verdict).toBe('not-released');
    expect(cell(matrix, 'ptz-4k', '1.0.0').verdict).toBe('pass');
    const missing = cell(matrix, 'ptz-4k', '2.0.0');
    expect(missing.verdict).toBe('fail');
    expect(codes(missing)).toEqual(['MODEL_MISSING']);
    expect(missing.reasons[0]?.details).toMatchObject({ model: 'ptz-4k', firmware: '2.0.0', candidate: true });
    expect(gateFailures(matrix).map((r) => r.code)).toEqual(['MODEL_MISSING']);

    const complete = release({ firmware: '2.0.0', date: '2026-05-20', products });
    const fixed = computeMatrix({ products, platform: P14.manifest, ledger: ledger([old, past]), candidate: complete, date: DATE });
    expect(cell(fixed, 'ptz-4k', '2.0.0').verdict).toBe('pass');
    expect(gateFailures(fixed)).toEqual([]);
  });

  it('a past release that left out a released model is red in history (not in the gate)', () => {
    const products = [legacy, ptz];
    const gap = release({ firmware: '1.0.0', date: '2025-01-10', products: [legacy] });
    const candidate = release({ firmware: '2.0.0', date: '2026-05-20', products });
    const matrix = computeMatrix({ products, platform: P14.manifest, ledger: ledger([gap]), candidate, date: DATE });
    expect(codes(cell(matrix, 'ptz-4k', '1.0.0'))).toEqual(['MODEL_MISSING']);
    expect(gateFailures(matrix)).toEqual([]);
  });

  it('security version going backwards fails; equal passes', () => {
    const products = [ptz];
    const past = [
      release({ firmware: '1.0.0', date: '2025-01-10', products, security: 5 }),
      release({ firmware: '1.1.0', date: '2025-03-10', products, security: 3 }),
    ];
    const equal = computeMatrix({
      products,
      platform: P14.manifest,
      ledger: ledger(past),
      candidate: release({ firmware: '2.0.0', date: '2026-05-20', products, security: 5 }),
      date: DATE,
    });
    expect(cell(equal, 'ptz-4k', '2.0.0').verdict).toBe('pass');
    // 1.1.0 went back from 5 to 3: history shows it (and devices on 1.0.0 could not take it).
    expect(codes(cell(equal, 'ptz-4k', '1.1.0'))).toEqual(['SECURITY_VERSION_DECREASED', 'UPGRADE_PATH_MISSING']);

    const lower = computeMatrix({
      products,
      platform: P14.manifest,
      ledger: ledger(past),
      candidate: release({ firmware: '2.0.0', date: '2026-05-20', products, security: 4 }),
      date: DATE,
    });
    const c = cell(lower, 'ptz-4k', '2.0.0');
    expect(c.verdict).toBe('fail');
    expect(codes(c)).toContain('SECURITY_VERSION_DECREASED');
    expect(c.reasons.find((r) => r.code === 'SECURITY_VERSION_DECREASED')?.details).toMatchObject({
      security: 4,
      highest: 5,
      highestIn: '1.0.0',
    });
  });

  it('an upgrade-path gap is caught, and a stepping-stone release fixes it (UPGRADE_VIA names the route)', () => {
    const products = [ptz];
    const field = [
      release({ firmware: '1.0.0', date: '2024-01-10', products }),
      release({ firmware: '1.2.0', date: '2024-06-10', products, upgradeFrom: '>=1.0.0' }),
    ];
    const candidate = release({ firmware: '2.0.0', date: '2026-05-20', products, upgradeFrom: '>=1.5.0' });
    const gap = computeMatrix({ products, platform: P14.manifest, ledger: ledger(field), candidate, date: DATE });
    const red = cell(gap, 'ptz-4k', '2.0.0');
    expect(red.verdict).toBe('fail');
    expect(codes(red)).toEqual(['UPGRADE_PATH_MISSING']);
    expect(red.reasons[0]?.details).toMatchObject({ stranded: ['1.0.0', '1.2.0'], upgradeFrom: '>=1.5.0' });
    expect(red.reasons[0]?.message).toContain('2.0.0 accepts upgrades from >=1.5.0 only');
    expect(gateFailures(gap).map((r) => r.code)).toEqual(['UPGRADE_PATH_MISSING']);

    const stone = release({ firmware: '1.5.0', date: '2026-02-01', products, upgradeFrom: '>=1.0.0', steppingStone: true });
    const fixed = computeMatrix({ products, platform: P14.manifest, ledger: ledger([...field, stone]), candidate, date: DATE });
    const green = cell(fixed, 'ptz-4k', '2.0.0');
    expect(green.verdict).toBe('pass');
    expect(codes(green)).toEqual(['UPGRADE_VIA']);
    expect(green.reasons[0]?.severity).toBe('info');
    expect(green.reasons[0]?.details['routes']).toEqual([{ from: [['1.0.0', '1.2.0']], versions: 2, via: ['1.5.0'] }]);
    expect(green.reasons[0]?.message).toContain('ptz-4k: devices on 1.0.0 … 1.2.0 (2 versions) upgrade via 1.5.0 (stepping stone)');
    expect(fixed.releases.find((r) => r.firmware === '1.5.0')?.steppingStone).toBe(true);
    expect(gateFailures(fixed)).toEqual([]);
  });

  it('a route through several releases goes via each of them in order', () => {
    const products = [ptz];
    const field = [
      release({ firmware: '1.0.0', date: '2024-01-10', products }),
      release({ firmware: '1.5.0', date: '2024-06-10', products, upgradeFrom: '>=1.0.0', steppingStone: true }),
      release({ firmware: '2.0.0', date: '2025-01-10', products, upgradeFrom: '>=1.5.0' }),
      release({ firmware: '2.5.0', date: '2025-06-10', products, upgradeFrom: '>=1.5.0', steppingStone: true }),
    ];
    const candidate = release({ firmware: '3.0.0', date: '2026-05-20', products, upgradeFrom: '>=2.5.0' });
    const matrix = computeMatrix({ products, platform: P14.manifest, ledger: ledger(field), candidate, date: DATE });
    const routes = cell(matrix, 'ptz-4k', '3.0.0').reasons[0]?.details['routes'];
    expect(routes).toEqual([
      { from: [['1.5.0', '2.0.0']], versions: 2, via: ['2.5.0'] },
      { from: [['1.0.0', '1.0.0']], versions: 1, via: ['1.5.0', '2.5.0'] },
    ]);
  });

  it("a new image format strands devices whose installer cannot verify it, until a stepping stone's installer can", () => {
    const products = [ptz];
    const field = [release({ firmware: '1.0.0', date: '2024-01-10', products })];
    const candidate = release({ firmware: '2.0.0', date: '2026-05-20', products, formatVersion: 2, installerFormats: [1, 2] });
    const stranded = computeMatrix({ products, platform: P14.manifest, ledger: ledger(field), candidate, date: DATE });
    const red = cell(stranded, 'ptz-4k', '2.0.0');
    expect(codes(red)).toEqual(['UPGRADE_PATH_MISSING']);
    expect(red.reasons[0]?.message).toContain('the installer of 1.0.0 verifies image format 1, not 2');

    const stone = release({ firmware: '1.9.0', date: '2026-01-10', products, installerFormats: [1, 2], steppingStone: true });
    const fixed = computeMatrix({ products, platform: P14.manifest, ledger: ledger([...field, stone]), candidate, date: DATE });
    expect(codes(cell(fixed, 'ptz-4k', '2.0.0'))).toEqual(['UPGRADE_VIA']);
  });
});

describe('support periods', () => {
  const published = (model: string, lastDay: string, on = '2025-01-10'): SupportRecord => ({
    model,
    lastDay,
    published: on,
    kind: 'published',
  });

  it('shortening a published support period is refused; an early end recorded in endedEarly is not', () => {
    const products = [legacy];
    const past = release({ firmware: '1.0.0', date: '2025-01-10', products });
    const candidate = release({ firmware: '2.0.0', date: '2026-05-20', products });
    const record = [published('legacy-fixed-1080', '2029-03-31')];

    const shortened = product({ ...legacy, lifecycle: { released: '2019-03-18', endOfSupport: '2027-12-31' } });
    const refused = computeMatrix({ products: [shortened], platform: P14.manifest, ledger: ledger([past], record), candidate, date: DATE });
    const model = refused.models[0];
    expect(model?.reasons.map((r) => r.code)).toEqual(['SUPPORT_SHORTENED']);
    expect(model?.reasons[0]?.details).toMatchObject({ endOfSupport: '2027-12-31', promised: '2029-03-31', published: '2025-01-10' });
    expect(gateFailures(refused).map((r) => r.code)).toEqual(['SUPPORT_SHORTENED']);
    // Nothing to append for a shortened promise: the gate refuses it.
    expect(supportRecordsFor([shortened], ledger([past], record), '2026-05-20')).toEqual([]);

    const endedEarly = product({
      ...legacy,
      lifecycle: {
        released: '2019-03-18',
        endOfSupport: '2029-03-31',
        endedEarly: { lastDay: '2027-12-31', recorded: '2026-05-01', reason: 'The sensor module is no longer manufactured.' },
      },
    });
    const accepted = computeMatrix({
      products: [endedEarly],
      platform: P14.manifest,
      ledger: ledger([past], record),
      candidate,
      date: DATE,
    });
    expect(accepted.models[0]).toMatchObject({ status: 'supported', lastDay: '2027-12-31', endOfSupport: '2029-03-31', reasons: [] });
    expect(gateFailures(accepted)).toEqual([]);
    expect(supportRecordsFor([endedEarly], ledger([past], record), '2026-05-20')).toEqual([
      {
        model: 'legacy-fixed-1080',
        lastDay: '2027-12-31',
        published: '2026-05-20',
        kind: 'ended-early',
        reason: 'The sensor module is no longer manufactured.',
      },
    ]);
  });

  it('supportRecordsFor: publishes new and extended promises once, and nothing already on record', () => {
    const l = ledger([], [published('legacy-fixed-1080', '2029-03-31')]);
    expect(supportRecordsFor([legacy, ptz], l, '2026-05-20')).toEqual([
      { model: 'ptz-4k', lastDay: '2033-09-30', published: '2026-05-20', kind: 'published' },
    ]);
    const extended = product({ ...legacy, lifecycle: { released: '2019-03-18', endOfSupport: '2030-03-31' } });
    expect(supportRecordsFor([extended], l, '2026-05-20')).toEqual([
      { model: 'legacy-fixed-1080', lastDay: '2030-03-31', published: '2026-05-20', kind: 'published' },
    ]);
    const early = { lastDay: '2027-01-31', recorded: '2026-05-01', reason: 'The sensor module is no longer manufactured.' };
    const onRecord = ledger(
      [],
      [
        published('legacy-fixed-1080', '2029-03-31'),
        { ...published('legacy-fixed-1080', '2027-01-31'), kind: 'ended-early', reason: early.reason },
      ],
    );
    const withEarly = product({ ...legacy, lifecycle: { ...legacy.lifecycle, endedEarly: early } });
    expect(supportRecordsFor([withEarly], onRecord, '2026-05-20')).toEqual([]);
    // The early end was withdrawn: the promise is re-stated so that the latest record tells the truth.
    expect(supportRecordsFor([legacy], onRecord, '2026-05-20')).toEqual([
      { model: 'legacy-fixed-1080', lastDay: '2029-03-31', published: '2026-05-20', kind: 'published' },
    ]);
  });

  it('retired and upcoming models: grey and "not released", never in the gate', () => {
    const retired = product({ ...legacy, lifecycle: { released: '2019-03-18', endOfSupport: '2026-03-31' } });
    const upcoming = product({ ...ptz, id: 'ptz-8k', name: 'PTZ 8K', lifecycle: { released: '2026-09-01', endOfSupport: '2036-09-30' } });
    const products = [retired, upcoming, ptz];
    const past = release({ firmware: '1.0.0', date: '2025-01-10', products: [retired, ptz] });
    // Neither is in the candidate: dropping a retired model is fine, an upcoming one is not out yet.
    const candidate = release({ firmware: '2.0.0', date: '2026-05-20', products: [ptz] });
    const matrix = computeMatrix({ products, platform: P14.manifest, ledger: ledger([past]), candidate, date: DATE });
    expect(matrix.models.map((m) => [m.id, m.status])).toEqual([
      ['legacy-fixed-1080', 'retired'],
      ['ptz-4k', 'supported'],
      ['ptz-8k', 'upcoming'],
    ]);
    for (const fw of ['1.0.0', '2.0.0']) {
      const grey = cell(matrix, 'legacy-fixed-1080', fw);
      expect(grey.verdict).toBe('retired');
      expect(codes(grey)).toEqual(['SUPPORT_ENDED']);
      expect(grey.reasons[0]?.severity).toBe('info');
      expect(cell(matrix, 'ptz-8k', fw).verdict).toBe('not-released');
    }
    expect(gateFailures(matrix)).toEqual([]);
  });

  it('a model the ledger knows but no product.json declares cannot be dropped silently while supported', () => {
    const past = release({ firmware: '1.0.0', date: '2025-01-10', products: [legacy, ptz] });
    const candidate = release({ firmware: '2.0.0', date: '2026-05-20', products: [ptz] });
    const support = [published('legacy-fixed-1080', '2029-03-31'), published('ptz-4k', '2033-09-30')];
    const matrix = computeMatrix({ products: [ptz], platform: P14.manifest, ledger: ledger([past], support), candidate, date: DATE });
    expect(matrix.models.map((m) => m.id)).toEqual(['ptz-4k', 'legacy-fixed-1080']);
    expect(gateFailures(matrix).map((r) => [r.code, r.details['model']])).toEqual([
      ['MODEL_MISSING', 'legacy-fixed-1080'],
      ['MODEL_MISSING', 'legacy-fixed-1080'],
    ]);
    // Once its support has ended, the manifest may go.
    const later = computeMatrix({
      products: [ptz],
      platform: P14.manifest,
      ledger: ledger([past], support),
      candidate,
      date: '2029-04-01',
    });
    expect(later.models[1]?.status).toBe('retired');
    expect(gateFailures(later)).toEqual([]);
  });
});

describe('deprecated interface versions', () => {
  it('warn in the candidate column only, and do not stop the gate', () => {
    const bRevisionOnly = product({ ...legacy, hardware: [legacy.hardware[1]] });
    const matrix = candidateMatrix([bRevisionOnly], { platform: P15 });
    const c = cell(matrix, 'legacy-fixed-1080', '2.0.0');
    expect(c.verdict).toBe('warn');
    expect(codes(c)).toEqual(['INTERFACE_VERSION_DEPRECATED']);
    expect(c.reasons[0]?.details).toMatchObject({ revision: 'B', interface: 'sensor.parallel', provided: '1.3.1', since: '1.5.0' });
    expect(c.reasons[0]?.message).toContain('The parallel sensor bus goes away in platform 2');
    expect(gateFailures(matrix)).toEqual([]);

    const current = candidateMatrix([bRevisionOnly], { platform: P14 });
    expect(cell(current, 'legacy-fixed-1080', '2.0.0').verdict).toBe('pass');
  });
});

describe('the scenario: platform 1.5.0 removes an old sensor interface version a years-old model still needs', () => {
  const products = [legacy, ptz];
  const field = [
    release({ firmware: '1.3.0', date: '2024-10-01', products }),
    release({ firmware: '1.4.0', date: '2025-06-02', products, upgradeFrom: '>=1.3.0' }),
  ];
  const support = [
    { model: 'legacy-fixed-1080', lastDay: '2029-03-31', published: '2024-10-01', kind: 'published' as const },
    { model: 'ptz-4k', lastDay: '2033-09-30', published: '2024-10-01', kind: 'published' as const },
  ];
  const input = (models: readonly ProductManifest[], candidateModels: readonly ProductManifest[]): MatrixInput => ({
    products: models,
    platform: P15.manifest,
    ledger: ledger(field, support),
    candidate: release({
      firmware: '1.5.0',
      date: '2026-05-20',
      products: candidateModels,
      upgradeFrom: '>=1.3.0',
      platform: P15,
      security: 2,
    }),
    date: DATE,
  });

  it('refuses the release, naming the model, the revision, the interface and both versions', () => {
    const matrix = computeMatrix(input(products, products));
    const failures = gateFailures(matrix);
    expect(failures.map((r) => r.code)).toEqual(['INTERFACE_VERSION_INCOMPATIBLE']);
    expect(failures[0]?.details).toMatchObject({
      model: 'legacy-fixed-1080',
      revision: 'A',
      bootloaders: ['2.1.4', '2.2.0'],
      interface: 'sensor.parallel',
      required: '>=1.3.0 <2.0.0',
      provided: '1.2.0',
      lifecycle: 'removed',
      since: '1.5.0',
    });
    expect(failures[0]?.message).toBe(
      'legacy-fixed-1080 rev A (bootloaders 2.1.4, 2.2.0): requires sensor.parallel >=1.3.0 <2.0.0, provides 1.2.0 (removed since platform 1.5.0)',
    );
    expect(cell(matrix, 'legacy-fixed-1080', '1.4.0').verdict).toBe('pass');
    expect(cell(matrix, 'ptz-4k', '1.5.0').verdict).toBe('pass');
  });

  it('recording the end of support (dated, with a reason) makes the same release pass and shows the model retired', () => {
    const ended = product({
      ...legacy,
      lifecycle: {
        released: '2019-03-18',
        endOfSupport: '2029-03-31',
        endedEarly: {
          lastDay: '2026-05-31',
          recorded: '2026-03-02',
          reason: 'Revision A sensors cannot run platform 1.5; customers were offered a replacement.',
        },
      },
    });
    const matrix = computeMatrix(input([ended, ptz], [ptz]));
    expect(gateFailures(matrix)).toEqual([]);
    expect(matrix.models[0]).toMatchObject({ id: 'legacy-fixed-1080', status: 'retired', lastDay: '2026-05-31' });
    const grey = cell(matrix, 'legacy-fixed-1080', '1.5.0');
    expect(grey.verdict).toBe('retired');
    expect(grey.reasons[0]?.message).toContain('Revision A sensors cannot run platform 1.5');
    expect(supportRecordsFor([ended, ptz], ledger(field, support), '2026-05-20').map((r) => [r.model, r.kind, r.lastDay])).toEqual([
      ['legacy-fixed-1080', 'ended-early', '2026-05-31'],
    ]);
  });

  it('moving endOfSupport earlier instead is refused', () => {
    const moved = product({ ...legacy, lifecycle: { released: '2019-03-18', endOfSupport: '2026-05-31' } });
    const matrix = computeMatrix(input([moved, ptz], [ptz]));
    expect(matrix.models[0]?.status).toBe('retired');
    expect(gateFailures(matrix).map((r) => r.code)).toEqual(['SUPPORT_SHORTENED']);
  });
});

describe('dates and input errors', () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it('judges support on the input date, never the clock', () => {
    const run = (date: string) => matrixToJSON(candidateMatrix([legacy, ptz], {}, date));
    vi.useFakeTimers({ toFake: ['Date'] });
    vi.setSystemTime(new Date('2001-01-01T00:00:00Z'));
    const early = run(DATE);
    vi.setSystemTime(new Date('2099-12-31T00:00:00Z'));
    const late = run(DATE);
    expect(late).toEqual(early);
    expect(early.models.map((m) => m.status)).toEqual(['supported', 'supported']);
    expect(run('2029-04-01').models.map((m) => m.status)).toEqual(['retired', 'supported']);
    expect(run('2021-01-01').models.map((m) => m.status)).toEqual(['supported', 'upcoming']);
  });

  it('refuses input it cannot judge, with codes', () => {
    const products = [ptz];
    const past = release({ firmware: '1.0.0', date: '2025-01-10', products });
    const base = { products, platform: P14.manifest, ledger: ledger([past]), date: DATE };
    const code = (input: MatrixInput): string | undefined => {
      try {
        computeMatrix(input);
      } catch (error) {
        expect(error).toBeInstanceOf(MatrixError);
        return (error as MatrixError).code;
      }
      return undefined;
    };
    expect(code({ ...base, date: '2026-02-30' })).toBe('MATRIX_DATE_INVALID');
    expect(code({ ...base, date: '01/06/2026' })).toBe('MATRIX_DATE_INVALID');
    expect(code({ ...base, candidate: release({ firmware: '1.0.0', date: '2026-05-20', products }) })).toBe('MATRIX_CANDIDATE_NOT_NEWER');
    expect(code({ ...base, products: [ptz, ptz] })).toBe('MATRIX_MODEL_DUPLICATE');
    expect(code(base)).toBeUndefined();
  });

  it('without a candidate, the gate holds model-level problems only', () => {
    const products = [ptz];
    const matrix = computeMatrix({
      products,
      platform: P14.manifest,
      ledger: ledger([release({ firmware: '1.0.0', date: '2025-01-10', products })]),
      date: DATE,
    });
    expect(matrix.releases.map((r) => r.candidate)).toEqual([false]);
    expect(gateFailures(matrix)).toEqual([]);
  });
});
