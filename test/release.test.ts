import { createHash } from 'node:crypto';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { inspectImageFile } from '@fwkit/release-image';
import { readMatrixReport } from '@fwkit/release-matrix';
import { loadPemSigner } from '@fwkit/release-signing';
import { commitCheckout, copyCheckout, itWithTools, makeImage } from '@fwkit/test-utils';
import { dropParallel12, editJson, fieldDevice, fwkit, REPO, type RunResult } from './helpers.js';

// End to end: the real `fwkit release` and `fwkit matrix` in child processes, each scenario on its
// own copy of the repository. Time comes from SOURCE_DATE_EPOCH and --date only, never the clock.
const EPOCH = 1_767_225_600; // 2026-01-01T00:00:00Z: every model is supported, legacy-fixed-1080 since 2019
const DAY = 86_400;
const LEGACY = 'legacy-fixed-1080';

interface Reason {
  code: string;
  severity: string;
  message: string;
  details: Record<string, unknown>;
}
interface LedgerImage {
  model: string;
  manifestSha256: string;
  fileSha256: string;
  sbomSha256?: string;
  signedBy?: string[];
  bytes: number;
  requires: Record<string, unknown>;
}
interface LedgerRelease {
  firmware: string;
  date: string;
  security: number;
  steppingStone: boolean;
  images: LedgerImage[];
  audit?: Record<string, unknown> | string;
}
interface Ledger {
  releases: LedgerRelease[];
  support: { model: string; lastDay: string; published: string; kind: string; reason?: string }[];
}
interface ReleaseReport {
  ok: boolean;
  code: string | null;
  /** A refusal's facts: the gate's reasons are here, once. */
  details?: { reasons?: Reason[] };
  candidate?: LedgerRelease;
  release?: LedgerRelease;
  images?: { model: string; imagePath: string; fileSha256: string }[];
  skipped?: { model: string; status: string }[];
}
interface MatrixReport {
  ok: boolean;
  code: string | null;
  gate: { pass: boolean; candidate: string | null; failures: Reason[] };
  models: { id: string; status: string }[];
  releases: { firmware: string; candidate: boolean; steppingStone: boolean }[];
  cells: { model: string; firmware: string; verdict: string; reasons: Reason[] }[][];
  candidateRelease: LedgerRelease | null;
}

const temps: string[] = [];
afterAll(async () => {
  await Promise.all(temps.map((d) => rm(d, { recursive: true, force: true })));
});

async function tempDir(prefix: string): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), prefix));
  temps.push(dir);
  return dir;
}

/** A checkout as CI has it (see @fwkit/test-utils copyCheckout), made from the repository or another copy. */
async function copyRepo(from: string = REPO): Promise<string> {
  return copyCheckout(await tempDir('fwkit-release-'), { from });
}

const releaseJson = (root: string, fields: Record<string, unknown>) =>
  editJson(join(root, 'release.json'), (r) => Object.assign(r, fields));

/** Replace fields of a product's lifecycle. */
const editLifecycle = (root: string, model: string, fields: Record<string, unknown>) =>
  editJson(join(root, 'products', model, 'product.json'), (p) => {
    p['lifecycle'] = { ...(p['lifecycle'] as Record<string, unknown>), ...fields };
  });

function release(root: string, epoch: number, extra: string[] = []): Promise<RunResult> {
  return fwkit(['release', '--demo', '--allow-dirty', '--keys', 'keys.example', '--out', 'out', '--json', ...extra], {
    cwd: root,
    env: { SOURCE_DATE_EPOCH: String(epoch) },
  });
}

function matrix(root: string, epoch: number, args: string[]): Promise<RunResult> {
  return fwkit(['matrix', ...args], { cwd: root, env: { SOURCE_DATE_EPOCH: String(epoch) } });
}

const releaseReport = (result: RunResult) => JSON.parse(result.stdout) as ReleaseReport;
const matrixReport = (result: RunResult) => JSON.parse(result.stdout) as MatrixReport;
const ledgerText = (root: string) => readFile(join(root, 'releases', 'ledger.json'), 'utf8');
const ledgerOf = async (root: string) => JSON.parse(await ledgerText(root)) as Ledger;

/** Every file under `dir` (relative paths), [] when it does not exist. */
async function filesUnder(dir: string): Promise<string[]> {
  try {
    const entries = await readdir(dir, { recursive: true, withFileTypes: true });
    return entries
      .filter((e) => e.isFile())
      .map((e) => join(e.parentPath, e.name).slice(dir.length + 1))
      .sort();
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw error;
  }
}

async function productIds(root: string): Promise<string[]> {
  return (await readdir(join(root, 'products'), { withFileTypes: true }))
    .filter((d) => d.isDirectory())
    .map((d) => d.name)
    .sort();
}

/** Keyids of keys.example/targets-1 and targets-2, sorted. */
const EXAMPLE_TARGETS = [
  '97fb401d227740298f3c00232bed0d6bb47e82d97b2a558b18579d38a968c88b',
  'eb6875c153d2d02a536b9dee7ab08c282dd465204f996f616803ec732455d086',
];

const codesOf = (reasons: readonly Reason[] | undefined) => (reasons ?? []).map((r) => r.code);

/** The repository with 1.4.0 released on 2026-01-01: scenario (a), and the base the later scenarios copy. */
let base: string;
let firstRelease: RunResult;
beforeAll(async () => {
  base = await copyRepo();
  firstRelease = await release(base, EPOCH);
});

describe('fwkit release on the repository as it is', () => {
  it('releases every supported model, records each image and support promise in the ledger', async () => {
    expect(firstRelease.code, firstRelease.stderr).toBe(0);
    const report = releaseReport(firstRelease);
    const models = await productIds(base);
    expect(report).toMatchObject({ ok: true, code: null, skipped: [] });
    const ledger = await ledgerOf(base);
    expect(ledger.releases).toHaveLength(1);
    const [released] = ledger.releases;
    expect(released).toMatchObject({ firmware: '1.4.0', platform: '1.4.0', security: 3, date: '2026-01-01', sourceDateEpoch: EPOCH });
    expect(released?.images.map((i) => i.model)).toEqual(models);
    // What the ledger records is what was written: the image's identity (its manifest digest), and
    // the digest and size of the file released.
    for (const image of released?.images ?? []) {
      const path = join(base, 'out', image.model, `${image.model}-1.4.0.fwimg`);
      const bytes = await readFile(path);
      const inspected = await inspectImageFile(path);
      expect(inspected.manifestSha256).toBe(image.manifestSha256);
      // The audit fields: the digest of the SBOM as embedded (what the manifest signs) and who signed.
      expect(image.sbomSha256).toBe(inspected.manifest.sbom.sha256);
      expect([...(image.signedBy ?? [])].sort()).toEqual(EXAMPLE_TARGETS);
      expect(createHash('sha256').update(bytes).digest('hex')).toBe(image.fileSha256);
      expect(bytes.byteLength).toBe(image.bytes);
    }
    // Who made the release from what: a demo release from a copy that is no git checkout.
    const cli = JSON.parse(await readFile(join(REPO, 'packages', 'release', 'cli', 'package.json'), 'utf8')) as { version: string };
    expect(released?.audit).toEqual({
      sourceCommit: null,
      fwkit: cli.version,
      node: process.version,
      signingKeyids: EXAMPLE_TARGETS,
      demo: true,
      allowDirty: true,
      dirtyFiles: [],
    });
    // Each model's published end of support, as promised on the release date.
    for (const model of models) {
      const product = JSON.parse(await readFile(join(base, 'products', model, 'product.json'), 'utf8')) as {
        lifecycle: { endOfSupport: string };
      };
      expect(ledger.support).toContainEqual({ model, lastDay: product.lifecycle.endOfSupport, published: '2026-01-01', kind: 'published' });
    }
    // Images and SBOMs only: the staging directory is gone.
    expect(await filesUnder(join(base, 'out'))).toEqual(models.flatMap((m) => [`${m}/${m}-1.4.0.cdx.json`, `${m}/${m}-1.4.0.fwimg`]));
  });

  it('refuses the same version again, and an older one, without touching the ledger', async () => {
    const before = await ledgerText(base);
    const again = await release(base, EPOCH + DAY);
    expect(again.code).toBe(1);
    expect(releaseReport(again)).toMatchObject({ ok: false, code: 'RELEASE_EXISTS' });
    expect(await ledgerText(base)).toBe(before);

    const older = await copyRepo(base);
    await releaseJson(older, { firmware: '1.3.9' });
    const refused = await release(older, EPOCH + DAY);
    expect(refused.code).toBe(1);
    expect(releaseReport(refused)).toMatchObject({ ok: false, code: 'RELEASE_VERSION_NOT_NEWER' });
    expect(await ledgerText(older)).toBe(before);
    expect(await filesUnder(join(older, 'out'))).toEqual([]);
  });
});

describe('the platform drops sensor.parallel 1.2.0, which the years-old legacy-fixed-1080 rev A provides', () => {
  let root: string;
  let ledgerBefore: string;
  beforeAll(async () => {
    root = await copyRepo();
    await dropParallel12(root, '1.4.0');
    ledgerBefore = await ledgerText(root);
  });

  it('refuses the release, naming the model, the revision, the interface and both versions, and writes nothing', async () => {
    const result = await release(root, EPOCH);
    expect(result.code).toBe(1);
    const report = releaseReport(result);
    expect(report).toMatchObject({ ok: false, code: 'RELEASE_GATE_FAILED' });
    expect(report.details?.reasons).toEqual([
      expect.objectContaining({
        code: 'INTERFACE_VERSION_INCOMPATIBLE',
        severity: 'error',
        details: expect.objectContaining({
          model: LEGACY,
          revision: 'A',
          interface: 'sensor.parallel',
          required: '>=1.3.0 <2.0.0',
          provided: '1.2.0',
          lifecycle: 'removed',
        }) as unknown,
      }),
    ]);
    for (const text of [`${LEGACY} rev A`, 'sensor.parallel', '>=1.3.0 <2.0.0', 'provides 1.2.0']) expect(result.stderr).toContain(text);
    // Nothing written: the ledger byte for byte, no image, no out dir, no staging left behind.
    expect(await ledgerText(root)).toBe(ledgerBefore);
    expect(await filesUnder(join(root, 'out'))).toEqual([]);
    expect((await readdir(root)).sort()).toEqual([
      'keys.example',
      'node_modules',
      'package-lock.json',
      'packages',
      'platform',
      'products',
      'release.json',
      'releases',
    ]);
  });

  it('shows the red cell and its reason in Markdown and in the HTML page; --check fails with the gate’s code', async () => {
    const markdown = await matrix(root, EPOCH, ['--format', 'markdown']);
    expect(markdown.code, markdown.stderr).toBe(0);
    // Summary first: the failing models of the newest release (the candidate) lead, with their verdict.
    const row = markdown.stdout.split('\n').find((line) => line.startsWith('|') && line.includes(`\`${LEGACY}\``));
    expect(row).toMatch(/\|\s*❌ fail\s*\|[^|]*\|$/);
    const section = markdown.stdout.slice(markdown.stdout.indexOf(`### ❌ Fixed 1080p Bullet (legacy) (\`${LEGACY}\`) × 1.4.0`));
    expect(section).toMatch(/^### ❌/);
    expect(section).toContain('`INTERFACE_VERSION_INCOMPATIBLE`');
    expect(section).toContain(`${LEGACY} rev A`);
    expect(section).toContain('provides 1.2.0 (removed since platform 1.4.0)');

    const page = join(await tempDir('fwkit-html-'), 'matrix.html');
    const html = await matrix(root, EPOCH, ['--format', 'html', '--output', page]);
    expect(html.code, html.stderr).toBe(0);
    expect(html.stdout).toBe('');
    const text = await readFile(page, 'utf8');
    expect(text).toMatch(/^<!doctype html>/i);
    expect(text).toMatch(/\.fail \{[^}]*background/);
    const legacyRow =
      text.split('<tr>').find((tr) => tr.startsWith('<th scope="row" class="model"') && tr.includes(`<code>${LEGACY}</code>`)) ?? '';
    expect(legacyRow).toContain('class="cell fail"');
    // The reasons are in the page's data block, shown on a click (test/report-browser.test.ts).
    const legacy = readMatrixReport(text).models.find((m) => m.id === LEGACY);
    expect(legacy?.cells[0]?.verdict).toBe('fail');
    const reason = legacy?.cells[0]?.reasons.find((r) => r.code === 'INTERFACE_VERSION_INCOMPATIBLE');
    expect(reason?.message).toContain('requires sensor.parallel >=1.3.0 <2.0.0; legacy-fixed-1080 rev A provides 1.2.0');
    // Written whole: no temporary file beside it.
    expect(await readdir(join(page, '..'))).toEqual(['matrix.html']);

    const check = await matrix(root, EPOCH, ['--check']);
    expect(check.code).toBe(1);
    expect(check.stderr).toContain('RELEASE_GATE_FAILED');
    expect(check.stderr).toContain('INTERFACE_VERSION_INCOMPATIBLE');
    expect(check.stdout).toMatch(new RegExp(`${LEGACY}\\s+supported until 2029-03-31\\s+FAIL`));

    const clean = await matrix(REPO, EPOCH, ['--check']);
    expect(clean.code, clean.stderr).toBe(0);
  });

  it('has the device refuse such an image with the same code as the matrix cell', async () => {
    const result = await matrix(root, EPOCH, ['--format', 'json', '--check']);
    expect(result.code).toBe(1);
    const report = matrixReport(result);
    expect(report).toMatchObject({ ok: false, code: 'RELEASE_GATE_FAILED', gate: { pass: false, candidate: '1.4.0' } });
    const row = report.models.findIndex((m) => m.id === LEGACY);
    const cell = report.cells[row]?.at(-1);
    expect(cell?.verdict).toBe('fail');
    const cellCodes = (cell?.reasons ?? []).filter((r) => r.severity === 'error').map((r) => r.code);
    expect(cellCodes).toEqual(['INTERFACE_VERSION_INCOMPATIBLE']);

    // An image with the requirements the build composed for the candidate, signed with the example keys.
    const requires = report.candidateRelease?.images.find((i) => i.model === LEGACY)?.requires;
    expect(requires).toMatchObject({ interfaces: { 'sensor.parallel': '>=1.3.0 <2.0.0' } });
    const signers = await Promise.all(['targets-1', 'targets-2'].map((k) => loadPemSigner(join(REPO, 'keys.example', `${k}.key.pem`))));
    const image = await makeImage({ model: LEGACY, hardwareRevisions: ['A', 'B'], firmware: '1.4.0', security: 3, requires, signers });
    const dir = await tempDir('fwkit-device-');
    await writeFile(join(dir, 'image.fwimg'), image.bytes);

    const verifyOn = async (revision: string) => {
      const device = await fieldDevice(root, LEGACY, revision, { firmware: '1.3.0', security: 3 });
      await writeFile(join(dir, `device-${revision}.json`), JSON.stringify(device));
      const args = ['verify', join(dir, 'image.fwimg'), '--trust', join(REPO, 'keys.example', 'root.json')];
      return fwkit([...args, '--device', join(dir, `device-${revision}.json`), '--now', '2026-01-01T00:00:00Z', '--json']);
    };
    const revA = await verifyOn('A');
    expect(revA.code).toBe(1);
    const refusal = JSON.parse(revA.stdout) as { code: string; details: { reasons: Reason[] } };
    expect(refusal.code).toBe(cellCodes[0]);
    expect(refusal.details.reasons).toEqual([
      expect.objectContaining({
        code: 'INTERFACE_VERSION_INCOMPATIBLE',
        details: expect.objectContaining({ revision: 'A', interface: 'sensor.parallel', provided: '1.2.0' }) as unknown,
      }),
    ]);
    // Revision B provides sensor.parallel 1.3.1: the same image installs.
    const revB = await verifyOn('B');
    expect(revB.code, revB.stdout).toBe(0);
  });

  it('passes once the model’s end of support is recorded (dated, with a reason), and the matrix shows it retired', async () => {
    const reason = 'The platform no longer accepts the parallel sensor bus 1.2 that revision A hardware provides.';
    await editLifecycle(root, LEGACY, { endedEarly: { lastDay: '2025-12-31', recorded: '2025-11-27', reason } });
    const result = await release(root, EPOCH);
    expect(result.code, result.stdout + result.stderr).toBe(0);
    const report = releaseReport(result);
    expect(report.skipped).toEqual([{ model: LEGACY, status: 'retired' }]);
    const models = (await productIds(root)).filter((m) => m !== LEGACY);
    expect(report.images?.map((i) => i.model)).toEqual(models);
    const ledger = await ledgerOf(root);
    expect(ledger.releases.map((r) => r.images.map((i) => i.model))).toEqual([models]);
    expect(ledger.support).toContainEqual({ model: LEGACY, lastDay: '2025-12-31', published: '2026-01-01', kind: 'ended-early', reason });
    // A retired model gets no image.
    expect((await filesUnder(join(root, 'out'))).filter((f) => f.startsWith(LEGACY))).toEqual([]);

    const shown = await matrix(root, EPOCH, ['--format', 'json', '--check']);
    expect(shown.code, shown.stderr).toBe(0);
    const doc = matrixReport(shown);
    const row = doc.models.findIndex((m) => m.id === LEGACY);
    expect(doc.models[row]?.status).toBe('retired');
    expect(doc.cells[row]?.map((c) => c.verdict)).toEqual(['retired']);

    // Any past release is recomputed from the ledger alone: no platform or product code needed.
    await rm(join(root, 'platform', 'src'), { recursive: true });
    for (const model of await productIds(root)) await rm(join(root, 'products', model, 'src'), { recursive: true });
    const past = await matrix(root, EPOCH, ['--release', '1.4.0']);
    expect(past.code, past.stderr).toBe(0);
    expect(past.stdout).toMatch(new RegExp(`${LEGACY}\\s+retired`));
    const unknown = await matrix(root, EPOCH, ['--release', '9.9.9', '--json']);
    expect(unknown.code).toBe(1);
    expect(releaseReport(unknown).code).toBe('RELEASE_UNKNOWN');
  });
});

describe('support promises', () => {
  it('refuses a release that shortens a published support period', async () => {
    const root = await copyRepo(base);
    const before = await ledgerText(root);
    await releaseJson(root, { firmware: '1.5.0' });
    await editLifecycle(root, 'ptz-4k', { endOfSupport: '2030-09-30' });
    const result = await release(root, EPOCH + 30 * DAY);
    expect(result.code).toBe(1);
    const report = releaseReport(result);
    expect(report.code).toBe('RELEASE_GATE_FAILED');
    expect(report.details?.reasons).toEqual([
      expect.objectContaining({
        code: 'SUPPORT_SHORTENED',
        details: expect.objectContaining({ model: 'ptz-4k', endOfSupport: '2030-09-30', promised: '2033-09-30' }) as unknown,
      }),
    ]);
    expect(await ledgerText(root)).toBe(before);
    expect(await filesUnder(join(root, 'out'))).toEqual([]);
    const check = await matrix(root, EPOCH + 30 * DAY, ['--check']);
    expect(check.code).toBe(1);
    expect(check.stderr).toContain('SUPPORT_SHORTENED');
  });
});

describe('upgrade paths', () => {
  it('catches a gap (2.0.0 accepts only >=1.9.0, the field runs 1.4.0); a stepping stone 1.9.0 fixes it', async () => {
    const root = await copyRepo(base);
    const before = await ledgerText(root);
    await releaseJson(root, { firmware: '2.0.0', upgradeFrom: '>=1.9.0' });
    const gap = await release(root, EPOCH + 60 * DAY);
    expect(gap.code).toBe(1);
    const report = releaseReport(gap);
    const models = await productIds(root);
    expect(codesOf(report.details?.reasons)).toEqual(models.map(() => 'UPGRADE_PATH_MISSING'));
    for (const r of report.details?.reasons ?? []) expect(r.details).toMatchObject({ firmware: '2.0.0', stranded: ['1.4.0'] });
    expect(await ledgerText(root)).toBe(before);

    await releaseJson(root, { firmware: '1.9.0', upgradeFrom: '>=1.0.0', steppingStone: true });
    const stone = await release(root, EPOCH + 60 * DAY);
    expect(stone.code, stone.stdout).toBe(0);

    await releaseJson(root, { firmware: '2.0.0', upgradeFrom: '>=1.9.0', steppingStone: false });
    const fixed = await release(root, EPOCH + 61 * DAY);
    expect(fixed.code, fixed.stdout).toBe(0);
    const ledger = await ledgerOf(root);
    expect(ledger.releases.map((r) => [r.firmware, r.steppingStone, r.date])).toEqual([
      ['1.4.0', false, '2026-01-01'],
      ['1.9.0', true, '2026-03-02'],
      ['2.0.0', false, '2026-03-03'],
    ]);
    // The matrix shows the route through the stepping stone.
    const shown = matrixReport(await matrix(root, EPOCH + 61 * DAY, ['--format', 'json', '--release', '2.0.0']));
    const last = shown.cells.map((row) => row.at(-1));
    expect(last.map((c) => c?.verdict).every((v) => v === 'pass' || v === 'warn')).toBe(true);
    expect(last.map((c) => codesOf(c?.reasons))).toEqual(models.map(() => expect.arrayContaining(['UPGRADE_VIA']) as unknown));
  });
});

describe('security version', () => {
  it('refuses a release whose security version goes backwards, and passes the gate when it does not', async () => {
    const root = await copyRepo(base);
    const before = await ledgerText(root);
    await releaseJson(root, { firmware: '1.5.0', security: 2 });
    const result = await release(root, EPOCH + 30 * DAY);
    expect(result.code).toBe(1);
    const report = releaseReport(result);
    const decreased = (report.details?.reasons ?? []).filter((r) => r.code === 'SECURITY_VERSION_DECREASED');
    expect(decreased.map((r) => r.details['model'])).toEqual(await productIds(root));
    for (const r of decreased) expect(r.details).toMatchObject({ firmware: '1.5.0', security: 2, highest: 3, highestIn: '1.4.0' });
    // Devices on 1.4.0 would refuse 1.5.0 (rollback protection), so it is no upgrade for them either.
    expect(new Set(codesOf(report.details?.reasons))).toEqual(new Set(['SECURITY_VERSION_DECREASED', 'UPGRADE_PATH_MISSING']));
    expect(await ledgerText(root)).toBe(before);

    await releaseJson(root, { security: 3 });
    const check = await matrix(root, EPOCH, ['--check', '--date', '2026-02-01']);
    expect(check.code, check.stderr).toBe(0);
  });
});

describe('the published example keys', () => {
  it('sign only a release declared a demo: without --demo, RELEASE_EXAMPLE_KEYS (exit 1) before anything is built', async () => {
    const root = await copyRepo();
    const before = await ledgerText(root);
    const refused = await fwkit(['release', '--keys', 'keys.example', '--out', 'out', '--json'], {
      cwd: root,
      env: { SOURCE_DATE_EPOCH: String(EPOCH) },
    });
    expect(refused.code).toBe(1);
    expect(releaseReport(refused)).toMatchObject({ ok: false, code: 'RELEASE_EXAMPLE_KEYS' });
    expect(refused.stderr).toContain('--demo');
    expect(await ledgerText(root)).toBe(before);
    expect(await readdir(root)).not.toContain('out');
  });
});

describe('a release from a working tree that no commit holds', () => {
  const strict = (root: string) =>
    fwkit(['release', '--demo', '--keys', 'keys.example', '--out', 'out', '--json'], {
      cwd: root,
      env: { SOURCE_DATE_EPOCH: String(EPOCH) },
    });

  itWithTools('git', 'is refused (exit 1) naming each file not as committed; outside a git checkout too', async () => {
    const root = await copyRepo();
    await commitCheckout(root);
    const before = await ledgerText(root);
    await editLifecycle(root, 'ptz-4k', { endOfSupport: '2034-09-30' });
    const dirty = await strict(root);
    expect(dirty.code).toBe(1);
    expect(releaseReport(dirty)).toMatchObject({ ok: false, code: 'RELEASE_TREE_DIRTY' });
    expect(dirty.stderr).toContain('products/ptz-4k/product.json (modified)');
    expect(dirty.stderr).toContain('--allow-dirty');
    expect(await ledgerText(root)).toBe(before);
    expect(await readdir(root)).not.toContain('out');

    const plain = await copyRepo();
    const nowhere = await strict(plain);
    expect(nowhere.code).toBe(1);
    expect(releaseReport(nowhere)).toMatchObject({ ok: false, code: 'RELEASE_NOT_GIT_CHECKOUT' });
  });
});

describe('fwkit ledger migrate', () => {
  it('rewrites a schema-1 ledger as schema 2 (earlier releases marked predates-audit); release refuses schema 1', async () => {
    const root = await copyRepo(base);
    const path = join(root, 'releases', 'ledger.json');
    // The ledger as fwkit 1.x wrote it: schema 1, no audit fields.
    const current = JSON.parse(await ledgerText(root)) as { releases: (LedgerRelease & Record<string, unknown>)[] };
    const v1 = {
      ...current,
      schemaVersion: 1,
      // Without the fields of schema 2.
      releases: current.releases.map((r) => ({
        ...Object.fromEntries(Object.entries(r).filter(([key]) => key !== 'audit')),
        images: r.images.map((i) => Object.fromEntries(Object.entries(i).filter(([key]) => key !== 'sbomSha256' && key !== 'signedBy'))),
      })),
    };
    await writeFile(path, `${JSON.stringify(v1, null, 2)}\n`);
    await releaseJson(root, { firmware: '1.5.0' });
    const refused = await release(root, EPOCH + DAY);
    expect(releaseReport(refused)).toMatchObject({ ok: false, code: 'LEDGER_SCHEMA_OUTDATED' });

    const migrated = await fwkit(['ledger', 'migrate', '--json'], { cwd: root });
    expect(migrated.code, migrated.stderr).toBe(0);
    expect(JSON.parse(migrated.stdout)).toMatchObject({ ok: true, from: 1, to: 2, releases: 1, written: true });
    const ledger = (await ledgerOf(root)) as Ledger & { schemaVersion: number };
    expect(ledger.schemaVersion).toBe(2);
    expect(ledger.releases.map((r) => r.audit)).toEqual(['predates-audit']);
    expect(ledger.releases[0]?.images.every((i) => i.sbomSha256 === undefined && i.signedBy === undefined)).toBe(true);
    const again = await fwkit(['ledger', 'migrate'], { cwd: root });
    expect(again.stdout).toContain('already schema 2');

    const next = await release(root, EPOCH + DAY);
    expect(next.code, next.stderr).toBe(0);
    const after = await ledgerOf(root);
    expect(after.releases.map((r) => [r.firmware, typeof r.audit])).toEqual([
      ['1.4.0', 'string'],
      ['1.5.0', 'object'],
    ]);
  });
});

describe('command lines', () => {
  it('refuse what they cannot run with exit 2, before any work', async () => {
    const env = { SOURCE_DATE_EPOCH: String(EPOCH) };
    const usage = [
      ['release', '--out', 'out'],
      ['release', '--keys', 'keys.example', '--date', '2026-02-30'],
      ['release', '--keys', 'keys.example', '--skip-gate'],
      ['matrix', '--format', 'pdf'],
      ['matrix', '--date', 'tomorrow'],
      ['matrix', '--json', '--format', 'html'],
      ['matrix', '--no-check'],
    ];
    for (const args of usage) {
      const result = await fwkit(args, { cwd: base, env });
      expect(result.code, args.join(' ')).toBe(2);
    }
    const help = await fwkit(['--help']);
    expect(help.stdout).toContain('fwkit release (--keys <dir> | --key <pem>... --trust <root.json>)');
    expect(help.stdout).toContain('fwkit matrix [--release <firmware>]');
  });
});
