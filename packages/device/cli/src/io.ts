import { errorOutcome } from '@fwkit/device-verify/report';

/** Where a command writes: data to stdout, messages to stderr. The same shape as the release CLI's Io. */
export interface DeviceIo {
  readonly cwd: string;
  out(text: string): void;
  err(text: string): void;
  /**
   * From now on SIGINT/SIGTERM do not kill the process but abort the returned signal (with an
   * InterruptedError). `boot` needs it: the firmware runs in its own process group, so only this
   * process can stop it.
   */
  interruptible?(): Promise<AbortSignal>;
}

/** How a failed command reports, beside the error itself. */
export interface FailureReport {
  /** `fwkit-device` or `fwkit device`: the prefix of the stderr line. */
  readonly program: string;
  /** --json was given: the error's JSON line goes to stdout. */
  readonly json: boolean;
  /** The command's usage, printed after a usage error. */
  readonly usage: string;
  /** More fields for the JSON line of an error that is not a usage error (a device's status). */
  readonly data?: () => Readonly<Record<string, unknown>>;
}

/**
 * Prints a failed command's error through the shared mapping (@fwkit/device-verify/report's
 * errorOutcome, which `fwkit` uses too) and returns its exit status: with --json one JSON line on
 * stdout, then `<program>: CODE: message` on stderr, followed by the usage after a usage error.
 */
export function reportFailure(io: DeviceIo, error: unknown, how: FailureReport): number {
  const outcome = errorOutcome(error);
  if (how.json) io.out(JSON.stringify({ ...outcome.json, ...(outcome.usage ? {} : how.data?.()) }));
  io.err(outcome.usage ? `${how.program}: ${outcome.line}\n\n${how.usage}` : `${how.program}: ${outcome.line}`);
  return outcome.status;
}
