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
  // Beside the warm build of the target CLI: Node's start-up alone, and the least any hit must do (`rebuildFloorScript`).
  const floor = await rebuildFloorScript(out);
  for (const cli of clis) {
    const cacheDir = join(work, 'build-cache');
    const cached = build(cli, [], { FWKIT_CACHE_DIR: cacheDir });
    const cold = [];
    const warmMs = [];
    const bareMs = [];
    const floorMs = [];
    for (let round = 0; round <= runs; round += 1) {
      await rm(cacheDir, { recursive: true, force: true });
      const c = await runProcess(cached.command, cached.args, { env: cached.env });
      const w = await runProcess(cached.command, cached.args, { env: cached.env });
      const bare = cli.target ? await runProcess(process.execPath, ['-e', '0']) : undefined;
      const least = cli.target ? await runProcess(process.execPath, [floor, cacheDir]) : undefined;
      if (round > 0) {
        cold.push(c.ms);
        warmMs.push(w.ms);
        if (bare !== undefined && least !== undefined) {
          bareMs.push(bare.ms);
          floorMs.push(least.ms);
        }
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
    if (floorMs.length > 0) {
      row(
        '  the least a hit can do: Node start-up, read the entries, hash each recorded input, read the outputs (no keys, no verifying, no report)',
        ms(median(floorMs)),
        `cold build ${ms(median(cold))}; \`node -e 0\` alone ${ms(median(bareMs))} (${(median(bareMs) / median(cold)).toFixed(2)}×)`,
        `${(median(floorMs) / median(cold)).toFixed(2)}×`,
        '',
        undefined,
      );
    }
  }
}

/**
 * A program that does only the part of an unchanged rebuild no implementation can skip: start Node,
 * read every cache entry (checking its seal), read and hash each input file the entries record,
 * list each recorded folder, and read the published images and SBOMs. It checks no key, verifies
 * no image and writes no report, so its time is a floor under any cache hit on this machine.
 */
async function rebuildFloorScript(out) {
  const script = join(work, 'rebuild-floor.mjs');
  await writeFile(
    script,
    `import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
const repo = ${JSON.stringify(repo)};
const out = ${JSON.stringify(out)};
const cacheDir = process.argv[2];
const sha256 = (bytes) => createHash('sha256').update(bytes).digest('hex');
const files = new Set();
const folders = new Set();
for (const name of readdirSync(cacheDir).filter((n) => n.endsWith('.entry'))) {
  const bytes = readFileSync(join(cacheDir, name));
  const body = bytes.subarray(65);
  if (bytes.subarray(0, 64).toString('latin1') !== sha256(body)) throw new Error(name + ': seal');
  const head = JSON.parse(body.subarray(0, body.indexOf(10)).toString('utf8'));
  for (const path of Object.keys(head.files)) files.add(path);
  for (const path of Object.keys(head.folders)) folders.add(path);
}
if (files.size === 0) throw new Error('no cache entries in ' + cacheDir);
for (const path of files) sha256(readFileSync(join(repo, path)));
for (const path of folders) readdirSync(join(repo, path));
for (const model of readdirSync(out)) for (const name of readdirSync(join(out, model))) readFileSync(join(out, model, name));
`,
  );
  return script;
}
