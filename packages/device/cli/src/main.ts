import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { EXIT, UsageError, verifyImageFile } from '@fwkit/device-verify';
import { errorOutcome, loadDeviceIdentity, loadTrustRoot, nowOption, renderSummary, verifySummary } from '@fwkit/device-verify/report';
import { deviceUsageLines, isDeviceCommand, runDeviceCommand, type DeviceIo } from './device-commands.js';

export {
  DEVICE_COMMANDS,
  deviceCommandUsage,
  deviceUsageLines,
  isDeviceCommand,
  renderStatus,
  runDeviceCommand,
} from './device-commands.js';
export type { DeviceCommandName, DeviceIo } from './device-commands.js';
export { DeviceCliError, type DeviceCliErrorCode } from './errors.js';

const DEVICE_LINES = Object.values(deviceUsageLines('fwkit-device'))
  .map((line) => `  ${line}`)
  .join('\n');

const VERIFY_LINE = 'fwkit-device verify <image> --trust <root.json> --device <device.json> [--now <date-time>] [--json]';

/** `fwkit-device verify --help`, and what a usage error of verify prints. */
const VERIFY_HELP = `Usage: ${VERIFY_LINE}

The checks of fwkit verify --device, with its codes and --json output: signatures, the device rules against
<device.json>, every block as it streams. Exit codes: 0 ok, 1 failed (a code says why), 2 usage error, 3 a bug.`;

export const USAGE = `fwkit-device — verify and install firmware images on the device they are for

Usage:
  ${VERIFY_LINE}
${DEVICE_LINES}
  fwkit-device <command> --help, fwkit-device help <command>

verify: the same checks, codes, exit statuses and --json output as \`fwkit verify --device\`.
install, boot, status, commit, revert, recover: a device directory (made by \`fwkit device provision\`); the same as
\`fwkit device <command>\`. Their --json line is {ok, code, message, status, ...} with the device status.
Exit codes: 0 ok, 1 verification failed or refused (boot: the firmware is not healthy or the trial was
reverted), 2 usage error, 3 internal error (a bug).`;

/**
 * `fwkit-device verify`: what a camera's updater runs. A device knows who it is, so there is no
 * --model, --hw or --any-device: the device rules always run against its device.json.
 */
async function verifyCommand(args: readonly string[], io: DeviceIo): Promise<number> {
  const { values, positionals } = parseArgs({
    args: [...args],
    allowPositionals: true,
    options: {
      trust: { type: 'string' },
      device: { type: 'string' },
      now: { type: 'string' },
      json: { type: 'boolean', default: false },
    },
  });
  const [image, ...extra] = positionals;
  if (image === undefined || extra.length > 0) throw new UsageError('verify takes exactly one image path');
  if (values.trust === undefined || values.trust === '') throw new UsageError('verify needs --trust <root.json>');
  if (values.device === undefined || values.device === '') throw new UsageError('verify needs --device <device.json>');
  const now = nowOption(values.now);

  const trust = await loadTrustRoot(io.cwd, values.trust, now);
  const device = await loadDeviceIdentity(io.cwd, values.device);
  const verified = await verifyImageFile(resolve(io.cwd, image), { trust, devices: [device], now });
  io.out(renderSummary(verifySummary(image, verified, 'device'), verified.exampleKeys, values.json));
  return EXIT.ok;
}

/** Runs one command; every error goes to the shared mapping (@fwkit/device-verify/report), like `fwkit`'s. */
export async function main(argv: readonly string[], io: DeviceIo): Promise<number> {
  const [name, ...rest] = argv;
  // `help <command>` is `<command> --help`; no command at all is a usage error (the overview on stderr).
  if (name === 'help' && rest[0] !== undefined) return main([rest[0], '--help'], io);
  if (name === undefined) {
    io.err(USAGE);
    return EXIT.usage;
  }
  if (name === '--help' || name === '-h' || name === 'help') {
    io.out(USAGE);
    return EXIT.ok;
  }
  if (isDeviceCommand(name)) return runDeviceCommand('fwkit-device', name, rest, io);
  if (name === 'verify' && (rest.includes('--help') || rest.includes('-h'))) {
    io.out(VERIFY_HELP);
    return EXIT.ok;
  }
  try {
    if (name !== 'verify') throw new UsageError(`unknown command "${name}"`);
    return await verifyCommand(rest, io);
  } catch (error) {
    const outcome = errorOutcome(error);
    if (rest.includes('--json')) io.out(JSON.stringify(outcome.json));
    io.err(outcome.usage ? `fwkit-device: ${outcome.line}\n\n${name === 'verify' ? VERIFY_HELP : USAGE}` : `fwkit-device: ${outcome.line}`);
    return outcome.status;
  }
}
