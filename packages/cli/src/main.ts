import { InterruptedError, isFwkitError, SchemaError, STOP_SIGNALS } from '@fwkit/core';
import { buildCommand } from './commands/build.js';
import { inspectCommand } from './commands/inspect.js';
import { keysCommand } from './commands/keys.js';
import { matrixCommand } from './commands/matrix.js';
import { releaseCommand } from './commands/release.js';
import { verifyCommand } from './commands/verify.js';
import { EXIT, exitOfSignal, UsageError } from './errors.js';
import type { Io } from './io.js';

export type Command = (args: string[], io: Io) => Promise<number>;

const COMMANDS: Readonly<Record<string, Command>> = {
  build: buildCommand,
  verify: verifyCommand,
  inspect: inspectCommand,
  keys: keysCommand,
  matrix: matrixCommand,
  release: releaseCommand,
};

export const USAGE = `fwkit — build, sign, release and verify camera firmware images

Usage:
  fwkit build (--all | --product <model>...) --keys <dir> [--out <dir>] [--repo <dir>] [--json]
  fwkit release --keys <dir> [--out <dir>] [--date YYYY-MM-DD] [--repo <dir>] [--json]
  fwkit matrix [--release <firmware>] [--date YYYY-MM-DD] [--format text|json|markdown|html] [--output <file>]
               [--check] [--repo <dir>]
  fwkit verify <image> --trust <root.json> (--device <device.json> | --model <model> --hw <rev> [--products <dir>]
               | --any-device) [--now <date-time, e.g. 2026-12-03T10:00:00Z>] [--file-digest] [--json]
  fwkit inspect <image> [--trust <root.json> [--now <date-time>]] [--json]
  fwkit keys generate --name <name> [--out <dir>]

Exit codes: 0 ok, 1 verification or validation failed (or the release gate refused), 2 usage error,
3 internal error (a bug); build and release stopped by SIGINT/SIGTERM exit 130/143 and write nothing.
SOURCE_DATE_EPOCH fixes the build time (default: the time of the last git commit); its UTC day is the release
date and the day support is judged on, unless --date names another.`;

/**
 * The one top-level catch: coded errors become exit 1 with their code, usage errors exit 2,
 * anything else is a bug (exit 3).
 */
export async function main(argv: readonly string[], io: Io): Promise<number> {
  const [name, ...rest] = argv;
  const json = rest.includes('--json');
  try {
    if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
      io.out(USAGE);
      return name === undefined ? EXIT.usage : EXIT.ok;
    }
    const command = COMMANDS[name];
    if (command === undefined) throw new UsageError(`unknown command "${name}"`);
    return await command(rest, io);
  } catch (error) {
    return reportError(error, io, json);
  }
}

function reportError(error: unknown, io: Io, json: boolean): number {
  if (error instanceof UsageError) {
    if (json) io.out(JSON.stringify({ ok: false, code: error.code, message: error.message }));
    io.err(`fwkit: ${error.message}\n\n${USAGE}`);
    return EXIT.usage;
  }
  // parseArgs throws plain TypeErrors with ERR_PARSE_ARGS_* codes for unknown or malformed options.
  const nodeCode = (error as { code?: unknown } | null)?.code;
  if (typeof nodeCode === 'string' && nodeCode.startsWith('ERR_PARSE_ARGS')) {
    return reportError(new UsageError((error as Error).message), io, json);
  }
  if (isFwkitError(error)) {
    if (json) {
      const issues = error instanceof SchemaError ? error.issues : undefined;
      io.out(JSON.stringify({ ok: false, code: error.code, message: error.message, details: error.details ?? null, issues }));
    }
    io.err(`fwkit: ${error.code}: ${error.message}`);
    return error instanceof InterruptedError ? exitOfSignal(STOP_SIGNALS[error.signal]) : EXIT.failed;
  }
  if (json) io.out(JSON.stringify({ ok: false, code: 'INTERNAL', message: String(error) }));
  io.err(`fwkit: internal error — this is a bug, please report it:\n${(error as Error).stack ?? String(error)}`);
  return EXIT.internal;
}
