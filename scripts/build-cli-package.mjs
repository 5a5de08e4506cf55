#!/usr/bin/env node
// Writes the bundled, installable fwkit CLI package (issue 10): dist/cli-package/ (or --out <dir>),
// ready for `npm pack`. Never published: its package.json is private, so `npm publish` refuses it.
//   dist/bin.js                          every fwkit package and the pure-JS libraries, one esbuild bundle
//   dist/cyclonedx-1.6.validate.cjs      the compiled SBOM schema validator (scripts/build-sbom-validator.mjs)
//   node_modules/                        the packages that cannot be bundled, copied from this checkout and
//                                        listed in bundleDependencies, so the tarball installs with no registry
// What is bundled and what is not, and why: docs/decisions.md (2026-12-05, issue 10). Run after `npm run build`.
import { cp, mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { build } from 'esbuild';
import { NODE_BUNDLE } from './node-bundle.mjs';

const repo = fileURLToPath(new URL('..', import.meta.url));
const cliDir = join(repo, 'packages', 'release', 'cli');
const sbomDir = join(repo, 'packages', 'release', 'sbom');

/**
 * Installed beside the bundle: esbuild (a native binary per platform); ajv and its format packages
 * (the compiled validator requires their run-time code by name); the CycloneDX library, for its
 * schema files only (the SBOM validator reads and fingerprints them, the SBOM writer reads the SPDX
 * licence ids): fwkit writes the SBOM JSON itself and imports no code of it (until 2026-12-06 its
 * code was bundled, with packageurl-js; docs/decisions.md). Each resolves from @fwkit/release-sbom
 * or -build, as in the workspace.
 */
export const EXTERNAL = [
  ['esbuild', join(repo, 'packages', 'release', 'build')],
  ['@cyclonedx/cyclonedx-library', sbomDir],
  ['ajv', sbomDir],
  ['ajv-formats', sbomDir],
  ['ajv-formats-draft2019', sbomDir],
];

/** The folder of an installed package, resolved from `from` as Node would. */
function packageDir(name, from) {
  const require = createRequire(join(from, 'package.json'));
  return dirname(require.resolve(`${name}/package.json`));
}

async function manifestOf(dir) {
  return JSON.parse(await readFile(join(dir, 'package.json'), 'utf8'));
}

/**
 * Copies `name` (resolved from `from`) and everything it depends on into `root`/node_modules: flat
 * where the name is free, nested under its dependent (`parent`) where another version holds it.
 * Optional dependencies are copied when installed here (esbuild's binary for this platform).
 */
async function copyTree(name, from, root, parent, placed) {
  const source = packageDir(name, from);
  const manifest = await manifestOf(source);
  const held = placed.get(name);
  if (held !== undefined && held.version === manifest.version) return;
  const target = join(held === undefined ? root : parent, 'node_modules', name);
  if (held === undefined) placed.set(name, { version: manifest.version });
  const own = join(source, 'node_modules');
  await cp(source, target, { recursive: true, dereference: true, filter: (path) => path !== own && !path.startsWith(`${own}/`) });
  const deps = { ...manifest.dependencies, ...manifest.optionalDependencies };
  for (const dep of Object.keys(deps).sort()) {
    try {
      packageDir(dep, source);
    } catch {
      if (manifest.optionalDependencies?.[dep] !== undefined) continue; // another platform's binary
      throw new Error(`${name} needs ${dep}, which is not installed`);
    }
    await copyTree(dep, source, root, target, placed);
  }
}

export async function buildCliPackage(out = join(repo, 'dist', 'cli-package')) {
  const cli = await manifestOf(cliDir);
  await rm(out, { recursive: true, force: true });
  await mkdir(join(out, 'dist'), { recursive: true });
  const result = await build({
    entryPoints: [join(cliDir, 'dist', 'bin.js')],
    absWorkingDir: repo,
    ...NODE_BUNDLE,
    external: EXTERNAL.flatMap(([name]) => [name, `${name}/*`]),
    define: { FWKIT_BUNDLED: 'true' },
    // Bundled CommonJS modules (semver) require node built-ins: give the bundle a require.
    banner: { js: "import { createRequire as __fwkitRequire } from 'node:module'; const require = __fwkitRequire(import.meta.url);" },
    // Lazy commands stay lazy: each command is its own chunk, loaded when it runs.
    splitting: true,
    outdir: join(out, 'dist'),
    entryNames: '[name]',
    // Beside bin.js: modules find ../package.json (the version) from any of them.
    chunkNames: '[name]-[hash]',
    metafile: true,
    write: true,
    logLevel: 'warning',
  });
  // Where the SBOM code looks for it: beside itself (every module of the bundle is in dist/).
  await cp(join(sbomDir, 'dist', 'cyclonedx-1.6.validate.cjs'), join(out, 'dist', 'cyclonedx-1.6.validate.cjs'));
  const placed = new Map();
  for (const [name, from] of EXTERNAL) await copyTree(name, from, out, out, placed);
  const dependencies = Object.fromEntries(EXTERNAL.map(([name]) => [name, placed.get(name).version]));
  const manifest = {
    name: cli.name,
    version: cli.version,
    description: 'fwkit: build, sign, release and verify camera firmware images (bundled CLI)',
    private: true,
    license: cli.license,
    type: 'module',
    engines: (await manifestOf(repo)).engines,
    bin: { fwkit: './dist/bin.js' },
    files: ['dist'],
    dependencies,
    bundleDependencies: Object.keys(dependencies),
  };
  await writeFile(join(out, 'package.json'), `${JSON.stringify(manifest, null, 2)}\n`);
  await writeFile(join(out, 'dist', 'meta.json'), `${JSON.stringify(result.metafile)}\n`);
  return { out, metafile: result.metafile, dependencies };
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const { values } = parseArgs({ options: { out: { type: 'string' } } });
  const { out } = await buildCliPackage(values.out === undefined ? undefined : resolve(values.out));
  console.log(`${out}: the fwkit CLI package (npm pack ${out})`);
}
