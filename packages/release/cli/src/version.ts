import { fileURLToPath } from 'node:url';
import { INPUT_LIMITS, readJsonInputFile } from '@fwkit/device-core';

/** The version of @fwkit/cli (this package): what `fwkit --version` prints and a release records as its toolkit. */
export async function toolkitVersion(): Promise<string> {
  const pkg = await readJsonInputFile(
    fileURLToPath(new URL('../package.json', import.meta.url)),
    '@fwkit/cli package.json',
    INPUT_LIMITS.packageJson,
  );
  const version = typeof pkg === 'object' && pkg !== null ? (pkg as { version?: unknown }).version : undefined;
  if (typeof version !== 'string') throw new Error('internal: @fwkit/cli package.json has no version');
  return version;
}
