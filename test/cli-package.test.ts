import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, readFile, realpath, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fwkit, REPO, type RunResult } from './helpers.js';

// Issue 10: the bundled, installable CLI package (scripts/build-cli-package.mjs). It is packed with
// `npm pack`, installed into an empty directory with the registry unreachable (a fresh cache and
// a registry address where nothing listens), and its `fwkit` builds the same image as the
// checkout's. In the checkout, `npx fwkit` and `npm exec fwkit` run the workspace's CLI, never the
// public registry's. Nothing is published.

const NO_REGISTRY = 'http://127.0.0.1:9';
const EPOCH = { SOURCE_DATE_EPOCH: '1767225600' };
const MODEL = 'ptz-4k';

function run(file: string, args: readonly string[], cwd: string, env: Record<string, string> = {}): Promise<RunResult> {
  return new Promise((done) => {
    execFile(file, args, { cwd, env: { ...process.env, CI: 'true', ...env }, maxBuffer: 64 << 20 }, (error, stdout, stderr) => {
      done({ code: error === null ? 0 : typeof error.code === 'number' ? error.code : -1, stdout, stderr });
    });
  });
}

/** `npm <command>` with a cache of its own and no reachable registry: whatever it would fetch fails. */
const npm = ([command = '', ...rest]: readonly string[], cwd: string, cache: string) =>
  run(
    'npm',
    [command, '--offline', '--cache', cache, '--registry', NO_REGISTRY, '--no-audit', '--no-fund', '--loglevel', 'error', ...rest],
    cwd,
  );

let work: string;
let installed: string;
const version = (JSON.parse(await readFile(join(REPO, 'packages', 'release', 'cli', 'package.json'), 'utf8')) as { version: string })
  .version;

beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'fwkit-package-'));
  const cache = join(work, 'npm-cache');
  const built = await run(process.execPath, [join(REPO, 'scripts', 'build-cli-package.mjs'), '--out', join(work, 'package')], REPO);
  expect(built.code, built.stderr).toBe(0);
  const packed = await npm(['pack', join(work, 'package'), '--pack-destination', work], work, cache);
  expect(packed.code, packed.stderr).toBe(0);
  const tarball = (await readdir(work)).find((name) => name.endsWith('.tgz'));
  expect(tarball).toBe(`fwkit-cli-${version}.tgz`);
  installed = join(work, 'empty');
  await mkdir(installed);
  await writeFile(join(installed, 'package.json'), '{ "name": "an-empty-project", "private": true }\n');
  const install = await npm(['install', join(work, tarball ?? '')], installed, cache);
  expect(install.code, install.stderr).toBe(0);
}, 120_000);

afterAll(async () => {
  await rm(work, { recursive: true, force: true });
});

describe('the bundled CLI package', () => {
  it('is private (npm publish refuses it) and names what it could not bundle', async () => {
    const manifest = JSON.parse(await readFile(join(work, 'package', 'package.json'), 'utf8')) as Record<string, unknown>;
    expect(manifest).toMatchObject({ name: '@fwkit/cli', version, private: true, bin: { fwkit: './dist/bin.js' } });
    expect(Object.keys(manifest['dependencies'] as object).sort()).toEqual(
      ['@cyclonedx/cyclonedx-library', 'ajv', 'ajv-formats', 'ajv-formats-draft2019', 'esbuild'].sort(),
    );
    expect(manifest['bundleDependencies']).toEqual(Object.keys(manifest['dependencies'] as object));
    // The CycloneDX library is installed for its schema files; fwkit writes the SBOM itself, so no
    // code of the library, nor packageurl-js, is in the bundle.
    const meta = JSON.parse(await readFile(join(work, 'package', 'dist', 'meta.json'), 'utf8')) as { inputs: Record<string, unknown> };
    const bundled = Object.keys(meta.inputs);
    expect(bundled.some((input) => input.includes('packages/release/sbom/dist/cyclonedx.js'))).toBe(true);
    expect(bundled.filter((input) => input.includes('node_modules/@cyclonedx/') || input.includes('node_modules/packageurl-js/'))).toEqual(
      [],
    );
    expect(
      existsSync(join(work, 'package', 'node_modules', '@cyclonedx', 'cyclonedx-library', 'res', 'schema', 'spdx.SNAPSHOT.schema.json')),
    ).toBe(true);
  });

  it("installed offline: fwkit --version, keys generate, and a build whose image is the checkout CLI's, verified", async () => {
    const bin = join(installed, 'node_modules', '.bin', 'fwkit');
    const shown = await run(bin, ['--version'], installed);
    expect([shown.code, shown.stdout.trim()]).toEqual([0, `fwkit ${version}`]);

    const keys = await run(bin, ['keys', 'generate', '--name', 'k1', '--json'], installed);
    expect(JSON.parse(keys.stdout)).toMatchObject({ ok: true, keyid: expect.stringMatching(/^[0-9a-f]{64}$/) as unknown });

    const args = ['build', '--product', MODEL, '--repo', REPO, '--keys', join(REPO, 'keys.example'), '--no-cache', '--json'];
    const fromPackage = await run(bin, [...args, '--out', join(installed, 'out')], installed, EPOCH);
    expect(fromPackage.code, fromPackage.stderr).toBe(0);
    const fromCheckout = await fwkit([...args, '--out', join(work, 'checkout-out')], { env: EPOCH });
    expect(fromCheckout.code, fromCheckout.stderr).toBe(0);
    type Built = { images: { model: string; manifestSha256: string }[] };
    const identity = (r: RunResult) => (JSON.parse(r.stdout) as Built).images.map((i) => [i.model, i.manifestSha256]);
    expect(identity(fromPackage)).toEqual(identity(fromCheckout));

    // The build cache on, as by default (in a folder of this test): a cold build, then a hit; both the same image.
    const cacheEnv = { ...EPOCH, FWKIT_CACHE_DIR: join(work, 'package-build-cache') };
    const cachedArgs = args.filter((arg) => arg !== '--no-cache');
    const cold = await run(bin, [...cachedArgs, '--out', join(installed, 'out-cold')], installed, cacheEnv);
    const warm = await run(bin, [...cachedArgs, '--out', join(installed, 'out-warm')], installed, cacheEnv);
    expect([cold.code, warm.code], `${cold.stderr}${warm.stderr}`).toEqual([0, 0]);
    expect(warm.stderr).toContain(`${MODEL}: cached`);
    expect([identity(cold), identity(warm)]).toEqual([identity(fromCheckout), identity(fromCheckout)]);

    const image = join(
      installed,
      'out',
      MODEL,
      `${MODEL}-${(JSON.parse(await readFile(join(REPO, 'release.json'), 'utf8')) as { firmware: string }).firmware}.fwimg`,
    );
    const trust = join(REPO, 'keys.example', 'root.json');
    const verified = await run(
      bin,
      ['verify', image, '--trust', trust, '--model', MODEL, '--hw', 'A', '--products', join(REPO, 'products'), '--json'],
      installed,
    );
    expect(JSON.parse(verified.stdout)).toMatchObject({ ok: true, code: null });
  }, 60_000);
});

describe('fwkit in the checkout', () => {
  it('npx fwkit and npm exec fwkit run the workspace CLI, with no registry', async () => {
    const cache = join(work, 'exec-cache');
    for (const args of [
      ['exec', '--', 'fwkit', '--version'],
      ['exec', 'fwkit', '--', '--version'],
    ]) {
      const result = await npm(args, REPO, cache);
      expect([result.code, result.stdout.trim()], result.stderr).toEqual([0, `fwkit ${version}`]);
    }
    const npx = await run('npx', ['--offline', '--registry', NO_REGISTRY, '--cache', cache, 'fwkit', '--version'], REPO);
    expect([npx.code, npx.stdout.trim()], npx.stderr).toEqual([0, `fwkit ${version}`]);
  });

  it('links node_modules/.bin/fwkit to a committed file, so npm ci links it before anything is built', async () => {
    const lock = JSON.parse(await readFile(join(REPO, 'package-lock.json'), 'utf8')) as {
      packages: Record<string, { bin?: Record<string, string> }>;
    };
    expect(lock.packages['packages/release/cli']?.bin).toEqual({ fwkit: 'bin/fwkit.js' });
    const bin = join(REPO, 'packages', 'release', 'cli', 'bin', 'fwkit.js');
    expect(await realpath(join(REPO, 'node_modules', '.bin', 'fwkit'))).toBe(await realpath(bin));
    // A copy of a clone without .git (CI's fresh-machine run) holds only tracked files: there the link above is the proof.
    if (existsSync(join(REPO, '.git'))) {
      const tracked = await run('git', ['ls-files', '--error-unmatch', 'packages/release/cli/bin/fwkit.js'], REPO);
      expect(tracked.code, tracked.stderr).toBe(0);
    }
  });
});
