// The device commands (issue 9): install, boot, status, commit and revert of a device directory.
// One implementation for both CLIs: `fwkit-device <command>` (the device bundle) and
// `fwkit device <command>` (the release CLI delegates here); only the program name differs.
import { resolve } from 'node:path';
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { InterruptedError } from '@fwkit/device-core';
import { Device, storageFailure, type BootResult, type DeviceStatus, type InstallResult } from '@fwkit/device-install';
import { isolationHost, MAX_HEALTH_TIMEOUT_MS, startFirmware } from '@fwkit/device-run';
import { EXIT, UsageError } from '@fwkit/device-verify';
import { errorOutcome, nowOption } from '@fwkit/device-verify/report';
import { DeviceCliError } from './errors.js';
import { deviceCommandUsage, type DeviceCommandName } from './usage.js';

export { DEVICE_COMMANDS, deviceCommandUsage, deviceUsageLines, isDeviceCommand, type DeviceCommandName } from './usage.js';

/** Where a device command writes: data to stdout, messages to stderr. */
export interface DeviceIo {
  readonly cwd: string;
  out(text: string): void;
  err(text: string): void;
  /**
   * From now on SIGINT/SIGTERM do not kill the process but abort the returned signal (with an
   * InterruptedError). `boot` needs it: the firmware runs in its own process group, so only this
   * process can stop it. The same shape as the release CLI's Io.
   */
  interruptible?(): Promise<AbortSignal>;
}

/** What every successful device command prints with --json: ok, code, message, the command's result and the device status. */
type Answer = { readonly ok: boolean; readonly code: string | null; readonly message: string; readonly status: DeviceStatus } & Record<
  string,
  unknown
>;

function parse(
  args: readonly string[],
  options: NonNullable<ParseArgsConfig['options']>,
): { values: Record<string, unknown>; dir: string } {
  const { values, positionals } = parseArgs({
    args: [...args],
    allowPositionals: true,
    options: { ...options, json: { type: 'boolean', default: false } },
  });
  const [dir, ...extra] = positionals;
  if (dir === undefined || dir === '' || extra.length > 0) throw new UsageError('name exactly one device directory');
  return { values, dir };
}

/** Text lines of a device status, as `status` prints it (and the other commands after their message). */
export function renderStatus(status: DeviceStatus): string {
  const committed =
    status.committed === null
      ? 'none'
      : `${status.committed.version} (slot ${status.committed.slot}, security ${status.committed.security})`;
  const trial =
    status.trial === null ? 'none' : `${status.trial.version} (slot ${status.trial.slot}, ${status.trial.attemptsLeft} attempt(s) left)`;
  return [
    `state: ${status.state}`,
    `committed: ${committed}`,
    `trial: ${trial}`,
    `security counter: ${status.securityCounter}`,
    `last: ${status.last.result}: ${status.last.reason}`,
  ].join('\n');
}

function print(io: DeviceIo, json: boolean, answer: Answer): void {
  io.out(json ? JSON.stringify(answer) : `${answer.message}\n${renderStatus(answer.status)}`);
}

function imageOption(name: DeviceCommandName, values: Record<string, unknown>): string {
  const image = values['image'];
  if (typeof image !== 'string' || image === '') throw new UsageError(`${name} needs --image <image>`);
  return image;
}

async function recover(device: Device, values: Record<string, unknown>, io: DeviceIo): Promise<Answer> {
  const image = imageOption('recover', values);
  const result = await device.recoverFile(resolve(io.cwd, image));
  return {
    ok: true,
    code: null,
    message: `${image}: ${result.version} recovered into slot ${result.slot} and committed (the next boot raises the security counter)`,
    recover: result,
    status: device.status(),
  };
}

async function install(device: Device, values: Record<string, unknown>, io: DeviceIo): Promise<Answer> {
  const image = imageOption('install', values);
  const result: InstallResult = await device.installFile(resolve(io.cwd, image));
  return {
    ok: true,
    code: null,
    message: `${image}: ${result.version} installed into slot ${result.slot}: pending reboot (boot tries it, ${result.attempts} attempt(s))`,
    install: result,
    status: device.status(),
  };
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

async function boot(device: Device, values: Record<string, unknown>, io: DeviceIo): Promise<number> {
  const json = values['json'] === true;
  const serve = values['serve'] === true;
  const timeout = values['health-timeout-ms'];
  let healthTimeoutMs: number | undefined;
  if (typeof timeout === 'string') {
    healthTimeoutMs = Number(timeout);
    // Checked here: the launcher would refuse it as a failed start, and a trial would lose an attempt to a typo.
    if (!/^\d+$/.test(timeout) || healthTimeoutMs < 1 || healthTimeoutMs > MAX_HEALTH_TIMEOUT_MS) {
      throw new UsageError(`--health-timeout-ms "${timeout}" is not a whole number of milliseconds from 1 to ${MAX_HEALTH_TIMEOUT_MS}`);
    }
  }
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
  const result = await device.boot({
    runner: startFirmware,
    serve,
    isolation,
    ...(healthTimeoutMs === undefined ? {} : { healthTimeoutMs }),
  });
  const answer = bootAnswer(result, isolation);
  print(io, json, answer);
  const status = answer.ok ? EXIT.ok : EXIT.failed;
  const running = result.running;
  if (running === undefined) return status;
  if (!result.verdict.ok || stopped === undefined) {
    await running.stop();
    return status;
  }
  // Serving: until a stop signal (then the firmware is stopped and the decision's status stands) or the firmware's own exit.
  io.err(`serving slot ${result.slot} (${result.version}) on port ${result.verdict.port} until SIGINT or SIGTERM`);
  const signal = stopped;
  const how = await Promise.race([
    running.exited.then(() => 'exited' as const),
    new Promise<'signal'>((done) => {
      if (signal.aborted) done('signal');
      signal.addEventListener(
        'abort',
        () => {
          done('signal');
        },
        { once: true },
      );
    }),
  ]);
  await running.stop();
  if (how === 'signal') {
    const name = signal.reason instanceof InterruptedError ? signal.reason.signal : 'a stop signal';
    io.err(`stopped the firmware (${name})`);
    return status;
  }
  throw new DeviceCliError('FIRMWARE_EXITED', `the firmware of slot ${result.slot} (${result.version}) exited while being served`);
}

/**
 * Runs one device command. It reports its own errors (the shared mapping of
 * @fwkit/device-verify/report) so that both CLIs print the same; with --json a failure on a
 * readable device also carries its status (e.g. the failed install).
 */
export async function runDeviceCommand(program: string, name: DeviceCommandName, args: readonly string[], io: DeviceIo): Promise<number> {
  if (args.includes('--help') || args.includes('-h')) {
    io.out(deviceCommandUsage(program, name));
    return EXIT.ok;
  }
  let device: Device | undefined;
  try {
    const { values, dir } = parse(args, {
      image: { type: 'string' },
      now: { type: 'string' },
      serve: { type: 'boolean', default: false },
      'no-isolation': { type: 'boolean', default: false },
      'health-timeout-ms': { type: 'string' },
    });
    const allowed: Record<DeviceCommandName, readonly string[]> = {
      install: ['image', 'now'],
      recover: ['image', 'now'],
      boot: ['serve', 'health-timeout-ms', 'now'],
      status: [],
      commit: [],
      revert: [],
    };
    for (const option of ['image', 'now', 'health-timeout-ms']) {
      if (values[option] !== undefined && !allowed[name].includes(option)) throw new UsageError(`${name} has no --${option}`);
    }
    for (const flag of ['serve', 'no-isolation']) {
      if (values[flag] === true && name !== 'boot') throw new UsageError(`${name} has no --${flag}`);
    }
    const now = values['now'] === undefined ? undefined : nowOption(values['now'] as string);
    device = new Device(resolve(io.cwd, dir), now === undefined ? {} : { now: () => now });
    const json = values['json'] === true;
    switch (name) {
      case 'install':
        print(io, json, await install(device, values, io));
        return EXIT.ok;
      case 'recover':
        print(io, json, await recover(device, values, io));
        return EXIT.ok;
      case 'boot':
        return await boot(device, values, io);
      case 'status': {
        const status = device.status();
        const trial = status.trial === null ? '' : `; trial ${status.trial.version} pending (slot ${status.trial.slot})`;
        const committed =
          status.committed === null ? 'nothing committed' : `committed ${status.committed.version} (slot ${status.committed.slot})`;
        print(io, json, { ok: true, code: null, message: `${dir}: ${status.state}: ${committed}${trial}`, status });
        return EXIT.ok;
      }
      case 'commit': {
        const status = device.commit();
        print(io, json, {
          ok: true,
          code: null,
          message: `committed ${status.committed?.version ?? '?'} (slot ${status.committed?.slot ?? '?'})`,
          status,
        });
        return EXIT.ok;
      }
      case 'revert': {
        const status = device.revert();
        print(io, json, { ok: true, code: null, message: `reverted: ${status.committed?.version ?? 'nothing'} stays committed`, status });
        return EXIT.ok;
      }
    }
  } catch (caught) {
    const outcome = errorOutcome(storageFailure(caught));
    if (args.includes('--json')) io.out(JSON.stringify({ ...outcome.json, ...(outcome.usage ? {} : statusOf(device)) }));
    io.err(outcome.usage ? `${program}: ${outcome.line}\n\n${deviceCommandUsage(program, name)}` : `${program}: ${outcome.line}`);
    return outcome.status;
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
