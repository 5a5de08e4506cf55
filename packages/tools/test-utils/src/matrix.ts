import type { Matrix, MatrixCell, MatrixModel, MatrixReason, MatrixRelease, MatrixSeverity, Verdict } from '@fwkit/release-matrix';

/**
 * A large compatibility matrix made directly (no manifests, no ledger): for the report renderers'
 * tests and the report bench, where computing a 1,000 × 200 matrix from inputs would take longer
 * than rendering it. Deterministic for a seed. Its reasons are worded like the matrix's own and
 * vary as real ones do: routes shared along a row, a flash need that grows per release, several
 * deprecation warnings in one candidate cell, models retired (some early) and not yet released,
 * missing images and stranded versions.
 */
export interface SyntheticMatrixOptions {
  readonly models: number;
  readonly releases: number;
  /** Default 20261205. */
  readonly seed?: number;
}

/** mulberry32: small, fast and the same on every machine. */
function prng(seed: number): { next: () => number; int: (lo: number, hi: number) => number; chance: (p: number) => boolean } {
  let a = seed >>> 0;
  const next = (): number => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  return { next, int: (lo, hi) => lo + Math.floor(next() * (hi - lo + 1)), chance: (p) => next() < p };
}

const DAY_MS = 86_400_000;
const MiB = 1024 * 1024;
const day = (ms: number): string => new Date(ms).toISOString().slice(0, 10);
const dayMs = (iso: string): number => Date.parse(`${iso}T00:00:00Z`);
const INTERFACES = [
  'board.hal',
  'sensor.mipi-csi2',
  'codec.h264',
  'codec.h265',
  'codec.jpeg',
  'isp.wdr',
  'audio.i2s',
  'io.alarm',
  'net.poe',
];
const FEATURES = ['sensor-mipi-csi2', 'sensor-parallel', 'h265-encoding', 'ptz-control', 'thermal-radiometry', 'analytics'];
const BOOTLOADERS = ['2.1.4', '2.2.0', '2.4.1', '2.5.2', '3.0.2', '3.1.0'];

function reason(code: MatrixReason['code'], severity: MatrixSeverity, message: string, details: MatrixReason['details']): MatrixReason {
  return Object.freeze({ code, severity, message, details: Object.freeze(details) });
}

function verdictOf(reasons: readonly MatrixReason[]): Verdict {
  if (reasons.some((r) => r.severity === 'error')) return 'fail';
  return reasons.some((r) => r.severity === 'warning') ? 'warn' : 'pass';
}

export function syntheticMatrix(options: SyntheticMatrixOptions): Matrix {
  const r = prng(options.seed ?? 20261205);
  const start = dayMs('2016-01-04');
  const releases: MatrixRelease[] = Array.from({ length: options.releases }, (_, j) => {
    const major = 1 + Math.floor(j / 50);
    const minor = j % 50;
    return {
      firmware: `${major}.${minor}.0`,
      line: `${major}.${minor}`,
      maintenance: false,
      platform: `1.${Math.min(7, Math.floor((j * 8) / Math.max(1, options.releases)))}.0`,
      security: 1 + Math.floor(j / 12),
      date: day(start + j * 18 * DAY_MS),
      upgradeFrom: major === 1 ? '>=1.0.0' : `>=${major - 1}.49.0`,
      candidate: j === options.releases - 1,
      steppingStone: minor === 49,
    };
  });
  const date = releases[releases.length - 1]?.date ?? '2026-01-01';
  const models: MatrixModel[] = [];
  const cells: MatrixCell[][] = [];
  for (let i = 0; i < options.models; i += 1) {
    const id = `cam-${String(i).padStart(4, '0')}`;
    const feature = FEATURES[r.int(0, FEATURES.length - 1)] ?? 'sensor-mipi-csi2';
    const released = day(dayMs('2012-01-01') + r.int(0, 11 * 365) * DAY_MS);
    const endOfSupport = day(dayMs(released) + r.int(6, 15) * 365 * DAY_MS);
    const early =
      r.chance(0.04) && endOfSupport > '2024-01-01'
        ? {
            lastDay: day(dayMs('2022-01-01') + r.int(0, 700) * DAY_MS),
            recorded: '2021-12-01',
            reason: 'The sensor supplier ended production of the module.',
          }
        : undefined;
    const lastDay = early?.lastDay ?? endOfSupport;
    const retiredFrom = day(dayMs(lastDay) + DAY_MS);
    const status = date < released ? 'upcoming' : date > lastDay ? 'retired' : 'supported';
    const shortened =
      status === 'supported' && r.chance(0.003)
        ? [
            reason(
              'SUPPORT_SHORTENED',
              'error',
              `${id}: product.json ends support on ${endOfSupport}, before ${day(dayMs(endOfSupport) + 365 * DAY_MS)} as published on ${released}; a published support period is never shortened: restore endOfSupport and record an early end (lifecycle.endedEarly with lastDay, recorded, reason)`,
              { model: id, endOfSupport },
            ),
          ]
        : [];
    models.push({
      id,
      name: `Camera ${i} (${feature})`,
      status,
      lastDay,
      retiredFrom,
      released,
      endOfSupport,
      ...(early === undefined ? {} : { endedEarly: early }),
      reasons: shortened,
    });

    // What makes this model's row realistic: most rows only pass; a few break in one of these ways.
    const revisions = r.int(2, 4);
    const bootloaders = BOOTLOADERS.slice(r.int(0, 2), r.int(3, BOOTLOADERS.length));
    const flashFrom = r.chance(0.03) ? r.int(Math.floor(options.releases / 3), options.releases - 1) : Infinity;
    const removedFrom = r.chance(0.02) ? r.int(Math.floor(options.releases / 2), options.releases - 1) : Infinity;
    const deprecated = r.chance(0.7) ? r.int(1, 7) : 0;
    const missingAt = r.chance(0.05) ? r.int(0, options.releases - 1) : -1;
    const ended = reason(
      'SUPPORT_ENDED',
      'info',
      `${id}: supported until ${lastDay}, retired since ${retiredFrom}` +
        (early === undefined
          ? ''
          : ` (ended early, recorded ${early.recorded}: ${early.reason}; the published end of support was ${endOfSupport})`),
      { model: id, lastDay, retiredFrom },
    );
    const routes = new Map<number, MatrixReason>();
    const row: MatrixCell[] = [];
    releases.forEach((release, j) => {
      const firmware = release.firmware;
      const judged = release.candidate ? date : release.date;
      const cell = (verdict: Verdict, reasons: readonly MatrixReason[], image = true): MatrixCell => ({
        model: id,
        firmware,
        verdict,
        reasons,
        ...(image ? { manifestSha256: `${j.toString(16)}${id.slice(4)}`.padStart(64, '0') } : {}),
      });
      if (judged < released) return row.push(cell('not-released', [], false));
      if (judged > lastDay) return row.push(cell('retired', [ended], false));
      if (j === missingAt) {
        const text = release.candidate
          ? `${id} (supported until ${lastDay}) has no image in ${firmware} (candidate): the release would drop a supported model`
          : `${id} (released ${released}) has no image in ${firmware} of ${release.date}`;
        return row.push(cell('fail', [reason('MODEL_MISSING', 'error', text, { model: id, firmware })], false));
      }
      const reasons: MatrixReason[] = [];
      const major = Math.floor(j / 50);
      if (major > 0 && j % 50 < 40) {
        // Devices of the previous major reach this one through its stepping stone: one reason per row and major.
        let via = routes.get(major);
        if (via === undefined) {
          const stone = releases[major * 50 - 1]?.firmware ?? '?';
          const first = releases[Math.max(0, major * 50 - 50)]?.firmware ?? '?';
          const last = releases[major * 50 - 2]?.firmware ?? '?';
          via = reason('UPGRADE_VIA', 'info', `${id}: devices on ${first} … ${last} (49 versions) upgrade via ${stone} (stepping stone)`, {
            model: id,
            via: [stone],
          });
          routes.set(major, via);
        }
        reasons.push(via);
      }
      if (j >= flashFrom) {
        const needs = 16 * MiB + (j - flashFrom + 1) * 24_576 + r.int(0, 4096);
        reasons.push(
          reason(
            'FLASH_INSUFFICIENT',
            'error',
            `${id} rev A (bootloaders ${bootloaders.join(', ')}): image needs ${needs} bytes of flash; the partition holds ${16 * MiB}`,
            { model: id, revision: 'A', needs },
          ),
        );
      }
      if (j >= removedFrom) {
        const iface = INTERFACES[i % INTERFACES.length] ?? 'board.hal';
        reasons.push(
          reason(
            'INTERFACE_VERSION_INCOMPATIBLE',
            'error',
            `${id} rev B (bootloaders ${bootloaders.join(', ')}): image requires ${iface} >=1.3.0 <2.0.0; ${id} rev B provides 1.2.${i % 10} (removed since platform ${release.platform})`,
            { model: id, revision: 'B', interface: iface },
          ),
        );
      }
      if (release.candidate && j > 0 && j % 50 === 0 && r.chance(0.05)) {
        reasons.push(
          reason(
            'UPGRADE_PATH_MISSING',
            'error',
            `${id}: no upgrade path to ${firmware} from ${releases[j - 2]?.firmware ?? '?'} (${firmware} accepts upgrades from ${release.upgradeFrom} only, and no release in between leads there); release a stepping stone that accepts them and that this release accepts`,
            { model: id, firmware },
          ),
        );
      }
      if (release.candidate) {
        for (let k = 0; k < deprecated; k += 1) {
          const rev = String.fromCharCode(65 + (k % revisions));
          const iface = INTERFACES[(i + k) % INTERFACES.length] ?? 'board.hal';
          reasons.push(
            reason(
              'INTERFACE_VERSION_DEPRECATED',
              'warning',
              `${id} rev ${rev}: provides ${iface} 1.${2 + (k % 3)}.${(i + k) % 10}, deprecated since platform ${release.platform} (platform ${release.platform} still accepts it; a later one will not)`,
              { model: id, revision: rev, interface: iface },
            ),
          );
        }
      }
      return row.push(cell(verdictOf(reasons), reasons));
    });
    cells.push(row);
  }
  return { date, models, releases, cells };
}
