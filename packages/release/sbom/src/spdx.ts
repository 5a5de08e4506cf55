import { readFileSync } from 'node:fs';
import { cyclonedxSchemaFile } from './schema-files.js';

/** The SPDX licence ids CycloneDX 1.6 knows, by their lowercase form; read at the first licence. */
let idsByLowerCase: ReadonlyMap<string, string> | undefined;

function loadIds(): ReadonlyMap<string, string> {
  // The list the BOM schema validates `license.id` against, so an id found here passes it.
  const schema = JSON.parse(readFileSync(cyclonedxSchemaFile('spdx.SNAPSHOT.schema.json'), 'utf8')) as { enum?: unknown };
  if (!Array.isArray(schema.enum) || !schema.enum.every((id): id is string => typeof id === 'string')) {
    throw new Error('internal: spdx.SNAPSHOT.schema.json has no "enum" list of licence ids');
  }
  return new Map(schema.enum.map((id) => [id.toLowerCase(), id]));
}

/**
 * The SPDX licence id `license` names, spelled as the SPDX list spells it (`mit` → `MIT`), or
 * undefined when it names none: the match is case-insensitive and on the whole string, so an
 * expression (`MIT OR Apache-2.0`) or a name with spaces around it is no id.
 */
export function spdxLicenseId(license: string): string | undefined {
  if (license === '') return undefined;
  idsByLowerCase ??= loadIds();
  return idsByLowerCase.get(license.toLowerCase());
}
