import { FwkitError } from './errors.js';

/** The signals a long command stops cleanly on; exit status 128 + the signal number. */
export const STOP_SIGNALS = { SIGINT: 2, SIGTERM: 15 } as const;
export type StopSignal = keyof typeof STOP_SIGNALS;

/**
 * The user stopped the command (SIGINT, SIGTERM). Long work checks for it between steps, removes
 * what it staged and leaves every output as it was; the CLI exits with 128 + the signal number.
 */
export class InterruptedError extends FwkitError<'INTERRUPTED'> {
  override readonly name = 'InterruptedError';
  readonly signal: StopSignal;
  constructor(signal: StopSignal) {
    super('INTERRUPTED', `stopped by ${signal}: nothing was written`, { details: { signal } });
    this.signal = signal;
  }
}

/** Throw the InterruptedError that aborted `signal`, if it was; a check between steps. */
export function throwIfInterrupted(signal: AbortSignal | undefined): void {
  if (signal?.aborted !== true) return;
  const reason: unknown = signal.reason;
  throw reason instanceof InterruptedError ? reason : new InterruptedError('SIGINT');
}

/**
 * From now on SIGINT and SIGTERM do not end the process: they abort the returned signal with an
 * InterruptedError, so that the command undoes what it started (staging files, a firmware's
 * processes) and exits 130/143 itself. A second signal while it cleans up is ignored too: the
 * cleanup is short, and SIGKILL remains.
 */
export function stopSignalsToAbort(): AbortSignal {
  const controller = new AbortController();
  for (const name of Object.keys(STOP_SIGNALS) as StopSignal[]) {
    process.on(name, () => {
      controller.abort(new InterruptedError(name));
    });
  }
  return controller.signal;
}
