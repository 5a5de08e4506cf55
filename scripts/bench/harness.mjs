// The bench's harness: paths, the temporary folder, whole-process timing, alternation, the result
// table's rows, and fwkit as it ships (the installed CLI package). Each group is a module beside it.
import { spawn, spawnSync } from 'node:child_process';
import { createReadStream, existsSync, mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

// Every path and package name the bench depends on, in one place (the layout may move them).
export const repo = fileURLToPath(new URL('../..', import.meta.url));
export const PATHS = {
  cliBin: join(repo, 'packages/release/cli/dist/bin.js'),
  cliPackageScript: join(repo, 'scripts/build-cli-package.mjs'),
  deviceBundle: join(repo, 'dist/device/fwkit-device.mjs'),
  exampleKeys: join(repo, 'keys.example'),
  exampleRoot: join(repo, 'keys.example/root.json'),
  targetKeys: ['targets-1', 'targets-2'].map((name) => join(repo, 'keys.example', `${name}.key.pem`)),
  platform: join(repo, 'platform/platform.json'),
  products: join(repo, 'products'),
  matrixBench: '../bench-matrix.mjs',
  chromium: '/usr/bin/chromium',
};
export const PACKAGES = {
  testUtils: '@fwkit/test-utils',
  signing: '@fwkit/release-signing',
  install: '@fwkit/device-install',
  matrix: '@fwkit/release-matrix',
  playwright: 'playwright-core',
};

export const runs = Number(process.env.BENCH_RUNS ?? 5);
export const SOURCE_DATE_EPOCH = '1767225600';

// One temporary directory for everything (1 GiB files): removed at the end, on error and on a signal.
export const work = await mkdtemp(join(tmpdir(), 'fwkit-bench-'));
export const cleanUp = () => rmSync(work, { recursive: true, force: true });
process.on('exit', cleanUp);
for (const signal of ['SIGINT', 'SIGTERM']) {
  process.on(signal, () => {
    cleanUp();
    process.exit(signal === 'SIGINT' ? 130 : 143);
  });
}

export const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
export const ms = (x) => `${x.toFixed(0)} ms`;
export const MiB = 1024 * 1024;

export const timeTool = existsSync('/usr/bin/time') ? '/usr/bin/time' : undefined;
export const onPath = (tool) => spawnSync('sh', ['-c', `command -v ${tool}`], { stdio: 'ignore' }).status === 0;

/**
 * One whole process, spawn to exit: wall time in ms and, when `rss` and /usr/bin/time is there,
 * its peak RSS in KiB (GNU time's %M; the time process itself is tiny, so the ru_maxrss that Linux
 * carries across exec is not the parent's) and its CPU time (user + system, ms: on a busy machine
 * the wall time alone does not say whether the work or the wait grew). A non-zero exit is an
 * error: a failed check is no figure.
 */
export function runProcess(command, args, { rss = false, env } = {}) {
  const rssFile = join(work, `rss-${process.hrtime.bigint()}`);
  const [file, argv] = rss && timeTool !== undefined ? [timeTool, ['-f', '%M %U %S', '-o', rssFile, command, ...args]] : [command, args];
  return new Promise((resolve, reject) => {
    const start = process.hrtime.bigint();
    const child = spawn(file, argv, {
      stdio: ['ignore', 'ignore', 'pipe'],
      env: env === undefined ? process.env : { ...process.env, ...env },
    });
    let stderr = '';
    child.stderr.on('data', (d) => (stderr += d));
    child.on('error', reject);
    child.on('close', async (code) => {
      const elapsed = Number(process.hrtime.bigint() - start) / 1e6;
      if (code !== 0) {
        reject(new Error(`${command} ${args.join(' ')} exited ${code}: ${stderr.slice(0, 2000)}`));
        return;
      }
      let rssKiB;
      let cpuMs;
      if (rss && timeTool !== undefined) {
        const [maxRss, user, system] = (await readFile(rssFile, 'utf8')).trim().split('\n').at(-1).split(' ').map(Number);
        rssKiB = maxRss;
        cpuMs = (user + system) * 1000;
        await rm(rssFile, { force: true });
      }
      resolve({ ms: elapsed, rssKiB, cpuMs });
    });
  });
}

/** Runs each command once (warm-up), then `n` rounds of all of them in turn; per command its timings and RSS figures. */
export async function alternate(commands, n = runs, options = {}) {
  for (const c of commands) await runProcess(c.command, c.args, { ...options, env: c.env });
  const results = commands.map(() => ({ ms: [], rssKiB: [], cpuMs: [] }));
  for (let round = 0; round < n; round += 1) {
    for (const [i, c] of commands.entries()) {
      const r = await runProcess(c.command, c.args, { ...options, env: c.env });
      results[i].ms.push(r.ms);
      if (r.rssKiB !== undefined) results[i].rssKiB.push(r.rssKiB);
      if (r.cpuMs !== undefined) results[i].cpuMs.push(r.cpuMs);
    }
  }
  return results.map((r) => ({ ...r, median: median(r.ms) }));
}

/** Runs a command to completion (its output kept for the error); rejects on a non-zero exit. */
export function runQuiet(command, args, cwd) {
  const r = spawnSync(command, args, { cwd, encoding: 'utf8', maxBuffer: 64 * MiB });
  if (r.status !== 0) throw new Error(`${command} ${args.join(' ')} exited ${r.status}: ${`${r.stdout}${r.stderr}`.slice(-2000)}`);
}

let installedCliBin;
/**
 * The CLI as a release engineer gets it: the bundled package (scripts/build-cli-package.mjs), packed
 * with `npm pack` and installed into an empty directory with no registry (as its test does). Built
 * once per run; the path of its `dist/bin.js`, run with this Node like every other command.
 */
export function installedCli() {
  if (installedCliBin !== undefined) return installedCliBin;
  const dir = join(work, 'cli-installed');
  const npm = (args, cwd) =>
    runQuiet(
      'npm',
      [...args, '--offline', '--cache', join(work, 'npm-cache'), '--registry', 'http://127.0.0.1:9', '--no-audit', '--no-fund'],
      cwd,
    );
  runQuiet(process.execPath, [PATHS.cliPackageScript, '--out', join(work, 'cli-package')], repo);
  npm(['pack', join(work, 'cli-package'), '--pack-destination', work, '--loglevel', 'error'], work);
  const tarball = readdirSync(work).find((name) => name.endsWith('.tgz'));
  if (tarball === undefined) throw new Error('npm pack wrote no tarball');
  mkdirSync(dir);
  writeFileSync(join(dir, 'package.json'), '{ "name": "bench-install", "private": true }\n');
  npm(['install', join(work, tarball), '--loglevel', 'error'], dir);
  installedCliBin = join(dir, 'node_modules', '@fwkit', 'cli', 'dist', 'bin.js');
  return installedCliBin;
}

/** Both ways of running fwkit: as shipped (the targets apply) and the checkout's unbundled build (no target). */
export const fwkitClis = () => [
  { label: '', bin: installedCli(), target: true },
  { label: ' (checkout, unbundled)', bin: PATHS.cliBin, target: false },
];

/** Reads a file once, so that every command measured on it finds it in the page cache. */
export async function warm(path) {
  // eslint-disable-next-line no-unused-vars
  for await (const _ of createReadStream(path, { highWaterMark: 4 * MiB }));
}

export const rows = [];
export const notes = [];
/** One line of the result table; `ratio` and `pass` are left empty for an informational line. */
export function row(figure, measured, baseline, ratio, target, pass) {
  const result = pass === undefined ? '' : pass ? 'PASS' : 'FAIL';
  rows.push({ figure, measured, baseline, ratio, target, result });
  console.log(
    `  ${figure}: ${measured}${baseline ? ` | baseline ${baseline}` : ''}${ratio ? ` | ${ratio}` : ''}${target ? ` | target ${target}` : ''}${result ? ` | ${result}` : ''}`,
  );
}
export function skipped(figure, target, why) {
  rows.push({ figure, measured: 'SKIPPED', baseline: '', ratio: '', target, result: 'SKIPPED' });
  notes.push(`${figure}: skipped — ${why}.`);
  console.log(`  ${figure}: SKIPPED (${why})`);
}
