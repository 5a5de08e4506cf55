import { spawn } from 'node:child_process';
import { mkdir, mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { copyCheckout } from '@fwkit/test-utils';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { deviceUsageLines } from '@fwkit/device-cli';
import { editJson, fwkit, processesOf, REPO, snapshot, type RunResult, BOOT_FLAGS } from './helpers.js';

// Issue 9 end to end, with real processes through the built CLIs: every product provisioned with an
// older factory image (built in a copy of the checkout whose release.json says 1.3.0, security 2),
// the current image installed as a trial, booted with its real firmware (supervisor, core and
// protocol domains), judged healthy over loopback, committed, and the security counter raised.

const BUNDLE = join(REPO, 'dist', 'device', 'fwkit-device.mjs');
const OLD = { firmware: '1.3.0', security: 2 };
const CURRENT = JSON.parse(await readFile(join(REPO, 'release.json'), 'utf8')) as { firmware: string; security: number };
const MODELS = (await readdir(join(REPO, 'products'), { withFileTypes: true })).filter((d) => d.isDirectory()).map((d) => d.name);
const EPOCH = { SOURCE_DATE_EPOCH: '1767225600' }; // 2026-01-01: neither checkout need be a git repository (the fresh-machine run copies without .git)

interface Status {
  state: string;
  committed: { slot: string; version: string; security: number } | null;
  trial: { slot: string; version: string; attemptsLeft: number } | null;
  securityCounter: number;
  last: { result: string; reason: string };
}
interface Answer {
  ok: boolean;
  code: string | null;
  message: string;
  status?: Status;
  boot?: {
    slot: string;
    version: string;
    trial: string;
    verdict: { ok: boolean; model?: string; version?: string; code?: string; counters?: Record<string, number> };
  };
  install?: { result: string; slot: string; version: string };
}

let dir: string;
/** The images of each model: the current release's and the older factory one's. */
const images = new Map<string, { current: string; old: string }>();

async function imageOf(out: string, model: string): Promise<string> {
  const found = (await readdir(join(out, model))).filter((name) => name.endsWith('.fwimg'));
  expect(found).toHaveLength(1);
  return join(out, model, found[0] ?? '');
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'fwkit-device-e2e-'));
  const old = await copyCheckout(join(dir, 'old-checkout'));
  await editJson(join(old, 'release.json'), (r) => Object.assign(r, OLD));
  // Both builds at once: each is mostly waiting on esbuild.
  const [current, older] = await Promise.all([
    fwkit(['build', '--all', '--keys', 'keys.example', '--out', join(dir, 'current'), '--json'], { env: EPOCH }),
    fwkit(['build', '--all', '--keys', 'keys.example', '--out', join(dir, 'old'), '--json'], { cwd: old, env: EPOCH }),
  ]);
  expect(current.code, current.stderr).toBe(0);
  expect(older.code, older.stderr).toBe(0);
  for (const model of MODELS)
    images.set(model, { current: await imageOf(join(dir, 'current'), model), old: await imageOf(join(dir, 'old'), model) });
}, 120_000);

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

function imagesOf(model: string): { current: string; old: string } {
  const found = images.get(model);
  if (found === undefined) throw new Error(`no images of ${model}`);
  return found;
}

const device = (args: readonly string[]): Promise<RunResult> => fwkit(['device', ...args]);
const answerOf = (result: RunResult): Answer => JSON.parse(result.stdout) as Answer;

/** Runs the device bundle itself (what a camera runs), with nothing of this process's environment. */
function bundle(args: readonly string[]): Promise<RunResult> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [BUNDLE, ...args], {
      cwd: dir,
      env: { PATH: process.env['PATH'] ?? '' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('close', (code) => {
      resolve({ code: code ?? -1, stdout, stderr });
    });
  });
}

/** `fwkit device provision` of the model's first hardware revision with its older factory image. */
async function provisionOld(model: string, name: string): Promise<{ devDir: string; result: RunResult }> {
  const devDir = join(dir, 'devices', name);
  await mkdir(join(dir, 'devices'), { recursive: true });
  const result = await device([
    'provision',
    devDir,
    '--model',
    model,
    '--hw',
    'A',
    '--image',
    imagesOf(model).old,
    '--trust',
    'keys.example/root.json',
    '--json',
  ]);
  return { devDir, result };
}

/** Provisioned with the older image and the current one installed as a pending trial. */
async function trialPending(model: string, name: string): Promise<string> {
  const { devDir, result } = await provisionOld(model, name);
  expect(result.code, result.stderr).toBe(0);
  const installed = await device(['install', devDir, '--image', imagesOf(model).current, '--json']);
  expect(installed.code, installed.stderr).toBe(0);
  return devDir;
}

describe('every product: provision an older factory image, install the current one, boot it healthy, commit', () => {
  it('finds the four products', () => {
    expect(MODELS).toHaveLength(4);
  });

  it.each(MODELS)(
    '%s',
    async (model) => {
      const { devDir, result } = await provisionOld(model, model);
      expect(result.code, result.stderr).toBe(0);
      expect(answerOf(result).status).toMatchObject({
        state: 'idle',
        committed: { slot: 'a', version: OLD.firmware, security: OLD.security },
        trial: null,
        securityCounter: OLD.security,
      });
      // The identity is the model's field configuration (release-core's fieldDevicesOf).
      expect(JSON.parse(await readFile(join(devDir, 'device.json'), 'utf8'))).toMatchObject({ model, hardwareRevision: 'A' });
      expect((await stat(join(devDir, 'device-key.pem'))).mode & 0o777).toBe(0o600);

      const installed = await device(['install', devDir, '--image', imagesOf(model).current, '--json']);
      expect(installed.code, installed.stderr).toBe(0);
      expect(answerOf(installed).install).toMatchObject({ result: 'pending-reboot', slot: 'b', version: CURRENT.firmware });

      // Installed means committed: until the trial boots healthy, the old version is the installed one.
      const pending = await device(['status', devDir, '--json']);
      expect(pending.code, pending.stderr).toBe(0);
      expect(answerOf(pending).status).toMatchObject({
        state: 'trial',
        committed: { version: OLD.firmware },
        trial: { slot: 'b', version: CURRENT.firmware, attemptsLeft: 3 },
        securityCounter: OLD.security,
        last: { result: 'pending-reboot' },
      });

      const booted = await device(['boot', devDir, ...BOOT_FLAGS, '--json']);
      expect(booted.code, booted.stderr).toBe(0);
      const answer = answerOf(booted);
      expect(answer).toMatchObject({ ok: true, code: null, boot: { slot: 'b', version: CURRENT.firmware, trial: 'committed' } });
      expect(answer.boot?.verdict).toMatchObject({ ok: true, model, version: CURRENT.firmware });
      expect(answer.boot?.verdict.counters?.['framesProduced']).toBeGreaterThan(0);
      // boot without --serve stops the firmware after its decision.
      expect(await processesOf(join(devDir, 'slots'))).toEqual([]);

      const after = await device(['status', devDir, '--json']);
      expect(answerOf(after).status).toMatchObject({
        state: 'committed',
        committed: { slot: 'b', version: CURRENT.firmware, security: CURRENT.security },
        trial: null,
        securityCounter: CURRENT.security,
        last: { result: 'committed' },
      });
    },
    60_000,
  );
});

describe('the device bundle runs the same commands', () => {
  it('installs, boots (commit) and reports status with node dist/device/fwkit-device.mjs', async () => {
    const model = MODELS[0] ?? '';
    const { devDir, result } = await provisionOld(model, 'bundle');
    expect(result.code, result.stderr).toBe(0);

    const installed = await bundle(['install', devDir, '--image', imagesOf(model).current, '--json']);
    expect(installed.code, installed.stderr).toBe(0);
    expect(answerOf(installed).status).toMatchObject({ state: 'trial', trial: { version: CURRENT.firmware } });

    const booted = await bundle(['boot', devDir, ...BOOT_FLAGS]);
    expect(booted.code, booted.stderr).toBe(0);
    expect(booted.stdout).toContain(`slot b: ${CURRENT.firmware} healthy; trial committed, security counter ${CURRENT.security}`);

    const status = await bundle(['status', devDir, '--json']);
    expect(status.code, status.stderr).toBe(0);
    expect(answerOf(status).status).toMatchObject({
      state: 'committed',
      committed: { version: CURRENT.firmware },
      securityCounter: CURRENT.security,
    });
    // The same answer as the release CLI's `fwkit device status`: one implementation.
    expect((await device(['status', devDir, '--json'])).stdout).toBe(status.stdout);

    // A normal boot of the committed slot: healthy, no trial, no attempt used, exit 0.
    const normal = await bundle(['boot', devDir, ...BOOT_FLAGS, '--json']);
    expect(normal.code, normal.stderr).toBe(0);
    expect(answerOf(normal)).toMatchObject({ ok: true, code: null, boot: { slot: 'b', trial: 'none', verdict: { ok: true } } });
    expect(answerOf(normal).status).toEqual(answerOf(status).status);
  }, 60_000);
});

describe('boot --serve', () => {
  it('keeps the firmware running until SIGTERM, then stops it and exits 0 leaving no process', async () => {
    const model = MODELS[1] ?? '';
    const devDir = await trialPending(model, 'serve');
    const child = spawn(
      process.execPath,
      [join(REPO, 'packages', 'release', 'cli', 'dist', 'bin.js'), 'device', 'boot', devDir, ...BOOT_FLAGS, '--serve', '--json'],
      {
        cwd: REPO,
        env: { ...process.env, CI: 'true' },
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
      child.on('close', (code, signal) => {
        resolve({ code, signal });
      });
    });
    try {
      // The health decision is the first stdout line; the firmware keeps running after it.
      const line = await new Promise<string>((resolve, reject) => {
        let stdout = '';
        child.stdout.on('data', (chunk: Buffer) => {
          stdout += chunk.toString();
          const end = stdout.indexOf('\n');
          if (end >= 0) resolve(stdout.slice(0, end));
        });
        void exited.then(() => {
          reject(new Error(`boot --serve exited before its decision: ${stderr}`));
        });
      });
      const answer = JSON.parse(line) as Answer;
      expect(answer).toMatchObject({ ok: true, boot: { trial: 'committed', verdict: { ok: true, model, version: CURRENT.firmware } } });
      // supervisor, core and protocol, from the committed slot, still running and answering (isolated:
      // each domain's sandbox chain names the slot, the domain's own node sees it as /opt/fwkit/active).
      expect(await processesOf(join(devDir, 'slots'))).toHaveLength(BOOT_FLAGS.length === 0 ? 6 : 3);
      const port = (answer.boot?.verdict as { port?: number }).port;
      const health = await fetch(`http://127.0.0.1:${String(port)}/api/device`);
      expect(await health.json()).toMatchObject({ model, firmware: CURRENT.firmware });

      child.kill('SIGTERM');
      expect(await exited, stderr).toEqual({ code: 0, signal: null });
      expect(stderr).toContain('stopped the firmware (SIGTERM)');
      expect(await processesOf(join(devDir, 'slots'))).toEqual([]);
    } finally {
      // A failed assertion must not leave the CLI or the firmware running after the test.
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
      for (const pid of await processesOf(join(devDir, 'slots'))) {
        try {
          process.kill(pid, 'SIGKILL');
        } catch {
          // exited meanwhile
        }
      }
    }
  }, 60_000);
});

describe('boot decisions other than a commit (exit 1 with a code, the device state in --json)', () => {
  it('a trial slot whose bytes rotted after install is caught at boot and reverted: TRIAL_REVERTED, the old firmware runs', async () => {
    const model = MODELS[2] ?? '';
    const devDir = await trialPending(model, 'rotted');
    const file = join(devDir, 'slots', 'b', 'payload', 'core', 'main.js');
    const bytes = await readFile(file);
    bytes[10] = (bytes[10] ?? 0) ^ 0x01;
    await writeFile(file, bytes);

    const booted = await device(['boot', devDir, ...BOOT_FLAGS, '--json']);
    expect(booted.code, booted.stderr).toBe(1);
    const answer = answerOf(booted);
    expect(answer).toMatchObject({
      ok: false,
      code: 'TRIAL_REVERTED',
      boot: { slot: 'a', version: OLD.firmware, trial: 'reverted', verdict: { ok: true } },
    });
    expect(answer.status).toMatchObject({
      state: 'reverted',
      committed: { slot: 'a', version: OLD.firmware },
      trial: null,
      securityCounter: OLD.security,
    });
    expect(answer.status?.last.reason).toContain('BLOCK_HASH_MISMATCH');
    expect(booted.stderr).not.toMatch(/\n\s+at /);
  }, 60_000);

  it('both slots rotted: boot says BOOT_NO_VALID_SLOT; recover installs a signed image, and the next boot runs it', async () => {
    const model = MODELS[1] ?? '';
    const devDir = await trialPending(model, 'both-bad');
    const refused = await device(['recover', devDir, '--image', imagesOf(model).current, '--json']);
    expect(answerOf(refused)).toMatchObject({ ok: false, code: 'RECOVERY_NOT_NEEDED' });
    for (const slot of ['a', 'b']) {
      const file = join(devDir, 'slots', slot, 'payload', 'core', 'main.js');
      const bytes = await readFile(file);
      bytes[10] = (bytes[10] ?? 0) ^ 0x01;
      await writeFile(file, bytes);
    }
    const bricked = await device(['boot', devDir, ...BOOT_FLAGS, '--json']);
    expect(bricked.code, bricked.stderr).toBe(1);
    expect(answerOf(bricked)).toMatchObject({ ok: false, code: 'BOOT_NO_VALID_SLOT' });

    const recovered = await bundle(['recover', devDir, '--image', imagesOf(model).current, '--json']);
    expect(recovered.code, recovered.stderr).toBe(0);
    expect(answerOf(recovered).status).toMatchObject({ committed: { slot: 'a', version: CURRENT.firmware }, trial: null });
    const booted = await device(['boot', devDir, ...BOOT_FLAGS, '--json']);
    expect(booted.code, booted.stderr).toBe(0);
    expect(answerOf(booted)).toMatchObject({ ok: true, boot: { slot: 'a', version: CURRENT.firmware, verdict: { ok: true } } });
    expect(answerOf(booted).status).toMatchObject({ securityCounter: CURRENT.security });
  }, 90_000);

  it('a health check that does not pass in time uses every attempt, reverts, and says the booted firmware is not healthy', async () => {
    const model = MODELS[3] ?? '';
    const devDir = await trialPending(model, 'timeout');
    const booted = await device(['boot', devDir, ...BOOT_FLAGS, '--health-timeout-ms', '50', '--json']);
    expect(booted.code, booted.stderr).toBe(1);
    const answer = answerOf(booted);
    expect(answer).toMatchObject({
      ok: false,
      code: 'HEALTH_TIMEOUT',
      boot: { trial: 'reverted', verdict: { ok: false, code: 'HEALTH_TIMEOUT' } },
    });
    expect(answer.status).toMatchObject({
      state: 'reverted',
      committed: { version: OLD.firmware },
      trial: null,
      securityCounter: OLD.security,
    });
    expect(await processesOf(join(devDir, 'slots'))).toEqual([]);
  }, 60_000);
});

describe('refusals: a coded error, a non-zero exit, nothing changed', () => {
  const model = (): string => MODELS[0] ?? '';

  it('a refused provision (an image of another model) leaves no directory, and an empty one exactly as it was', async () => {
    const other = imagesOf(MODELS[1] ?? '').current;
    const parent = join(dir, 'refused');
    await mkdir(parent, { recursive: true });
    const absent = join(parent, 'absent');
    const result = await device([
      'provision',
      absent,
      '--model',
      model(),
      '--hw',
      'A',
      '--image',
      other,
      '--trust',
      'keys.example/root.json',
      '--json',
    ]);
    expect(result.code, result.stderr).toBe(1);
    expect(answerOf(result)).toMatchObject({ ok: false, code: 'MODEL_MISMATCH' });
    expect(result.stderr).not.toMatch(/\n\s+at /);
    expect(await readdir(parent)).toEqual([]);

    const empty = join(parent, 'empty');
    await mkdir(empty, { mode: 0o750 });
    const before = await snapshot(parent);
    const again = await device([
      'provision',
      empty,
      '--model',
      model(),
      '--hw',
      'A',
      '--image',
      other,
      '--trust',
      'keys.example/root.json',
      '--json',
    ]);
    expect(answerOf(again)).toMatchObject({ ok: false, code: 'MODEL_MISMATCH' });
    expect(await snapshot(parent)).toEqual(before);
  });

  it.each([
    ['an unknown model', 'INPUT_NOT_FOUND', 1, ['--model', 'no-such-cam', '--hw', 'A']],
    ['an unknown hardware revision', 'PRODUCT_UNKNOWN', 1, ['--model', 'ptz-4k', '--hw', 'Z']],
    ['an unknown bootloader', 'PRODUCT_UNKNOWN', 1, ['--model', 'ptz-4k', '--hw', 'A', '--bootloader', '9.9.9']],
    ['no --hw', 'USAGE', 2, ['--model', 'ptz-4k']],
  ] as const)('provision with %s: %s, exit %i, nothing written', async (_name, code, status, options) => {
    const target = join(dir, 'refused-input', 'dev');
    await mkdir(join(dir, 'refused-input'), { recursive: true });
    const result = await device([
      'provision',
      target,
      ...options,
      '--image',
      imagesOf('ptz-4k').old,
      '--trust',
      'keys.example/root.json',
      '--json',
    ]);
    expect(result.code, result.stderr).toBe(status);
    expect(answerOf(result)).toMatchObject({ ok: false, code });
    expect(await readdir(join(dir, 'refused-input'))).toEqual([]);
  });

  it('provision refuses a directory that is not empty, and one that holds a device', async () => {
    const full = join(dir, 'not-empty');
    await mkdir(full, { recursive: true });
    await writeFile(join(full, 'notes.txt'), 'mine');
    const args = ['--model', model(), '--hw', 'A', '--image', imagesOf(model()).old, '--trust', 'keys.example/root.json', '--json'];
    expect(answerOf(await device(['provision', full, ...args]))).toMatchObject({ ok: false, code: 'DEVICE_DIR_NOT_EMPTY' });
    const { devDir, result } = await provisionOld(model(), 'twice');
    expect(result.code, result.stderr).toBe(0);
    const before = await snapshot(devDir);
    expect(answerOf(await device(['provision', devDir, ...args]))).toMatchObject({ ok: false, code: 'DEVICE_EXISTS' });
    expect(await snapshot(devDir)).toEqual(before);
  });

  it('install of an older image (a downgrade) is refused and recorded; the committed slot, record fields and counter stay', async () => {
    const current = join(dir, 'devices', 'downgrade');
    const made = await device([
      'provision',
      current,
      '--model',
      model(),
      '--hw',
      'A',
      '--image',
      imagesOf(model()).current,
      '--trust',
      'keys.example/root.json',
    ]);
    expect(made.code, made.stderr).toBe(0);
    const counterOf = async (): Promise<string[]> =>
      Object.entries(await snapshot(join(current, 'boot')))
        .filter(([name]) => name.startsWith('counter'))
        .map((entry) => entry.join(' '));
    const counter = await counterOf();
    const slotA = await snapshot(join(current, 'slots', 'a'));
    const result = await device(['install', current, '--image', imagesOf(model()).old, '--json']);
    expect(result.code, result.stderr).toBe(1);
    const answer = answerOf(result);
    expect(answer.ok).toBe(false);
    // Below the counter and older than the committed version: the verifier's anti-rollback codes.
    expect(['SECURITY_VERSION_ROLLBACK', 'FIRMWARE_DOWNGRADE']).toContain(answer.code);
    expect(answer.status).toMatchObject({
      committed: { slot: 'a', version: CURRENT.firmware },
      trial: null,
      securityCounter: CURRENT.security,
      last: { result: 'install-failed' },
    });
    expect(await snapshot(join(current, 'slots', 'a'))).toEqual(slotA);
    expect(await counterOf()).toEqual(counter);
  });

  it('commit and revert without a pending trial: NO_TRIAL_PENDING, exit 1', async () => {
    const { devDir } = await provisionOld(model(), 'no-trial');
    for (const command of ['commit', 'revert']) {
      const result = await device([command, devDir, '--json']);
      expect(result.code, result.stderr).toBe(1);
      expect(answerOf(result)).toMatchObject({ ok: false, code: 'NO_TRIAL_PENDING', status: { state: 'idle' } });
    }
  });

  it('--policy sets the trial attempts; a policy with an unknown field is refused and nothing is written', async () => {
    await writeFile(join(dir, 'one-attempt.json'), JSON.stringify({ trialAttempts: 1 }));
    await writeFile(join(dir, 'bad-policy.json'), JSON.stringify({ trialAttempts: 1, rollback: 'yes' }));
    const args = (devDir: string, policy: string): string[] => [
      'provision',
      devDir,
      '--model',
      model(),
      '--hw',
      'A',
      '--image',
      imagesOf(model()).old,
      '--trust',
      'keys.example/root.json',
      '--policy',
      join(dir, policy),
      '--json',
    ];
    const refused = await device(args(join(dir, 'devices', 'bad-policy'), 'bad-policy.json'));
    expect(refused.code, refused.stderr).toBe(1);
    expect(answerOf(refused)).toMatchObject({ ok: false, code: 'POLICY_INVALID' });
    expect(await readdir(join(dir, 'devices'))).not.toContain('bad-policy');

    const devDir = join(dir, 'devices', 'one-attempt');
    expect((await device(args(devDir, 'one-attempt.json'))).code).toBe(0);
    expect(JSON.parse(await readFile(join(devDir, 'policy.json'), 'utf8'))).toMatchObject({ trialAttempts: 1, allowDowngrade: false });
    const installed = await device(['install', devDir, '--image', imagesOf(model()).current, '--json']);
    expect(answerOf(installed).status).toMatchObject({ state: 'trial', trial: { attemptsLeft: 1 } });
  });

  it('a device path that is a file: DEVICE_IO (the operating system’s error), exit 1, no stack trace', async () => {
    await writeFile(join(dir, 'a-file'), 'not a directory');
    const result = await bundle(['status', join(dir, 'a-file'), '--json']);
    expect(result.code, result.stderr).toBe(1);
    expect(answerOf(result)).toMatchObject({ ok: false, code: 'DEVICE_IO', details: { errno: 'ENOTDIR' } });
    expect(result.stderr).toMatch(/^fwkit-device: DEVICE_IO: the device storage failed: \w+ ENOTDIR/);
    expect(result.stderr).not.toMatch(/\n\s+at /);
  });

  it('a directory that is not a device: DEVICE_INVALID, exit 1, no stack trace', async () => {
    const result = await device(['status', join(dir, 'nowhere'), '--json']);
    expect(result.code, result.stderr).toBe(1);
    expect(answerOf(result)).toMatchObject({ ok: false, code: 'DEVICE_INVALID' });
    expect(result.stderr).not.toMatch(/\n\s+at /);
  });

  it('usage errors exit 2 with the command’s usage', async () => {
    for (const args of [
      ['status'],
      ['install', join(dir, 'x')],
      ['status', join(dir, 'x'), '--serve'],
      ['boot', join(dir, 'x'), '--health-timeout-ms', 'soon'],
      ['boot', join(dir, 'x'), '--health-timeout-ms', '600001'],
      ['frobnicate'],
    ]) {
      const result = await device(args);
      expect(result.code, `${args.join(' ')}: ${result.stderr}`).toBe(2);
      expect(result.stderr).toMatch(/^fwkit device: /);
    }
  });
});

describe('help', () => {
  it('fwkit device --help lists the seven commands, each with its own --help', async () => {
    const help = await device(['--help']);
    expect(help.code).toBe(0);
    for (const command of ['provision', 'install', 'boot', 'status', 'commit', 'revert', 'recover']) {
      expect(help.stdout).toContain(`fwkit device ${command} <device-dir>`);
      const own = await device([command, '--help']);
      expect(own.code, own.stderr).toBe(0);
      expect(own.stdout).toMatch(new RegExp(`^Usage: fwkit device ${command} <device-dir>`));
    }
  });

  it('fwkit --help and fwkit-device --help carry the same device command lines as the commands themselves', async () => {
    const [release, onDevice] = await Promise.all([fwkit(['--help']), bundle(['--help'])]);
    for (const line of Object.values(deviceUsageLines('fwkit device'))) expect(release.stdout).toContain(line);
    for (const line of Object.values(deviceUsageLines('fwkit-device'))) expect(onDevice.stdout).toContain(line);
  });
});
