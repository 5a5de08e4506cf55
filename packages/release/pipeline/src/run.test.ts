import { execFileSync } from 'node:child_process';
import { writeFileSync, type openSync } from 'node:fs';
import { mkdir, mkdtemp, open, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { createRequire, syncBuiltinESMExports } from 'node:module';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { trustRootFromJSON, type TrustRoot } from '@fwkit/device-trust';
import { loadPemSigner, type Signer } from '@fwkit/release-signing';
import { commitCheckout, copyCheckout, describeWithTools, git, itWithTools, rejectedCode, testKeys } from '@fwkit/test-utils';
import { inspectImageFile } from '@fwkit/release-image';
import { runRelease, type RunReleaseOptions } from './index.js';

// runRelease on copies of the real repository, for what the CLI tests cannot reach: failures after
// the gate passed (signing, a concurrent ledger change) must leave nothing behind either.
const REPO = fileURLToPath(new URL('../../../../', import.meta.url));
const EPOCH = 1_767_225_600; // 2026-01-01

const temps: string[] = [];
afterAll(async () => {
  await Promise.all(temps.map((d) => rm(d, { recursive: true, force: true })));
});

async function copyRepo(): Promise<string> {
  const root = await mkdtemp(join(tmpdir(), 'fwkit-run-'));
  temps.push(root);
  return copyCheckout(root);
}

async function listAll(dir: string): Promise<string[]> {
  return (await readdir(dir, { recursive: true })).map(String).sort();
}

let signers: Signer[];
let trust: TrustRoot;
beforeAll(async () => {
  signers = await Promise.all(['targets-1', 'targets-2'].map((k) => loadPemSigner(join(REPO, 'keys.example', `${k}.key.pem`))));
  trust = trustRootFromJSON(JSON.parse(await readFile(join(REPO, 'keys.example', 'root.json'), 'utf8')), new Date(EPOCH * 1000));
});

const options = (root: string, extra: Partial<RunReleaseOptions> = {}): RunReleaseOptions => ({
  repoRoot: root,
  outDir: join(root, 'out'),
  sourceDateEpoch: EPOCH,
  signers,
  trust,
  // The example keys sign these releases (demo releases), from copies that are no git checkout.
  demo: true,
  allowDirty: true,
  fwkitVersion: '0.1.0',
  ...extra,
});

describe('runRelease writes nothing when it fails', () => {
  it('after the gate passed, when an image fails its own verification (the trust root has expired by `now`)', async () => {
    const root = await copyRepo();
    const ledger = await readFile(join(root, 'releases', 'ledger.json'), 'utf8');
    // An out dir with earlier output: it stays exactly as it was.
    await mkdir(join(root, 'out', 'ptz-4k'), { recursive: true });
    await writeFile(join(root, 'out', 'ptz-4k', 'ptz-4k-1.3.0.fwimg'), 'earlier image');
    const steps: string[] = [];
    const code = await rejectedCode(
      runRelease(
        options(root, {
          now: new Date('2100-01-01T00:00:00Z'),
          onProgress: (model, step) => {
            steps.push(`${model}: ${step}`);
          },
        }),
      ),
    );
    expect(code).toBe('BUILD_VERIFY_FAILED');
    expect(steps).toContain('release: matrix (prepared images)');
    expect(await listAll(join(root, 'out'))).toEqual(['ptz-4k', 'ptz-4k/ptz-4k-1.3.0.fwimg']);
    expect(await readFile(join(root, 'releases', 'ledger.json'), 'utf8')).toBe(ledger);
  });

  it('when the ledger changes while the release runs (another release got there first)', async () => {
    const root = await copyRepo();
    const path = join(root, 'releases', 'ledger.json');
    const theirs = '{\n  "schemaVersion": 1,\n  "releases": [],\n  "support": []\n}\n';
    const code = await rejectedCode(
      runRelease(
        options(root, {
          onProgress: (model, step) => {
            if (model === 'release' && step === 'publish') writeFileSync(path, theirs);
          },
        }),
      ),
    );
    expect(code).toBe('RELEASE_LEDGER_CHANGED');
    expect(await readFile(path, 'utf8')).toBe(theirs);
    expect((await readdir(root)).includes('out')).toBe(false);
  });

  it('when no model is supported on the date, or the date is not a day', async () => {
    const root = await copyRepo();
    expect(await rejectedCode(runRelease(options(root, { date: '2045-01-01' })))).toBe('RELEASE_NO_SUPPORTED_MODEL');
    expect(await rejectedCode(runRelease(options(root, { date: '2026-02-30' })))).toBe('RELEASE_DATE_INVALID');
    expect((await readdir(root)).includes('out')).toBe(false);
  });
});

describe('runRelease appends only to a ledger of the current schema', () => {
  it('refuses a schema-1 ledger (LEDGER_SCHEMA_OUTDATED) before building, naming the migration', async () => {
    const root = await copyRepo();
    const path = join(root, 'releases', 'ledger.json');
    const old = '{\n  "schemaVersion": 1,\n  "releases": [],\n  "support": []\n}\n';
    await writeFile(path, old);
    const error = await runRelease(options(root)).then(
      () => undefined,
      (e: unknown) => e as Error & { code: string },
    );
    expect(error?.code).toBe('LEDGER_SCHEMA_OUTDATED');
    expect(error?.message).toContain('fwkit ledger migrate');
    expect(await readFile(path, 'utf8')).toBe(old);
    expect(await readdir(root)).not.toContain('out');
  });
});

describe('runRelease refuses its keys before reading or building anything', () => {
  it('the published example keys without `demo` (RELEASE_EXAMPLE_KEYS), naming each example keyid', async () => {
    const root = await copyRepo();
    const steps: string[] = [];
    const error = await runRelease(options(root, { demo: false, onProgress: (model, step) => void steps.push(`${model}: ${step}`) })).then(
      () => undefined,
      (e: unknown) => e as { code: string; details: { keyids: string[] } },
    );
    expect(error?.code).toBe('RELEASE_EXAMPLE_KEYS');
    expect(error?.details.keyids).toEqual(signers.map((s) => s.keyid));
    expect(steps).toEqual([]);
    expect(await readdir(root)).not.toContain('out');
  });

  it('a key the trust root does not list (BUILD_SIGNER_UNTRUSTED), or too few (BUILD_SIGNERS_BELOW_THRESHOLD)', async () => {
    const root = await copyRepo();
    const foreign = testKeys.outsider.signer;
    const untrusted = await rejectedCode(runRelease(options(root, { signers: [...signers, foreign], demo: true })));
    expect(untrusted).toBe('BUILD_SIGNER_UNTRUSTED');
    expect(await rejectedCode(runRelease(options(root, { signers: signers.slice(0, 1) })))).toBe('BUILD_SIGNERS_BELOW_THRESHOLD');
    expect(await readdir(root)).not.toContain('out');
  });
});

describe('runRelease', () => {
  it('dates the release by --date when given, judges support on it, and gives the images their final paths', async () => {
    const root = await copyRepo();
    const result = await runRelease(options(root, { date: '2026-03-15' }));
    expect(result.date).toBe('2026-03-15');
    expect(result.release).toMatchObject({ firmware: '1.4.0', date: '2026-03-15', sourceDateEpoch: EPOCH });
    expect(result.ledger.releases).toEqual([result.release]);
    for (const image of result.images) {
      expect(image.imagePath).toBe(join(root, 'out', image.model, `${image.model}-1.4.0.fwimg`));
      expect((await readFile(image.imagePath)).byteLength).toBe(image.imageBytes);
    }
    expect((await readdir(join(root, 'out'))).filter((n) => n.startsWith('.'))).toEqual([]);
  });
});

describe('runRelease refuses a ledger it cannot trust, before any work, and writes nothing', () => {
  const ledgerPath = (root: string) => join(root, 'releases', 'ledger.json');

  it('a missing ledger is LEDGER_NOT_FOUND: no new ledger holding only this release', async () => {
    const root = await copyRepo();
    await rm(ledgerPath(root));
    expect(await rejectedCode(runRelease(options(root)))).toBe('LEDGER_NOT_FOUND');
    expect(await readdir(join(root, 'releases'))).toEqual([]);
    expect(await readdir(root)).not.toContain('out');
  });

  it('a duplicate "releases" key is JSON_DUPLICATE_KEY, and the ledger stays byte for byte', async () => {
    const root = await copyRepo();
    const release = { firmware: '1.0.0', platform: '1.0.0', security: 1, date: '2025-01-01', sourceDateEpoch: 1_735_689_600 };
    const text = `{\n  "schemaVersion": 1,\n  "releases": [${JSON.stringify(release)}],\n  "support": [],\n  "releases": []\n}\n`;
    await writeFile(ledgerPath(root), text);
    expect(await rejectedCode(runRelease(options(root)))).toBe('JSON_DUPLICATE_KEY');
    expect(await readFile(ledgerPath(root), 'utf8')).toBe(text);
    expect(await readdir(root)).not.toContain('out');
  });

  itWithTools(
    'mkfifo',
    'a ledger that is a directory or a FIFO is INPUT_NOT_REGULAR (no hang, no stack trace)',
    async () => {
      const root = await copyRepo();
      await rm(ledgerPath(root));
      await mkdir(ledgerPath(root));
      expect(await rejectedCode(runRelease(options(root)))).toBe('INPUT_NOT_REGULAR');
      await rm(ledgerPath(root), { recursive: true });
      execFileSync('mkfifo', [ledgerPath(root)]);
      expect(await rejectedCode(runRelease(options(root)))).toBe('INPUT_NOT_REGULAR');
      expect(await readdir(root)).not.toContain('out');
    },
    10_000,
  );
});

describe('runRelease reads each input once', () => {
  it('opens package-lock.json, each product.json and each bundled source once, and the ledger once to load it and once to compare before the commit', async () => {
    const root = await copyRepo();
    // A real file system underneath: node:fs/promises' own open and node:fs's openSync (core's
    // two readers), wrapped to count the paths they open.
    const require = createRequire(import.meta.url);
    const fsPromises = require('node:fs/promises') as { open: typeof open };
    const fs = require('node:fs') as { openSync: typeof openSync };
    const [realOpen, realOpenSync] = [fsPromises.open, fs.openSync];
    const opened = new Map<string, number>();
    const count = (path: unknown) => {
      const key = relative(root, String(path));
      opened.set(key, (opened.get(key) ?? 0) + 1);
    };
    fsPromises.open = (path: Parameters<typeof open>[0], ...rest: unknown[]) => {
      count(path);
      return (realOpen as (...args: unknown[]) => ReturnType<typeof open>)(path, ...rest);
    };
    fs.openSync = (path: Parameters<typeof openSync>[0], ...rest: unknown[]) => {
      count(path);
      return (realOpenSync as (...args: unknown[]) => number)(path, ...rest);
    };
    syncBuiltinESMExports();
    let result;
    try {
      result = await runRelease(options(root));
    } finally {
      fsPromises.open = realOpen;
      fs.openSync = realOpenSync;
      syncBuiltinESMExports();
    }
    expect(result.images.length).toBeGreaterThan(1);
    expect(opened.get('package-lock.json')).toBe(1);
    expect(opened.get(join('releases', 'ledger.json'))).toBe(2);
    const products = [...opened].filter(([path]) => path.startsWith('products/') && path.endsWith('/product.json'));
    expect(products.length).toBeGreaterThan(1);
    expect(products.filter(([, count]) => count !== 1)).toEqual([]);
    // The dynamic-loading check reads each bundled source and the SBOM hashes those same bytes.
    const sources = [...opened].filter(([path]) => path.startsWith('platform/') && /\.[cm]?[jt]s$/.test(path));
    expect(sources.length).toBeGreaterThan(5);
    expect(sources.filter(([, count]) => count !== 1)).toEqual([]);
  });
});

describe('a maintenance release from its branch appends to main’s ledger (--ledger)', () => {
  it('1.4.0 → 1.5.0 on main, then 1.4.1 from a copy of the 1.4 branch: one ledger, in time order; the branch’s copy untouched', async () => {
    const main = await copyRepo();
    const releaseJson = (fields: Record<string, unknown>) => `${JSON.stringify({ schemaVersion: 1, security: 3, ...fields }, null, 2)}\n`;
    await runRelease(options(main, { date: '2026-01-05' }));
    await writeFile(join(main, 'release.json'), releaseJson({ firmware: '1.5.0', upgradeFrom: '>=1.4.0' }));
    await runRelease(options(main, { date: '2026-02-01', outDir: join(main, 'out-1.5') }));

    const branch = await copyRepo();
    const branchLedger = await readFile(join(branch, 'releases', 'ledger.json'), 'utf8');
    await writeFile(
      join(branch, 'release.json'),
      releaseJson({ firmware: '1.4.1', upgradeFrom: '>=1.4.0 <1.5.0', maintenanceLine: '1.4' }),
    );
    // Its own ledger has no 1.5 line: a stale copy, refused before any work.
    expect(await rejectedCode(runRelease(options(branch, { date: '2026-03-01' })))).toBe('RELEASE_LINE_NOT_MAINTENANCE');
    const mainLedger = join(main, 'releases', 'ledger.json');
    const result = await runRelease(options(branch, { date: '2026-03-01', ledgerPath: mainLedger }));
    expect(result.ledgerPath).toBe(mainLedger);
    expect(result.ledger.releases.map((r) => r.firmware)).toEqual(['1.4.0', '1.5.0', '1.4.1']);
    const written = JSON.parse(await readFile(mainLedger, 'utf8')) as { releases: { firmware: string }[] };
    expect(written.releases.map((r) => r.firmware)).toEqual(['1.4.0', '1.5.0', '1.4.1']);
    expect(await readFile(join(branch, 'releases', 'ledger.json'), 'utf8')).toBe(branchLedger);
    // Every model of the 1.4 line's last release got its fix.
    expect(result.release.images.map((i) => i.model).sort()).toEqual(result.ledger.releases[0]?.images.map((i) => i.model).sort());
    // Without release.json saying so, an older line's version is refused.
    await writeFile(join(branch, 'release.json'), releaseJson({ firmware: '1.4.2', upgradeFrom: '>=1.4.0 <1.5.0' }));
    expect(await rejectedCode(runRelease(options(branch, { date: '2026-03-02', ledgerPath: mainLedger })))).toBe(
      'RELEASE_VERSION_NOT_NEWER',
    );
  });
});

describeWithTools('git', 'runRelease releases only what a commit holds', () => {
  /** A copy of the repository committed to a new git repository (node_modules and dist/ ignored, as in a clone). */
  async function gitRepo(): Promise<{ root: string; commit: string }> {
    const root = await copyRepo();
    return { root, commit: await commitCheckout(root) };
  }
  const strict = (root: string, extra: Partial<RunReleaseOptions> = {}) => options(root, { allowDirty: false, ...extra });
  async function refusal(run: Promise<unknown>): Promise<{ code: string; details: { files: { path: string; state: string }[] } }> {
    return run.then(
      () => {
        throw new Error('the release was not refused');
      },
      (e: unknown) => e as { code: string; details: { files: { path: string; state: string }[] } },
    );
  }
  const drivers = join('products', 'ptz-4k', 'src', 'drivers.ts');

  it('releases a clean checkout and names its commit; then its own ledger change is dirty until committed', async () => {
    const { root, commit } = await gitRepo();
    const result = await runRelease(strict(root));
    expect(result.source).toEqual({ commit, allowDirty: false, dirty: [] });
    // The ledger records who made the release from what, and each image's SBOM digest and signers.
    const keyids = signers.map((s) => s.keyid).sort();
    expect(result.release.audit).toEqual({
      sourceCommit: commit,
      fwkit: '0.1.0',
      node: process.version,
      signingKeyids: keyids,
      demo: true,
      allowDirty: false,
      dirtyFiles: [],
    });
    for (const image of result.images) {
      const recorded = result.release.images.find((i) => i.model === image.model);
      const sbom = (await inspectImageFile(image.imagePath)).manifest.sbom.sha256;
      expect(recorded).toMatchObject({ manifestSha256: image.manifestSha256, sbomSha256: sbom, signedBy: image.signedBy });
      expect([...(recorded?.signedBy ?? [])].sort()).toEqual(keyids);
    }
    // The ledger the release wrote is not committed yet: the next release must not build on it.
    const again = await refusal(runRelease(strict(root)));
    expect(again.code).toBe('RELEASE_TREE_DIRTY');
    expect(again.details.files).toEqual([{ path: 'releases/ledger.json', state: 'modified' }]);
  });

  it('refuses an edited bundled module after bundling, and a staged product.json before, naming each; nothing written', async () => {
    const { root } = await gitRepo();
    const ledger = await readFile(join(root, 'releases', 'ledger.json'), 'utf8');
    await writeFile(join(root, drivers), `${await readFile(join(root, drivers), 'utf8')}\n// an uncommitted tweak\n`);
    const steps: string[] = [];
    const edited = await refusal(runRelease(strict(root, { onProgress: (model, step) => void steps.push(`${model}: ${step}`) })));
    expect(edited.code).toBe('RELEASE_TREE_DIRTY');
    expect(edited.details.files).toEqual([{ path: 'products/ptz-4k/src/drivers.ts', state: 'modified' }]);
    expect(steps.some((s) => s.includes('bundle'))).toBe(true);
    expect(steps).not.toContain('release: matrix (prepared images)');

    git(root, ['checkout', '--', drivers]);
    const product = join(root, 'products', 'ptz-4k', 'product.json');
    await writeFile(product, (await readFile(product, 'utf8')).replace('"name": "', '"name": "New '));
    git(root, ['add', product]);
    steps.length = 0;
    const staged = await refusal(runRelease(strict(root, { onProgress: (model, step) => void steps.push(`${model}: ${step}`) })));
    expect(staged.details.files).toEqual([{ path: 'products/ptz-4k/product.json', state: 'modified' }]);
    expect(steps).toEqual([]);
    expect(await readFile(join(root, 'releases', 'ledger.json'), 'utf8')).toBe(ledger);
    expect(await readdir(root)).not.toContain('out');
  });

  it('refuses a bundled module that is ignored or untracked, and a new file in a bundled workspace package', async () => {
    const { root } = await gitRepo();
    // A committed driver importing a module that is not committed.
    await writeFile(join(root, drivers), `import './extra.js';\n${await readFile(join(root, drivers), 'utf8')}`);
    git(root, ['commit', '--quiet', '--all', '--message', 'drivers import extra']);
    await writeFile(join(root, 'products', 'ptz-4k', 'src', 'extra.ts'), 'export const extra = 1;\n');
    await writeFile(join(root, '.git', 'info', 'exclude'), 'extra.ts\n');
    const ignored = await refusal(runRelease(strict(root)));
    expect(ignored.details.files).toEqual([{ path: 'products/ptz-4k/src/extra.ts', state: 'ignored' }]);
    await writeFile(join(root, '.git', 'info', 'exclude'), '');
    await writeFile(join(root, 'packages', 'device', 'json', 'src', 'later.ts'), 'export {};\n');
    const untracked = await refusal(runRelease(strict(root)));
    expect(untracked.details.files).toEqual([
      { path: 'packages/device/json/src/later.ts', state: 'untracked' },
      { path: 'products/ptz-4k/src/extra.ts', state: 'untracked' },
    ]);
  });

  it('with allowDirty releases and records the dirty files; outside a git checkout it needs allowDirty and names no commit', async () => {
    const { root, commit } = await gitRepo();
    await writeFile(join(root, drivers), `${await readFile(join(root, drivers), 'utf8')}\n// an uncommitted tweak\n`);
    const dirty = await runRelease(options(root, { allowDirty: true }));
    expect(dirty.source).toEqual({ commit, allowDirty: true, dirty: [{ path: 'products/ptz-4k/src/drivers.ts', state: 'modified' }] });
    expect(dirty.release.audit).toMatchObject({ sourceCommit: commit, allowDirty: true, dirtyFiles: ['products/ptz-4k/src/drivers.ts'] });

    const plain = await copyRepo();
    expect(await rejectedCode(runRelease(strict(plain)))).toBe('RELEASE_NOT_GIT_CHECKOUT');
    expect(await readdir(plain)).not.toContain('out');
    const anyway = await runRelease(options(plain, { allowDirty: true }));
    expect(anyway.source).toEqual({ commit: null, allowDirty: true, dirty: [] });
    expect(anyway.release.audit).toMatchObject({ sourceCommit: null, allowDirty: true, dirtyFiles: [] });
  });
});
