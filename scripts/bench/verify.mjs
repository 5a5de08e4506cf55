import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, rm, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { DEVICE_BUNDLE_LIMIT } from '../build-device.mjs';
import { alternate, fwkitClis, median, MiB, ms, onPath, PACKAGES, PATHS, row, runs, skipped, warm, work } from './harness.mjs';

// Verify: fwkit verify and the device bundle against mender-artifact validate, same payload bytes.

const verifySizesMiB = (process.env.BENCH_VERIFY_MIB ?? '256,1024').split(',').map(Number);
/** Issue 7's verify targets: fwkit's throughput as a multiple of mender-artifact validate's. */
const VERIFY_TARGETS = new Map([
  [256, 0.8],
  [1024, 1.0],
]);

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

export async function makeVerifyInputs(dir, sizeMiB) {
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

export async function benchVerify() {
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
    // The limit test/device-bundle.test.ts holds it to (96 KiB until the launcher's sandboxes joined, issue 11).
    row(
      'device bundle size (minified)',
      `${(bytes / 1024).toFixed(1)} KiB`,
      '',
      '',
      `≤ ${DEVICE_BUNDLE_LIMIT / 1024} KiB`,
      bytes <= DEVICE_BUNDLE_LIMIT,
    );
  }
}
