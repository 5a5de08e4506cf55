import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { copyCheckout } from '@fwkit/test-utils';
import { dropParallel12, editJson, fwkit, REPO, type RunResult } from './helpers.js';

// Issue 8, "End of support", end to end with the real CLI on copies of the repository: a model
// retired because the platform dropped what it needs. Time comes from SOURCE_DATE_EPOCH and --date.
// lastDay is the last day a model is supported (inclusive): a release dated on it still serves the
// model, which is retired from the next day on (decisions.md, 2026-12-04 "End of support").
const DAY = 86_400;
const JAN01 = 1_767_225_600; // 2026-01-01T00:00:00Z
const FEB01 = JAN01 + 31 * DAY; // 2026-02-01
const MAR02 = FEB01 + 29 * DAY; // 2026-03-02: the release day of 1.5.0
const LEGACY = 'legacy-fixed-1080';
const REASON = 'The platform no longer accepts the parallel sensor bus 1.2 that revision A hardware provides.';

interface Reason {
  code: string;
  severity: string;
  message: string;
}
interface MatrixDoc {
  ok: boolean;
  code: string | null;
  date: string;
  gate: { pass: boolean; candidate: string | null; failures: Reason[]; hints?: string[] };
  models: { id: string; status: string; lastDay: string; retiredFrom?: string }[];
  releases: { firmware: string; candidate: boolean }[];
  cells: { model: string; firmware: string; verdict: string; reasons: Reason[]; manifestSha256: string | null }[][];
}

const temps: string[] = [];
afterAll(async () => {
  await Promise.all(temps.map((d) => rm(d, { recursive: true, force: true })));
});

async function copyRepo(from: string = REPO): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'fwkit-eos-'));
  temps.push(dir);
  return copyCheckout(dir, { from });
}

const releaseJson = (root: string, firmware: string) => editJson(join(root, 'release.json'), (r) => Object.assign(r, { firmware }));

const endEarly = (root: string, lastDay: string, recorded: string) =>
  editJson(join(root, 'products', LEGACY, 'product.json'), (p) => {
    p['lifecycle'] = { ...(p['lifecycle'] as Record<string, unknown>), endedEarly: { lastDay, recorded, reason: REASON } };
  });

const run = (root: string, epoch: number, args: string[]): Promise<RunResult> =>
  fwkit(args, { cwd: root, env: { SOURCE_DATE_EPOCH: String(epoch) } });
const release = (root: string, epoch: number, extra: string[] = []) =>
  run(root, epoch, ['release', '--demo', '--allow-dirty', '--keys', 'keys.example', '--out', 'out', '--json', ...extra]);
const build = (root: string, epoch: number, extra: string[]) =>
  run(root, epoch, ['build', '--keys', 'keys.example', '--out', 'out', '--no-cache', ...extra]);
const matrixDoc = (result: RunResult) => JSON.parse(result.stdout) as MatrixDoc;

function row(doc: MatrixDoc, model: string): { status: string; cells: MatrixDoc['cells'][number] } {
  const i = doc.models.findIndex((m) => m.id === model);
  return { status: doc.models[i]?.status ?? '?', cells: doc.cells[i] ?? [] };
}

/** 1.4.0 (2026-01-01) and 1.4.1 (2026-02-01) released for every model; then platform 1.5 drops legacy's sensor bus. */
let field: string;
beforeAll(async () => {
  field = await copyRepo();
  const first = await release(field, JAN01);
  expect(first.code, first.stderr).toBe(0);
  await releaseJson(field, '1.4.1');
  const second = await release(field, FEB01);
  expect(second.code, second.stderr).toBe(0);
  await dropParallel12(field, '1.5.0');
  await releaseJson(field, '1.5.0');
}, 120_000);

describe('release day: lastDay is the last supported day, so a release on it still serves the model', () => {
  it('refuses a release dated on lastDay and its hint names the latest lastDay that retires the model in this release', async () => {
    const root = await copyRepo(field);
    await endEarly(root, '2026-03-02', '2026-02-20');
    const refused = await release(root, MAR02);
    expect(refused.code).toBe(1);
    expect(JSON.parse(refused.stdout)).toMatchObject({ ok: false, code: 'RELEASE_GATE_FAILED' });
    const hint = `set lifecycle.endedEarly.lastDay in products/${LEGACY}/product.json to 2026-03-01 or earlier`;
    expect(refused.stderr).toContain(hint);
    expect(refused.stderr).toContain('2026-03-02 is its last day of support');

    const check = await run(root, MAR02, ['matrix', '--check', '--json']);
    expect(check.code).toBe(1);
    expect(matrixDoc(check).gate.hints?.join('\n')).toContain(hint);
  });

  it('retires the model with lastDay the day before, recorded on the release day; the matrix says "retired since" the release day', async () => {
    const root = await copyRepo(field);
    await endEarly(root, '2026-03-01', '2026-03-02');
    const released = await release(root, MAR02);
    expect(released.code, released.stderr).toBe(0);
    expect((JSON.parse(released.stdout) as { skipped: unknown }).skipped).toEqual([{ model: LEGACY, status: 'retired' }]);

    const text = await run(root, MAR02, ['matrix', '--check']);
    expect(text.code, text.stderr).toBe(0);
    expect(text.stdout).toMatch(new RegExp(`${LEGACY}\\s+retired since 2026-03-02\\s`));
    expect(text.stdout).not.toContain('retired since 2026-03-01');
  });
});

describe('the workaround (release --date one day later) does not break later views', () => {
  let root: string;
  beforeAll(async () => {
    root = await copyRepo(field);
    await endEarly(root, '2026-03-02', '2026-02-20');
    const released = await release(root, MAR02, ['--date', '2026-03-03']);
    expect(released.code, released.stderr).toBe(0);
  }, 120_000);

  it('shows the ledger on the last commit’s day: the 1.5.0 cell is retired, and the gate agrees with every cell', async () => {
    // release.json still names 1.5.0: the view shows the ledger; the last commit is on 2026-03-02.
    const result = await run(root, MAR02, ['matrix', '--check', '--json']);
    expect(result.code, result.stderr).toBe(0);
    const doc = matrixDoc(result);
    expect(row(doc, LEGACY).cells.map((c) => c.verdict)).toEqual(['pass', 'pass', 'retired']);
    expect(doc.cells.flat().filter((c) => c.verdict === 'fail')).toEqual([]);
    expect(doc.gate.pass).toBe(true);

    const asked = await run(root, MAR02, ['matrix', '--check', '--date', '2026-03-02']);
    expect(asked.code, asked.stderr).toBe(0);
    // On its last day the model is supported, and 1.5.0, dated the day after, rightly has no image of it.
    expect(asked.stdout).toMatch(new RegExp(`\\n${LEGACY}\\s+supported until 2026-03-02\\s+ok\\s+ok\\s+ret\\n`));
    expect(asked.stdout).not.toContain('MODEL_MISSING');
  });

  it('judges the next candidate on the last release’s day instead of failing with RELEASE_DATE_INVALID; a release on the earlier day is still refused', async () => {
    const next = await copyRepo(root);
    await releaseJson(next, '1.6.0');
    const shown = await run(next, MAR02, ['matrix', '--check', '--json']);
    expect(shown.code, shown.stderr).toBe(0);
    const doc = matrixDoc(shown);
    expect(doc.date).toBe('2026-03-03');
    expect(doc.releases.at(-1)).toMatchObject({ firmware: '1.6.0', candidate: true });
    expect(row(doc, LEGACY).cells.map((c) => c.verdict)).toEqual(['pass', 'pass', 'retired', 'retired']);
    expect(shown.stderr).toContain('2026-03-03');

    const refused = await release(next, MAR02);
    expect(refused.code).toBe(1);
    const report = JSON.parse(refused.stdout) as { code: string; message: string };
    expect(report.code).toBe('RELEASE_DATE_INVALID');
    expect(report.message).toContain('--date 2026-03-03');
  });
});

describe('past cells keep their history', () => {
  it('shows 1.4.0 and 1.4.1 as released for a model retired since; only cells from its retirement on are retired', async () => {
    const root = await copyRepo(field);
    await endEarly(root, '2026-03-01', '2026-02-20');
    const released = await release(root, MAR02);
    expect(released.code, released.stderr).toBe(0);
    await releaseJson(root, '1.6.0');
    const result = await run(root, MAR02 + 30 * DAY, ['matrix', '--json']);
    expect(result.code, result.stderr).toBe(0);
    const legacy = row(matrixDoc(result), LEGACY);
    expect(legacy.status).toBe('retired');
    expect(legacy.cells.map((c) => [c.firmware, c.verdict])).toEqual([
      ['1.4.0', 'pass'],
      ['1.4.1', 'pass'],
      ['1.5.0', 'retired'],
      ['1.6.0', 'retired'],
    ]);
    // The 1.4.1 cell names the image that was released: the model's last good image.
    expect(legacy.cells[1]?.manifestSha256).toMatch(/^[0-9a-f]{64}$/);
    expect(legacy.cells[2]?.manifestSha256).toBeNull();

    const text = await run(root, MAR02 + 30 * DAY, ['matrix', '--release', '1.4.1']);
    expect(text.code, text.stderr).toBe(0);
    expect(text.stdout).toMatch(new RegExp(`${LEGACY}\\s+supported until 2026-03-01\\s+ok\\s+ok`));
  });
});

describe('fwkit build and a retired model', () => {
  let root: string;
  beforeAll(async () => {
    root = await copyRepo(field);
    await endEarly(root, '2026-03-01', '2026-02-20');
  });

  it('build --all skips it with a note (stderr and --json) and builds the others', async () => {
    const result = await build(root, MAR02, ['--all', '--json']);
    expect(result.code, result.stderr).toBe(0);
    const doc = JSON.parse(result.stdout) as { ok: boolean; images: { model: string }[]; skipped: unknown[] };
    expect(doc.ok).toBe(true);
    expect(doc.images.map((i) => i.model)).not.toContain(LEGACY);
    expect(doc.images).toHaveLength(3);
    expect(doc.skipped).toEqual([{ model: LEGACY, status: 'retired', lastDay: '2026-03-01', retiredFrom: '2026-03-02' }]);
    expect(result.stderr).toContain(`fwkit: note: ${LEGACY} skipped: retired since 2026-03-02`);
  });

  it('builds it on its last day, when it is still supported (and here no longer fits: the build fails)', async () => {
    const result = await build(root, MAR02 - DAY, ['--product', LEGACY, '--json']);
    expect(result.code).toBe(1);
    expect((JSON.parse(result.stdout) as { code: string }).code).toBe('BUILD_DEVICE_INCOMPATIBLE');
  });

  it('build --product <retired model> is refused with BUILD_MODEL_RETIRED and builds nothing', async () => {
    const result = await build(root, MAR02, ['--product', LEGACY, '--product', 'ptz-4k', '--json']);
    expect(result.code).toBe(1);
    const doc = JSON.parse(result.stdout) as { code: string; message: string };
    expect(doc.code).toBe('BUILD_MODEL_RETIRED');
    expect(doc.message).toContain('retired since 2026-03-02');
  });
});
