import { resolve } from 'node:path';
import { INPUT_LIMITS, readJsonInputFile } from '@fwkit/core';

/** Where a command writes: data to stdout, messages and progress to stderr. */
export interface Io {
  readonly cwd: string;
  readonly env: Readonly<Record<string, string | undefined>>;
  out(text: string): void;
  err(text: string): void;
  /** Progress lines only when a person is watching (stderr is a terminal), quiet in CI. */
  progress(text: string): void;
}

export function processIo(): Io {
  const interactive = process.stderr.isTTY && process.env['CI'] === undefined;
  return {
    cwd: process.cwd(),
    env: process.env,
    out: (text) => process.stdout.write(text.endsWith('\n') ? text : `${text}\n`),
    err: (text) => process.stderr.write(text.endsWith('\n') ? text : `${text}\n`),
    progress: (text) => {
      if (interactive) process.stderr.write(`${text}\n`);
    },
  };
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
