import { EXIT, UsageError } from '@fwkit/device-verify';
import { runDeviceCommand } from './device-commands.js';
import { reportFailure, type DeviceIo } from './io.js';
import { deviceUsageLines, EXIT_CODES, isDeviceCommand } from './usage.js';
import { runVerify, VERIFY_LINE } from './verify-command.js';

export {
  DEVICE_COMMANDS,
  deviceCommandUsage,
  deviceUsageLines,
  isDeviceCommand,
  renderStatus,
  runDeviceCommand,
} from './device-commands.js';
export type { DeviceCommandName } from './device-commands.js';
export { reportFailure, type DeviceIo, type FailureReport } from './io.js';
export { DeviceCliError, type DeviceCliErrorCode } from './errors.js';

const PROGRAM = 'fwkit-device';

const DEVICE_LINES = Object.values(deviceUsageLines(PROGRAM))
  .map((line) => `  ${line}`)
  .join('\n');

export const USAGE = `fwkit-device — verify and install firmware images on the device they are for

Usage:
  ${VERIFY_LINE}
${DEVICE_LINES}
  fwkit-device <command> --help, fwkit-device help <command>

Each command answers as fwkit's own (\`fwkit verify --device\`, \`fwkit device <command>\`): the same checks, codes,
--json output and exit codes. The device commands work on a device directory made by \`fwkit device provision\`.
${EXIT_CODES}`;

/** Runs one command; each reports its own errors through the shared mapping (io.ts), like `fwkit`'s. */
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
  if (name === 'verify') return runVerify(rest, io);
  if (isDeviceCommand(name)) return runDeviceCommand(PROGRAM, name, rest, io);
  return reportFailure(io, new UsageError(`unknown command "${name}"`), { program: PROGRAM, json: rest.includes('--json'), usage: USAGE });
}
