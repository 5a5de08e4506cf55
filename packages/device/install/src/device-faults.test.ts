import { spawn, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startFirmware } from '@fwkit/device-run';
import { makeImage, rejectedCode, TEST_NOW } from '@fwkit/test-utils';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Device, type DurableEvent } from './device.js';
import { BLOCK, healthyRunner, identity, image, now, rootJson, stream } from './device.test-support.js';
import { provision } from './provision.js';
import { SimStorage } from './sim-storage.js';

// Faults with real parts: a firmware whose health check hangs, started by the real launcher; a
// full disk as a real ENOSPC from a small tmpfs in a private mount namespace (root only).

let root: string;

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'fwkit-install-faults-'));
});

afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

const sha = (bytes: Uint8Array): string => createHash('sha256').update(bytes).digest('hex');

/** Live (not zombie) processes whose command line mentions `marker`, found without the firmware's help. */
async function processesOf(marker: string): Promise<number[]> {
  const found: number[] = [];
  for (const pid of (await readdir('/proc')).filter((name) => /^\d+$/.test(name))) {
    try {
      const cmdline = await readFile(`/proc/${pid}/cmdline`, 'utf8');
      const stat = await readFile(`/proc/${pid}/stat`, 'utf8');
      if (cmdline.includes(marker) && stat.slice(stat.lastIndexOf(')') + 2)[0] !== 'Z') found.push(Number(pid));
    } catch {
      // exited while listed
    }
  }
  return found;
}

/** A supervisor that announces its port and never answers on it (CommonJS, as the launcher runs it). */
/** A protocol domain that accepts on the socket the launcher bound and never answers; a relay that idles. */
const HANGS = `require('node:net').createServer(() => {}).listen({ fd: Number(process.env.FWKIT_LISTEN_FD) });\n`;
const IDLES = 'setInterval(() => {}, 60_000);\n';

describe('a hung health check with the real launcher', () => {
  it('the trial attempt is used, the firmware stopped, and the device reverts', async () => {
    const dir = join(root, 'hang');
    const factory = await image('1.0.0', 1, { blobBlocks: 1 });
    const update = await makeImage({
      blockSize: BLOCK,
      firmware: '1.1.0',
      security: 2,
      payloads: [
        { path: 'supervisor/main.js', domain: 'supervisor', bytes: new TextEncoder().encode(IDLES) },
        { path: 'protocol/main.js', domain: 'protocol', bytes: new TextEncoder().encode(HANGS) },
      ],
      mutateManifest: (manifest) => {
        const protocol = (manifest.domains as Record<string, { grants: { listen: string[] } }>)['protocol'];
        if (protocol !== undefined) protocol.grants = { ...protocol.grants, listen: ['127.0.0.1:8080'] };
      },
    });
    await provision(dir, {
      identity: identity(),
      trustRoot: rootJson,
      factoryImage: stream(factory.bytes),
      policy: { trialAttempts: 1 },
      device: { now },
    });
    const events: DurableEvent[] = [];
    const device = new Device(dir, { now, onDurable: (e) => events.push(e) });
    await device.install(stream(update.bytes));
    const booted = await device.boot({ runner: startFirmware, healthTimeoutMs: 700, isolation: 'none' });
    // The attempt was recorded before the start, then the timeout, then the revert.
    const records = events.flatMap((e) =>
      e.kind === 'record' ? [`${e.record.state} ${e.record.attemptsLeft} ${e.record.last.result}`] : [],
    );
    expect(records.slice(-3)).toEqual(['trial 0 pending-reboot', 'trial 0 trial-failed', 'reverted 0 reverted']);
    expect(booted.trial).toBe('reverted');
    expect(booted.status).toMatchObject({ state: 'reverted', committed: { slot: 'a', version: '1.0.0' }, trial: null, securityCounter: 1 });
    expect(booted.status.last.reason).toContain('HEALTH_TIMEOUT');
    expect(await processesOf(join(dir, 'slots', 'b'))).toEqual([]);
    // The factory's stand-in supervisor exits at once: the committed slot's own verdict is not this test's.
    expect(booted.slot).toBe('a');
  });
});

// ---- a full disk -------------------------------------------------------------------------------

const DIST = fileURLToPath(new URL('../dist/index.js', import.meta.url));

/** Root, `unshare` and a tmpfs mount in a private namespace all work here. */
function canMountTmpfs(): boolean {
  if (process.getuid?.() !== 0 || !existsSync(DIST)) return false;
  const probe = spawnSync('unshare', ['-m', 'sh', '-c', 'mount -t tmpfs -o size=64k tmpfs "$1"', 'sh', tmpdir()], { stdio: 'ignore' });
  return probe.status === 0;
}
const REAL_ENOSPC = canMountTmpfs();
if (!REAL_ENOSPC)
  console.info('device-faults: not root, no unshare or no built dist: the real ENOSPC test is skipped (the simulated one runs)');

/** Provisions a device at argv[3], hashes its active slot, installs argv[5], prints what happened (JSON). */
const SCRIPT = `
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
const [lib, dir, input] = process.argv.slice(2);
const { Device, provision } = await import(lib);
const { identity, rootJson, now, factory, update } = JSON.parse(readFileSync(input, 'utf8'));
const options = { now: () => new Date(now) };
const hashes = (d) => Object.fromEntries(
  readdirSync(d, { recursive: true, withFileTypes: true }).filter((e) => e.isFile()).map((e) => {
    const path = join(e.parentPath, e.name);
    return [path.slice(d.length + 1), createHash('sha256').update(readFileSync(path)).digest('hex')];
  }),
);
await provision(dir, { identity, trustRoot: rootJson, factoryImage: factory, device: options });
const before = hashes(join(dir, 'slots/a'));
let code = null;
try {
  await new Device(dir, options).installFile(update);
} catch (error) {
  code = error.code ?? String(error);
}
const device = new Device(dir, options);
process.stdout.write(JSON.stringify({ code, before, after: hashes(join(dir, 'slots/a')), status: device.status(), slots: readdirSync(join(dir, 'slots')) }));
`;

describe('a full disk', () => {
  it.skipIf(!REAL_ENOSPC)(
    'a real ENOSPC (tmpfs in a private mount namespace): INSTALL_NO_SPACE, the active slot byte-identical, status reports it',
    async () => {
      const work = join(root, 'enospc');
      const mnt = join(work, 'mnt');
      await mkdir(mnt, { recursive: true });
      const factory = await image('1.0.0', 1, { blobBlocks: 1 });
      const update = await image('1.1.0', 2, { blobBlocks: 64 });
      await writeFile(join(work, 'factory.img'), factory.bytes);
      await writeFile(join(work, 'update.img'), update.bytes);
      await writeFile(
        join(work, 'input.json'),
        JSON.stringify({
          identity: identity(),
          rootJson,
          now: TEST_NOW.toISOString(),
          factory: join(work, 'factory.img'),
          update: join(work, 'update.img'),
        }),
      );
      await writeFile(join(work, 'script.mjs'), SCRIPT);
      // 192 KiB: the factory device fits (about 60 KiB in pages), the 256 KiB update does not.
      const run = spawnSync(
        'unshare',
        [
          '-m',
          'sh',
          '-c',
          'mount -t tmpfs -o size=192k tmpfs "$1" && exec "$2" "$3" "$4" "$1/device" "$5"',
          'sh',
          mnt,
          process.execPath,
          join(work, 'script.mjs'),
          DIST,
          join(work, 'input.json'),
        ],
        { encoding: 'utf8' },
      );
      expect(run.stderr).toBe('');
      expect(run.status).toBe(0);
      const out = JSON.parse(run.stdout) as {
        code: string;
        before: unknown;
        after: unknown;
        status: { state: string; committed: unknown; trial: unknown; last: { result: string; reason: string } };
        slots: string[];
      };
      expect(out.code).toBe('INSTALL_NO_SPACE');
      expect(out.after).toEqual(out.before);
      expect(out.status).toMatchObject({
        state: 'idle',
        committed: { slot: 'a', version: '1.0.0' },
        trial: null,
        last: { result: 'install-failed' },
      });
      expect(out.status.last.reason.startsWith('INSTALL_NO_SPACE:')).toBe(true);
      // The partial slot was dropped (it was marked invalid first) to make room for that record.
      expect(out.slots).toEqual(['a']);
    },
  );

  it('a simulated ENOSPC (SimStorage capacity): the same outcome', async () => {
    const sim = new SimStorage();
    const factory = await image('1.0.0', 1, { blobBlocks: 1 });
    const update = await image('1.1.0', 2, { blobBlocks: 16 });
    await provision(sim, { identity: identity(), trustRoot: rootJson, factoryImage: stream(factory.bytes), device: { now } });
    const used = [...sim.state.entries.values()].reduce(
      (n, node) => n + (node.kind === 'file' ? (sim.state.inodes.get(node.ino)?.byteLength ?? 0) : 0),
      0,
    );
    sim.capacity = used + 20_000;
    const slotA = (): Record<string, string> =>
      Object.fromEntries(
        [...sim.state.entries.keys()]
          .filter((p) => p.startsWith('slots/a/') && sim.state.entries.get(p)?.kind === 'file')
          .map((p) => [p, sha(sim.read(p) ?? new Uint8Array())]),
      );
    const before = slotA();
    const device = new Device(sim, { now });
    expect(await rejectedCode(device.install(stream(update.bytes, 4096)))).toBe('INSTALL_NO_SPACE');
    expect(slotA()).toEqual(before);
    expect(device.status()).toMatchObject({
      state: 'idle',
      committed: { slot: 'a', version: '1.0.0' },
      trial: null,
      last: { result: 'install-failed' },
    });
    expect(device.status().last.reason.startsWith('INSTALL_NO_SPACE:')).toBe(true);
    expect(await device.boot({ runner: healthyRunner(), isolation: 'none' })).toMatchObject({ slot: 'a', version: '1.0.0', trial: 'none' });
  });

  it('another storage error (EIO): DEVICE_IO with the system call and errno, no path, no stack of the cause', async () => {
    class FailingStorage extends SimStorage {
      override writeAt(): Promise<void> {
        const error = Object.assign(new Error('EIO: i/o error, write /srv/devices/cam-7/slots/b/payload/core/blob.bin'), {
          code: 'EIO',
          syscall: 'write',
        });
        return Promise.reject(error);
      }
    }
    const start = new SimStorage();
    const factory = await image('1.0.0', 1, { blobBlocks: 1 });
    await provision(start, { identity: identity(), trustRoot: rootJson, factoryImage: stream(factory.bytes), device: { now } });
    const device = new Device(new FailingStorage(start.state), { now });
    const error = await device.install(stream((await image('1.1.0', 2, { blobBlocks: 2 })).bytes)).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'DEVICE_IO', details: { errno: 'EIO', syscall: 'write' } });
    expect((error as Error).message).not.toContain('/srv');
    expect((error as Error).cause).toBeUndefined();
    expect(device.status()).toMatchObject({ committed: { version: '1.0.0' }, trial: null, last: { result: 'install-failed' } });
    expect(device.status().last.reason).not.toContain('/srv');
  });
});

// ---- two processes ----------------------------------------------------------------------------

/** Installs argv[4] with a stream that stops after its first half, prints "holding", and waits to be killed. */
const HOLDER = `
import { readFileSync } from 'node:fs';
const [lib, dir, image, now] = process.argv.slice(2);
const { Device } = await import(lib);
const bytes = readFileSync(image);
setInterval(() => {}, 1000);
async function* slow() {
  yield bytes.subarray(0, bytes.byteLength >> 1);
  process.stdout.write('holding\\n');
  await new Promise(() => {});
}
await new Device(dir, { now: () => new Date(now) }).install(slow());
`;

describe('two processes', () => {
  it.skipIf(!existsSync(DIST))(
    'an install in another live process: INSTALL_LOCKED; once that process is killed, its lock is taken over',
    async () => {
      const work = join(root, 'two-processes');
      const dir = join(work, 'device');
      await mkdir(work, { recursive: true });
      const factory = await image('1.0.0', 1);
      const update = await image('1.1.0', 2);
      await provision(dir, { identity: identity(), trustRoot: rootJson, factoryImage: stream(factory.bytes), device: { now } });
      await writeFile(join(work, 'update.img'), update.bytes);
      await writeFile(join(work, 'holder.mjs'), HOLDER);
      const child = spawn(process.execPath, [join(work, 'holder.mjs'), DIST, dir, join(work, 'update.img'), TEST_NOW.toISOString()], {
        stdio: ['ignore', 'pipe', 'inherit'],
      });
      const exited = new Promise<void>((resolve) =>
        child.once('exit', () => {
          resolve();
        }),
      );
      await new Promise<void>((resolve, reject) => {
        child.stdout.on('data', (chunk: Buffer) => {
          if (chunk.toString().includes('holding')) resolve();
        });
        child.once('exit', (code) => {
          reject(new Error(`the holder exited (${String(code)}) before holding the lock`));
        });
      });
      try {
        const device = new Device(dir, { now });
        expect(device.status().state).toBe('installing');
        expect(JSON.parse(await readFile(join(dir, 'install.lock'), 'utf8'))).toMatchObject({ pid: child.pid, operation: 'install' });
        expect(await rejectedCode(device.install(stream(update.bytes)))).toBe('INSTALL_LOCKED');
        expect(await rejectedCode(device.boot({ runner: healthyRunner(), isolation: 'none' }))).toBe('INSTALL_LOCKED');
      } finally {
        child.kill('SIGKILL');
        await exited;
      }
      // The holder died with its lock on disk: a dead pid's lock is stale.
      const device = new Device(dir, { now });
      expect(await device.install(stream(update.bytes))).toMatchObject({ result: 'pending-reboot', slot: 'b', version: '1.1.0' });
      expect(await device.boot({ runner: healthyRunner(), isolation: 'none' })).toMatchObject({ version: '1.1.0', trial: 'committed' });
    },
  );
});
