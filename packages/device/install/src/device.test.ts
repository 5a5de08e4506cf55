import { spawnSync } from 'node:child_process';
import { createHash, createPrivateKey } from 'node:crypto';
import { mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { rejectedCode, testKeys, thrownCode, type MadeImage } from '@fwkit/test-utils';
import type { FirmwareRunner } from '@fwkit/device-run';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Device, type DeviceOptions, type DurableEvent } from './device.js';
import type { DevicePolicy } from './policy.js';
import { healthyRunner, failingRunner, identity, image, now, rootJson, stream } from './device.test-support.js';
import { processStartTime } from './lock.js';
import { provision } from './provision.js';
import { LAYOUT, type SlotName } from './record.js';
import { NodeStorage } from './storage.js';

// The installer on real files (NodeStorage in temp directories), real images and real signatures;
// the firmware runner is a stand-in (device-run has its own tests, device-faults.test.ts one real boot).

let root: string;
let count = 0;
let v100: MadeImage; // factory, security 1
let v110: MadeImage; // update, security 2
let v110same: MadeImage; // update at security 1

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'fwkit-install-'));
  [v100, v110, v110same] = await Promise.all([image('1.0.0', 1), image('1.1.0', 2), image('1.1.0', 1)]);
});

afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

function nextDir(): string {
  count += 1;
  return join(root, `device-${count}`);
}

interface Made {
  readonly dir: string;
  readonly device: Device;
  /** Durable writes seen by `device` (onDurable). */
  readonly events: DurableEvent[];
}

async function made(
  factory: MadeImage,
  policy: Partial<Omit<DevicePolicy, 'schemaVersion'>> = {},
  options: DeviceOptions = {},
): Promise<Made> {
  const dir = nextDir();
  await provision(dir, { identity: identity(), trustRoot: rootJson, factoryImage: stream(factory.bytes), policy, device: { now } });
  const events: DurableEvent[] = [];
  return { dir, events, device: new Device(dir, { now, onDurable: (e) => events.push(e), ...options }) };
}

const sha = (bytes: Uint8Array): string => createHash('sha256').update(bytes).digest('hex');

/** Every file under `dir` (relative path -> SHA-256). */
async function hashTree(dir: string): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  for (const entry of await readdir(dir, { recursive: true, withFileTypes: true })) {
    if (!entry.isFile()) continue;
    const path = join(entry.parentPath, entry.name);
    out[path.slice(dir.length + 1)] = sha(await readFile(path));
  }
  return out;
}

/** What a refused or broken install must leave byte-identical. */
async function guarded(m: Made): Promise<unknown> {
  const { record } = m.device.record();
  const file = async (name: string): Promise<string> => sha(await readFile(join(m.dir, name)));
  return {
    activeSlot: await hashTree(join(m.dir, 'slots', record.active)),
    active: record.active,
    committed: record.slots[record.active],
    counter: [await file(`${LAYOUT.counter}.0`), await file(`${LAYOUT.counter}.1`)],
    root: await file(LAYOUT.trustRoot),
  };
}

async function flipByte(file: string, at = 5000): Promise<void> {
  const bytes = await readFile(file);
  bytes[at] = (bytes[at] ?? 0) ^ 0x01;
  await writeFile(file, bytes);
}

const blobOf = (dir: string, slot: SlotName): string => join(dir, 'slots', slot, 'payload', 'core', 'blob.bin');

/** The image with one byte of its blob's fourth block flipped: refused mid-stream, after the sink started. */
function corruptBlock(made: MadeImage): Uint8Array {
  const bytes = Uint8Array.from(made.bytes);
  const blob = made.payloads.find((p) => p.path === 'core/blob.bin')?.bytes ?? new Uint8Array();
  const at = Buffer.from(bytes).indexOf(Buffer.from(blob.subarray(3 * 4096, 3 * 4096 + 64)));
  if (at < 0) throw new Error('the blob is not in the image');
  bytes[at + 10] = (bytes[at + 10] ?? 0) ^ 0x01;
  return bytes;
}

/** A runner whose start is cut by a power loss: the attempt was recorded, the firmware never ran. */
const powerCut: FirmwareRunner = () => Promise.reject(new Error('power cut (simulated)'));

describe('provision', () => {
  it('lays out the device: identity, root, policy, a 0600 device key outside every slot, the factory image committed', async () => {
    const { dir, device } = await made(v100);
    expect((await readdir(dir)).sort()).toEqual(['boot', 'device-key.pem', 'device.json', 'policy.json', 'root.json', 'slots']);
    expect((await readdir(join(dir, 'boot'))).sort()).toEqual(['counter.0', 'counter.1', 'record.0', 'record.1']);
    expect(await readdir(join(dir, 'slots'))).toEqual(['a']);
    const key = await readFile(join(dir, LAYOUT.deviceKey));
    expect((await stat(join(dir, LAYOUT.deviceKey))).mode & 0o777).toBe(0o600);
    expect(createPrivateKey(key).asymmetricKeyType).toBe('ed25519');
    for (const file of Object.keys(await hashTree(join(dir, 'slots')))) {
      expect(Buffer.from(await readFile(join(dir, 'slots', file))).includes(key)).toBe(false);
    }
    expect(JSON.parse(await readFile(join(dir, LAYOUT.identity), 'utf8'))).not.toHaveProperty('installed');
    expect(device.counter().security).toBe(1);
    const status = device.status();
    expect(status).toMatchObject({
      state: 'idle',
      committed: { slot: 'a', version: '1.0.0', security: 1 },
      trial: null,
      securityCounter: 1,
    });
    expect(status.last.result).toBe('provisioned');
    expect(await hashTree(join(dir, 'slots', 'a'))).toHaveProperty(
      ['payload/core/blob.bin'],
      sha(v100.payloads.find((p) => p.path === 'core/blob.bin')?.bytes ?? new Uint8Array()),
    );
  });

  it('refuses a directory that already holds a device (DEVICE_EXISTS)', async () => {
    const { dir } = await made(v100);
    const before = await hashTree(dir);
    const again = provision(dir, { identity: identity(), trustRoot: rootJson, factoryImage: stream(v100.bytes), device: { now } });
    expect(await rejectedCode(again)).toBe('DEVICE_EXISTS');
    expect(await hashTree(dir)).toEqual(before);
  });

  it('a refused factory image leaves no device', async () => {
    const dir = nextDir();
    const unsigned = await image('1.0.0', 1, { signers: [testKeys.targets2.signer] });
    const code = await rejectedCode(
      provision(dir, { identity: identity(), trustRoot: rootJson, factoryImage: stream(unsigned.bytes), device: { now } }),
    );
    expect(code).toBe('SIGNATURE_KEY_UNKNOWN');
    expect(await readdir(dir)).toEqual([]);
    expect(thrownCode(() => new Device(dir, { now }).status())).toBe('DEVICE_INVALID');
  });
});

describe('install, boot, commit, revert', () => {
  it('install reports pending reboot; boot tries the trial, commits it, and only then raises the counter', async () => {
    const m = await made(v100);
    const result = await m.device.install(stream(v110.bytes));
    expect(result).toEqual({ result: 'pending-reboot', slot: 'b', version: '1.1.0', security: 2, attempts: 3 });
    expect(m.device.status()).toMatchObject({
      state: 'trial',
      committed: { slot: 'a', version: '1.0.0', security: 1 },
      trial: { slot: 'b', version: '1.1.0', attemptsLeft: 3 },
      securityCounter: 1,
      last: { result: 'pending-reboot' },
    });
    expect(m.device.counter().security).toBe(1);

    m.events.length = 0;
    const launches: Parameters<FirmwareRunner>[0][] = [];
    const booted = await m.device.boot({ runner: healthyRunner(launches) });
    expect(booted).toMatchObject({ slot: 'b', version: '1.1.0', trial: 'committed', verdict: { ok: true } });
    expect(launches.map((l) => l.payloadDir)).toEqual([join(m.dir, 'slots', 'b', 'payload')]);
    expect(booted.status).toMatchObject({
      state: 'committed',
      committed: { slot: 'b', version: '1.1.0', security: 2 },
      trial: null,
      securityCounter: 2,
    });
    // The order of the durable writes: the attempt, the commit, and the counter last.
    const order = m.events.map((e) => (e.kind === 'counter' ? `counter ${e.security}` : `${e.record.state} ${e.record.attemptsLeft}`));
    expect(order).toEqual(['trial 2', 'committed 0', 'counter 2']);
    await expect(readFile(join(m.dir, LAYOUT.lock))).rejects.toThrow();
  });

  it('an install into a slot with content takes over its payload files: rewritten in place (same inode), resized, verified at boot', async () => {
    const m = await made(v100); // 1.0.0 in slot a, 6 blocks and a tail
    await m.device.install(stream(v110.bytes));
    await m.device.boot({ runner: healthyRunner() }); // 1.1.0 committed in slot b; slot a is the inactive one
    const before = await stat(blobOf(m.dir, 'a'));
    const smaller = await image('1.2.0', 3, { blobBlocks: 3 });
    expect(await m.device.install(stream(smaller.bytes))).toMatchObject({ result: 'pending-reboot', slot: 'a' });
    const after = await stat(blobOf(m.dir, 'a'));
    const blob = smaller.payloads.find((p) => p.path === 'core/blob.bin')?.bytes;
    expect([after.ino, after.size]).toEqual([before.ino, blob?.byteLength]);
    expect(sha(await readFile(blobOf(m.dir, 'a')))).toBe(sha(blob ?? new Uint8Array()));
    await expect(stat(join(m.dir, 'slots', 'a.discarded'))).rejects.toThrow();
    expect(await m.device.boot({ runner: healthyRunner() })).toMatchObject({ slot: 'a', version: '1.2.0', trial: 'committed' });
  });

  it('installs from image files (provision, install) and through a storage that lends no write buffers: the slots a stream gives', async () => {
    const streamed = await made(v100);
    await streamed.device.install(stream(v110.bytes));
    const files = { v100: join(root, 'v100.fwimg'), v110: join(root, 'v110.fwimg') };
    await Promise.all([writeFile(files.v100, v100.bytes), writeFile(files.v110, v110.bytes)]);
    const fromFiles = nextDir();
    await provision(fromFiles, { identity: identity(), trustRoot: rootJson, factoryImage: files.v100, device: { now } });
    expect(await new Device(fromFiles, { now }).installFile(files.v110)).toMatchObject({ result: 'pending-reboot', slot: 'b' });
    // NodeStorage without `bufferFor` (optional in DeviceStorage): the verifier reads into its own buffer.
    const plain = nextDir();
    await provision(plain, { identity: identity(), trustRoot: rootJson, factoryImage: stream(v100.bytes), device: { now } });
    const storage = new NodeStorage(plain);
    // Its methods bound to it (they use private fields), `bufferFor` left out.
    const lendsNothing = new Proxy(storage, {
      get: (target, key): unknown => {
        const value: unknown = Reflect.get(target, key);
        if (key === 'bufferFor') return undefined;
        return typeof value === 'function' ? (value as (...args: unknown[]) => unknown).bind(target) : value;
      },
    });
    expect(await new Device(lendsNothing, { now }).install(stream(v110.bytes))).toMatchObject({ result: 'pending-reboot', slot: 'b' });
    for (const dir of [fromFiles, plain])
      for (const slot of ['a', 'b'])
        expect(await hashTree(join(dir, 'slots', slot)), `${dir} ${slot}`).toEqual(await hashTree(join(streamed.dir, 'slots', slot)));
  });

  it('commit by hand commits the trial and raises the counter; the next boot runs it without an attempt', async () => {
    const m = await made(v100);
    await m.device.install(stream(v110.bytes));
    expect(m.device.commit()).toMatchObject({
      state: 'committed',
      committed: { slot: 'b', version: '1.1.0' },
      trial: null,
      securityCounter: 2,
    });
    m.events.length = 0;
    const booted = await m.device.boot({ runner: healthyRunner() });
    expect(booted).toMatchObject({ slot: 'b', version: '1.1.0', trial: 'none' });
    expect(m.events).toEqual([]);
  });

  it('revert by hand abandons the trial: the committed slot and the counter stay', async () => {
    const m = await made(v100);
    await m.device.install(stream(v110.bytes));
    expect(m.device.revert()).toMatchObject({
      state: 'reverted',
      committed: { slot: 'a', version: '1.0.0' },
      trial: null,
      securityCounter: 1,
      last: { result: 'reverted', reason: 'reverted by hand' },
    });
    expect(m.device.record().record.slots.b).toBeNull();
    expect(await m.device.boot({ runner: healthyRunner() })).toMatchObject({ slot: 'a', version: '1.0.0', trial: 'none' });
  });

  it('commit and revert without a pending trial: NO_TRIAL_PENDING, nothing written', async () => {
    const m = await made(v100);
    const before = await hashTree(m.dir);
    expect(thrownCode(() => m.device.commit())).toBe('NO_TRIAL_PENDING');
    expect(thrownCode(() => m.device.revert())).toBe('NO_TRIAL_PENDING');
    expect(await hashTree(m.dir)).toEqual(before);
  });

  it('an install while a trial is pending: INSTALL_TRIAL_PENDING, the record unchanged', async () => {
    const m = await made(v100);
    await m.device.install(stream(v110.bytes));
    const before = await hashTree(m.dir);
    expect(await rejectedCode(m.device.install(stream(v110same.bytes)))).toBe('INSTALL_TRIAL_PENDING');
    expect(await hashTree(m.dir)).toEqual(before);
    expect(m.device.status().trial).toMatchObject({ slot: 'b', version: '1.1.0', attemptsLeft: 3 });
  });
});

describe('boot attempts', () => {
  it('a failing trial uses one attempt per try; at zero the device reverts, records why and boots the committed slot', async () => {
    const m = await made(v100);
    await m.device.install(stream(v110.bytes));
    m.events.length = 0;
    const log: string[] = [];
    const runner: FirmwareRunner = async (launch) => {
      log.push(`run ${launch.expect.version}`);
      return launch.expect.version === '1.0.0' ? healthyRunner()(launch) : failingRunner('FIRMWARE_CRASHED')(launch);
    };
    const device = new Device(m.dir, {
      now,
      onDurable: (e) => {
        if (e.kind === 'record') log.push(`${e.record.state} ${e.record.attemptsLeft} ${e.record.last.result}`);
      },
    });
    const booted = await device.boot({ runner });
    expect(log).toEqual([
      'trial 2 pending-reboot',
      'run 1.1.0',
      'trial 2 trial-failed',
      'trial 1 trial-failed',
      'run 1.1.0',
      'trial 1 trial-failed',
      'trial 0 trial-failed',
      'run 1.1.0',
      'trial 0 trial-failed',
      'reverted 0 reverted',
      'run 1.0.0',
    ]);
    expect(booted).toMatchObject({ slot: 'a', version: '1.0.0', trial: 'reverted', verdict: { ok: true } });
    expect(booted.status).toMatchObject({ state: 'reverted', committed: { version: '1.0.0' }, trial: null, securityCounter: 1 });
    expect(booted.status.last.reason).toContain('failed every attempt');
    expect(booted.status.last.reason).toContain('FIRMWARE_CRASHED');
  });

  it('a hung health check (HEALTH_TIMEOUT) is a failed trial: with one attempt the device reverts', async () => {
    const m = await made(v100, { trialAttempts: 1 });
    await m.device.install(stream(v110.bytes));
    const booted = await m.device.boot({
      runner: async (launch) => (launch.expect.version === '1.1.0' ? failingRunner('HEALTH_TIMEOUT')(launch) : healthyRunner()(launch)),
    });
    expect(booted).toMatchObject({ version: '1.0.0', trial: 'reverted' });
    expect(booted.status.last.reason).toContain('HEALTH_TIMEOUT');
  });

  it('a power cut during a trial has used its attempt; after the last one the next boot reverts without running it', async () => {
    const m = await made(v100);
    await m.device.install(stream(v110.bytes));
    for (const left of [2, 1, 0]) {
      await expect(m.device.boot({ runner: powerCut })).rejects.toThrow('power cut');
      expect(m.device.status()).toMatchObject({ state: 'trial', trial: { slot: 'b', attemptsLeft: left } });
    }
    const launches: Parameters<FirmwareRunner>[0][] = [];
    const booted = await m.device.boot({ runner: healthyRunner(launches) });
    expect(launches.map((l) => l.expect.version)).toEqual(['1.0.0']);
    expect(booted).toMatchObject({ version: '1.0.0', trial: 'reverted' });
    expect(booted.status.last.reason).toContain('used every attempt');
    expect(booted.status.securityCounter).toBe(1);
  });

  it('a power cut in the first try, then a healthy one: the trial commits with one attempt fewer', async () => {
    const m = await made(v100);
    await m.device.install(stream(v110.bytes));
    await expect(m.device.boot({ runner: powerCut })).rejects.toThrow('power cut');
    m.events.length = 0;
    const booted = await m.device.boot({ runner: healthyRunner() });
    expect(booted).toMatchObject({ version: '1.1.0', trial: 'committed' });
    expect(m.events.flatMap((e) => (e.kind === 'record' ? [e.record.attemptsLeft] : []))).toEqual([1, 0]);
  });

  it('boots of a committed slot never use attempts or write the record (RAUC #490), even when cut or unhealthy', async () => {
    const m = await made(v100);
    await m.device.install(stream(v110.bytes));
    await m.device.boot({ runner: healthyRunner() });
    const { seq, record } = m.device.record();
    expect(record).toMatchObject({ state: 'committed', active: 'b', attemptsLeft: 0 });
    m.events.length = 0;
    for (let i = 0; i < 3; i += 1) await expect(m.device.boot({ runner: powerCut })).rejects.toThrow('power cut');
    expect(await m.device.boot({ runner: failingRunner('FIRMWARE_CRASHED') })).toMatchObject({
      slot: 'b',
      trial: 'none',
      verdict: { ok: false },
    });
    expect(await m.device.boot({ runner: healthyRunner() })).toMatchObject({ slot: 'b', trial: 'none', verdict: { ok: true } });
    expect(await m.device.boot({ runner: healthyRunner() })).toMatchObject({ slot: 'b', trial: 'none' });
    expect(m.events).toEqual([]);
    expect(m.device.record()).toEqual({ seq, record });
  });
});

describe('a refused or broken image changes only the inactive slot', () => {
  const cases: {
    name: string;
    factory: () => Promise<MadeImage>;
    update: () => Promise<Uint8Array>;
    code: string;
    policy?: { allowDowngrade: boolean };
  }[] = [
    {
      name: 'a bad signature',
      factory: () => Promise.resolve(v100),
      update: async () => (await image('1.1.0', 2, { signers: [testKeys.targets2.signer] })).bytes,
      code: 'SIGNATURE_KEY_UNKNOWN',
    },
    {
      name: 'another model',
      factory: () => Promise.resolve(v100),
      update: async () => (await image('1.1.0', 2, { model: 'other-cam' })).bytes,
      code: 'MODEL_MISMATCH',
    },
    {
      name: 'a security version below the counter',
      factory: () => image('1.0.0', 2),
      update: () => Promise.resolve(v110same.bytes),
      code: 'SECURITY_VERSION_ROLLBACK',
    },
    {
      name: 'a downgrade under a policy that refuses it',
      factory: () => Promise.resolve(v110same),
      update: () => Promise.resolve(v100.bytes),
      code: 'FIRMWARE_DOWNGRADE',
    },
    {
      name: 'a payload block corrupted mid-stream',
      factory: () => Promise.resolve(v100),
      update: () => Promise.resolve(corruptBlock(v110)),
      code: 'BLOCK_HASH_MISMATCH',
    },
  ];

  for (const c of cases) {
    it(`${c.name}: ${c.code}; the active slot, record, counter and root byte-identical; status reports it`, async () => {
      const m = await made(await c.factory(), c.policy ?? {});
      const before = await guarded(m);
      const stateBefore = m.device.status().state;
      expect(await rejectedCode(m.device.install(stream(await c.update(), 4096)))).toBe(c.code);
      expect(await guarded(m)).toEqual(before);
      const status = m.device.status();
      expect(status.state).toBe(stateBefore);
      expect(status.trial).toBeNull();
      expect(status.last.result).toBe('install-failed');
      expect(status.last.reason.startsWith(`${c.code}:`)).toBe(true);
      expect(m.device.record().record.slots.b).toBeNull();
      expect(await m.device.boot({ runner: healthyRunner() })).toMatchObject({ slot: 'a', trial: 'none' });
    });
  }

  it('an image refused mid-stream on a committed device leaves it committed', async () => {
    const m = await made(v100);
    await m.device.install(stream(v110same.bytes));
    await m.device.boot({ runner: healthyRunner() });
    const before = await guarded(m);
    const v120 = await image('1.2.0', 2);
    expect(await rejectedCode(m.device.install(stream(corruptBlock(v120), 4096)))).toBe('BLOCK_HASH_MISMATCH');
    expect(await guarded(m)).toEqual(before);
    expect(m.device.status()).toMatchObject({
      state: 'committed',
      committed: { slot: 'b', version: '1.1.0' },
      last: { result: 'install-failed' },
    });
  });

  it('a downgrade at the same security version is accepted when the policy allows it', async () => {
    const m = await made(v110same, { allowDowngrade: true });
    expect(await m.device.install(stream(v100.bytes))).toMatchObject({ result: 'pending-reboot', version: '1.0.0', security: 1 });
    expect(await m.device.boot({ runner: healthyRunner() })).toMatchObject({ version: '1.0.0', trial: 'committed' });
  });
});

describe('the device lock', () => {
  /** An image stream that stops after its first half until released. */
  function held(bytes: Uint8Array): { stream: AsyncIterable<Uint8Array>; reached: Promise<void>; release: () => void } {
    let release = (): void => undefined;
    let reached = (): void => undefined;
    const gate = new Promise<void>((resolve) => (release = resolve));
    const half = new Promise<void>((resolve) => (reached = resolve));
    async function* gen(): AsyncGenerator<Uint8Array> {
      const middle = Math.floor(bytes.byteLength / 2);
      for await (const chunk of stream(bytes.subarray(0, middle), 4096)) yield chunk;
      reached();
      await gate;
      for await (const chunk of stream(bytes.subarray(middle), 4096)) yield chunk;
    }
    return { stream: gen(), reached: half, release };
  }

  it('a second install, a boot, a commit or a revert while an install runs: INSTALL_LOCKED; the first install completes', async () => {
    const m = await made(v100);
    const slow = held(v110.bytes);
    const first = m.device.install(slow.stream);
    await slow.reached;
    // The install is writing slot b now, holding the lock.
    expect(m.device.record().record.state).toBe('installing');
    const lock = JSON.parse(await readFile(join(m.dir, LAYOUT.lock), 'utf8')) as unknown;
    expect(lock).toEqual({ pid: process.pid, startTime: processStartTime(process.pid), operation: 'install' });
    const other = new Device(m.dir, { now });
    expect(await rejectedCode(other.install(stream(v110same.bytes)))).toBe('INSTALL_LOCKED');
    expect(await rejectedCode(other.boot({ runner: healthyRunner() }))).toBe('INSTALL_LOCKED');
    expect(thrownCode(() => other.commit())).toBe('INSTALL_LOCKED');
    expect(thrownCode(() => other.revert())).toBe('INSTALL_LOCKED');
    slow.release();
    expect(await first).toMatchObject({ result: 'pending-reboot', version: '1.1.0' });
    expect(m.device.status().trial).toMatchObject({ version: '1.1.0', attemptsLeft: 3 });
    await expect(readFile(join(m.dir, LAYOUT.lock))).rejects.toThrow();
  });

  it('a lock whose holder is dead, or whose pid now belongs to another process, or that does not parse, is taken over', async () => {
    const dead = spawnSync(process.execPath, ['-e', '0']).pid;
    const stale = [
      { pid: dead, startTime: '1', operation: 'install' },
      { pid: process.pid, startTime: `${processStartTime(process.pid) ?? ''}0`, operation: 'install' },
      '{"pid": 12',
    ];
    for (const holder of stale) {
      const m = await made(v100);
      await writeFile(join(m.dir, LAYOUT.lock), typeof holder === 'string' ? holder : JSON.stringify(holder));
      expect(await m.device.install(stream(v110.bytes))).toMatchObject({ result: 'pending-reboot' });
      await expect(readFile(join(m.dir, LAYOUT.lock))).rejects.toThrow();
    }
  });

  it('boot does not clear a live lock; power-on (isLockStale: () => true) does', async () => {
    const m = await made(v100);
    await writeFile(
      join(m.dir, LAYOUT.lock),
      JSON.stringify({ pid: process.pid, startTime: processStartTime(process.pid), operation: 'install' }),
    );
    expect(await rejectedCode(m.device.boot({ runner: healthyRunner() }))).toBe('INSTALL_LOCKED');
    const powerOn = new Device(m.dir, { now, isLockStale: () => true });
    expect(await powerOn.boot({ runner: healthyRunner() })).toMatchObject({ version: '1.0.0' });
    await expect(readFile(join(m.dir, LAYOUT.lock))).rejects.toThrow();
  });
});

describe('bit rot', () => {
  it('a rotted committed slot is caught at boot: the other valid slot boots, and why is recorded', async () => {
    const m = await made(v100);
    await m.device.install(stream(v110same.bytes));
    await m.device.boot({ runner: healthyRunner() });
    await flipByte(blobOf(m.dir, 'b'));
    const booted = await m.device.boot({ runner: healthyRunner() });
    expect(booted).toMatchObject({ slot: 'a', version: '1.0.0', trial: 'reverted' });
    expect(booted.status).toMatchObject({ state: 'reverted', committed: { slot: 'a', version: '1.0.0' }, last: { result: 'fallback' } });
    expect(booted.status.last.reason).toContain('BLOCK_HASH_MISMATCH');
    expect(m.device.record().record.slots.b).toBeNull();
  });

  it('both slots rotted: BOOT_NO_VALID_SLOT', async () => {
    const m = await made(v100);
    await m.device.install(stream(v110same.bytes));
    await m.device.boot({ runner: healthyRunner() });
    await flipByte(blobOf(m.dir, 'a'));
    await flipByte(blobOf(m.dir, 'b'));
    expect(await rejectedCode(m.device.boot({ runner: healthyRunner() }))).toBe('BOOT_NO_VALID_SLOT');
  });

  it('a rotted committed slot whose fallback is below the counter: BOOT_NO_VALID_SLOT (anti-rollback wins)', async () => {
    const m = await made(v100);
    await m.device.install(stream(v110.bytes));
    await m.device.boot({ runner: healthyRunner() });
    await flipByte(blobOf(m.dir, 'b'));
    expect(await rejectedCode(m.device.boot({ runner: healthyRunner() }))).toBe('BOOT_NO_VALID_SLOT');
  });

  it('a rotted trial slot reverts at its boot, before it runs', async () => {
    const m = await made(v100);
    await m.device.install(stream(v110.bytes));
    await flipByte(blobOf(m.dir, 'b'), 100);
    const launches: Parameters<FirmwareRunner>[0][] = [];
    const booted = await m.device.boot({ runner: healthyRunner(launches) });
    expect(launches.map((l) => l.expect.version)).toEqual(['1.0.0']);
    expect(booted).toMatchObject({ slot: 'a', trial: 'reverted' });
    expect(booted.status).toMatchObject({ state: 'reverted', securityCounter: 1, last: { result: 'reverted' } });
    expect(booted.status.last.reason).toContain('BLOCK_HASH_MISMATCH');
  });
});

describe('recovery when both slots are bad', () => {
  async function broken(): Promise<Made> {
    const m = await made(v100);
    await m.device.install(stream(v110.bytes));
    await m.device.boot({ runner: healthyRunner() });
    await flipByte(blobOf(m.dir, 'a'));
    await flipByte(blobOf(m.dir, 'b'));
    expect(await rejectedCode(m.device.boot({ runner: healthyRunner() }))).toBe('BOOT_NO_VALID_SLOT');
    return m;
  }

  it('a signed image at or above the counter is committed in slot a; the next boot runs it and raises the counter', async () => {
    const m = await broken();
    const v120 = await image('1.2.0', 3);
    expect(await m.device.recover(stream(v120.bytes))).toEqual({ result: 'recovered', slot: 'a', version: '1.2.0', security: 3 });
    expect(m.device.status()).toMatchObject({
      state: 'committed',
      committed: { slot: 'a', version: '1.2.0' },
      trial: null,
      securityCounter: 2,
      last: { result: 'recovered' },
    });
    const booted = await m.device.boot({ runner: healthyRunner() });
    expect(booted).toMatchObject({ slot: 'a', version: '1.2.0', trial: 'none' });
    expect(booted.status.securityCounter).toBe(3);
  });

  it('works with both record copies destroyed: it trusts only root.json and the counter', async () => {
    const m = await broken();
    await writeFile(join(m.dir, `${LAYOUT.record}.0`), 'torn');
    await writeFile(join(m.dir, `${LAYOUT.record}.1`), '');
    expect(thrownCode(() => m.device.status())).toBe('DEVICE_INVALID');
    expect(await m.device.recover(stream(v110.bytes))).toMatchObject({ result: 'recovered', version: '1.1.0' });
    expect(await m.device.boot({ runner: healthyRunner() })).toMatchObject({ slot: 'a', version: '1.1.0', trial: 'none' });
  });

  it('refuses an image below the counter, an unsigned one, and a device that still boots', async () => {
    const m = await broken();
    expect(await rejectedCode(m.device.recover(stream(v100.bytes)))).toBe('SECURITY_VERSION_ROLLBACK');
    const unsigned = await image('1.2.0', 3, { signers: [testKeys.targets2.signer] });
    expect(await rejectedCode(m.device.recover(stream(unsigned.bytes)))).toBe('SIGNATURE_KEY_UNKNOWN');
    expect(m.device.counter().security).toBe(2);
    const healthy = await made(v100);
    expect(await rejectedCode(healthy.device.recover(stream(v110.bytes)))).toBe('RECOVERY_NOT_NEEDED');
  });
});
