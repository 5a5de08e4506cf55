#!/usr/bin/env node
// Benchmarks. Every figure is a ratio against a baseline measured in the same run on the same
// bytes, so that results compare across machines. Run with `npm run bench` (builds first).
//   1. fwkit build of every product vs esbuild alone on the same entry points.
//   2. fwkit verify throughput and peak RSS on a 1 GiB synthetic image vs node:crypto SHA-256
//      over the same file (1 MiB reads).
//   3. The compatibility matrix for 1,000 models × 200 releases, and how it grows.
//   4. Start-up: `fwkit --help` vs `node -e 0`, whole process.
// `node scripts/bench.mjs --only startup` (or build, verify, matrix) runs one part.
import { spawn } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build as esbuild } from 'esbuild';
import { buildProducts } from '@fwkit/build';
import { productManifestFromJSON, platformManifestFromJSON } from '@fwkit/core';
import { trustRootFromJSON } from '@fwkit/signing';
import { makeImage, makeTrustRoot, testKeys, TEST_NOW } from '@fwkit/test-utils';
import { benchMatrix } from './bench-matrix.mjs';

const repo = fileURLToPath(new URL('..', import.meta.url));
const runs = Number(process.env.BENCH_RUNS ?? 5);
const imageGiB = Number(process.env.BENCH_IMAGE_GIB ?? 1);

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
async function timeRuns(fn) {
  await fn(); // warm-up: file cache, JIT, esbuild service start
  const times = [];
  for (let i = 0; i < runs; i += 1) {
    const start = process.hrtime.bigint();
    await fn();
    times.push(Number(process.hrtime.bigint() - start) / 1e6);
  }
  return median(times);
}
const fmt = (ms) => `${ms.toFixed(1)} ms`;
const ratio = (a, b) => `${(a / b).toFixed(2)}x`;

async function benchBuild() {
  const out = await mkdtemp(join(tmpdir(), 'fwkit-bench-build-'));
  const platform = platformManifestFromJSON(JSON.parse(await readFile(join(repo, 'platform/platform.json'), 'utf8')));
  const models = (await readdir(join(repo, 'products'), { withFileTypes: true })).filter((d) => d.isDirectory()).map((d) => d.name);
  const products = await Promise.all(
    models.map(async (m) => productManifestFromJSON(JSON.parse(await readFile(join(repo, 'products', m, 'product.json'), 'utf8')))),
  );
  const trust = trustRootFromJSON(
    JSON.parse(await readFile(join(repo, 'keys.example/root.json'), 'utf8')),
    new Date('2026-06-01T00:00:00Z'),
  );
  const { loadPemSigner } = await import('@fwkit/signing');
  const signers = await Promise.all(['targets-1', 'targets-2'].map((k) => loadPemSigner(join(repo, 'keys.example', `${k}.key.pem`))));

  const esbuildOnly = () =>
    Promise.all(
      products.flatMap((product) =>
        Object.values(platform.domains).map((domain) =>
          esbuild({
            absWorkingDir: repo,
            entryPoints: [join(repo, 'platform', domain.entry)],
            bundle: true,
            platform: 'node',
            format: 'esm',
            target: 'node20',
            write: false,
            metafile: true,
            logLevel: 'silent',
            define: {
              __FWKIT_BUILD__: JSON.stringify({
                model: product.id,
                modelName: product.name,
                firmware: '0.0.0',
                platform: '0.0.0',
                hardwareRevisions: [],
              }),
            },
            plugins: [
              {
                name: 'drivers',
                setup(b) {
                  b.onResolve({ filter: /^fwkit:drivers$/ }, () => ({ path: join(repo, 'products', product.id, product.drivers) }));
                },
              },
            ],
          }),
        ),
      ),
    );
  const fwkitBuild = () => buildProducts({ repoRoot: repo, outDir: out, sourceDateEpoch: 1767225600, signers, trust });

  const esbuildMs = await timeRuns(esbuildOnly);
  const fwkitMs = await timeRuns(fwkitBuild);
  await rm(out, { recursive: true, force: true });
  console.log(`\n## Build: ${products.length} products × ${Object.keys(platform.domains).length} domains (median of ${runs})`);
  console.log(`esbuild alone (same entry points) ${fmt(esbuildMs)}`);
  console.log(`fwkit build (bundle + SBOM + sign + write + verify) ${fmt(fwkitMs)}  → ${ratio(fwkitMs, esbuildMs)} esbuild alone`);
}

/** A child process that prints its wall time and peak RSS: fwkit verify as a device would run it. */
function runVerify(imagePath, rootPath, extra = []) {
  const code = `
    const { main } = await import(${JSON.stringify(join(repo, 'packages/cli/dist/main.js'))});
    const { processIo } = await import(${JSON.stringify(join(repo, 'packages/cli/dist/process-io.js'))});
    const start = process.hrtime.bigint();
    const status = await main(['verify', process.argv[1], '--trust', process.argv[2], '--any-device', '--now', '${TEST_NOW.toISOString()}', ...${JSON.stringify(extra)}], { ...processIo(), out() {} });
    const ms = Number(process.hrtime.bigint() - start) / 1e6;
    // VmHWM, not getrusage's maxRSS: Linux carries ru_maxrss across exec, so the child would report its parent's peak.
    const hwm = Number(/VmHWM:\\s+(\\d+) kB/.exec((await import('node:fs')).readFileSync('/proc/self/status', 'utf8'))[1]);
    process.stderr.write(JSON.stringify({ status, ms, maxRssKiB: hwm }));`;
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--input-type=module', '-e', code, imagePath, rootPath], {
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let err = '';
    child.stderr.on('data', (d) => (err += d));
    child.on('close', () => {
      try {
        const result = JSON.parse(err);
        if (result.status !== 0) reject(new Error(`verify failed: ${err}`));
        else resolve(result);
      } catch {
        reject(new Error(`verify child failed: ${err}`));
      }
    });
  });
}

async function sha256File(path) {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(path, { highWaterMark: 1 << 20 })) hash.update(chunk);
  return hash.digest('hex');
}

async function benchVerify() {
  const dir = await mkdtemp(join(tmpdir(), 'fwkit-bench-verify-'));
  try {
    const size = imageGiB * 1024 ** 3;
    // Incompressible bytes; a 1 MiB random block repeated (hashing cost does not depend on content).
    const payload = new Uint8Array(size);
    const block = randomBytes(1 << 20);
    for (let offset = 0; offset < size; offset += block.length)
      payload.set(block.subarray(0, Math.min(block.length, size - offset)), offset);
    const { json } = makeTrustRoot({ targetsKeys: [testKeys.targets1], targetsThreshold: 1 });
    const image = await makeImage({
      payloads: [{ path: 'app/main.js', domain: 'app', bytes: payload }],
      signers: [testKeys.targets1.signer],
    });
    const imagePath = join(dir, 'big.fwimg');
    const rootPath = join(dir, 'root.json');
    await writeFile(imagePath, image.bytes);
    await writeFile(rootPath, JSON.stringify(json));
    const bytes = (await stat(imagePath)).size;

    const hashMs = await timeRuns(() => sha256File(imagePath));
    const verifyRuns = [];
    const digestRuns = [];
    await runVerify(imagePath, rootPath); // warm-up
    // Alternating, so that both see the same machine load.
    for (let i = 0; i < Math.min(runs, 3); i += 1) {
      verifyRuns.push(await runVerify(imagePath, rootPath));
      digestRuns.push(await runVerify(imagePath, rootPath, ['--file-digest']));
    }
    const verifyMs = median(verifyRuns.map((r) => r.ms));
    const digestMs = median(digestRuns.map((r) => r.ms));
    const rssMiB = Math.max(...verifyRuns.map((r) => r.maxRssKiB)) / 1024;
    const gib = bytes / 1024 ** 3;
    console.log(`\n## Verify: ${gib.toFixed(2)} GiB synthetic image (median of ${verifyRuns.length})`);
    console.log(`node:crypto SHA-256 over the file (1 MiB reads) ${fmt(hashMs)} = ${(gib / (hashMs / 1000)).toFixed(2)} GiB/s`);
    console.log(
      `fwkit verify ${fmt(verifyMs)} = ${(gib / (verifyMs / 1000)).toFixed(2)} GiB/s → throughput ${ratio(hashMs, verifyMs)} of the SHA-256 baseline`,
    );
    console.log(
      `fwkit verify --file-digest ${fmt(digestMs)} = ${(gib / (digestMs / 1000)).toFixed(2)} GiB/s → throughput ${ratio(hashMs, digestMs)} of the SHA-256 baseline (a second hash of every byte)`,
    );
    console.log(
      `fwkit verify peak RSS ${rssMiB.toFixed(0)} MiB for a ${(bytes / 1024 ** 2).toFixed(0)} MiB image (${(((rssMiB * 1024 ** 2) / bytes) * 100).toFixed(1)}% of its size)`,
    );
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** Wall time of one whole child process, spawn to exit, in ms. */
function processMs(args) {
  return new Promise((resolve, reject) => {
    const start = process.hrtime.bigint();
    const child = spawn(process.execPath, args, { stdio: 'ignore' });
    child.on('error', reject);
    child.on('close', (code) => {
      if (code === 0) resolve(Number(process.hrtime.bigint() - start) / 1e6);
      else reject(new Error(`node ${args.join(' ')} exited ${code}`));
    });
  });
}

async function benchStartup() {
  const n = Math.max(runs, 7);
  const help = [join(repo, 'packages/cli/dist/bin.js'), '--help'];
  const bare = ['-e', '0'];
  await processMs(bare); // warm-up: page cache
  await processMs(help);
  const bareMs = [];
  const helpMs = [];
  for (let i = 0; i < n; i += 1) {
    // Alternating, so that a busy moment on the machine hits both.
    bareMs.push(await processMs(bare));
    helpMs.push(await processMs(help));
  }
  const b = median(bareMs);
  const h = median(helpMs);
  console.log(`\n## Start-up, whole process (median of ${n}, alternating)`);
  console.log(`node -e 0 ${fmt(b)}`);
  console.log(`fwkit --help ${fmt(h)}  → ${ratio(h, b)} node -e 0`);
}

const onlyAt = process.argv.indexOf('--only');
const only = onlyAt === -1 ? undefined : process.argv[onlyAt + 1];
const PARTS = ['build', 'verify', 'matrix', 'startup'];
if (only !== undefined && !PARTS.includes(only)) throw new Error(`--only ${only}: not one of ${PARTS.join(', ')}`);

console.log(`fwkit benchmarks — Node ${process.version}, ${(await import('node:os')).cpus().length} cores`);
if (only === undefined || only === 'build') await benchBuild();
if (only === undefined || only === 'verify') await benchVerify();
if (only === undefined || only === 'matrix') {
  console.log('\n## Compatibility matrix');
  await benchMatrix();
}
if (only === undefined || only === 'startup') await benchStartup();
