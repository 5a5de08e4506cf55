import {
  ledgerFromJSON,
  platformManifestFromJSON,
  productManifestFromJSON,
  type LedgerRelease,
  type ProductManifest,
} from '@fwkit/release-core';
import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import {
  computeMatrix,
  gateFailures,
  matrixToJSON,
  renderMatrixHtml,
  renderMatrixMarkdown,
  renderMatrixText,
  type Matrix,
} from './index.js';

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
  const cells = (line: string) =>
    line
      .split(/(?<!\\)\|/)
      .slice(1, -1)
      .map((c) => c.trim());

  it('has a table whose candidate column is ❌ for the broken model and a section with its reason', () => {
    expect(md).toContain('**Release gate: ❌ 1.5.0 refused** (1 error)');
    const lines = md.split('\n');
    const header = lines.find((l) => l.startsWith('| Model |'));
    expect(header === undefined ? [] : cells(header)).toEqual([
      'Model',
      'Support',
      '1.3.0',
      '1.4.0 (stepping stone)',
      '**1.5.0** (candidate)',
    ]);
    const row = lines.find((l) => l.includes('`legacy-fixed-1080`') && l.startsWith('|'));
    expect(row === undefined ? [] : cells(row)).toEqual([
      'Fixed 1080p Bullet (legacy) (`legacy-fixed-1080`)',
      'supported until 2029-03-31',
      '✅',
      '✅',
      '❌',
    ]);
    const retiredRow = lines.find((l) => l.includes('`box-720`') && l.startsWith('|'));
    expect(retiredRow === undefined ? [] : cells(retiredRow).slice(2)).toEqual(['✅', '✅', '⏹']);
    const upcomingRow = lines.find((l) => l.includes('`ptz-8k`') && l.startsWith('|'));
    expect(upcomingRow === undefined ? [] : cells(upcomingRow).slice(2)).toEqual(['—', '—', '—']);
    const section = lines.indexOf('### ❌ Fixed 1080p Bullet (legacy) (`legacy-fixed-1080`) × 1.5.0 (candidate)');
    expect(section).toBeGreaterThan(0);
    expect(lines[section + 2]).toBe(
      '- ❌ `INTERFACE_VERSION_INCOMPATIBLE` legacy-fixed-1080 rev A (bootloader 2.1.4): image requires sensor.parallel \\>=1.3.0 \\<2.0.0; legacy-fixed-1080 rev A provides 1.2.0 (removed since platform 1.5.0)',
    );
  });

  it('shows a hostile model name as text: no HTML, no emphasis, no broken table', () => {
    const row = md.split('\n').find((l) => l.includes('`dome-2mp`') && l.startsWith('|'));
    expect(row).toBeDefined();
    expect(row === undefined ? [] : cells(row)).toHaveLength(5);
    expect(row).toContain('Dome \\| \\<script\\>alert("x")\\</script\\> \\& \\*bold\\*');
    expect(md).not.toContain('<script>');
  });
});

describe('renderMatrixHtml', () => {
  const html = renderMatrixHtml(scenario());

  it('is one self-contained page: inline CSS, no scripts, no external assets', () => {
    expect(html.startsWith('<!doctype html>')).toBe(true);
    expect(html).toContain('<style>');
    expect(html).not.toMatch(/<script|<link|<img|src=|href=|@import|url\(/i);
  });

  it('shows the red cell with its reason, escaped, and the candidate column', () => {
    const red = /<td class="cell fail" title="legacy-fixed-1080 × 1\.5\.0: fail">(.*?)<\/td>/.exec(html);
    expect(red?.[1]).toContain('<code>INTERFACE_VERSION_INCOMPATIBLE</code>');
    expect(red?.[1]).toContain(
      'legacy-fixed-1080 rev A (bootloader 2.1.4): image requires sensor.parallel &gt;=1.3.0 &lt;2.0.0; legacy-fixed-1080 rev A provides 1.2.0 (removed since platform 1.5.0)',
    );
    expect(html).toContain('<p class="gate fail">Release gate: refused — 1.5.0 (1 error)</p>');
    expect(html).toMatch(/<th scope="col" class="release candidate">1\.5\.0<span class="badge">candidate<\/span>/);
    expect(html).toContain('<span class="badge stone">stepping stone</span>');
    expect(html).toMatch(/<small class="status supported">supported until 2029-03-31<\/small>/);
  });

  it('greys retired and upcoming models and colours passing cells green', () => {
    expect(html).toContain('<td class="cell retired" title="box-720 × 1.5.0: retired">');
    expect(html).toContain('<td class="cell not-released" title="ptz-8k × 1.5.0: not released">');
    expect(html).toContain('<td class="cell pass" title="dome-2mp × 1.5.0: pass">');
    expect(html).toMatch(/\.cell\.fail[^{]*\{ background: var\(--fail\)/);
  });

  it('escapes a model name like <script> everywhere', () => {
    expect(html).toContain('Dome | &lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; *bold*');
    expect(html).not.toContain('<script>');
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
      expect(html).toContain(`<td><code>${identityOf(id, '1.5.0')}</code></td>`);
    }
    // Release notes list the candidate's images only.
    expect(markdown).not.toContain(identityOf('legacy-fixed-1080', '1.4.0'));
  });
});
