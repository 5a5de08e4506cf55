import { InterruptedError, STOP_SIGNALS } from '@fwkit/device-core';
import { errorOutcome } from '@fwkit/device-verify/report';
import { exitOfSignal } from './exit.js';
import type { Io } from './io.js';

/**
 * The one top-level catch: coded errors become exit 1 with their code, usage errors exit 2 with
 * the usage of the command that was run (`usage`), anything else is a bug (exit 3) — the mapping
 * fwkit-device shares (@fwkit/device-verify/report). main() imports it only when a command failed.
 */
export function reportError(error: unknown, io: Io, how: { readonly json: boolean; readonly usage: string }): number {
  const outcome = errorOutcome(error);
  if (how.json) io.out(JSON.stringify(outcome.json));
  io.err(outcome.usage ? `fwkit: ${outcome.line}\n\n${how.usage}` : `fwkit: ${outcome.line}`);
  return error instanceof InterruptedError ? exitOfSignal(STOP_SIGNALS[error.signal]) : outcome.status;
}
