import { fileURLToPath } from 'node:url';
import { INPUT_LIMITS, readJsonInputFile } from '@fwkit/device-core';
import { MAX_MTIME } from '@fwkit/device-image';
import { BuildError } from './errors.js';

// What both stages of a build share: the key-less prepare stage (prepare.ts) and signing (build.ts).

/** Reports progress: one call per product and step (for a CLI's stderr). */
export type ProgressListener = (model: string, step: string) => void;

export function checkEpoch(epoch: number): void {
  if (!Number.isSafeInteger(epoch) || epoch < 0 || epoch > MAX_MTIME) {
    throw new BuildError(
      'BUILD_EPOCH_INVALID',
      `SOURCE_DATE_EPOCH must be a whole number of seconds from 0 to ${MAX_MTIME}, got ${String(epoch)}`,
      {
        details: { sourceDateEpoch: String(epoch), max: MAX_MTIME },
      },
    );
  }
}

export async function fwkitVersion(): Promise<string> {
  const pkg = await readJsonInputFile(
    fileURLToPath(new URL('../package.json', import.meta.url)),
    'fwkit package.json',
    INPUT_LIMITS.packageJson,
  );
  const version = typeof pkg === 'object' && pkg !== null ? (pkg as { version?: unknown }).version : undefined;
  return typeof version === 'string' ? version : '0.0.0';
}
