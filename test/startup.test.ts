import { readFile, rm } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TEST_NOW } from '@fwkit/test-utils';
import { fwkit, type RunResult } from './helpers.js';
import { makeVerifyDir } from './verify-fixture.js';

// Start-up loads only what the command needs (issue 7, docs/decisions.md "lazy commands"): the CLI
// runs under test/module-log.mjs, an --import hook that records every module the process loads.

const HOOK = pathToFileURL(fileURLToPath(new URL('module-log.mjs', import.meta.url))).href;

/** Packages of the release machine that neither `--help` nor `verify` may load. */
const RELEASE_SIDE = /^(@fwkit\/release-(build|sbom|pipeline|matrix)|esbuild|@cyclonedx\/.*|ajv.*)$/;

/**
 * The release faces (package indexes) of the lower packages: product and ledger schemas, key files,
 * the image writer. `verify --device` and `--any-device` load the device faces instead.
 */
const RELEASE_FACES = ['@fwkit/release-core', '@fwkit/release-signing', '@fwkit/release-image'].map((name) => ({
  name,
  url: pathToFileURL(createRequire(import.meta.url).resolve(name)).href,
}));

let dir: string;
beforeAll(async () => {
  dir = await makeVerifyDir('fwkit-startup-');
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** Runs the CLI under the hook; returns its result and the package name of every file it loaded. */
async function loadedBy(args: readonly string[], name: string): Promise<{ run: RunResult; urls: string[]; packages: Set<string> }> {
  const log = join(dir, `${name}.modules`);
  const run = await fwkit(args, { cwd: dir, env: { NODE_OPTIONS: `--import=${HOOK}`, FWKIT_MODULE_LOG: log } });
  const urls = (await readFile(log, 'utf8')).split('\n').filter((url) => url.startsWith('file:'));
  const packages = new Set(await Promise.all(urls.map((url) => packageOf(fileURLToPath(url)))));
  return { run, urls, packages };
}

const packageNames = new Map<string, Promise<string>>();

/** The name in the nearest package.json that has one (zod/v4/package.json, for one, has none). */
function packageOf(file: string): Promise<string> {
  const folder = dirname(file);
  let name = packageNames.get(folder);
  if (name === undefined) {
    name = readFile(join(folder, 'package.json'), 'utf8').then(
      (text) => {
        const declared = (JSON.parse(text) as { name?: unknown }).name;
        return typeof declared === 'string' ? declared : packageOf(folder);
      },
      () => (dirname(folder) === folder ? '(none)' : packageOf(folder)),
    );
    packageNames.set(folder, name);
  }
  return name;
}

describe('start-up loads each command lazily', () => {
  it('fwkit --help loads the CLI entry and nothing of any command or package', async () => {
    const { run, urls, packages } = await loadedBy(['--help'], 'help');
    expect(run.code).toBe(0);
    // The exit table and the line writer both CLIs share live on the device side (@fwkit/device-verify/exit,
    // /stdio), the device commands' usage lines too (@fwkit/device-cli/usage); each imports nothing.
    expect([...packages].sort()).toEqual(['@fwkit/cli', '@fwkit/device-cli', '@fwkit/device-verify']);
    expect(urls.filter((url) => url.includes('/device/cli/')).map((url) => url.slice(url.lastIndexOf('/') + 1))).toEqual(['usage.js']);
    expect(
      urls
        .filter((url) => url.includes('/verify/'))
        .map((url) => url.slice(url.lastIndexOf('/') + 1))
        .sort(),
    ).toEqual(['exit.js', 'stdio.js']);
    expect(urls.filter((url) => url.includes('/commands/'))).toEqual([]);
  });

  it('fwkit <command> --help loads no command either', async () => {
    const { run, urls } = await loadedBy(['build', '--help'], 'build-help');
    expect(run.code).toBe(0);
    expect(urls.filter((url) => url.includes('/commands/') || url.includes('/release/build/'))).toEqual([]);
  });

  it('fwkit verify loads the verifier but nothing of build, SBOM, matrix or release', async () => {
    const { run, packages } = await loadedBy(
      ['verify', 'image.fwimg', '--trust', 'root.json', '--any-device', '--now', TEST_NOW.toISOString()],
      'verify',
    );
    expect(run.code).toBe(0);
    expect(packages).toContain('@fwkit/device-verify');
    expect([...packages].filter((name) => RELEASE_SIDE.test(name))).toEqual([]);
  });

  it('fwkit verify --device loads the device faces of core, signing and image, not their release faces', async () => {
    const { run, urls } = await loadedBy(
      ['verify', 'image.fwimg', '--trust', 'root.json', '--device', 'device.json', '--now', TEST_NOW.toISOString()],
      'verify-device',
    );
    expect(run.code, run.stderr).toBe(0);
    expect(urls.some((url) => url.includes('/packages/device/core/dist/'))).toBe(true);
    expect(RELEASE_FACES.filter((face) => urls.includes(face.url)).map((face) => face.name)).toEqual([]);
  });

  it('fwkit build does load the build side (the hook sees what the other tests say is absent)', async () => {
    const { run, packages } = await loadedBy(['build'], 'build');
    expect(run.code).toBe(2); // neither --all nor --product: a usage error, after the command loaded
    // esbuild and CycloneDX load only when a product is built (test/build-cache.test.ts sees them then).
    expect([...packages].filter((name) => RELEASE_SIDE.test(name))).toEqual(expect.arrayContaining(['@fwkit/release-build']));
  });
});

describe('the command table', () => {
  it('treats a name inherited from Object (constructor, toString) as an unknown command: USAGE, exit 2', async () => {
    for (const name of ['constructor', 'toString', 'frobnicate']) {
      const result = await fwkit([name, '--json']);
      expect(result.code).toBe(2);
      expect(JSON.parse(result.stdout)).toMatchObject({ ok: false, code: 'USAGE' });
    }
  });
});
