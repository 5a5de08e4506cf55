// Test-only (excluded from the package build): the fixtures the matrix tests share.
import {
  composeRequirements,
  ledgerFromJSON,
  platformManifestFromJSON,
  productManifestFromJSON,
  type Ledger,
  type LedgerImage,
  type LedgerRelease,
  type PlatformManifest,
  type ProductManifest,
  type SupportRecord,
} from '@fwkit/release-core';
import { computeMatrix, type Matrix, type MatrixCell, type MatrixReasonCode } from './index.js';

// ---------------------------------------------------------------------------------------------
// Fixtures: a platform at two versions, two camera models, releases composed the way
// `fwkit release` composes them (core composeRequirements), all validated by the core schemas.
// ---------------------------------------------------------------------------------------------

export const MiB = 1024 * 1024;

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

export const P14 = { version: '1.4.0', manifest: platform('>=1.2.0 <2.0.0', [{ versions: '<1.2.0', status: 'removed', since: '1.0.0' }]) };
/** Platform 1.5.0 drops the parallel sensor bus before 1.3 and deprecates the rest. */
export const P15 = {
  version: '1.5.0',
  manifest: platform('>=1.3.0 <2.0.0', [
    { versions: '>=1.3.0 <2.0.0', status: 'deprecated', since: '1.5.0', note: 'The parallel sensor bus goes away in platform 2' },
    { versions: '<1.3.0', status: 'removed', since: '1.5.0' },
  ]),
};

export function product(fields: Record<string, unknown>): ProductManifest {
  return productManifestFromJSON({ schemaVersion: 1, platform: '>=1.0.0 <2.0.0', drivers: 'src/drivers.ts', ...fields });
}

export const legacy = product({
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

export const ptz = product({
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

export interface ReleaseOptions {
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

export function release(o: ReleaseOptions): LedgerRelease {
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
        manifestSha256: '0'.repeat(64),
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

export function ledger(releases: readonly LedgerRelease[], support: readonly SupportRecord[] = []): Ledger {
  return ledgerFromJSON({ schemaVersion: 1, releases, support });
}

export const DATE = '2026-06-01';

export function cell(matrix: Matrix, model: string, firmware: string): MatrixCell {
  const i = matrix.models.findIndex((m) => m.id === model);
  const j = matrix.releases.findIndex((r) => r.firmware === firmware);
  const found = matrix.cells[i]?.[j];
  if (found === undefined) throw new Error(`no cell ${model} × ${firmware}`);
  return found;
}

export const codes = (c: MatrixCell): MatrixReasonCode[] => c.reasons.map((r) => r.code);

/** A matrix with one earlier release and a candidate 2.0.0 for `products`; `tweak` changes candidate images. */
export function candidateMatrix(products: readonly ProductManifest[], options: Partial<ReleaseOptions> = {}, date = DATE): Matrix {
  const past = release({ firmware: '1.0.0', date: '2025-01-10', products });
  const candidate = release({ firmware: '2.0.0', date: '2026-05-20', products, ...options });
  return computeMatrix({ products, platform: options.platform?.manifest ?? P14.manifest, ledger: ledger([past]), candidate, date });
}
