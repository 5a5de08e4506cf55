import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

const require = createRequire(import.meta.url);

/** The folder of an installed package, resolved from this module as Node would. */
export function packageDir(name: string): string {
  return dirname(require.resolve(`${name}/package.json`));
}

/**
 * A file of the CycloneDX library's res/schema folder. The library stays installed for these
 * (the BOM schema the validator compiles, the SPDX licence ids the writer fixes licences up with);
 * none of its code is loaded.
 */
export function cyclonedxSchemaFile(file: string): string {
  return join(packageDir('@cyclonedx/cyclonedx-library'), 'res', 'schema', file);
}
