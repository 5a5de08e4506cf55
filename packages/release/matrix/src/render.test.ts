import {
  ledgerFromJSON,
  platformManifestFromJSON,
  productManifestFromJSON,
  type LedgerRelease,
  type ProductManifest,
} from '@fwkit/release-core';
import { createHash } from 'node:crypto';
import vm from 'node:vm';
import { describe, expect, it } from 'vitest';
import { syntheticMatrix } from '@fwkit/test-utils';
import {
  computeMatrix,
  gateFailures,
  matrixToJSON,
  readMatrixReport,
  renderMatrixHtml,
  renderMatrixMarkdown,
  renderMatrixText,
  type Matrix,
  type MatrixReason,
} from './index.js';
import { modelsWorstFirst, releasesNewestFirst } from './render-common.js';
import { reasonListDecoder, reportData } from './report-data.js';
import { REPORT_SCRIPT } from './report-script.js';

// A small release: a legacy model that the new platform breaks (red), a model with a hostile name
// (HTML and Markdown must show it as text), a retired model and a model that is not out yet.

const MiB = 1024 * 1024;
const platform = platformManifestFromJSON({
  schemaVersion: 1,
  imageFormat: 1,
  installerFormats: [1],
  domains: {},
  base: { interfaces: { 'board.hal': '>=1.3.0 <3.0.0' }, ramBytes: 96 * MiB, bootloader: '>=2.1.0 <4.0.0' },
  features: {},
  interfaces: { 'sensor.parallel': [{ versions: '<1.3.0', status: 'removed', since: '1.5.0' }] },
});

const hardware = (parallel: string) => [
  {
    revision: 'A',
    interfaces: { 'board.hal': '1.3.2', 'sensor.parallel': parallel },
    flashPartitionBytes: 8 * MiB,
    ramBytes: 256 * MiB,
    bootloaders: [{ version: '2.1.4', imageFormats: [1] }],
  },
];
const product = (id: string, name: string, released: string, endOfSupport: string, parallel = '1.3.0'): ProductManifest =>
  productManifestFromJSON({
    schemaVersion: 1,
    id,
    name,
    features: [],
    platform: '>=1.0.0 <2.0.0',
    drivers: 'src/drivers.ts',
    lifecycle: { released, endOfSupport },
    hardware: hardware(parallel),
  });

const legacy = product('legacy-fixed-1080', 'Fixed 1080p Bullet (legacy)', '2019-03-18', '2029-03-31', '1.2.0');
const hostile = product('dome-2mp', 'Dome | <script>alert("x")</script> & *bold*', '2020-01-01', '2030-12-31');
const retired = product('box-720', 'Box 720p', '2015-01-01', '2025-12-31');
const upcoming = product('ptz-8k', 'PTZ 8K', '2026-09-01', '2036-09-30');

function image(model: string, requiresParallel: string) {
  return {
    model,
    hardwareRevisions: ['A'],
    manifestSha256: '0'.repeat(64),
    bytes: 4 * MiB,
    formatVersion: 1,
    requires: {
      interfaces: { 'board.hal': '>=1.3.0 <3.0.0', 'sensor.parallel': requiresParallel },
      bootloader: '>=2.1.0 <4.0.0',
      imageFormat: 1,
      ramBytes: 104 * MiB,
      flashBytes: 4 * MiB,
    },
  };
}

/** A distinct (fake) manifest digest per model and release: the identity of that image. */
function identityOf(model: string, firmware: string): string {
  return createHash('sha256').update(`${model}@${firmware}`).digest('hex');
}

function release(firmware: string, date: string, parallel: string, models: string[], steppingStone = false): LedgerRelease {
  const draft = {
    firmware,
    platform: firmware === '1.5.0' ? '1.5.0' : '1.4.0',
    security: 1,
    date,
    sourceDateEpoch: Date.parse(`${date}T00:00:00Z`) / 1000,
    upgradeFrom: '*',
    installerFormats: [1],
    steppingStone,
    images: models.map((m) => ({ ...image(m, parallel), manifestSha256: identityOf(m, firmware) })),
  };
  const parsed = ledgerFromJSON({ schemaVersion: 1, releases: [draft], support: [] }).releases[0];
  if (parsed === undefined) throw new Error('fixture release did not parse');
  return parsed;
}

function scenario(): Matrix {
  const ledger = ledgerFromJSON({
    schemaVersion: 1,
    releases: [
      release('1.3.0', '2024-10-01', '>=1.2.0 <2.0.0', ['box-720', 'dome-2mp', 'legacy-fixed-1080']),
      release('1.4.0', '2025-06-02', '>=1.2.0 <2.0.0', ['box-720', 'dome-2mp', 'legacy-fixed-1080'], true),
    ],
    support: [],
  });
  const candidate = release('1.5.0', '2026-05-20', '>=1.3.0 <2.0.0', ['dome-2mp', 'legacy-fixed-1080']);
  return computeMatrix({ products: [legacy, hostile, retired, upcoming], platform, ledger, candidate, date: '2026-06-01' });
}

const REASON =
  'legacy-fixed-1080 rev A (bootloader 2.1.4): image requires sensor.parallel >=1.3.0 <2.0.0; legacy-fixed-1080 rev A provides 1.2.0 (removed since platform 1.5.0)';

describe('the scenario', () => {
  it('is red where expected (so the renderers have something to show)', () => {
    const m = scenario();
    expect(gateFailures(m).map((r) => r.message)).toEqual([REASON]);
    expect(m.models.map((x) => x.id)).toEqual(['box-720', 'dome-2mp', 'legacy-fixed-1080', 'ptz-8k']);
  });
});

describe('renderMatrixText', () => {
  it('shows a row per model with short marks, then every reason of the failing cell', () => {
    const text = renderMatrixText(scenario());
    const lines = text.split('\n');
    expect(lines[1]).toBe('Release gate: REFUSED (1 error)');
    const header = lines.find((l) => l.startsWith('model'));
    expect(header?.split(/\s{2,}/)).toEqual(['model', 'support', '1.3.0', '1.4.0+', '1.5.0*']);
    const row = (id: string) => lines.find((l) => l.startsWith(`${id} `))?.split(/\s{2,}/);
    expect(row('legacy-fixed-1080')).toEqual(['legacy-fixed-1080', 'supported until 2029-03-31', 'ok', 'ok', 'FAIL']);
    // Retired from the day after its last day; the releases before it keep their images.
    expect(row('box-720')).toEqual(['box-720', 'retired since 2026-01-01', 'ok', 'ok', 'ret']);
    expect(row('ptz-8k')).toEqual(['ptz-8k', 'upcoming (released 2026-09-01)', '-', '-', '-']);
    const at = lines.indexOf('FAIL legacy-fixed-1080 × 1.5.0 (candidate)');
    expect(at).toBeGreaterThan(0);
    expect(lines[at + 1]).toBe(`  error   INTERFACE_VERSION_INCOMPATIBLE: ${REASON}`);
  });

  it('does not pass control characters from files to the terminal', () => {
    const m = scenario();
    const withEscape: Matrix = {
      ...m,
      models: m.models.map((x) =>
        x.id === 'box-720' ? { ...x, endedEarly: { lastDay: '2025-12-31', recorded: '2025-06-01', reason: 'bye\u001b[2J now' } } : x,
      ),
    };
    const text = renderMatrixText(withEscape);
    expect(text).not.toContain('\u001b');
    expect(text).toContain('bye?[2J now');
  });
});

describe('renderMatrixMarkdown', () => {
  const md = renderMatrixMarkdown(scenario());
  const lines = md.split('\n');
  const cells = (line: string) =>
    line
      .split(/(?<!\\)\|/)
      .slice(1, -1)
      .map((c) => c.trim());
  const rowOf = (from: number, id: string) => lines.slice(from).find((l) => l.startsWith('|') && l.includes(`\`${id}\``));

  it('starts with the gate and the verdict counts of the newest release and of the older ones', () => {
    expect(lines[2]).toBe('**Release gate: ❌ 1.5.0 refused** (1 error)');
    const table = lines.indexOf('| Verdict | 1.5.0 (candidate) | 2 older releases |');
    expect(table).toBeGreaterThan(0);
    expect(lines.slice(table + 2, table + 7)).toEqual([
      '| ❌ fail | 1 | 0 |',
      '| ⚠️ warning | 0 | 0 |',
      '| ✅ pass | 1 | 6 |',
      '| retired | 1 | 0 |',
      '| — not released | 1 | 2 |',
    ]);
    expect(lines.findIndex((l) => l.startsWith('#'))).toBe(0);
    expect(lines.findIndex((l, k) => k > 0 && l.startsWith('#'))).toBeGreaterThan(table);
  });

  it('lists the failing and warning models of the newest release first, each with every reason', () => {
    const failing = lines.indexOf('### Failing and warning in 1.5.0 (candidate)');
    expect(failing).toBeGreaterThan(0);
    const row = rowOf(failing, 'legacy-fixed-1080');
    expect(row === undefined ? [] : cells(row)).toEqual([
      'Fixed 1080p Bullet (legacy) (`legacy-fixed-1080`)',
      'supported until 2029-03-31',
      '❌ fail',
      '—',
    ]);
    const section = lines.indexOf('### ❌ Fixed 1080p Bullet (legacy) (`legacy-fixed-1080`) × 1.5.0 (candidate)');
    expect(section).toBeGreaterThan(failing);
    expect(lines[section + 2]).toBe(
      '- ❌ `INTERFACE_VERSION_INCOMPATIBLE` legacy-fixed-1080 rev A (bootloader 2.1.4): image requires sensor.parallel \\>=1.3.0 \\<2.0.0; legacy-fixed-1080 rev A provides 1.2.0 (removed since platform 1.5.0)',
    );
  });

  it('collapses every model’s row, worst first, in <details>; retired reads as a word, no ⏹', () => {
    const open = lines.indexOf('<details><summary>All 4 models in 1.5.0 (candidate), worst first</summary>');
    const close = lines.indexOf('</details>', open);
    expect(open).toBeGreaterThan(0);
    const rows = lines.slice(open, close).filter((l) => l.startsWith('| ') && l.includes('`'));
    expect(rows.map((l) => /\(`([^`]+)`\)/.exec(l)?.[1])).toEqual(['legacy-fixed-1080', 'dome-2mp', 'box-720', 'ptz-8k']);
    expect(cells(rowOf(open, 'box-720') ?? '').slice(1)).toEqual(['retired since 2026-01-01', 'retired', '—']);
    expect(cells(rowOf(open, 'ptz-8k') ?? '').slice(2)).toEqual(['— not released', '—']);
    expect(md).not.toContain('⏹');
  });

  it('collapses history: every failing or warning cell of older releases, neighbours with the same reasons as one section', () => {
    const m = syntheticMatrix({ models: 60, releases: 200 });
    const text = renderMatrixMarkdown(m);
    let fail = 0;
    let warn = 0;
    for (const row of m.cells.values())
      for (const c of row.slice(0, -1)) {
        if (c.verdict === 'fail') fail += 1;
        if (c.verdict === 'warn') warn += 1;
      }
    expect(fail).toBeGreaterThan(0);
    const open = text.indexOf(`<details><summary>History: ${fail} failing and ${warn} warning cells in 199 older releases</summary>`);
    expect(open).toBeGreaterThan(text.indexOf('| Verdict |'));
    const sections = text
      .slice(open, text.indexOf('</details>', open))
      .split('\n')
      .filter((l) => l.startsWith('#### '));
    const covered = sections.reduce((n, l) => n + Number(/\((\d+) releases\)$/.exec(l)?.[1] ?? 1), 0);
    expect(covered).toBe(fail + warn);
    expect(sections.length).toBeLessThan(covered);
  });

  it('lists the releases newest first, collapsed, the candidate leading', () => {
    const open = lines.indexOf('<details><summary>The 3 releases, newest first</summary>');
    expect(open).toBeGreaterThan(lines.indexOf('| Verdict | 1.5.0 (candidate) | 2 older releases |'));
    expect(lines.slice(open + 4, open + 7).map((l) => cells(l)[0])).toEqual(['1.5.0 (candidate)', '1.4.0 (stepping stone)', '1.3.0']);
  });

  it('keeps the summary-first shape at 1,000 models × 200 releases', () => {
    const m = syntheticMatrix({ models: 1000, releases: 200 });
    const text = renderMatrixMarkdown(m).split('\n');
    const counts = text.indexOf('| Verdict | 4.49.0 (candidate) | 199 older releases |');
    const failing = text.indexOf('### Failing and warning in 4.49.0 (candidate)');
    expect(counts).toBeGreaterThan(0);
    expect(text.slice(1, counts).filter((l) => l.startsWith('#'))).toEqual([]);
    expect(failing).toBeGreaterThan(counts);
    // Its table: every failing model before every warning one, as many as the counts say.
    const table = text.slice(failing + 4);
    const verdicts = table
      .slice(
        0,
        table.findIndex((l) => !l.startsWith('|')),
      )
      .map((l) => cells(l)[2]);
    const head = m.cells.map((row) => row.at(-1)?.verdict);
    const fail = head.filter((v) => v === 'fail').length;
    const warn = head.filter((v) => v === 'warn').length;
    expect(text[counts + 2]).toBe(
      `| ❌ fail | ${fail} | ${m.cells.flatMap((row) => row.slice(0, -1)).filter((c) => c.verdict === 'fail').length} |`,
    );
    expect(verdicts).toEqual([...Array<string>(fail).fill('❌ fail'), ...Array<string>(warn).fill('⚠️ warning')]);
    // The full list and history come collapsed, after the failing models' sections.
    const all = text.indexOf('<details><summary>All 1000 models in 4.49.0 (candidate), worst first</summary>');
    expect(all).toBeGreaterThan(failing);
    expect(text.findIndex((l) => l.startsWith('<details><summary>History: '))).toBeGreaterThan(all);
  });

  it('shows a hostile model name as text: no HTML, no emphasis, no broken table', () => {
    const row = rowOf(0, 'dome-2mp');
    expect(row).toBeDefined();
    expect(row === undefined ? [] : cells(row)).toHaveLength(4);
    expect(row).toContain('Dome \\| \\<script\\>alert("x")\\</script\\> \\& \\*bold\\*');
    expect(md).not.toContain('<script>');
  });
});

/** The scenario, with a model name and a reason from files that try to end the data block. */
function hostileScenario(): Matrix {
  const m = scenario();
  const reason: MatrixReason = { code: 'FLASH_INSUFFICIENT', severity: 'error', message: HOSTILE, details: {} };
  return {
    ...m,
    models: m.models.map((x) => (x.id === 'dome-2mp' ? { ...x, name: HOSTILE } : x)),
    cells: m.cells.map((row, i) =>
      m.models[i]?.id === 'dome-2mp' ? row.map((c, j) => (j === 0 ? { ...c, verdict: 'fail' as const, reasons: [reason] } : c)) : row,
    ),
  };
}
const HOSTILE = '</script><script>alert(1)</script><!-- \u2028 & "quoted" <b>';

/** Every cell and model-level reason of `m`, as the decoded report must hold them. */
function expectComplete(m: Matrix, html: string): void {
  const report = readMatrixReport(html);
  expect(report.models).toHaveLength(m.models.length);
  expect(report.releases.map((r) => r.firmware).sort()).toEqual(m.releases.map((r) => r.firmware).sort());
  const column = new Map(report.releases.map((r, k) => [r.firmware, k]));
  const reasonsOf = (rs: readonly MatrixReason[]) => rs.map(({ code, severity, message }) => ({ code, severity, message }));
  let checked = 0;
  for (const row of report.models) {
    const i = m.models.findIndex((x) => x.id === row.id);
    const model = m.models[i];
    expect(model?.name).toBe(row.name);
    expect(row.reasons).toEqual(reasonsOf(model?.reasons ?? []));
    expect(row.cells).toHaveLength(m.releases.length);
    m.releases.forEach((release, j) => {
      const cell = m.cells[i]?.[j];
      const shown = row.cells[column.get(release.firmware) ?? -1];
      if (cell === undefined || shown === undefined) throw new Error(`${row.id} × ${release.firmware}: missing`);
      if (shown.verdict !== cell.verdict) expect(`${row.id} × ${release.firmware}: ${shown.verdict}`).toBe(cell.verdict);
      if (shown.reasons.length !== cell.reasons.length) expect(shown.reasons).toEqual(reasonsOf(cell.reasons));
      cell.reasons.forEach((r, k) => {
        const s = shown.reasons[k];
        if (s?.code !== r.code || s.severity !== r.severity || s.message !== r.message) expect(s).toEqual(reasonsOf([r])[0]);
      });
      checked += 1;
    });
  }
  expect(checked).toBe(m.models.length * m.releases.length);
}

describe('renderMatrixHtml', () => {
  const html = renderMatrixHtml(scenario());

  it('is one self-contained page: inline CSS and script, no external assets', () => {
    expect(html.startsWith('<!doctype html>')).toBe(true);
    expect(html).toContain('<style>');
    expect(html.match(/<script/g)).toEqual(['<script', '<script']);
    expect(html).toContain('<script type="application/json" id="report-data">');
    expect(html).not.toMatch(/<link|<img|<iframe|src=|href=|@import|url\(|https?:/i);
  });

  it('puts the newest release first (the candidate leads) and models worst first', () => {
    const report = readMatrixReport(html);
    expect(report.releases).toEqual([
      { firmware: '1.5.0', tags: 'candidate' },
      { firmware: '1.4.0', tags: 'stepping stone' },
      { firmware: '1.3.0', tags: '' },
    ]);
    expect(report.models.map((x) => x.id)).toEqual(['legacy-fixed-1080', 'dome-2mp', 'box-720', 'ptz-8k']);
    expect(report.models.map((x) => x.cells[0]?.verdict)).toEqual(['fail', 'pass', 'retired', 'not-released']);
    // The markup's rows are in the same order.
    expect([...html.matchAll(/<tr><th scope="row" class="model"[^>]*>[^<]*<code>([^<]+)<\/code>/g)].map((x) => x[1])).toEqual(
      report.models.map((x) => x.id),
    );
  });

  it('orders a maintenance candidate first, then every other release by descending version', () => {
    const m = syntheticMatrix({ models: 3, releases: 4 });
    const releases = m.releases.map((r, j) => ({ ...r, candidate: j === 1, maintenance: j === 1 }));
    expect(releasesNewestFirst({ ...m, releases }).map((j) => releases[j]?.firmware)).toEqual(['1.1.0', '1.3.0', '1.2.0', '1.0.0']);
  });

  it('ranks rows by the newest verdict, then the worst in history, then name', () => {
    const m = syntheticMatrix({ models: 300, releases: 100 });
    const columns = releasesNewestFirst(m);
    const rank = { fail: 0, warn: 1, pass: 2, retired: 3, 'not-released': 4 } as const;
    const keys = modelsWorstFirst(m, columns).map((i) => {
      const row = m.cells[i] ?? [];
      const model = m.models[i];
      const now = Math.min(rank[row[columns[0] ?? 0]?.verdict ?? 'pass'], model?.reasons.some((r) => r.severity === 'error') ? 0 : 4);
      const past = Math.min(2, ...columns.slice(1).map((j) => rank[row[j]?.verdict ?? 'pass']));
      return [now, past, model?.name ?? ''] as const;
    });
    const sorted = [...keys].sort((a, b) => a[0] - b[0] || a[1] - b[1] || (a[2] < b[2] ? -1 : a[2] > b[2] ? 1 : 0));
    expect(keys).toEqual(sorted);
    expect(new Set(keys.map((k) => k[0]))).toEqual(new Set([0, 1, 2, 3, 4]));
  });

  it('shows only the newest release in the markup: history is collapsed behind "Show history"', () => {
    const body = html.slice(html.indexOf('<table id="grid">'), html.indexOf('</table>', html.indexOf('<table id="grid">')));
    expect(body.match(/<tr><th scope="row"/g)).toHaveLength(4);
    expect(body.match(/<td class="cell /g)).toHaveLength(4);
    expect(html).toContain(
      '<button id="history" type="button" aria-expanded="false" aria-controls="grid">Show history (2 older releases)</button>',
    );
    expect(html).toMatch(/\.h \{ display: none; \}/);
    // The history column says what is collapsed: no failing or warning cell in legacy's past.
    expect(body).toContain('<td class="cell fail" data-j="0" tabindex="0">FAIL<small>1</small></td><td class="sum">-</td>');
  });

  it('holds every reason of every cell and model, read back exactly', () => {
    expectComplete(scenario(), html);
    const m = syntheticMatrix({ models: 120, releases: 200 });
    expectComplete(m, renderMatrixHtml(m));
  });

  it('marks every verdict with ASCII text and a style besides colour; no ⏹', () => {
    const m = scenario();
    const page = renderMatrixHtml(m);
    expect(page).not.toContain('⏹');
    for (const [verdict, mark] of [
      ['fail', 'FAIL'],
      ['pass', 'ok'],
      ['retired', 'ret'],
      ['not-released', '-'],
    ])
      expect(page).toContain(`<td class="cell ${verdict}" data-j="0" tabindex="0">${mark}`);
    expect(page).toMatch(/\.fail \{[^}]*repeating-linear-gradient[^}]*text-decoration: underline/);
    expect(page).toMatch(/\.warn \{[^}]*font-style: italic/);
    expect(page).toContain("var MARK = { p: 'ok', w: 'warn', f: 'FAIL', r: 'ret', n: '-' };");
  });

  it('escapes text from files in the markup and in the data block, and reads it back unchanged', () => {
    const m = hostileScenario();
    const page = renderMatrixHtml(m);
    expect(page.match(/<script/g)).toHaveLength(2);
    expect(page.match(/<\/script>/g)).toHaveLength(2);
    expect(page).not.toContain('<!--');
    expect(page).not.toContain('<b>');
    expect(page).toContain('&lt;/script&gt;&lt;script&gt;alert(1)&lt;/script&gt;&lt;!-- \u2028 &amp; &quot;quoted&quot; &lt;b&gt;');
    const open = '<script type="application/json" id="report-data">';
    const data = page.slice(page.indexOf(open) + open.length, page.indexOf('</script>', page.indexOf(open)));
    expect(data).not.toMatch(/[<>&\u2028]/);
    expect(data).toContain('\\u003c/script\\u003e');
    expectComplete(m, page);
    const dome = readMatrixReport(page).models.find((x) => x.id === 'dome-2mp');
    expect(dome?.name).toBe(HOSTILE);
    expect(dome?.cells.at(-1)?.reasons[0]?.message).toBe(HOSTILE);
  });

  it('renders an empty matrix (no models, no releases) without failing', () => {
    const empty: Matrix = { date: '2026-06-01', models: [], releases: [], cells: [] };
    expect(readMatrixReport(renderMatrixHtml(empty))).toEqual({ releases: [], models: [] });
    expect(renderMatrixMarkdown(empty)).toContain('0 models × 0 releases, newest first.');
  });

  it('runs the decoder’s own source text, alone, in a fresh context: the page script compiles', () => {
    const m = hostileScenario();
    const page = renderMatrixHtml(m);
    const script = page.slice(page.lastIndexOf('<script>') + '<script>'.length, page.lastIndexOf('</script>'));
    expect(script).toBe(REPORT_SCRIPT);
    expect(() => new vm.Script(script)).not.toThrow();
    const data = reportData(m);
    const decode: unknown = vm.runInNewContext(`(${reasonListDecoder.toString()})(data)`, { data });
    const list = decode as (list: number) => unknown[];
    expect(data.lists.map((_, k) => JSON.stringify(list(k)))).toEqual(data.lists.map((_, k) => JSON.stringify(reasonListDecoder(data)(k))));
    expect(JSON.stringify(data.lists.map((_, k) => list(k)))).toContain(JSON.stringify(HOSTILE));
  });

  it('stays within 1.5 MB at 1,000 models × 200 releases, holding every reason', () => {
    const m = syntheticMatrix({ models: 1000, releases: 200 });
    const page = renderMatrixHtml(m);
    expect(Buffer.byteLength(page)).toBeLessThanOrEqual(1_500_000);
    expectComplete(m, page);
  });
});

describe('matrixToJSON', () => {
  it('has the documented shape and survives a JSON round trip', () => {
    const doc = matrixToJSON(scenario());
    expect(Object.keys(doc)).toEqual(['schemaVersion', 'date', 'gate', 'summary', 'models', 'releases', 'cells']);
    expect(doc.schemaVersion).toBe(1);
    expect(doc.gate).toMatchObject({ pass: false, candidate: '1.5.0' });
    expect(doc.gate.failures.map((f) => f.code)).toEqual(['INTERFACE_VERSION_INCOMPATIBLE']);
    expect(doc.summary).toEqual({ pass: 7, warn: 0, fail: 1, retired: 1, 'not-released': 3 });
    expect(doc.cells[2]?.[2]).toMatchObject({ model: 'legacy-fixed-1080', firmware: '1.5.0', verdict: 'fail' });
    expect(doc.models[0]).toEqual({
      id: 'box-720',
      name: 'Box 720p',
      status: 'retired',
      lastDay: '2025-12-31',
      retiredFrom: '2026-01-01',
      released: '2015-01-01',
      endOfSupport: '2025-12-31',
      endedEarly: null,
      reasons: [],
    });
    expect(JSON.parse(JSON.stringify(doc))).toEqual(doc);
  });
});

describe('image identity in the matrix', () => {
  it('names each image by its manifest digest: in the JSON cells, and for the candidate in the release notes', () => {
    const m = scenario();
    const json = matrixToJSON(m);
    const legacyRow = json.cells[m.models.findIndex((x) => x.id === 'legacy-fixed-1080')];
    expect(legacyRow?.map((c) => c.manifestSha256)).toEqual(['1.3.0', '1.4.0', '1.5.0'].map((f) => identityOf('legacy-fixed-1080', f)));
    // A model with no image in a release has no identity there.
    const upcomingRow = json.cells[m.models.findIndex((x) => x.id === 'ptz-8k')];
    expect(upcomingRow?.map((c) => c.manifestSha256)).toEqual([null, null, null]);
    const markdown = renderMatrixMarkdown(m);
    const html = renderMatrixHtml(m);
    for (const id of ['dome-2mp', 'legacy-fixed-1080']) {
      expect(markdown).toContain(`| \`${id}\` | \`${identityOf(id, '1.5.0')}\` |`);
      expect(html).toContain(`<td><code>${id}</code></td><td><code>${identityOf(id, '1.5.0')}</code></td>`);
    }
    // Release notes list the candidate's images only.
    expect(markdown).not.toContain(identityOf('legacy-fixed-1080', '1.4.0'));
  });
});
