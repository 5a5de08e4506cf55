import { existsSync } from 'node:fs';
import { mkdir, readFile, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { median, MiB, ms, PACKAGES, PATHS, row, runProcess, runs, skipped, warm, work } from './harness.mjs';
import { makeVerifyInputs } from './verify.mjs';

const installSizeMiB = Number(process.env.BENCH_INSTALL_MIB ?? 1024);

// Install (issue 9): `fwkit-device install` of a large image through the device bundle, against
// the device bundle's `verify` of the same image and a plain write + fsync of the same bytes into
// the same filesystem (rewriting a copy in place, as the installer rewrites its inactive slot; a
// copy that replaces the old one is shown beside it); its peak RSS against `node -e 0`.

/**
 * Writes the image's bytes to a file the plain way: read in 4 MiB chunks, write, fsync, close.
 * `replace` removes the previous copy first and writes a new file (what `cp` does: the old blocks
 * are freed, new ones allocated); `in-place` rewrites the previous copy's blocks and truncates it,
 * the way the installer rewrites the inactive slot's payload: the floor of any installer here.
 */
const WRITE_FSYNC = `
const fs = require('node:fs');
const [mode, from, to] = process.argv.slice(1);
if (mode === 'replace') fs.rmSync(to, { force: true });
const input = fs.openSync(from, 'r');
const output = fs.openSync(to, fs.existsSync(to) ? 'r+' : 'w');
const chunk = Buffer.allocUnsafe(4 * 1024 * 1024);
let size = 0;
for (let n; (n = fs.readSync(input, chunk, 0, chunk.length, null)) > 0; size += n) fs.writeSync(output, chunk, 0, n, size);
fs.ftruncateSync(output, size);
fs.fsyncSync(output);
fs.closeSync(output);
fs.closeSync(input);
`;

export async function benchInstall() {
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
    const write = (mode) => ({
      command: process.execPath,
      args: ['-e', WRITE_FSYNC, mode, inputs.imagePath, join(deviceDir, `copy-${mode}`)],
    });
    const [writeInPlace, writeReplace] = [write('in-place'), write('replace')];
    const bare = { command: process.execPath, args: ['-e', '0'] };
    // After each install the trial is reverted (not timed): the next install writes the same inactive slot again.
    const revert = () => runProcess(process.execPath, [PATHS.deviceBundle, 'revert', deviceDir]);
    await warm(inputs.imagePath);
    const commands = [install, verify, writeInPlace, bare, writeReplace];
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
    const [ti, tv, tw, , tr] = results.map((r) => median(r.ms));
    const imageMiB = (await stat(inputs.imagePath)).size / MiB;
    const throughput = (t) => `${(imageMiB / 1024 / (t / 1000)).toFixed(2)} GiB/s`;
    // The slower of the two baselines bounds the installer: it must verify and write every byte.
    const ratio = Math.max(tv, tw) / ti;
    row(`device bundle \`verify\`, ${label} payload`, `${ms(tv)} (${throughput(tv)})`, '', '', '');
    row(`write + fsync of the image (same filesystem), rewriting a copy in place, ${label}`, `${ms(tw)} (${throughput(tw)})`, '', '', '');
    row(`write + fsync of the image (same filesystem), replacing a copy, ${label}`, `${ms(tr)} (${throughput(tr)})`, '', '', '');
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
