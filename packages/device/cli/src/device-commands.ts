// The device commands (issue 9): install, boot, status, commit, revert and recover of a device directory.
// One implementation for both CLIs: `fwkit-device <command>` (the device bundle) and
// `fwkit device <command>` (the release CLI delegates here); only the program name differs.
import { resolve } from 'node:path';
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { InterruptedError } from '@fwkit/device-core';
import { Device, storageFailure, type BootResult, type DeviceStatus } from '@fwkit/device-install';
import { HEALTH_TIMEOUT_RULE, isHealthTimeout, isolationHost, startFirmware } from '@fwkit/device-run';
import { EXIT, UsageError } from '@fwkit/device-verify';
import { nowOption } from '@fwkit/device-verify/report';
import { DeviceCliError } from './errors.js';
import { reportFailure, type DeviceIo } from './io.js';
import { deviceCommandUsage, type DeviceCommandName } from './usage.js';

export { DEVICE_COMMANDS, deviceCommandUsage, deviceUsageLines, isDeviceCommand, type DeviceCommandName } from './usage.js';
export type { DeviceIo } from './io.js';

const STRING = { type: 'string' } as const;
const FLAG = { type: 'boolean', default: false } as const;

/** Each command's options beside --json; parseArgs refuses any other (a usage error). */
const OPTIONS: Readonly<Record<DeviceCommandName, NonNullable<ParseArgsConfig['options']>>> = {
  install: { image: STRING, now: STRING },
  recover: { image: STRING, now: STRING },
  boot: { serve: FLAG, 'no-isolation': FLAG, 'health-timeout-ms': STRING, now: STRING },
  status: {},
  commit: {},
  revert: {},
};

type Values = Readonly<Record<string, string | boolean | undefined>>;

/** What every successful device command prints with --json: ok, code, message, the command's result and the device status. */
type Answer = { readonly ok: boolean; readonly code: string | null; readonly message: string; readonly status: DeviceStatus } & Record<
  string,
  unknown
>;

const done = (message: string, status: DeviceStatus, result: Record<string, unknown> = {}): Answer => ({
  ok: true,
  code: null,
  message,
  ...result,
  status,
});

/** Text lines of a device status, as `status` prints it (and the other commands after their message). */
export function renderStatus(status: DeviceStatus): string {
  const { committed, trial } = status;
  return [
    `state: ${status.state}`,
    `committed: ${committed === null ? 'none' : `${committed.version} (slot ${committed.slot}, security ${committed.security})`}`,
    `trial: ${trial === null ? 'none' : `${trial.version} (slot ${trial.slot}, ${trial.attemptsLeft} attempt(s) left)`}`,
    `security counter: ${status.securityCounter}`,
    `last: ${status.last.result}: ${status.last.reason}`,
  ].join('\n');
}

function print(io: DeviceIo, json: boolean, answer: Answer): void {
  io.out(json ? JSON.stringify(answer) : `${answer.message}\n${renderStatus(answer.status)}`);
}

/** `install` and `recover`: the image named by --image. */
async function installImage(name: 'install' | 'recover', device: Device, values: Values, io: DeviceIo): Promise<Answer> {
  const image = values['image'];
  if (typeof image !== 'string' || image === '') throw new UsageError(`${name} needs --image <image>`);
  const path = resolve(io.cwd, image);
  if (name === 'recover') {
    const recover = await device.recoverFile(path);
    return done(
      `${image}: ${recover.version} recovered into slot ${recover.slot} and committed (the next boot raises the security counter)`,
      device.status(),
      { recover },
    );
  }
  const install = await device.installFile(path);
  return done(
    `${image}: ${install.version} installed into slot ${install.slot}: pending reboot (boot tries it, ${install.attempts} attempt(s))`,
    device.status(),
    { install },
  );
}

/** The health decision of a boot: exit 0 only when the booted firmware is healthy and no trial was abandoned. */
function bootAnswer(result: BootResult, isolation: 'os' | 'none'): Answer {
  const { verdict } = result;
  const health = verdict.ok ? 'healthy' : `not healthy: ${verdict.code}: ${verdict.reason}`;
  const trial =
    result.trial === 'committed'
      ? `; trial committed, security counter ${result.status.securityCounter}`
      : result.trial === 'reverted'
        ? `; trial reverted (${result.status.last.reason})`
        : '';
  const code = !verdict.ok ? verdict.code : result.trial === 'reverted' ? 'TRIAL_REVERTED' : null;
  return {
    ok: code === null,
    code,
    message: `slot ${result.slot}: ${result.version} ${health}${trial}`,
    boot: { slot: result.slot, version: result.version, trial: result.trial, isolation, verdict },
    status: result.status,
  };
}

/** `--health-timeout-ms`, checked here: the launcher would refuse it as a failed start, and a trial would lose an attempt to a typo. */
function healthTimeoutOption(value: string | boolean | undefined): { healthTimeoutMs?: number } {
  if (typeof value !== 'string') return {};
  const healthTimeoutMs = Number(value);
  if (!/^\d+$/.test(value) || !isHealthTimeout(healthTimeoutMs))
    throw new UsageError(`--health-timeout-ms "${value}" is not ${HEALTH_TIMEOUT_RULE}`);
  return { healthTimeoutMs };
}

async function boot(device: Device, values: Values, io: DeviceIo): Promise<number> {
  const serve = values['serve'] === true;
  const healthTimeout = healthTimeoutOption(values['health-timeout-ms']);
  // Before the firmware starts: a stop signal must never leave it running (it has its own process group).
  const stopped = await io.interruptible?.();
  if (serve && stopped === undefined) throw new UsageError('--serve needs a process that can receive stop signals');
  const isolation = values['no-isolation'] === true ? 'none' : 'os';
  if (isolation === 'os') {
    const host = isolationHost();
    if ('missing' in host) {
      throw new DeviceCliError(
        'ISOLATION_UNAVAILABLE',
        `this host cannot isolate the firmware's domains; missing: ${host.missing.join('; ')}`,
        {
          details: { missing: host.missing },
        },
      );
    }
  } else {
    io.err('DEVELOPMENT MODE (--no-isolation): the firmware runs without OS isolation; never on a camera in the field');
  }
  const result = await device.boot({ runner: startFirmware, serve, isolation, ...healthTimeout });
  const answer = bootAnswer(result, isolation);
  print(io, values['json'] === true, answer);
  const status = answer.ok ? EXIT.ok : EXIT.failed;
  const { running } = result;
  if (running === undefined) return status;
  if (!result.verdict.ok || stopped === undefined) {
    await running.stop();
    return status;
  }
  // Serving: until a stop signal (then the firmware is stopped and the decision's status stands) or the firmware's own exit.
  io.err(`serving slot ${result.slot} (${result.version}) on port ${result.verdict.port} until SIGINT or SIGTERM`);
  const how = await Promise.race([
    running.exited.then(() => 'exited' as const),
    new Promise<'signal'>((settle) => {
      if (stopped.aborted) settle('signal');
      stopped.addEventListener(
        'abort',
        () => {
          settle('signal');
        },
        { once: true },
      );
    }),
  ]);
  await running.stop();
  if (how === 'signal') {
    const name = stopped.reason instanceof InterruptedError ? stopped.reason.signal : 'a stop signal';
    io.err(`stopped the firmware (${name})`);
    return status;
  }
  throw new DeviceCliError('FIRMWARE_EXITED', `the firmware of slot ${result.slot} (${result.version}) exited while being served`);
}

/** The commands that print one answer; boot prints its own (it may keep serving). */
function answer(
  name: Exclude<DeviceCommandName, 'boot'>,
  device: Device,
  values: Values,
  io: DeviceIo,
  dir: string,
): Promise<Answer> | Answer {
  switch (name) {
    case 'install':
    case 'recover':
      return installImage(name, device, values, io);
    case 'status': {
      const status = device.status();
      const { committed, trial } = status;
      const pending = trial === null ? '' : `; trial ${trial.version} pending (slot ${trial.slot})`;
      const installed = committed === null ? 'nothing committed' : `committed ${committed.version} (slot ${committed.slot})`;
      return done(`${dir}: ${status.state}: ${installed}${pending}`, status);
    }
    case 'commit': {
      const status = device.commit();
      return done(`committed ${status.committed?.version ?? '?'} (slot ${status.committed?.slot ?? '?'})`, status);
    }
    case 'revert': {
      const status = device.revert();
      return done(`reverted: ${status.committed?.version ?? 'nothing'} stays committed`, status);
    }
  }
}

/**
 * Runs one device command. It reports its own errors (io.ts, the mapping both CLIs share); with
 * --json a failure on a readable device also carries its status (e.g. the failed install).
 */
export async function runDeviceCommand(program: string, name: DeviceCommandName, args: readonly string[], io: DeviceIo): Promise<number> {
  const usage = deviceCommandUsage(program, name);
  if (args.includes('--help') || args.includes('-h')) {
    io.out(usage);
    return EXIT.ok;
  }
  let device: Device | undefined;
  try {
    const parsed = parseArgs({ args: [...args], allowPositionals: true, options: { ...OPTIONS[name], json: FLAG } });
    const values: Values = parsed.values;
    const [dir, ...extra] = parsed.positionals;
    if (dir === undefined || dir === '' || extra.length > 0) throw new UsageError('name exactly one device directory');
    const now = typeof values['now'] === 'string' ? nowOption(values['now']) : undefined;
    device = new Device(resolve(io.cwd, dir), now === undefined ? {} : { now: () => now });
    if (name === 'boot') return await boot(device, values, io);
    print(io, values['json'] === true, await answer(name, device, values, io, dir));
    return EXIT.ok;
  } catch (caught) {
    return reportFailure(io, storageFailure(caught), { program, json: args.includes('--json'), usage, data: () => statusOf(device) });
  }
}

/** The status of a device after a failure, when it can be read (a failed install is recorded there). */
function statusOf(device: Device | undefined): { status?: DeviceStatus } {
  if (device === undefined) return {};
  try {
    return { status: device.status() };
  } catch {
    return {}; // not a device, or unreadable: the error printed says so already
  }
}
