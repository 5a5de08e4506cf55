#!/usr/bin/env node
// Benchmarks for issue 7, part B. Every figure is measured on whole processes against a baseline
// measured in the same run on the same bytes, the two commands alternating (a busy moment on the
// machine hits both), median of BENCH_RUNS (5), page cache warm (each input read once before).
// The matrix is the one absolute figure (the issue gives it as one). Tests never assert timings.
// `fwkit` is measured as it ships: the bundled CLI package, packed and installed offline into a
// temporary directory (docs/decisions.md); the checkout's unbundled CLI is reported beside it,
// with no target.
//
//   npm run bench                                   every group (builds first)
//   node scripts/bench.mjs --only <group>           one group: verify, install, startup, build, matrix, report
//   node scripts/bench.mjs --write docs/benchmarks.md   also rewrite the figures section of that page
//
// Environment: BENCH_RUNS (5), BENCH_VERIFY_MIB (sizes of the verify payloads, "256,1024"),
// BENCH_INSTALL_MIB (the payload of the install group's image, 1024).
// A line whose tool is missing prints SKIPPED and why; no figure is ever made up.
import { spawn, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createReadStream, existsSync, mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { cpus, loadavg, totalmem, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

// Every path and package name the bench depends on, in one place (the layout may move them).
const repo = fileURLToPath(new URL('..', import.meta.url));
const PATHS = {
  cliBin: join(repo, 'packages/release/cli/dist/bin.js'),
  cliPackageScript: join(repo, 'scripts/build-cli-package.mjs'),
  deviceBundle: join(repo, 'dist/device/fwkit-device.mjs'),
  exampleKeys: join(repo, 'keys.example'),
  exampleRoot: join(repo, 'keys.example/root.json'),
  targetKeys: ['targets-1', 'targets-2'].map((name) => join(repo, 'keys.example', `${name}.key.pem`)),
  platform: join(repo, 'platform/platform.json'),
  products: join(repo, 'products'),
  matrixBench: './bench-matrix.mjs',
  chromium: '/usr/bin/chromium',
};
const PACKAGES = {
  testUtils: '@fwkit/test-utils',
  signing: '@fwkit/release-signing',
  install: '@fwkit/device-install',
  matrix: '@fwkit/release-matrix',
  playwright: 'playwright-core',
};
const GROUPS = ['verify', 'install', 'startup', 'build', 'matrix', 'report'];

const runs = Number(process.env.BENCH_RUNS ?? 5);
const verifySizesMiB = (process.env.BENCH_VERIFY_MIB ?? '256,1024').split(',').map(Number);
const installSizeMiB = Number(process.env.BENCH_INSTALL_MIB ?? 1024);
/** Issue 7's verify targets: fwkit's throughput as a multiple of mender-artifact validate's. */
const VERIFY_TARGETS = new Map([
  [256, 0.8],
  [1024, 1.0],
]);
const SOURCE_DATE_EPOCH = '1767225600';

function argValue(flag) {
  const at = process.argv.indexOf(flag);
  if (at === -1) return undefined;
  const value = process.argv[at + 1];
  if (value === undefined || value.startsWith('--')) throw new Error(`${flag} needs a value`);
  return value;
}
const only = argValue('--only');
const writeTo = argValue('--write');
if (only !== undefined && !GROUPS.includes(only)) throw new Error(`--only ${only}: not one of ${GROUPS.join(', ')}`);
const wanted = (group) => only === undefined || only === group;

// One temporary directory for everything (1 GiB files): removed at the end, on error and on a signal.
const work = await mkdtemp(join(tmpdir(), 'fwkit-bench-'));
const cleanUp = () => rmSync(work, { recursive: true, force: true });
process.on('exit', cleanUp);
for (const signal of ['SIGINT', 'SIGTERM']) {
  process.on(signal, () => {
    cleanUp();
    process.exit(signal === 'SIGINT' ? 130 : 143);
  });
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const ms = (x) => `${x.toFixed(0)} ms`;
const MiB = 1024 * 1024;

const timeTool = existsSync('/usr/bin/time') ? '/usr/bin/time' : undefined;
const onPath = (tool) => spawnSync('sh', ['-c', `command -v ${tool}`], { stdio: 'ignore' }).status === 0;

/**
 * One whole process, spawn to exit: wall time in ms and, when `rss` and /usr/bin/time is there,
 * its peak RSS in KiB (GNU time's %M; the time process itself is tiny, so the ru_maxrss that Linux
 * carries across exec is not the parent's) and its CPU time (user + system, ms: on a busy machine
 * the wall time alone does not say whether the work or the wait grew). A non-zero exit is an
 * error: a failed check is no figure.
 */
function runProcess(command, args, { rss = false, env } = {}) {
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
async function alternate(commands, n = runs, options = {}) {
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
function runQuiet(command, args, cwd) {
  const r = spawnSync(command, args, { cwd, encoding: 'utf8', maxBuffer: 64 * MiB });
  if (r.status !== 0) throw new Error(`${command} ${args.join(' ')} exited ${r.status}: ${`${r.stdout}${r.stderr}`.slice(-2000)}`);
}

let installedCliBin;
/**
 * The CLI as a release engineer gets it: the bundled package (scripts/build-cli-package.mjs), packed
 * with `npm pack` and installed into an empty directory with no registry (as its test does). Built
 * once per run; the path of its `dist/bin.js`, run with this Node like every other command.
 */
function installedCli() {
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
const fwkitClis = () => [
  { label: '', bin: installedCli(), target: true },
  { label: ' (checkout, unbundled)', bin: PATHS.cliBin, target: false },
];

/** Reads a file once, so that every command measured on it finds it in the page cache. */
async function warm(path) {
  // eslint-disable-next-line no-unused-vars
  for await (const _ of createReadStream(path, { highWaterMark: 4 * MiB }));
}

const rows = [];
const notes = [];
/** One line of the result table; `ratio` and `pass` are left empty for an informational line. */
function row(figure, measured, baseline, ratio, target, pass) {
  const result = pass === undefined ? '' : pass ? 'PASS' : 'FAIL';
  rows.push({ figure, measured, baseline, ratio, target, result });
  console.log(
    `  ${figure}: ${measured}${baseline ? ` | baseline ${baseline}` : ''}${ratio ? ` | ${ratio}` : ''}${target ? ` | target ${target}` : ''}${result ? ` | ${result}` : ''}`,
  );
}
function skipped(figure, target, why) {
  rows.push({ figure, measured: 'SKIPPED', baseline: '', ratio: '', target, result: 'SKIPPED' });
  notes.push(`${figure}: skipped — ${why}.`);
  console.log(`  ${figure}: SKIPPED (${why})`);
}

// ---------------------------------------------------------------------------------------------
// Verify: fwkit verify and the device bundle against mender-artifact validate, same payload bytes.

/** mender-artifact, installed from Debian when missing and allowed (root); undefined when not there. */
function menderArtifact() {
  if (onPath('mender-artifact')) return 'mender-artifact';
  if (process.getuid?.() === 0 && onPath('apt-get')) {
    console.log('  mender-artifact missing: apt-get install -y mender-artifact');
    spawnSync('apt-get', ['install', '-y', 'mender-artifact'], { stdio: 'inherit' });
    if (onPath('mender-artifact')) return 'mender-artifact';
  }
  return undefined;
}

async function makeVerifyInputs(dir, sizeMiB) {
  const { makeImage, makeDevice } = await import(PACKAGES.testUtils);
  const { loadPemSigner } = await import(PACKAGES.signing);
  // Incompressible bytes: one random MiB repeated (hashing costs the same whatever the content).
  const payload = new Uint8Array(sizeMiB * MiB);
  const block = randomBytes(MiB);
  for (let offset = 0; offset < payload.byteLength; offset += MiB) payload.set(block, offset);
  const payloadPath = join(dir, 'rootfs.img');
  await writeFile(payloadPath, payload);
  // Signed with the example keys (targets threshold 2), verified against keys.example/root.json.
  const signers = await Promise.all(PATHS.targetKeys.map((k) => loadPemSigner(k)));
  const image = await makeImage({ payloads: [{ path: 'app/rootfs.img', domain: 'app', bytes: payload }], signers });
  const imagePath = join(dir, 'bench.fwimg');
  await writeFile(imagePath, image.bytes);
  const device = makeDevice();
  const devicePath = join(dir, 'device.json');
  await writeFile(devicePath, JSON.stringify({ ...device, provides: { ...device.provides, flashPartitionBytes: 2 * payload.byteLength } }));
  return { payloadPath, imagePath, devicePath, model: image.manifest.model };
}

/** An ECDSA P-256 key pair (openssl) and a signed, uncompressed rootfs-image artifact of the payload. */
function makeMenderArtifact(mender, dir, payloadPath, model) {
  const key = join(dir, 'mender.key.pem');
  const pub = join(dir, 'mender.pub.pem');
  const artifact = join(dir, 'bench.mender');
  const steps = [
    ['openssl', ['ecparam', '-genkey', '-name', 'prime256v1', '-noout', '-out', key]],
    ['openssl', ['ec', '-in', key, '-pubout', '-out', pub]],
    [
      mender,
      [
        'write',
        'rootfs-image',
        '-f',
        payloadPath,
        '-t',
        model,
        '-n',
        'bench',
        '-o',
        artifact,
        '-k',
        key,
        '--compression',
        'none',
        '--no-progress',
      ],
    ],
  ];
  for (const [command, args] of steps) {
    const r = spawnSync(command, args, { stdio: ['ignore', 'ignore', 'pipe'] });
    if (r.status !== 0) throw new Error(`${command} ${args.join(' ')}: ${r.stderr}`);
  }
  return { artifact, pub };
}

async function benchVerify() {
  console.log('\n## Verify (whole process, alternating, median of %d)', runs);
  const mender = menderArtifact();
  const hasOpenssl = onPath('openssl');
  const hasBundle = existsSync(PATHS.deviceBundle);
  const { TEST_NOW } = await import(PACKAGES.testUtils);
  const now = TEST_NOW.toISOString();
  const bare = { command: process.execPath, args: ['-e', '0'] };
  for (const sizeMiB of verifySizesMiB) {
    const label = sizeMiB % 1024 === 0 ? `${sizeMiB / 1024} GiB` : `${sizeMiB} MiB`;
    const dir = join(work, `verify-${sizeMiB}`);
    await mkdir(dir);
    try {
      const inputs = await makeVerifyInputs(dir, sizeMiB);
      const common = [inputs.imagePath, '--trust', PATHS.exampleRoot, '--device', inputs.devicePath, '--now', now];
      const tools = [
        ...fwkitClis().map((cli) => ({
          name: `\`fwkit verify --device\`${cli.label}`,
          command: process.execPath,
          args: [cli.bin, 'verify', ...common],
          target: cli.target,
        })),
        ...(hasBundle
          ? [
              {
                name: 'device bundle `verify`',
                command: process.execPath,
                args: [PATHS.deviceBundle, 'verify', ...common],
                bundle: true,
                target: true,
              },
            ]
          : []),
      ];
      const target = VERIFY_TARGETS.get(sizeMiB);
      const targetText = target === undefined ? '' : `≥ ${target.toFixed(1)}× mender`;
      let baseline;
      if (mender !== undefined && hasOpenssl) {
        const m = makeMenderArtifact(mender, dir, inputs.payloadPath, inputs.model);
        baseline = { name: 'mender', command: mender, args: ['validate', '-k', m.pub, m.artifact] };
        await warm(m.artifact);
      }
      await rm(inputs.payloadPath);
      await warm(inputs.imagePath);
      const commands = [
        ...(baseline === undefined ? [] : [baseline]),
        ...tools,
        ...(sizeMiB === Math.max(...verifySizesMiB) ? [bare] : []),
      ];
      const results = await alternate(commands, runs, { rss: true });
      const imageMiB = (await stat(inputs.imagePath)).size / MiB;
      const throughput = (t) => `${(imageMiB / 1024 / (t / 1000)).toFixed(2)} GiB/s`;
      const cpu = (r) => (r.cpuMs.length === 0 ? '' : `, CPU ${ms(median(r.cpuMs))}`);
      const base = baseline === undefined ? undefined : results[0];
      for (const [i, tool] of tools.entries()) {
        const r = results[(baseline === undefined ? 0 : 1) + i];
        const figure = `${tool.name}, ${label} payload`;
        const toolTarget = tool.target ? targetText : '';
        if (base === undefined) {
          row(figure, `${ms(r.median)} (${throughput(r.median)}${cpu(r)})`, '', '', toolTarget);
          skipped(
            `${figure} vs mender-artifact validate`,
            toolTarget,
            mender === undefined ? 'mender-artifact is not installed' : 'openssl is not installed',
          );
          continue;
        }
        const ratio = base.median / r.median;
        row(
          figure,
          `${ms(r.median)} (${throughput(r.median)}${cpu(r)})`,
          `\`mender-artifact validate\` ${ms(base.median)}${cpu(base)}`,
          `${ratio.toFixed(2)}× mender's throughput`,
          toolTarget,
          target === undefined || !tool.target ? undefined : ratio >= target,
        );
      }
      if (!hasBundle) skipped(`device bundle \`verify\`, ${label} payload`, targetText, `${PATHS.deviceBundle} is not built`);
      if (base !== undefined && base.rssKiB.length > 0)
        row(`\`mender-artifact validate\` peak RSS, ${label}`, `${(Math.max(...base.rssKiB) / 1024).toFixed(0)} MiB`, '', '', '');
      if (commands.includes(bare)) {
        const bareRss = median(results.at(-1).rssKiB ?? []);
        for (const [i, tool] of tools.entries()) {
          const r = results[(baseline === undefined ? 0 : 1) + i];
          if (r.rssKiB.length === 0) {
            skipped(`${tool.name} peak RSS, ${label}`, '≤ node -e 0 + 64 MiB', '/usr/bin/time is not installed');
            continue;
          }
          const above = (Math.max(...r.rssKiB) - bareRss) / 1024;
          row(
            `${tool.name} peak RSS, ${label}`,
            `${(Math.max(...r.rssKiB) / 1024).toFixed(0)} MiB`,
            `\`node -e 0\` ${(bareRss / 1024).toFixed(0)} MiB`,
            `+${above.toFixed(0)} MiB`,
            tool.bundle ? '≤ +64 MiB' : '',
            tool.bundle ? above <= 64 : undefined,
          );
        }
        if (!hasBundle) skipped(`device bundle \`verify\` peak RSS, ${label}`, '≤ +64 MiB', `${PATHS.deviceBundle} is not built`);
      }
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  }
  if (hasBundle) {
    const bytes = (await stat(PATHS.deviceBundle)).size;
    row('device bundle size (minified)', `${(bytes / 1024).toFixed(1)} KiB`, '', '', '≤ 96 KiB', bytes <= 96 * 1024);
  }
}

// ---------------------------------------------------------------------------------------------
// Install (issue 9): `fwkit-device install` of a large image through the device bundle, against
// the device bundle's `verify` of the same image and a plain write + fsync of the same bytes into
// the same filesystem; its peak RSS against `node -e 0`.

/** Copies a file the plain way: read in 4 MiB chunks, write, fsync, close (the floor of any installer on this disk). */
const WRITE_FSYNC = `
const fs = require('node:fs');
const [from, to] = process.argv.slice(1);
fs.rmSync(to, { force: true });
const input = fs.openSync(from, 'r');
const output = fs.openSync(to, 'w');
const chunk = Buffer.allocUnsafe(4 * 1024 * 1024);
for (let n; (n = fs.readSync(input, chunk, 0, chunk.length, null)) > 0; ) fs.writeSync(output, chunk, 0, n);
fs.fsyncSync(output);
fs.closeSync(output);
fs.closeSync(input);
`;

async function benchInstall() {
  const label = installSizeMiB % 1024 === 0 ? `${installSizeMiB / 1024} GiB` : `${installSizeMiB} MiB`;
  console.log('\n## Install, %s payload (whole process, alternating, median of %d)', label, runs);
  if (!existsSync(PATHS.deviceBundle)) {
    skipped(`device bundle \`install\`, ${label} payload`, '≥ 0.8× min(verify, write + fsync)', `${PATHS.deviceBundle} is not built`);
    return;
  }
  const { makeImage, TEST_NOW } = await import(PACKAGES.testUtils);
  const { loadPemSigner } = await import(PACKAGES.signing);
  const { provision } = await import(PACKAGES.install);
  const dir = join(work, `install-${installSizeMiB}`);
  await mkdir(dir);
  try {
    // The verify group's image (one random MiB repeated, example keys) as 2.0.0, security 3; a small factory image 1.0.0.
    const inputs = await makeVerifyInputs(dir, installSizeMiB);
    await rm(inputs.payloadPath);
    const signers = await Promise.all(PATHS.targetKeys.map((k) => loadPemSigner(k)));
    const factory = await makeImage({ firmware: '1.0.0', security: 2, signers });
    // The verify group's device.json without `installed`: a device derives that from its own record.
    const identity = JSON.parse(await readFile(inputs.devicePath, 'utf8'));
    delete identity.installed;
    const deviceDir = join(dir, 'device');
    await mkdir(deviceDir);
    await provision(deviceDir, {
      identity,
      trustRoot: JSON.parse(await readFile(PATHS.exampleRoot, 'utf8')),
      factoryImage: (async function* () {
        yield factory.bytes;
      })(),
      device: { now: () => TEST_NOW },
    });
    const now = TEST_NOW.toISOString();
    const install = {
      command: process.execPath,
      args: [PATHS.deviceBundle, 'install', deviceDir, '--image', inputs.imagePath, '--now', now],
    };
    const verify = {
      command: process.execPath,
      args: [PATHS.deviceBundle, 'verify', inputs.imagePath, '--trust', PATHS.exampleRoot, '--device', inputs.devicePath, '--now', now],
    };
    const writeFsync = { command: process.execPath, args: ['-e', WRITE_FSYNC, inputs.imagePath, join(deviceDir, 'plain-copy')] };
    const bare = { command: process.execPath, args: ['-e', '0'] };
    // After each install the trial is reverted (not timed): the next install writes the same inactive slot again.
    const revert = () => runProcess(process.execPath, [PATHS.deviceBundle, 'revert', deviceDir]);
    await warm(inputs.imagePath);
    const commands = [install, verify, writeFsync, bare];
    const results = commands.map(() => ({ ms: [], rssKiB: [] }));
    for (let round = 0; round <= runs; round += 1) {
      for (const [i, c] of commands.entries()) {
        const r = await runProcess(c.command, c.args, { rss: true });
        if (c === install) await revert();
        if (round === 0) continue; // warm-up
        results[i].ms.push(r.ms);
        if (r.rssKiB !== undefined) results[i].rssKiB.push(r.rssKiB);
      }
    }
    await rm(join(deviceDir, 'plain-copy'), { force: true });
    const [ti, tv, tw] = results.slice(0, 3).map((r) => median(r.ms));
    const imageMiB = (await stat(inputs.imagePath)).size / MiB;
    const throughput = (t) => `${(imageMiB / 1024 / (t / 1000)).toFixed(2)} GiB/s`;
    // The slower of the two baselines bounds the installer: it must verify and write every byte.
    const ratio = Math.max(tv, tw) / ti;
    row(`device bundle \`verify\`, ${label} payload`, `${ms(tv)} (${throughput(tv)})`, '', '', '');
    row(`write + fsync of the image (same filesystem), ${label}`, `${ms(tw)} (${throughput(tw)})`, '', '', '');
    row(
      `device bundle \`install\`, ${label} payload`,
      `${ms(ti)} (${throughput(ti)})`,
      `min(verify, write + fsync) ${throughput(Math.max(tv, tw))}`,
      `${ratio.toFixed(2)}×`,
      '≥ 0.8×',
      ratio >= 0.8,
    );
    if (results[0].rssKiB.length === 0) {
      skipped(`device bundle \`install\` peak RSS, ${label}`, '≤ node -e 0 + 64 MiB', '/usr/bin/time is not installed');
    } else {
      const bareRss = median(results[3].rssKiB);
      const above = (Math.max(...results[0].rssKiB) - bareRss) / 1024;
      row(
        `device bundle \`install\` peak RSS, ${label}`,
        `${(Math.max(...results[0].rssKiB) / 1024).toFixed(0)} MiB`,
        `\`node -e 0\` ${(bareRss / 1024).toFixed(0)} MiB`,
        `+${above.toFixed(0)} MiB`,
        '≤ +64 MiB',
        above <= 64,
      );
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

// ---------------------------------------------------------------------------------------------
// Start-up: `fwkit --help` against `node -e 0`.

async function benchStartup() {
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

async function benchBuild() {
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

// ---------------------------------------------------------------------------------------------
// Matrix: 1,000 models × 200 releases, in process (an algorithm figure, absolute).

async function benchMatrixGroup() {
  console.log('\n## Compatibility matrix');
  const { benchMatrix } = await import(PATHS.matrixBench);
  const { results } = await benchMatrix({ log: (line) => console.log(`  ${line}`) });
  const full = results.find((x) => x.models === 1000 && x.releases === 200);
  row(
    `matrix, 1,000 models × 200 releases (${full.images.toLocaleString('en')} images), in process`,
    ms(full.ms),
    '',
    '',
    '< 1 s',
    full.ms < 1000,
  );
}

// ---------------------------------------------------------------------------------------------
// Report (issue 10): the HTML matrix report of 1,000 models × 200 releases — its size against the
// same matrix as `fwkit matrix --json`, and navigation → load event in Debian's headless chromium
// against an empty page, median of 3 (an absolute budget, as the issue gives it).

const REPORT_LOADS = 3;
const REPORT_BYTES = 1_500_000;
const REPORT_LOAD_MS = 3000;

/** Navigation start → end of the load event of a file in a fresh tab, per run (ms, the page's own clock). */
async function loadTimes(context, file, n) {
  const times = [];
  for (let i = 0; i < n; i += 1) {
    const page = await context.newPage();
    await page.goto(pathToFileURL(file).href, { waitUntil: 'load' });
    times.push(
      await page.evaluate("(() => { const e = performance.getEntriesByType('navigation')[0]; return e.loadEventEnd - e.startTime; })()"),
    );
    await page.close();
  }
  return times;
}

async function benchReport() {
  console.log(`\n## Matrix report (HTML), 1,000 models × 200 releases`);
  const { syntheticMatrix } = await import(PACKAGES.testUtils);
  const { renderMatrixHtml, matrixToJSON } = await import(PACKAGES.matrix);
  const dir = join(work, 'report');
  await mkdir(dir);
  const pages = [];
  for (const models of [50, 1000]) {
    const matrix = syntheticMatrix({ models, releases: 200 });
    const file = join(dir, `matrix-${models}.html`);
    await writeFile(file, renderMatrixHtml(matrix));
    pages.push({ models, file, bytes: (await stat(file)).size, json: Buffer.byteLength(JSON.stringify(matrixToJSON(matrix))) });
  }
  const kb = (b) => `${(b / 1000).toFixed(0)} kB`;
  const [small, full] = pages;
  row(
    `report size, 50 × 200 (syntheticMatrix)`,
    kb(small.bytes),
    `\`--json\` of the same matrix ${kb(small.json)}`,
    `${(small.bytes / small.json).toFixed(2)}×`,
    '',
  );
  row(
    'report size, 1,000 × 200 (syntheticMatrix), every reason inside',
    kb(full.bytes),
    `\`--json\` of the same matrix ${kb(full.json)}`,
    `${(full.bytes / full.json).toFixed(2)}×`,
    '≤ 1.5 MB',
    full.bytes <= REPORT_BYTES,
  );
  // The matrix the matrix bench computes from manifests and a ledger (its wording, its variety).
  const { generateMatrixBenchData, matrixBenchInput } = await import(PATHS.matrixBench);
  const { computeMatrix } = await import(PACKAGES.matrix);
  const computed = computeMatrix(matrixBenchInput(generateMatrixBenchData(20260601, 1000, 200), 1000, 200));
  const computedBytes = Buffer.byteLength(renderMatrixHtml(computed));
  row('report size, 1,000 × 200 computed by the matrix bench', kb(computedBytes), '', '', '≤ 1.5 MB', computedBytes <= REPORT_BYTES);

  if (!existsSync(PATHS.chromium)) {
    skipped(`report navigation → load event, 1,000 × 200`, '< 3 s, median of 3', `${PATHS.chromium} is missing (apt-get install chromium)`);
    return;
  }
  const { chromium } = await import(PACKAGES.playwright);
  const { quietChromiumArgs } = await import(PACKAGES.testUtils);
  const blank = join(dir, 'blank.html');
  await writeFile(blank, '<!doctype html><title>blank</title>');
  // A fresh profile; the flags keep the browser from calling home while it is timed.
  const context = await chromium.launchPersistentContext(join(dir, 'profile'), {
    executablePath: PATHS.chromium,
    headless: true,
    args: quietChromiumArgs(),
  });
  try {
    await loadTimes(context, full.file, 1); // warm-up: the browser's own start-up is not the page's
    const base = median(await loadTimes(context, blank, REPORT_LOADS));
    const times = await loadTimes(context, full.file, REPORT_LOADS);
    const t = median(times);
    row(
      `report navigation → load event, 1,000 × 200, headless chromium (${times.map((x) => x.toFixed(0)).join(', ')} ms)`,
      ms(t),
      `empty page ${ms(base)}`,
      '',
      '< 3 s, median of 3',
      t < REPORT_LOAD_MS,
    );
    // Informational: "Show history" builds every older release's cells; timed through to layout.
    const clicks = [];
    for (let i = 0; i < REPORT_LOADS; i += 1) {
      const page = await context.newPage();
      await page.goto(pathToFileURL(full.file).href, { waitUntil: 'load' });
      clicks.push(
        await page.evaluate(
          "(() => { const t = performance.now(); document.getElementById('history').click(); void document.getElementById('grid').offsetWidth; return performance.now() - t; })()",
        ),
      );
      await page.close();
    }
    row('report "Show history" click → laid out, 1,000 × 199 older releases', ms(median(clicks)), '', '', '');
  } finally {
    await context.close();
  }
}

// ---------------------------------------------------------------------------------------------

const node = process.version;
const machine = `${cpus().length} cores (${cpus()[0]?.model.trim() ?? 'unknown CPU'}), ${Math.round(totalmem() / 1024 ** 3)} GiB`;
// The load average says how shared the machine was: figures from a busy run are ratios of slowed commands.
const load = () =>
  loadavg()
    .map((x) => x.toFixed(1))
    .join(' / ');
const loadAtStart = load();
console.log(`fwkit benchmarks — Node ${node}, ${machine}; load average ${loadAtStart} (1/5/15 min); temp dir ${work}`);
if (wanted('verify')) await benchVerify();
if (wanted('install')) await benchInstall();
if (wanted('startup')) await benchStartup();
if (wanted('build')) await benchBuild();
if (wanted('matrix')) await benchMatrixGroup();
if (wanted('report')) await benchReport();

const header = ['figure', 'measured', 'baseline (same run)', 'ratio', 'target (issues 7, 9, 10)', 'result'];
const table = [
  `| ${header.join(' | ')} |`,
  `| ${header.map(() => '---').join(' | ')} |`,
  ...rows.map((r) => `| ${[r.figure, r.measured, r.baseline || '—', r.ratio || '—', r.target || '—', r.result || '—'].join(' | ')} |`),
].join('\n');
const loadAtEnd = load();
console.log(`\n${table}\n`);
console.log(`Load average (1/5/15 min): ${loadAtStart} at the start, ${loadAtEnd} at the end.`);
for (const note of notes) console.log(note);

if (writeTo !== undefined) await writeFigures(writeTo);

/**
 * Rewrites the part of the page between the bench markers: the command, the date, Node and the
 * machine, the table and the notes. The rest of the page (intro, history) is left as it is.
 */
async function writeFigures(page) {
  const START = '<!-- bench:figures:start -->';
  const END = '<!-- bench:figures:end -->';
  const text = await readFile(page, 'utf8');
  const from = text.indexOf(START);
  const to = text.indexOf(END);
  if (from === -1 || to < from) throw new Error(`${page} has no ${START} … ${END} section`);
  const args = process.argv.slice(2).join(' ');
  const section = [
    START,
    '',
    `## Latest run: ${new Date().toISOString().slice(0, 16).replace('T', ' ')} UTC`,
    '',
    `Command: \`npm run bench -- ${args}\` (= \`npm run build && node scripts/bench.mjs ${args}\`); Node ${node}, ${machine}. ` +
      `Whole processes, each figure against its baseline from the same run, the commands alternating, median of ${runs}, page cache warm` +
      `${only === undefined ? '' : `; only the ${only} group`}. Load average (1/5/15 min) ${loadAtStart} at the start and ` +
      `${loadAtEnd} at the end (above ${cpus().length}, other work shared the machine's ${cpus().length} cores).`,
    '',
    table,
    '',
    ...notes.map((n) => `- ${n}`),
    ...(notes.length > 0 ? [''] : []),
    END,
  ].join('\n');
  const next = `${text.slice(0, from)}${section}${text.slice(to + END.length)}`;
  const prettier = await import('prettier');
  const options = (await prettier.resolveConfig(page)) ?? {};
  await writeFile(page, await prettier.format(next, { ...options, filepath: page }));
  console.log(`wrote the figures to ${page}`);
}
