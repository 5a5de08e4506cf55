import { readFile } from 'node:fs/promises';
import { MAX_MTIME } from '@fwkit/image';
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
  const pkg = JSON.parse(await readFile(new URL('../package.json', import.meta.url), 'utf8')) as { version?: unknown };
  return typeof pkg.version === 'string' ? pkg.version : '0.0.0';
}
