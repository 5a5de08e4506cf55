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
