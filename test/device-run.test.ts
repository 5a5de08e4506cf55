import { cp, mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TarReader, openImageFile } from '@fwkit/device-image';
import { startFirmware, type DomainLaunch, type FirmwareLaunch, type RunningFirmware } from '@fwkit/device-run';
import { REPO, fwkit, processesOf } from './helpers.js';

// @fwkit/device-run with real processes, in the development mode (plain processes: this file runs
// on any machine; test/isolation.test.ts runs the sandboxes): the four products' images built by
// the real CLI, their payloads extracted as an installer's slot would hold them, started and judged
// over loopback; and small stand-in firmwares that crash, hang, keep dying or report frozen counters.

interface Slot {
  readonly model: string;
  readonly version: string;
  readonly payloadDir: string;
  readonly domains: Readonly<Record<string, DomainLaunch>>;
}

let dir: string;
const slots = new Map<string, Slot>();
const MODELS = (await readdir(join(REPO, 'products'), { withFileTypes: true })).filter((d) => d.isDirectory()).map((d) => d.name);

/** The payload files of an image, at their manifest paths under `to` (what a slot holds after install). */
async function extractSlot(image: string, to: string): Promise<Slot> {
  const reader = new TarReader(openImageFile(image));
  let manifest: { model: string; versions: { firmware: string }; domains: Record<string, DomainLaunch> } | undefined;
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
  return { model: manifest.model, version: manifest.versions.firmware, payloadDir: to, domains: manifest.domains };
}

const IDLE = 'setInterval(() => {}, 60_000);\n';
const grants = (user: string, listen: string[] = []): DomainLaunch['grants'] => ({ user, listen, read: [], write: [], ipc: [] });

/**
 * A stand-in firmware (CommonJS scripts, like a tiny firmware): an idle relay and an API domain
 * that listens on the socket the launcher hands it (FWKIT_LISTEN_FD), unless the scripts say otherwise.
 */
async function fakeSlot(name: string, scripts: { supervisor?: string; protocol: string }): Promise<FirmwareLaunch> {
  const payloadDir = join(dir, 'fake', name);
  for (const [domain, script] of Object.entries({ supervisor: IDLE, ...scripts })) {
    await mkdir(join(payloadDir, domain), { recursive: true });
    await writeFile(join(payloadDir, domain, 'main.js'), script);
  }
  return {
    payloadDir,
    domains: {
      supervisor: { entry: 'supervisor/main.js', grants: grants('fw-supervisor') },
      protocol: { entry: 'protocol/main.js', grants: grants('fw-protocol', ['127.0.0.1:8080']) },
    },
    expect: { model: 'm', version: '1.0.0' },
    isolation: { mode: 'none' },
    listenPort: 0,
  };
}

/** A protocol domain serving `handler` (a function source) on the launcher's socket. */
const serving = (handler: string) => `require('node:http').createServer(${handler}).listen({ fd: Number(process.env.FWKIT_LISTEN_FD) });\n`;

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
  domains: s.domains,
  expect: { model: s.model, version: s.version },
  env: { FWKIT_HARDWARE_REVISION: 'A', FWKIT_SERIAL_NUMBER: `SN-${s.model}` },
  isolation: { mode: 'none' },
  listenPort: 0,
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
    // The launcher adds FWKIT_DOMAIN, the protocol's FWKIT_LISTEN_FD and Node's own control channel names for the supervisor.
    expect([...names].sort()).toEqual([
      'FWKIT_DOMAIN',
      'FWKIT_HARDWARE_REVISION',
      'FWKIT_LISTEN_FD',
      'FWKIT_SERIAL_NUMBER',
      'NODE_CHANNEL_FD',
      'NODE_CHANNEL_SERIALIZATION_MODE',
    ]);
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
    expect(fw.verdict.reason).toContain('the core domain exited with code 2');
    expect(fw.verdict.reason).toContain('DRIVER_INVALID: no sensor on the bus');
    await expectGone(fw, copy);
  });
});

describe('startFirmware with stand-in firmware', () => {
  it('FIRMWARE_CRASHED with code and the last stderr lines, bounded, when the supervisor exits at once', async () => {
    const lines = Array.from({ length: 40 }, (_, i) => `line ${i} ${'x'.repeat(i === 39 ? 5000 : 10)}`);
    const launch = await fakeSlot('exits-3', {
      supervisor: `process.stderr.write(${JSON.stringify(`${lines.join('\n')}\n`)});\nprocess.exit(3);\n`,
      protocol: IDLE,
    });
    const fw = await start(launch);
    expect(fw.verdict).toMatchObject({ ok: false, code: 'FIRMWARE_CRASHED' });
    if (fw.verdict.ok) return;
    expect(fw.verdict.reason).toContain('the supervisor domain exited with code 3');
    expect(fw.verdict.reason).toContain('line 38');
    expect(fw.verdict.reason).not.toContain('line 10 ');
    expect(fw.verdict.reason.length).toBeLessThan(4096);
    await expectGone(fw, launch.payloadDir);
  });

  it('HEALTH_TIMEOUT for a firmware that accepts but never answers; its whole group is killed, SIGTERM ignored or not', async () => {
    // The API domain accepts and never responds, and starts a child that ignores SIGTERM.
    const launch = await fakeSlot('hangs', {
      protocol: `const { spawn } = require('node:child_process');
if (process.argv[2] === 'child') {
  process.on('SIGTERM', () => {});
  setInterval(() => {}, 1000);
} else {
  spawn(process.execPath, [__filename, 'child'], { stdio: 'ignore' });
  ${serving('() => {}')}
}
`,
    });
    const fw = await start({ ...launch, healthTimeoutMs: 1500 });
    expect(fw.verdict).toMatchObject({ ok: false, code: 'HEALTH_TIMEOUT' });
    if (fw.verdict.ok) return;
    expect(fw.verdict.reason).toContain('/api/device never answered');
    await expectGone(fw, launch.payloadDir);
  });

  it('restarts an API domain that keeps dying, with back-off, while the relay lives; HEALTH_TIMEOUT in the end', async () => {
    const launch = await fakeSlot('dies', {
      // A relay that asks for a restart the moment the launcher attaches the domain's channel (its end closes when the domain dies).
      supervisor: `process.on('message', (m, socket) => { socket.on('close', () => process.send({ type: 'fwkit.restart', domain: m.domain })); socket.resume(); });\n${IDLE}`,
      protocol: 'process.exit(1);\n',
    });
    const fw = await start({ ...launch, healthTimeoutMs: 2000 });
    expect(fw.verdict).toMatchObject({ ok: false, code: 'HEALTH_TIMEOUT' });
    // 250 + 500 + 1000 ms of back-off fit in 2 s; without back-off it would be dozens.
    expect(fw.restarts().get('protocol')).toBeGreaterThanOrEqual(1);
    expect(fw.restarts().get('protocol')).toBeLessThanOrEqual(4);
    await expectGone(fw, launch.payloadDir);
  });

  it('HEALTH_MISMATCH when the core’s reports keep coming but no frame is produced (counters not live)', async () => {
    const launch = await fakeSlot('frozen', {
      protocol: `let seq = 0;
${serving(`(req, res) => {
  res.setHeader('content-type', 'application/json');
  if (req.url === '/api/device') return res.end(JSON.stringify({ model: 'm', firmware: '1.0.0' }));
  seq += 1;
  res.end(JSON.stringify({ status: 'ok', core: { seq, uptimeMs: seq * 1000, frames: { produced: 42, dropped: 0, fps: 0 },
    compression: { frames: 42 }, memory: { rssBytes: 1 } } }));
}`)}`,
    });
    const fw = await start(launch);
    expect(fw.verdict).toMatchObject({ ok: false, code: 'HEALTH_MISMATCH' });
    if (fw.verdict.ok) return;
    expect(fw.verdict.reason).toContain('not live');
    await expectGone(fw, launch.payloadDir);
  });

  it('FIRMWARE_START_FAILED without a process for a missing entry, an entry outside the slot, a secret in the environment, no API', async () => {
    const base = await fakeSlot('empty', { protocol: 'process.exit(0);\n' });
    const withEntry = (entry: string): FirmwareLaunch => ({
      ...base,
      domains: { ...base.domains, protocol: { entry, grants: grants('fw-protocol', ['127.0.0.1:8080']) } },
    });
    const launches: FirmwareLaunch[] = [
      withEntry('protocol/missing.js'),
      withEntry('../empty/protocol/main.js'),
      withEntry('/bin/sh'),
      { ...base, payloadDir: join(dir, 'no-such-slot') },
      { ...base, env: { FWKIT_DEVICE_KEY: '/device/key.pem' } },
      { ...base, env: { NODE_OPTIONS: '--require /tmp/x.js' } },
      { ...base, domains: { protocol: base.domains['protocol'] as DomainLaunch } },
      { ...base, domains: { ...base.domains, protocol: { entry: 'protocol/main.js', grants: grants('fw-protocol') } } },
      { ...base, isolation: { mode: 'os', stateDir: 'relative', uidBase: 100_000 } },
    ];
    for (const launch of launches) {
      const fw = await start(launch);
      expect(fw.verdict, JSON.stringify(launch)).toMatchObject({ ok: false, code: 'FIRMWARE_START_FAILED' });
      await fw.exited;
      await fw.stop();
    }
    expect(await processesOf(base.payloadDir)).toEqual([]);
  });
});
