import { rm, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { alternate, fwkitClis, median, ms, PATHS, repo, row, runProcess, runs, SOURCE_DATE_EPOCH, work } from './harness.mjs';

// Start-up: `fwkit --help` against `node -e 0`.

export async function benchStartup() {
  const n = Math.max(runs, 9); // ~0.1 s processes: more rounds for a steady median
  console.log(`\n## Start-up (whole process, alternating, median of ${n})`);
  const clis = fwkitClis();
  const [bare, ...helps] = await alternate(
    [{ command: process.execPath, args: ['-e', '0'] }, ...clis.map((cli) => ({ command: process.execPath, args: [cli.bin, '--help'] }))],
    n,
  );
  for (const [i, cli] of clis.entries()) {
    const ratio = helps[i].median / bare.median;
    row(
      `\`fwkit --help\`${cli.label}`,
      ms(helps[i].median),
      `\`node -e 0\` ${ms(bare.median)}`,
      `${ratio.toFixed(2)}×`,
      cli.target ? '≤ 2×' : '',
      cli.target ? ratio <= 2 : undefined,
    );
  }
}

// ---------------------------------------------------------------------------------------------
// Build: `fwkit build --all` (cache off) against esbuild alone on the same entry points; the cache.

/** A script that bundles what `fwkit build --all` bundles with esbuild alone: every domain entry of every product, its drivers plugged in. */
async function esbuildAloneScript() {
  const esbuildUrl = pathToFileURL(createRequire(join(repo, 'package.json')).resolve('esbuild')).href;
  const script = join(work, 'esbuild-alone.mjs');
  await writeFile(
    script,
    `import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
const { build } = await import(${JSON.stringify(esbuildUrl)});
const repo = ${JSON.stringify(repo)};
const platform = JSON.parse(readFileSync(${JSON.stringify(PATHS.platform)}, 'utf8'));
const productsDir = ${JSON.stringify(PATHS.products)};
const products = readdirSync(productsDir, { withFileTypes: true }).filter((d) => d.isDirectory())
  .map((d) => ({ dir: join(productsDir, d.name), ...JSON.parse(readFileSync(join(productsDir, d.name, 'product.json'), 'utf8')) }));
await Promise.all(products.flatMap((product) => Object.values(platform.domains).map((domain) => build({
  absWorkingDir: repo, entryPoints: [join(repo, 'platform', domain.entry)], bundle: true, platform: 'node', format: 'esm',
  target: 'node20', write: false, metafile: true, logLevel: 'silent',
  define: { __FWKIT_BUILD__: JSON.stringify({ model: product.id, modelName: product.name, firmware: '0.0.0', platform: '0.0.0', hardwareRevisions: [] }) },
  plugins: [{ name: 'drivers', setup(b) { b.onResolve({ filter: /^fwkit:drivers$/ }, () => ({ path: join(product.dir, product.drivers) })); } }],
}))));
`,
  );
  return script;
}

export async function benchBuild() {
  console.log(`\n## Build of every product (whole process, alternating, median of ${runs})`);
  const out = join(work, 'build-out');
  const env = { SOURCE_DATE_EPOCH };
  const clis = fwkitClis();
  const build = (cli, extra, more = {}) => ({
    command: process.execPath,
    args: [cli.bin, 'build', '--all', '--keys', PATHS.exampleKeys, '--out', out, ...extra],
    env: { ...env, ...more },
  });
  const [alone, ...builds] = await alternate([
    { command: process.execPath, args: [await esbuildAloneScript()], env },
    ...clis.map((cli) => build(cli, ['--no-cache'])),
  ]);
  for (const [i, cli] of clis.entries()) {
    const ratio = builds[i].median / alone.median;
    row(
      `\`fwkit build --all --no-cache\` (bundle, SBOM, sign, write, verify)${cli.label}`,
      ms(builds[i].median),
      `esbuild alone, same entry points, ${ms(alone.median)}`,
      `${ratio.toFixed(2)}×`,
      cli.target ? '≤ 1.5×' : '',
      cli.target ? ratio <= 1.5 : undefined,
    );
  }
  // Cold: an empty cache (FWKIT_CACHE_DIR points it at a fresh folder each time); warm: the same build again, nothing changed.
  for (const cli of clis) {
    const cacheDir = join(work, 'build-cache');
    const cached = build(cli, [], { FWKIT_CACHE_DIR: cacheDir });
    const cold = [];
    const warmMs = [];
    for (let round = 0; round <= runs; round += 1) {
      await rm(cacheDir, { recursive: true, force: true });
      const c = await runProcess(cached.command, cached.args, { env: cached.env });
      const w = await runProcess(cached.command, cached.args, { env: cached.env });
      if (round > 0) {
        cold.push(c.ms);
        warmMs.push(w.ms);
      }
    }
    const cacheRatio = median(warmMs) / median(cold);
    row(
      `unchanged rebuild with the build cache${cli.label}`,
      ms(median(warmMs)),
      `cold build (empty cache) ${ms(median(cold))}`,
      `${cacheRatio.toFixed(2)}×`,
      cli.target ? '≤ 0.2×' : '',
      cli.target ? cacheRatio <= 0.2 : undefined,
    );
  }
}
