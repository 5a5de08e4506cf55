import { cp, mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { copyCheckout, CHECKOUT_ENTRIES, describeWithTools, git } from '@fwkit/test-utils';
import { editJson, fwkit, type RunResult } from './helpers.js';

// The README's "Release walkthrough", step by step, with the real CLI and git in a copy of this
// repository: fresh keys and a trust root, two releases, a model retired, and a maintenance release
// on the 1.4 line built from its branch into main's ledger. Every step checks what the README says
// it prints. Time comes from the commits (SOURCE_DATE_EPOCH's default): each step commits on its day.

const LEGACY = 'legacy-fixed-1080';
const ROLES = ['root-1', 'root-2', 'targets-1', 'targets-2', 'snapshot-1', 'timestamp-1'];

interface Ledger {
  releases: { firmware: string; date: string; security: number; images: { model: string; manifestSha256: string }[] }[];
  support: { model: string; kind: string; lastDay: string }[];
}

const temps: string[] = [];
afterAll(async () => {
  await Promise.all(temps.map((d) => rm(d, { recursive: true, force: true })));
});

let main: string;
let branch: string;

/** Each step commits on its own day: the release date is the last commit's (SOURCE_DATE_EPOCH's default). */
const commit = (cwd: string, day: string, message: string): string => {
  git(cwd, ['add', '-A']);
  git(cwd, ['commit', '-q', '-m', message], `${day}T12:00:00Z`);
  return git(cwd, ['rev-parse', 'HEAD']).trim();
};

const readLedger = async (root: string): Promise<Ledger> =>
  JSON.parse(await readFile(join(root, 'releases', 'ledger.json'), 'utf8')) as Ledger;

function ok(result: RunResult): RunResult {
  expect(result.code, `${result.stdout}\n${result.stderr}`).toBe(0);
  return result;
}

describeWithTools('git', 'the release walkthrough (README)', () => {
  beforeAll(async () => {
    const dir = await mkdtemp(join(tmpdir(), 'fwkit-walkthrough-'));
    temps.push(dir);
    main = await copyCheckout(join(dir, 'fwkit'), { entries: [...CHECKOUT_ENTRIES.filter((e) => e !== 'keys.example'), '.gitignore'] });
    git(main, ['init', '-q', '-b', 'main']);
    commit(main, '2026-01-05', 'firmware platform and products');
    branch = join(dir, 'fwkit-1.4');
  });

  it('1. keys of your own, in keys/, private keys 0600 and ignored by git', async () => {
    for (const name of ROLES) {
      const made = ok(await fwkit(['keys', 'generate', '--name', name], { cwd: main }));
      expect(made.stdout).toMatch(/^keyid [0-9a-f]{64}$/m);
    }
    expect((await stat(join(main, 'keys', 'targets-1.key.pem'))).mode & 0o777).toBe(0o600);
    expect(git(main, ['check-ignore', 'keys/targets-1.key.pem']).trim()).toBe('keys/targets-1.key.pem');
    expect(git(main, ['status', '--porcelain', '--', 'keys']).trim().split('\n').sort()).toEqual(['?? keys/']);
  });

  it('2. a trust root: init, two root holders sign in turn, it counts once the threshold is met', async () => {
    const pub = (name: string) => `keys/${name}.pub.pem`;
    ok(
      await fwkit(
        [
          'root',
          'init',
          '--out',
          'keys/root.json',
          '--expires',
          '2031-01-01T00:00:00Z',
          '--root',
          pub('root-1'),
          '--root',
          pub('root-2'),
          '--root-threshold',
          '2',
          '--targets',
          pub('targets-1'),
          '--targets',
          pub('targets-2'),
          '--targets-threshold',
          '2',
          '--snapshot',
          pub('snapshot-1'),
          '--timestamp',
          pub('timestamp-1'),
        ],
        { cwd: main },
      ),
    );
    const first = ok(await fwkit(['root', 'sign', 'keys/root.json', '--key', 'keys/root-1.key.pem'], { cwd: main }));
    expect(first.stdout).toMatch(/1 of 2 needed root signature\(s\): threshold NOT met/);
    const show = ok(await fwkit(['root', 'show', 'keys/root.json', '--now', '2026-01-06T00:00:00Z'], { cwd: main }));
    expect(show.stdout).toMatch(/missing/);
    const second = ok(await fwkit(['root', 'sign', 'keys/root.json', '--key', 'keys/root-2.key.pem'], { cwd: main }));
    expect(second.stdout).toMatch(/2 of 2 needed root signature\(s\)/);
    expect(second.stdout).not.toMatch(/NOT met/);
    // The trust root and the public keys are reviewed and committed; the private keys stay out.
    commit(main, '2026-01-06', 'trust root');
    expect(git(main, ['ls-files', 'keys']).trim().split('\n')).not.toContain('keys/targets-1.key.pem');
  });

  it('3. release 1.4.0: a commit holds every input; the ledger records its audit', async () => {
    const head = git(main, ['rev-parse', 'HEAD']).trim();
    const result = ok(await fwkit(['release', '--keys', 'keys', '--out', 'out', '--json'], { cwd: main }));
    expect(JSON.parse(result.stdout)).toMatchObject({ ok: true, date: '2026-01-06', release: { firmware: '1.4.0' } });
    commit(main, '2026-01-10', 'release 1.4.0');
    git(main, ['tag', 'v1.4.0', head]);
    const ledger = await readLedger(main);
    expect(ledger.releases.map((r) => r.firmware)).toEqual(['1.4.0']);
    expect(JSON.stringify(ledger.releases[0])).toContain(head);
  });

  it('4. release 1.5.0: release.json bumped and committed first (a dirty tree is refused, naming the file)', async () => {
    await editJson(join(main, 'release.json'), (r) => Object.assign(r, { firmware: '1.5.0', security: 4, upgradeFrom: '>=1.4.0' }));
    const dirty = await fwkit(['release', '--keys', 'keys', '--out', 'out', '--json'], { cwd: main });
    expect(dirty.code).toBe(1);
    expect(dirty.stdout + dirty.stderr).toMatch(/RELEASE_TREE_DIRTY[\s\S]*release\.json/);
    commit(main, '2026-03-02', 'firmware 1.5.0');
    ok(await fwkit(['release', '--keys', 'keys', '--out', 'out', '--json'], { cwd: main }));
    commit(main, '2026-03-02', 'release 1.5.0');
    expect((await readLedger(main)).releases.map((r) => [r.firmware, r.date])).toEqual([
      ['1.4.0', '2026-01-06'],
      ['1.5.0', '2026-03-02'],
    ]);
  });

  it('5. a model retired: its early end recorded, build --all skips it with a note, the matrix keeps its history', async () => {
    await editJson(join(main, 'products', LEGACY, 'product.json'), (p) => {
      p['lifecycle'] = {
        ...(p['lifecycle'] as Record<string, unknown>),
        endedEarly: { lastDay: '2026-03-31', recorded: '2026-03-20', reason: 'The sensor board is no longer made.' },
      };
    });
    commit(main, '2026-04-01', `${LEGACY}: support ends early on 2026-03-31`);
    const built = ok(await fwkit(['build', '--all', '--keys', 'keys', '--out', 'out/build', '--no-cache'], { cwd: main }));
    expect(built.stderr).toMatch(new RegExp(`${LEGACY}.*retired`));
    const matrix = ok(await fwkit(['matrix', '--date', '2026-04-01'], { cwd: main }));
    expect(matrix.stdout).toMatch(new RegExp(`${LEGACY}\\s+retired since 2026-04-01`));
  });

  it('6. a maintenance release 1.4.1 from the 1.4 branch, into main’s ledger; 1.5.1 must carry its security fix', async () => {
    git(main, ['worktree', 'add', '-q', '-b', 'release-1.4', branch, 'v1.4.0']);
    // As `npm ci && npm run build` would in the new checkout.
    await copyCheckout(branch, { entries: [] });
    await cp(join(main, 'packages', 'device', 'json', 'dist'), join(branch, 'packages', 'device', 'json', 'dist'), { recursive: true });
    // Lifecycle decisions are made on main and carried to the maintenance branch.
    git(branch, ['checkout', 'main', '--', `products/${LEGACY}/product.json`]);
    await editJson(join(branch, 'release.json'), (r) =>
      Object.assign(r, { firmware: '1.4.1', security: 5, upgradeFrom: '>=1.4.0 <1.5.0', maintenanceLine: '1.4' }),
    );
    commit(branch, '2026-04-14', 'firmware 1.4.1: security fix on the 1.4 line');
    // The branch's own ledger is a stale copy: refused, with the fix in the message.
    const stale = await fwkit(['release', '--keys', '../fwkit/keys', '--out', 'out', '--json'], { cwd: branch });
    expect(stale.code).toBe(1);
    expect(stale.stdout + stale.stderr).toMatch(/RELEASE_LINE_NOT_MAINTENANCE[\s\S]*--ledger/);
    const result = ok(
      await fwkit(['release', '--keys', '../fwkit/keys', '--out', 'out', '--ledger', '../fwkit/releases/ledger.json', '--json'], {
        cwd: branch,
      }),
    );
    expect(JSON.parse(result.stdout)).toMatchObject({ ok: true, release: { firmware: '1.4.1' } });
    commit(main, '2026-04-14', 'release 1.4.1 (maintenance, 1.4 line)');
    const ledger = await readLedger(main);
    expect(ledger.releases.map((r) => r.firmware)).toEqual(['1.4.0', '1.5.0', '1.4.1']);
    // The retired model got no fix; every other model of the 1.4 line did.
    expect(ledger.releases[2]?.images.map((i) => i.model)).not.toContain(LEGACY);
    expect(ledger.releases[2]?.images.length).toBe((ledger.releases[0]?.images.length ?? 0) - 1);

    // Back on main: 1.5.1 at security 4 would strand 1.4.1's devices; at 5 it passes.
    await editJson(join(main, 'release.json'), (r) => Object.assign(r, { firmware: '1.5.1', security: 4 }));
    commit(main, '2026-05-04', 'firmware 1.5.1');
    const refused = await fwkit(['matrix', '--check'], { cwd: main });
    expect(refused.code).toBe(1);
    expect(refused.stdout + refused.stderr).toMatch(/SECURITY_VERSION_DECREASED/);
    await editJson(join(main, 'release.json'), (r) => Object.assign(r, { security: 5 }));
    commit(main, '2026-05-04', 'firmware 1.5.1 carries the 1.4.1 security fix');
    const matrix = ok(await fwkit(['matrix', '--check'], { cwd: main }));
    expect(matrix.stdout).toMatch(/1\.4\.0\s+1\.4\.1~\s+1\.5\.0\s+1\.5\.1\*/);
  });
});
