import { InterruptedError, isFwkitError, SchemaError, STOP_SIGNALS } from '@fwkit/core';
import { UsageError } from './errors.js';
import { EXIT, exitOfSignal } from './exit.js';
import type { Io } from './io.js';
import { USAGE } from './usage.js';

/**
 * The one top-level catch: coded errors become exit 1 with their code, usage errors exit 2,
 * anything else is a bug (exit 3). main() imports it only when a command failed.
 */
export function reportError(error: unknown, io: Io, json: boolean): number {
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
