import { resolve } from 'node:path';
import { INPUT_LIMITS, InterruptedError, readJsonInputFile } from '@fwkit/device-core';

/** Where a command writes: data to stdout, messages and progress to stderr. */
export interface Io {
  readonly cwd: string;
  readonly env: Readonly<Record<string, string | undefined>>;
  out(text: string): void;
  err(text: string): void;
  /**
   * One step of long work, on stderr: on a terminal one line rewritten in place with timings, in CI
   * or into a file or pipe one stable plain line per step (process-io.ts, progress.ts).
   */
  progress(text: string): void;
  /**
   * For commands that write (build, release): from now on SIGINT/SIGTERM do not kill the process
   * but abort the returned signal with an InterruptedError, so the command can stop between steps
   * and clean up. Optional: an Io without it runs commands without interruption.
   */
  interruptible?(): Promise<AbortSignal>;
}

/**
 * Run a command's writing work so that an interruption is reported as one: a step that failed
 * because of the signal (a child killed by the same Ctrl-C) becomes the InterruptedError.
 */
export async function interruptibly<T>(signal: AbortSignal | undefined, work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (error) {
    if (signal?.aborted === true && signal.reason instanceof InterruptedError) throw signal.reason;
    throw error;
  }
}

/** The documents the CLI reads by a path from the command line, each with its size limit (docs/inputs.md). */
const DOCUMENT_LIMITS = {
  'trust root': INPUT_LIMITS.trustRoot,
  'device identity': INPUT_LIMITS.deviceIdentity,
  'product manifest': INPUT_LIMITS.productManifest,
  'platform manifest': INPUT_LIMITS.platformManifest,
} as const;

export type InputDocument = keyof typeof DOCUMENT_LIMITS;

/**
 * Read a JSON document given on the command line: a regular file within its size limit (FIFOs,
 * devices and directories are refused without blocking), parsed by the strict reader.
 */
export async function readJsonFile(io: Io, path: string, what: InputDocument): Promise<unknown> {
  return readJsonInputFile(resolve(io.cwd, path), what, DOCUMENT_LIMITS[what]);
}
