import { execFile, execFileSync } from 'node:child_process';
import { chmod, mkdir, mkdtemp, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { thrownCode } from './codes.js';
import {
  debianPackagesOf,
  decideTools,
  probeTool,
  requireToolsFrom,
  systemTools,
  systemToolsFromJSON,
  type SystemTool,
} from './system-tools.js';

const REPO = fileURLToPath(new URL('../../../..', import.meta.url));
const FIXTURE = fileURLToPath(new URL('../test-fixtures/needs-tools', import.meta.url));

let dir: string;
/** A PATH that holds node and nothing else: the fresh machine. */
let nodeOnly: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'fwkit-tools-'));
  nodeOnly = join(dir, 'bin');
  await mkdir(nodeOnly);
  await symlink(process.execPath, join(nodeOnly, 'node'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

const tool = (name: string): SystemTool => {
  const found = systemTools().find((t) => t.name === name);
  if (found === undefined) throw new Error(`${name} is not listed`);
  return found;
};

describe('the list of optional system tools', () => {
  it('names every tool and capability the tests use or will use, each with its Debian package', () => {
    const byName = Object.fromEntries(systemTools().map((t) => [t.name, [t.kind, t.debian]]));
    expect(byName).toEqual({
      openssl: ['command', 'openssl'],
      tar: ['command', 'tar'],
      bsdtar: ['command', 'libarchive-tools'],
      mkfifo: ['command', 'coreutils'],
      git: ['command', 'git'],
      root: ['capability', null],
      namespaces: ['capability', 'util-linux'],
      mknod: ['capability', 'coreutils'],
      setpriv: ['command', 'util-linux'],
      bubblewrap: ['command', 'bubblewrap'],
      chromium: ['command', 'chromium'],
      'mender-artifact': ['command', 'mender-artifact'],
      script: ['command', 'bsdutils'],
    });
  });

  it('is what CI installs: .ci/install-system-tools reads it, and .ci/run installs nothing else', async () => {
    // By absolute path and with no other tool than node: this test runs on the fresh machine too.
    const printed = execFileSync('/bin/bash', [join(REPO, '.ci/install-system-tools'), '--print'], {
      encoding: 'utf8',
      env: { PATH: nodeOnly },
    });
    expect(printed.trim().split('\n')).toEqual(debianPackagesOf(systemTools()));
    const run = await readFile(join(REPO, '.ci/run'), 'utf8');
    const lines = run.split('\n').filter((l) => !l.trimStart().startsWith('#'));
    expect(lines.filter((l) => /apt-get|dpkg|command -v/.test(l))).toEqual([]);
    const step = (re: RegExp) => lines.findIndex((l) => re.test(l));
    expect(step(/^bash \.ci\/install-system-tools$/)).toBeGreaterThan(-1);
    // The main run (on the LTS Node) fails on a missing tool; the fresh-machine step then runs without them.
    expect(step(/^PATH="\$lts_bin:\$PATH" FWKIT_EXPECT_NODE=\d+ FWKIT_REQUIRE_TOOLS=1 npm test$/)).toBeGreaterThan(
      step(/install-system-tools/),
    );
    expect(step(/^bash \.ci\/fresh-machine$/)).toBeGreaterThan(step(/npm test/));
  });

  it('refuses a malformed list with TOOLS_LIST_INVALID', () => {
    const entry = { name: 'x', kind: 'command', probe: ['x', '--version'], debian: 'x-tools', neededBy: 'a test' };
    expect(systemToolsFromJSON({ tools: [entry] })).toHaveLength(1);
    for (const bad of [
      {},
      { tools: {} },
      { tools: [entry, entry] },
      { tools: [{ ...entry, kind: 'binary' }] },
      { tools: [{ ...entry, debian: null }] },
      { tools: [{ ...entry, debian: 'Bad Name' }] },
      { tools: [{ ...entry, probe: [] }] },
      { tools: [{ ...entry, probe: null }] },
      { tools: [{ ...entry, kind: 'capability' }] }, // no hint
      { tools: [{ ...entry, neededBy: '' }] },
    ]) {
      expect(
        thrownCode(() => systemToolsFromJSON(bad)),
        JSON.stringify(bad),
      ).toBe('TOOLS_LIST_INVALID');
    }
  });
});

describe('deciding whether a test runs', () => {
  const bsdtar = () => tool('bsdtar');
  const has =
    (...present: string[]) =>
    (t: SystemTool) =>
      present.includes(t.name);

  it('runs when every tool is present', () => {
    expect(decideTools([bsdtar(), tool('tar')], has('bsdtar', 'tar'), true, 't')).toEqual({ action: 'run' });
  });

  it('skips a test whose tool is missing, naming the tool and its Debian package', () => {
    const decision = decideTools([tool('tar'), bsdtar()], has('tar'), false, 'lists an image');
    expect(decision).toMatchObject({ action: 'skip', missing: [bsdtar()] });
    expect(decision.action !== 'run' && decision.notice).toBe('SKIP (missing bsdtar — apt-get install libarchive-tools): lists an image');
  });

  it('fails instead under FWKIT_REQUIRE_TOOLS=1, capabilities too', () => {
    const decision = decideTools([tool('root'), tool('namespaces')], has(), true, 'bind mount');
    expect(decision).toMatchObject({ action: 'fail', missing: [tool('root'), tool('namespaces')] });
    expect(decision.action !== 'run' && decision.notice).toMatch(/^FAIL \(FWKIT_REQUIRE_TOOLS=1 and needs root — .*; needs namespaces — /);
  });

  it('reads FWKIT_REQUIRE_TOOLS as 1 or 0 (unset and empty are 0), and refuses anything else', () => {
    expect(requireToolsFrom({ FWKIT_REQUIRE_TOOLS: '1' })).toBe(true);
    for (const off of [undefined, '', '0']) expect(requireToolsFrom({ FWKIT_REQUIRE_TOOLS: off })).toBe(false);
    for (const bad of ['true', 'yes', ' 1']) {
      expect(thrownCode(() => requireToolsFrom({ FWKIT_REQUIRE_TOOLS: bad }))).toBe('TOOLS_ENV_INVALID');
    }
  });

  it('probes a command on the PATH it is given', async () => {
    expect(probeTool(bsdtar(), { PATH: nodeOnly })).toBe(false);
    const fake = join(dir, 'fake');
    await mkdir(fake);
    await writeFile(join(fake, 'bsdtar'), '#!/bin/sh\nexit 0\n');
    await chmod(join(fake, 'bsdtar'), 0o755);
    expect(probeTool(bsdtar(), { PATH: fake })).toBe(true);
    await writeFile(join(fake, 'bsdtar'), '#!/bin/sh\nexit 1\n');
    expect(probeTool(bsdtar(), { PATH: fake })).toBe(false);
  });
});

describe('a real vitest run on a machine without the tools', () => {
  interface Report {
    testResults: { assertionResults: { title: string; status: string; failureMessages: string[] }[] }[];
  }
  function vitest(env: Record<string, string>): Promise<{ code: number; stderr: string; results: Record<string, string> }> {
    const out = join(dir, `report-${String(Object.keys(env).length)}.json`);
    const bin = join(REPO, 'node_modules/vitest/vitest.mjs');
    return new Promise((resolve, reject) => {
      execFile(
        process.execPath,
        [bin, 'run', '--reporter=json', `--outputFile=${out}`],
        { cwd: FIXTURE, env: { PATH: nodeOnly, HOME: dir, ...env } },
        (error, _stdout, stderr) => {
          readFile(out, 'utf8')
            .then((text) => {
              const report = JSON.parse(text) as Report;
              const results = Object.fromEntries(report.testResults.flatMap((f) => f.assertionResults.map((a) => [a.title, a.status])));
              resolve({ code: error === null ? 0 : Number(error.code), stderr, results });
            })
            .catch(reject);
        },
      );
    });
  }

  it('skips with one notice per missing tool, and fails every such test under FWKIT_REQUIRE_TOOLS=1', async () => {
    const skipped = await vitest({});
    expect(skipped.code).toBe(0);
    expect(skipped.results).toEqual({ 'needs nothing': 'passed', 'needs bsdtar': 'skipped', 'lists an archive': 'skipped' });
    expect(skipped.stderr).toContain('SKIP (missing bsdtar — apt-get install libarchive-tools): needs bsdtar');
    expect(skipped.stderr).toContain('SKIP (missing tar — apt-get install tar; missing mkfifo — apt-get install coreutils)');

    const failed = await vitest({ FWKIT_REQUIRE_TOOLS: '1' });
    expect(failed.code).toBe(1);
    expect(failed.results).toEqual({ 'needs nothing': 'passed', 'needs bsdtar': 'failed', 'has tar, mkfifo': 'failed' });
  });
});
