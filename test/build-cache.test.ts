import { readFile, rm } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { copyCheckout, fwkit, snapshot } from './helpers.js';

// `fwkit build` served from the build cache, as a whole process: it writes what a build without the
// cache writes, reports the same, and loads none of what only a fresh build needs (esbuild, the
// SBOM writer and its schema validator, the image writer, the release-side schemas) — the
// cache hit is cheap because of it (docs/decisions.md, build cache). The build's scope (which
// models are retired) comes from the cache too while every product.json is byte for byte the same.

const HOOK = pathToFileURL(fileURLToPath(new URL('module-log.mjs', import.meta.url))).href;
const EPOCH = '1767225600';
/** Packages that only a fresh build needs. */
const FRESH_BUILD_ONLY = /\/node_modules\/(esbuild|@esbuild|@cyclonedx|ajv[^/]*|tar-stream|packageurl-js|semver|acorn)\//;
const FRESH_BUILD_MODULES =
  /\/packages\/release\/(build\/dist\/(prepare|bundle|sign|load|scope)\.js|sbom\/dist\/(index|bom|cyclonedx|validate)\.js|core\/dist\/index\.js)$/;

let root: string;
beforeAll(async () => {
  root = await copyCheckout('fwkit-build-cache-');
});
afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

/** `fwkit build --all --json` in the copy; with `log`, every module the process loads is listed there. */
async function build(out: string, extra: readonly string[], log?: string) {
  const env: Record<string, string> = { SOURCE_DATE_EPOCH: EPOCH, FWKIT_CACHE_DIR: join(root, 'cache') };
  if (log !== undefined) Object.assign(env, { NODE_OPTIONS: `--import=${HOOK}`, FWKIT_MODULE_LOG: log });
  const run = await fwkit(['build', '--all', '--keys', 'keys.example', '--out', join(root, out), '--json', ...extra], { cwd: root, env });
  // Into a pipe, progress is one plain line per step ([n/N] model: step), nothing else.
  expect(run.stderr.split('\n').filter((line) => line !== '' && !/^\[\d+\/\d+\] [\w-]+: /.test(line))).toEqual([]);
  expect(run.code).toBe(0);
  const report = JSON.parse(run.stdout.replaceAll(join(root, out), '<out>')) as unknown;
  return { report, files: await snapshot(join(root, out)) };
}

/** Every file the hook logged. */
async function loadedFiles(log: string): Promise<string[]> {
  const urls = (await readFile(log, 'utf8')).split('\n').filter((url) => url.startsWith('file:'));
  return urls.map((url) => fileURLToPath(url));
}

describe('fwkit build from the build cache', () => {
  it('writes and reports what a build without the cache does, and loads nothing only a fresh build needs', async () => {
    const fresh = await build('fresh', ['--no-cache']);
    const coldLog = join(root, 'cold.modules');
    const cold = await build('cold', [], coldLog);
    const log = join(root, 'warm.modules');
    const warm = await build('warm', [], log);
    expect(cold.files).toEqual(fresh.files);
    expect(warm.files).toEqual(fresh.files);
    expect(warm.report).toEqual(fresh.report);

    const files = await loadedFiles(log);
    // The log is real: the build package's cache module and the device verifier were loaded.
    expect(files.some((file) => file.endsWith(join('build', 'dist', 'cache.js')))).toBe(true);
    expect(files.some((file) => dirname(file).endsWith(join('device', 'verify', 'dist')))).toBe(true);
    // esbuild's package.json is read for its version (part of the key); none of its code is loaded.
    const code = files.filter((file) => !file.endsWith('.json'));
    expect(code.filter((file) => FRESH_BUILD_ONLY.test(file) || FRESH_BUILD_MODULES.test(file))).toEqual([]);
    // ...and the hook sees them when the cache misses.
    const coldFiles = await loadedFiles(coldLog);
    expect(coldFiles.some((file) => /\/node_modules\/esbuild\/lib\//.test(file))).toBe(true);
    expect(coldFiles.some((file) => /\/node_modules\/ajv\//.test(file))).toBe(true);
    expect(coldFiles.some((file) => file.endsWith(join('sbom', 'dist', 'cyclonedx.js')))).toBe(true);
  });
});
