#!/usr/bin/env node
// Benchmark of the compatibility matrix (@fwkit/release-matrix computeMatrix) on synthetic but realistic
// input, generated with a seeded PRNG (same seed, same input):
//   - models with 2-4 hardware revisions, 2-4 bootloaders in the field each, 5-10 interfaces from
//     several platform features, models released from 2012 to 2023 (some retired, some ended early);
//   - a ledger of releases every 18 days from 2016, platform versions that tighten interface and RAM
//     requirements over time, majors of 50 releases each closed by a stepping stone (the next major
//     only accepts upgrades from it), image format 2 from release 100 for models whose bootloaders
//     all verify it, a flash need that grows per release; a few models break late (a removed
//     interface version, a full flash partition), a few images are missing;
//   - the last release is the candidate and the matrix date is its release date.
// Reports the median time for 1,000 models × 200 releases and how it grows with models and releases.
// Run alone with `node scripts/bench-matrix.mjs` after `npx tsc -b packages/release/matrix`, or import
// `benchMatrix` from the main benchmark. Environment: BENCH_MATRIX_RUNS (default 7), BENCH_MATRIX_SEED.
import { pathToFileURL } from 'node:url';
import { composeRequirements, ledgerFromJSON, platformManifestFromJSON, productManifestFromJSON } from '@fwkit/release-core';

async function loadMatrix() {
  try {
    return await import('@fwkit/release-matrix');
  } catch (error) {
    // Until the workspace is linked into node_modules (npm install), load the built package directly.
    if (error?.code !== 'ERR_MODULE_NOT_FOUND') throw error;
    return import(new URL('../packages/release/matrix/dist/index.js', import.meta.url).href);
  }
}

/** mulberry32: a small, fast, seeded PRNG (deterministic input for every run and machine). */
function prng(seed) {
  let a = seed >>> 0;
  const next = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const int = (lo, hi) => lo + Math.floor(next() * (hi - lo + 1));
  const pick = (list) => list[Math.floor(next() * list.length)];
  const chance = (p) => next() < p;
  const sample = (list, n) => {
    const copy = [...list];
    const out = [];
    while (out.length < n && copy.length > 0) out.push(copy.splice(Math.floor(next() * copy.length), 1)[0]);
    return out;
  };
  return { next, int, pick, chance, sample };
}

const MiB = 1024 * 1024;
const DAY_MS = 86_400_000;
const day = (ms) => new Date(ms).toISOString().slice(0, 10);
const dayMs = (iso) => Date.parse(`${iso}T00:00:00Z`);

// Interfaces a platform feature needs; `board.hal` comes with the base.
const FEATURES = {
  'sensor-mipi-csi2': ['sensor.mipi-csi2'],
  'sensor-parallel': ['sensor.parallel'],
  'h264-encoding': ['codec.h264'],
  'h265-encoding': ['codec.h265'],
  mjpeg: ['codec.jpeg'],
  'ptz-control': ['ptz.visca'],
  'ptz-pelco': ['ptz.pelco'],
  audio: ['audio.i2s'],
  wdr: ['isp.wdr'],
  hdr: ['isp.hdr'],
  defog: ['isp.defog'],
  analytics: ['npu'],
  'thermal-radiometry': ['thermal.radiometric'],
  'ex-proof-monitoring': ['housing.pressure'],
  'alarm-io': ['io.relay', 'io.alarm'],
  'edge-storage': ['storage.sd'],
  poe: ['net.poe'],
  wifi: ['net.wifi'],
  gnss: ['gnss'],
  'motorized-lens': ['lens.motorized'],
  'ir-illumination': ['ir.illuminator'],
  'tamper-detection': ['tamper.detect'],
};
const FEATURE_RAM = { analytics: 256 * MiB, 'thermal-radiometry': 24 * MiB, 'h265-encoding': 40 * MiB, 'h264-encoding': 32 * MiB };
const FEATURE_BOOTLOADER = { analytics: '>=3.0.0', 'thermal-radiometry': '>=2.5.0', 'ex-proof-monitoring': '>=2.4.0' };
const BOOTLOADERS = ['2.1.4', '2.2.0', '2.4.1', '2.5.2', '2.6.0', '3.0.2', '3.1.0', '3.2.1'];
const ERAS = 8;

/** Platform manifest of era e (platform 1.e.0): interface minimums and RAM rise with the eras. */
function platformOf(era) {
  const minor = era < 3 ? 0 : era < 6 ? 1 : 2;
  const features = Object.fromEntries(
    Object.entries(FEATURES).map(([name, interfaces]) => [
      name,
      {
        interfaces: Object.fromEntries(interfaces.map((i) => [i, `>=1.${minor}.0 <2.0.0`])),
        ramBytes: FEATURE_RAM[name] ?? 4 * MiB,
        ...(FEATURE_BOOTLOADER[name] === undefined ? {} : { bootloader: FEATURE_BOOTLOADER[name] }),
      },
    ]),
  );
  const interfaces = Object.fromEntries(
    [...new Set(Object.values(FEATURES).flat()), 'board.hal'].map((i) => [
      i,
      [
        { versions: `>=1.${minor}.0 <1.${minor + 1}.0`, status: 'deprecated', since: `1.${era}.0` },
        ...(minor > 0 ? [{ versions: `<1.${minor}.0`, status: 'removed', since: `1.${era}.0` }] : []),
      ],
    ]),
  );
  return platformManifestFromJSON({
    schemaVersion: 1,
    imageFormat: era >= 4 ? 2 : 1,
    installerFormats: era >= 4 ? [1, 2] : [1],
    domains: {},
    base: { interfaces: { 'board.hal': `>=1.${minor}.0 <2.0.0` }, ramBytes: (96 + 8 * era) * MiB, bootloader: '>=2.1.0 <4.0.0' },
    features,
    interfaces,
  });
}

export function generateMatrixBenchData(seed, modelCount, releaseCount) {
  const r = prng(seed);
  const platforms = Array.from({ length: ERAS }, (_, e) => platformOf(e));
  const start = dayMs('2016-01-04');
  const releaseDates = Array.from({ length: releaseCount }, (_, i) => day(start + i * 18 * DAY_MS));
  const featureNames = Object.keys(FEATURES).filter((f) => f !== 'sensor-parallel' && f !== 'sensor-mipi-csi2');

  const products = [];
  const flashBase = new Map();
  for (let m = 0; m < modelCount; m += 1) {
    const id = `cam-${String(m).padStart(4, '0')}`;
    const released = day(dayMs('2012-01-01') + r.int(0, 11.5 * 365) * DAY_MS);
    const legacySensor = released < '2016-01-01' && r.chance(0.3);
    const features = [legacySensor ? 'sensor-parallel' : 'sensor-mipi-csi2', ...r.sample(featureNames, r.int(3, 7))];
    const interfaces = [...new Set(['board.hal', ...features.flatMap((f) => FEATURES[f])])];
    const needs24 = features.includes('ex-proof-monitoring');
    const needs25 = features.includes('thermal-radiometry');
    const needs30 = features.includes('analytics');
    const usable = BOOTLOADERS.filter((b) => (!needs30 || b >= '3.0.0') && (!needs25 || b >= '2.5.0') && (!needs24 || b >= '2.4.0'));
    // A few models keep one interface at a version a later platform removes: they break late.
    const breaksLate = r.chance(0.03);
    const hardware = Array.from({ length: r.int(2, 4) }, (_, h) => ({
      revision: String.fromCharCode(65 + h),
      interfaces: Object.fromEntries(
        interfaces.map((i, k) => [i, `1.${breaksLate && h === 0 && k === interfaces.length - 1 ? 1 : r.int(2, 6)}.${r.int(0, 9)}`]),
      ),
      flashPartitionBytes: r.pick([16, 24, 32]) * MiB,
      ramBytes: r.pick([512, 768, 1024]) * MiB,
      bootloaders: r
        .sample(usable, Math.min(usable.length, r.int(2, 4)))
        .sort()
        .map((version) => ({ version, imageFormats: version >= '2.4.0' ? [1, 2] : [1] })),
    }));
    const endOfSupport = day(dayMs(released) + r.int(10, 15) * 365 * DAY_MS);
    const endedEarly =
      released < '2022-01-01' && endOfSupport > '2026-01-01' && r.chance(0.05)
        ? {
            lastDay: day(dayMs('2023-01-01') + r.int(0, 900) * DAY_MS),
            recorded: '2022-12-01',
            reason: 'The sensor supplier ended production of the module.',
          }
        : undefined;
    products.push(
      productManifestFromJSON({
        schemaVersion: 1,
        id,
        name: `Camera ${m} (${features[0]})`,
        features,
        platform: '>=1.0.0 <2.0.0',
        drivers: 'src/drivers.ts',
        lifecycle: { released, endOfSupport, ...(endedEarly === undefined ? {} : { endedEarly }) },
        hardware,
      }),
    );
    // One in fifty models grows into its smallest flash partition during the ledger.
    const smallest = Math.min(...hardware.map((h) => h.flashPartitionBytes));
    flashBase.set(id, r.chance(0.02) ? smallest - 3 * MiB : Math.floor(smallest * (0.35 + 0.25 * r.next())));
  }

  const composed = new Map();
  const requiresOf = (product, era) => {
    const key = `${product.id}@${era}`;
    let requires = composed.get(key);
    if (requires === undefined) {
      requires = composeRequirements(platforms[era], `1.${era}.0`, product, 0).requires;
      composed.set(key, requires);
    }
    return requires;
  };

  const releases = [];
  let security = 1;
  for (let i = 0; i < releaseCount; i += 1) {
    const major = 1 + Math.floor(i / 50);
    const minor = i % 50;
    const era = Math.min(ERAS - 1, Math.floor((i * ERAS) / 200));
    const platform = platforms[era];
    const date = releaseDates[i];
    if (i % 12 === 11) security += 1;
    const images = [];
    for (const product of products) {
      const { released, endOfSupport, endedEarly } = product.lifecycle;
      if (date < released || date > (endedEarly?.lastDay ?? endOfSupport)) continue;
      if (r.chance(0.001)) continue; // a build that was left out of a release
      const requires = requiresOf(product, era);
      const everyBootloaderReadsV2 = product.hardware.every((h) => h.bootloaders.every((b) => b.imageFormats.includes(2)));
      const formatVersion = platform.imageFormat === 2 && everyBootloaderReadsV2 ? 2 : 1;
      const flashBytes = flashBase.get(product.id) + i * 24 * 1024 + r.int(0, 64 * 1024);
      images.push({
        model: product.id,
        hardwareRevisions: product.hardware.map((h) => h.revision),
        manifestSha256: (i.toString(16) + product.id.slice(4)).padStart(64, '0'),
        bytes: flashBytes + 20_480,
        formatVersion,
        requires: { ...requires, imageFormat: formatVersion, flashBytes },
      });
    }
    const stone = minor === 49;
    releases.push({
      firmware: `${major}.${minor}.0`,
      platform: `1.${era}.0`,
      security,
      date,
      sourceDateEpoch: dayMs(date) / 1000,
      // A new major accepts upgrades only from the stepping stone that closed the previous one.
      upgradeFrom: major === 1 ? '>=1.0.0' : `>=${major - 1}.49.0`,
      installerFormats: era >= 4 || (stone && major === 2) ? [1, 2] : [1],
      steppingStone: stone,
      images,
    });
  }
  const support = products.map((p) => ({
    model: p.id,
    lastDay: p.lifecycle.endOfSupport,
    published: releaseDates.find((d) => d >= p.lifecycle.released) ?? releaseDates[0],
    kind: 'published',
  }));
  // Kept as the text of releases/ledger.json: each input parses it as `fwkit release` would, and the
  // benchmark does not keep a second copy of 150,000 images alive for the garbage collector to walk.
  const imageCount = releases.reduce((n, r) => n + r.images.length, 0);
  return { products, platforms, imageCount, ledgerText: JSON.stringify({ schemaVersion: 1, releases, support }) };
}

/** The input for the first `models` models and `releases` releases; the last release is the candidate. */
export function matrixBenchInput(data, models, releases) {
  const products = data.products.slice(0, models);
  const ids = new Set(products.map((p) => p.id));
  const full = JSON.parse(data.ledgerText);
  const all = full.releases.slice(0, releases).map((r) => ({ ...r, images: r.images.filter((i) => ids.has(i.model)) }));
  // Checked by the ledger schema, as `fwkit release` reads them (frozen, typed); the candidate is the last release.
  const parsed = ledgerFromJSON({ schemaVersion: 1, releases: all, support: full.support.filter((s) => ids.has(s.model)) });
  const candidate = parsed.releases[parsed.releases.length - 1];
  const ledger = { ...parsed, releases: parsed.releases.slice(0, -1) };
  const era = Number(candidate.platform.split('.')[1]);
  return { products, platform: data.platforms[era], ledger, candidate, date: candidate.date };
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

export async function benchMatrix({ log = console.log } = {}) {
  const { computeMatrix, gateFailures } = await loadMatrix();
  const runs = Number(process.env.BENCH_MATRIX_RUNS ?? 7);
  const seed = Number(process.env.BENCH_MATRIX_SEED ?? 20260601);
  const t0 = process.hrtime.bigint();
  const data = generateMatrixBenchData(seed, 1000, 200);
  const images = data.imageCount;
  const devices = data.products.reduce((n, p) => n + p.hardware.reduce((k, h) => k + h.bootloaders.length, 0), 0);
  const interfaces = data.products.reduce((n, p) => n + Object.keys(p.hardware[0].interfaces).length, 0);
  log(
    `matrix: generated 1000 models (${devices} field devices, ${(interfaces / 1000).toFixed(1)} interfaces per model), ` +
      `200 releases with ${images} images in ${(Number(process.hrtime.bigint() - t0) / 1e9).toFixed(1)} s (seed ${seed})`,
  );

  const time = (input) => {
    computeMatrix(input); // warm-up: JIT
    const times = [];
    let matrix;
    for (let i = 0; i < runs; i += 1) {
      const start = process.hrtime.bigint();
      matrix = computeMatrix(input);
      times.push(Number(process.hrtime.bigint() - start) / 1e6);
    }
    return { ms: median(times), matrix };
  };

  const results = [];
  for (const models of [250, 500, 1000]) {
    for (const releases of [50, 100, 200]) {
      const input = matrixBenchInput(data, models, releases);
      const { ms, matrix } = time(input);
      const cells = models * releases;
      const images = input.ledger.releases.reduce((n, r) => n + r.images.length, input.candidate.images.length);
      results.push({ models, releases, cells, images, ms, nsPerCell: (ms * 1e6) / cells });
      log(
        `matrix: ${String(models).padStart(4)} models × ${String(releases).padStart(3)} releases = ${String(cells).padStart(6)} cells ` +
          `(${String(images).padStart(6)} images): ${ms.toFixed(1).padStart(6)} ms median of ${runs}, ` +
          `${((ms * 1e6) / cells).toFixed(0)} ns per cell, ${((ms * 1e6) / images).toFixed(0)} ns per image`,
      );
      if (models === 1000 && releases === 200) {
        const counts = {};
        for (const row of matrix.cells) for (const cell of row) counts[cell.verdict] = (counts[cell.verdict] ?? 0) + 1;
        const codes = {};
        for (const row of matrix.cells)
          for (const cell of row) for (const reason of cell.reasons) codes[reason.code] = (codes[reason.code] ?? 0) + 1;
        log(`matrix: 1000 × 200 verdicts ${JSON.stringify(counts)}; gate reasons ${gateFailures(matrix).length}`);
        log(`matrix: reasons by code ${JSON.stringify(codes)}`);
      }
    }
  }
  const full = results.find((x) => x.models === 1000 && x.releases === 200);
  log(`matrix: 1000 models × 200 releases: ${full.ms.toFixed(1)} ms median (goal: well under 1000 ms)`);
  return { results };
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  await benchMatrix({ log: (line) => console.log(line) });
}
