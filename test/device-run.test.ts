import { cp, mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TarReader, openImageFile } from '@fwkit/device-image';
import { startFirmware, type FirmwareLaunch, type RunningFirmware } from '@fwkit/device-run';
import { REPO, fwkit, processesOf } from './helpers.js';

// @fwkit/device-run with real processes: the four products' images built by the real CLI, their
// payloads extracted as an installer's slot would hold them, started and judged over loopback;
// and small stand-in firmwares that crash, hang, stay silent or report frozen counters.

interface Slot {
  readonly model: string;
  readonly version: string;
  readonly payloadDir: string;
  readonly supervisorEntry: string;
}

let dir: string;
const slots = new Map<string, Slot>();
const MODELS = (await readdir(join(REPO, 'products'), { withFileTypes: true })).filter((d) => d.isDirectory()).map((d) => d.name);

/** The payload files of an image, at their manifest paths under `to` (what a slot holds after install). */
async function extractSlot(image: string, to: string): Promise<Slot> {
  const reader = new TarReader(openImageFile(image));
  let manifest: { model: string; versions: { firmware: string }; domains: { supervisor: { entry: string } } } | undefined;
  for (let entry = await reader.next(); entry !== null; entry = await reader.next()) {
    const bytes = await reader.readRest();
    if (entry.name === 'manifest.json') manifest = JSON.parse(Buffer.from(bytes).toString('utf8')) as typeof manifest;
    if (entry.name.startsWith('payload/')) {
      const path = join(to, entry.name.slice('payload/'.length));
      await mkdir(dirname(path), { recursive: true });
      await writeFile(path, bytes);
    }
  }
  if (manifest === undefined) throw new Error(`${image} has no manifest`);
  return { model: manifest.model, version: manifest.versions.firmware, payloadDir: to, supervisorEntry: manifest.domains.supervisor.entry };
}

/** A payload directory holding one stand-in supervisor script (CommonJS, like a tiny firmware). */
async function fakeSlot(name: string, script: string, extra: Record<string, string> = {}): Promise<string> {
  const payloadDir = join(dir, 'fake', name);
  await mkdir(join(payloadDir, 'supervisor'), { recursive: true });
  await writeFile(join(payloadDir, 'supervisor', 'main.js'), script);
  for (const [path, text] of Object.entries(extra)) {
    await mkdir(dirname(join(payloadDir, path)), { recursive: true });
    await writeFile(join(payloadDir, path), text);
  }
  return payloadDir;
}

const started: RunningFirmware[] = [];
async function start(launch: FirmwareLaunch): Promise<RunningFirmware> {
  const fw = await startFirmware(launch);
  started.push(fw);
  return fw;
}

async function expectGone(fw: RunningFirmware, marker: string): Promise<void> {
  await fw.exited;
  expect(await processesOf(marker)).toEqual([]);
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'fwkit-device-run-'));
  // SOURCE_DATE_EPOCH: the fresh-machine run's checkout has no git commit to take the build time from.
  const built = await fwkit(['build', '--all', '--keys', 'keys.example', '--out', join(dir, 'out'), '--json'], {
    env: { SOURCE_DATE_EPOCH: '1767225600' },
  });
  expect(built.code, built.stderr).toBe(0);
  for (const model of MODELS) {
    const images = (await readdir(join(dir, 'out', model))).filter((name) => name.endsWith('.fwimg'));
    expect(images).toHaveLength(1);
    slots.set(model, await extractSlot(join(dir, 'out', model, images[0] ?? ''), join(dir, 'slots', model)));
  }
});

afterAll(async () => {
  await Promise.all(started.map((fw) => fw.stop()));
  await rm(dir, { recursive: true, force: true });
});

function slot(model: string): Slot {
  const found = slots.get(model);
  if (found === undefined) throw new Error(`no slot for ${model}`);
  return found;
}

const launchOf = (s: Slot, overrides: Partial<FirmwareLaunch> = {}): FirmwareLaunch => ({
  payloadDir: s.payloadDir,
  supervisorEntry: s.supervisorEntry,
  expect: { model: s.model, version: s.version },
  env: { FWKIT_HARDWARE_REVISION: 'A', FWKIT_SERIAL_NUMBER: `SN-${s.model}` },
  ...overrides,
});

describe('startFirmware with the products’ real firmware', () => {
  it('finds the four products', () => {
    expect(MODELS).toHaveLength(4);
  });

  it.each(MODELS)('%s boots healthy with its model, version and live counters, and stops leaving no process', async (model) => {
    const s = slot(model);
    const fw = await start(launchOf(s));
    expect(fw.verdict).toMatchObject({ ok: true, model: s.model, version: s.version });
    if (!fw.verdict.ok) return;
    expect(fw.verdict.counters.framesProduced).toBeGreaterThan(0);
    expect(fw.verdict.counters.seq).toBeGreaterThan(0);
    // supervisor, core and protocol, all from the slot
    expect((await processesOf(s.payloadDir)).length).toBe(3);
    // The identity facts reached the protocol domain.
    const device = (await (await fetch(`http://127.0.0.1:${fw.verdict.port}/api/device`)).json()) as Record<string, unknown>;
    expect(device).toMatchObject({ model: s.model, firmware: s.version, hardwareRevision: 'A', serialNumber: `SN-${s.model}` });

    await fw.stop();
    await expectGone(fw, s.payloadDir);
    await fw.stop(); // idempotent
  });

  it('hands the firmware only the identity facts, nothing of the launcher’s environment', async () => {
    const s = slot('ptz-4k');
    const fw = await start(launchOf(s));
    expect(fw.verdict.ok).toBe(true);
    const names = new Set<string>();
    for (const pid of await processesOf(s.payloadDir)) {
      const environ = await readFile(`/proc/${pid}/environ`, 'utf8');
      for (const pair of environ.split('\0').filter((p) => p !== '')) names.add(pair.slice(0, pair.indexOf('=')));
    }
    // The supervisor adds FWKIT_DOMAIN and the protocol's FWKIT_HTTP_PORT for its domains.
    expect([...names].sort()).toEqual(['FWKIT_DOMAIN', 'FWKIT_HARDWARE_REVISION', 'FWKIT_HTTP_PORT', 'FWKIT_SERIAL_NUMBER']);
    await fw.stop();
    await expectGone(fw, s.payloadDir);
  });

  it('settles `exited` with no process left when a domain dies after a healthy verdict', async () => {
    const s = slot('thermal-t640');
    const fw = await start(launchOf(s));
    expect(fw.verdict.ok).toBe(true);
    const core = (await processesOf(join(s.payloadDir, 'core'))).at(0);
    expect(core).toBeDefined();
    process.kill(core ?? 0, 'SIGKILL');
    await expectGone(fw, s.payloadDir);
  });

  it('HEALTH_MISMATCH on a version or model other than the signed manifest’s, and the firmware is stopped', async () => {
    const s = slot('exd-fixed-2mp');
    for (const expected of [
      { model: s.model, version: '9.9.9' },
      { model: 'ptz-4k', version: s.version },
    ]) {
      const fw = await start(launchOf(s, { expect: expected }));
      expect(fw.verdict).toMatchObject({ ok: false, code: 'HEALTH_MISMATCH' });
      expect(await processesOf(s.payloadDir)).toEqual([]);
      await expectGone(fw, s.payloadDir);
    }
  });

  it('FIRMWARE_CRASHED with the exit code and stderr when a domain fails at startup (core bundle replaced)', async () => {
    const s = slot('legacy-fixed-1080');
    const copy = join(dir, 'broken-core');
    await cp(s.payloadDir, copy, { recursive: true });
    await writeFile(
      join(copy, 'core', 'main.js'),
      "process.stderr.write('[core] DRIVER_INVALID: no sensor on the bus\\n');\nprocess.exit(2);\n",
    );
    const fw = await start(launchOf(s, { payloadDir: copy }));
    expect(fw.verdict).toMatchObject({ ok: false, code: 'FIRMWARE_CRASHED' });
    if (fw.verdict.ok) return;
    expect(fw.verdict.reason).toContain('exited with code 1'); // the supervisor stops the firmware as a whole
    expect(fw.verdict.reason).toContain('core exited (code 2)');
    await expectGone(fw, copy);
  });
});

describe('startFirmware with stand-in firmware', () => {
  it('FIRMWARE_CRASHED with code and the last stderr lines, bounded, when the supervisor exits at once', async () => {
    const lines = Array.from({ length: 40 }, (_, i) => `line ${i} ${'x'.repeat(i === 39 ? 5000 : 10)}`);
    const payloadDir = await fakeSlot('exits-3', `process.stderr.write(${JSON.stringify(`${lines.join('\n')}\n`)});\nprocess.exit(3);\n`);
    const fw = await start({ payloadDir, supervisorEntry: 'supervisor/main.js', expect: { model: 'm', version: '1.0.0' } });
    expect(fw.verdict).toMatchObject({ ok: false, code: 'FIRMWARE_CRASHED' });
    if (fw.verdict.ok) return;
    expect(fw.verdict.reason).toContain('exited with code 3');
    expect(fw.verdict.reason).toContain('line 38');
    expect(fw.verdict.reason).not.toContain('line 10 ');
    expect(fw.verdict.reason.length).toBeLessThan(4096);
    await expectGone(fw, payloadDir);
  });

  it('HEALTH_TIMEOUT for a firmware that listens but never answers; its whole group is killed, SIGTERM ignored or not', async () => {
    // The supervisor announces a port whose server never responds, and starts a child that ignores SIGTERM.
    const payloadDir = await fakeSlot(
      'hangs',
      `const { spawn } = require('node:child_process');
const { createServer } = require('node:http');
if (process.argv[2] === 'child') {
  process.on('SIGTERM', () => {});
  setInterval(() => {}, 1000);
} else {
  spawn(process.execPath, [__filename, 'child'], { stdio: 'ignore' });
  const server = createServer(() => {});
  server.listen(0, '127.0.0.1', () => {
    process.stdout.write('protocol: listening on http://127.0.0.1:' + server.address().port + '\\n');
  });
}
`,
    );
    const fw = await start({
      payloadDir,
      supervisorEntry: 'supervisor/main.js',
      expect: { model: 'm', version: '1.0.0' },
      healthTimeoutMs: 1500,
    });
    expect(fw.verdict).toMatchObject({ ok: false, code: 'HEALTH_TIMEOUT' });
    if (fw.verdict.ok) return;
    expect(fw.verdict.reason).toContain('/api/device never answered');
    await expectGone(fw, payloadDir);
  });

  it('HEALTH_TIMEOUT for a firmware that never announces its port', async () => {
    const payloadDir = await fakeSlot('silent', 'setInterval(() => {}, 1000);\n');
    const fw = await start({
      payloadDir,
      supervisorEntry: 'supervisor/main.js',
      expect: { model: 'm', version: '1.0.0' },
      healthTimeoutMs: 800,
    });
    expect(fw.verdict).toMatchObject({ ok: false, code: 'HEALTH_TIMEOUT' });
    if (fw.verdict.ok) return;
    expect(fw.verdict.reason).toContain('never printed');
    await expectGone(fw, payloadDir);
  });

  it('HEALTH_MISMATCH when the core’s reports keep coming but no frame is produced (counters not live)', async () => {
    const payloadDir = await fakeSlot(
      'frozen',
      `const { createServer } = require('node:http');
let seq = 0;
const server = createServer((req, res) => {
  res.setHeader('content-type', 'application/json');
  if (req.url === '/api/device') return res.end(JSON.stringify({ model: 'm', firmware: '1.0.0' }));
  seq += 1;
  res.end(JSON.stringify({ status: 'ok', core: { seq, uptimeMs: seq * 1000, frames: { produced: 42, dropped: 0, fps: 0 },
    compression: { frames: 42 }, memory: { rssBytes: 1 } } }));
});
server.listen(0, '127.0.0.1', () => {
  process.stdout.write('protocol: listening on http://127.0.0.1:' + server.address().port + '\\n');
});
`,
    );
    const fw = await start({ payloadDir, supervisorEntry: 'supervisor/main.js', expect: { model: 'm', version: '1.0.0' } });
    expect(fw.verdict).toMatchObject({ ok: false, code: 'HEALTH_MISMATCH' });
    if (fw.verdict.ok) return;
    expect(fw.verdict.reason).toContain('not live');
    await expectGone(fw, payloadDir);
  });

  it('FIRMWARE_START_FAILED without a process for a missing entry, an entry outside the slot, or a secret in the environment', async () => {
    const payloadDir = await fakeSlot('empty', 'process.exit(0);\n');
    const base: FirmwareLaunch = { payloadDir, supervisorEntry: 'supervisor/main.js', expect: { model: 'm', version: '1.0.0' } };
    const launches: FirmwareLaunch[] = [
      { ...base, supervisorEntry: 'supervisor/missing.js' },
      { ...base, supervisorEntry: '../empty/supervisor/main.js' },
      { ...base, supervisorEntry: '/bin/sh' },
      { ...base, payloadDir: join(dir, 'no-such-slot') },
      { ...base, env: { FWKIT_DEVICE_KEY: '/device/key.pem' } },
      { ...base, env: { NODE_OPTIONS: '--require /tmp/x.js' } },
    ];
    for (const launch of launches) {
      const fw = await start(launch);
      expect(fw.verdict, JSON.stringify(launch)).toMatchObject({ ok: false, code: 'FIRMWARE_START_FAILED' });
      await fw.exited;
      await fw.stop();
    }
  });
});
