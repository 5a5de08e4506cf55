// What every run loads: this file, usage.ts (with the device usage lines), exit.ts. Each command's module (and with it esbuild,
// CycloneDX, ajv, ...) is imported only when that command runs, so `fwkit --help` and `fwkit verify`
// start fast (docs/decisions.md, lazy commands; test/startup.test.ts).
import { EXIT } from './exit.js';
import type { Io } from './io.js';
import { commandUsage, isCommandName, USAGE } from './usage.js';

export { USAGE };

export type Command = (args: string[], io: Io) => Promise<number>;

const COMMANDS: Readonly<Record<string, () => Promise<Command>>> = {
  build: async () => (await import('./commands/build.js')).buildCommand,
  verify: async () => (await import('./commands/verify.js')).verifyCommand,
  inspect: async () => (await import('./commands/inspect.js')).inspectCommand,
  keys: async () => (await import('./commands/keys.js')).keysCommand,
  matrix: async () => (await import('./commands/matrix.js')).matrixCommand,
  release: async () => (await import('./commands/release.js')).releaseCommand,
  ledger: async () => (await import('./commands/ledger.js')).ledgerCommand,
  root: async () => (await import('./commands/root.js')).rootCommand,
  device: async () => (await import('./commands/device.js')).deviceCommand,
};

/**
 * Runs one command. Help returns before anything else loads; every error of a command (or of
 * loading it) goes to the one top-level catch in report.ts.
 */
export async function main(argv: readonly string[], io: Io): Promise<number> {
  const [name, ...rest] = argv;
  if (name === '--help' || name === '-h') {
    io.out(USAGE);
    return EXIT.ok;
  }
  // No command is a usage error: the overview goes where errors go.
  if (name === undefined) {
    io.err(USAGE);
    return EXIT.usage;
  }
  // `fwkit help <command> [<sub>]` is `fwkit <command> [<sub>] --help`.
  if (name === 'help') return rest.length === 0 || rest[0] === '--help' ? main(['--help'], io) : main([...rest.slice(0, 2), '--help'], io);
  if ((name === '--version' || name === '-V') && rest.length === 0) {
    io.out(`fwkit ${await (await import('./version.js')).toolkitVersion()}`);
    return EXIT.ok;
  }
  // A command's own help, before anything of it loads (the device commands answer their own: `device install --help`).
  if (name !== 'device' && isCommandName(name) && (rest.includes('--help') || rest.includes('-h'))) {
    io.out(commandUsage(name) ?? USAGE);
    return EXIT.ok;
  }
  try {
    const load = Object.hasOwn(COMMANDS, name) ? COMMANDS[name] : undefined;
    if (load === undefined) {
      const { UsageError } = await import('./errors.js');
      throw new UsageError(`unknown command "${name}"`);
    }
    // Before any parsing, so no message repeats a passphrase typed as an argument; the module
    // (and its rule) loads only when an argument could be one.
    if (rest.some((arg) => arg.startsWith('--pass'))) (await import('./passphrase.js')).refusePassphraseArguments(rest);
    const command = await load();
    return await command(rest, io);
  } catch (error) {
    const { reportError } = await import('./report.js');
    return reportError(error, io, { json: rest.includes('--json'), usage: commandUsage(name) ?? USAGE });
  }
}
