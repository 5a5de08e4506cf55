import { deviceIdentity, type Check } from '@fwkit/device-core';
import { platformManifestSchema } from './schema/platform.js';
import { productManifestSchema } from './schema/product.js';
import { releaseSpecSchema } from './schema/release.js';
import { ledgerSchema } from './schema/ledger.js';

/**
 * JSON Schemas for editors, each the `jsonSchema` of the check that validates the document, so the
 * two cannot drift. `scripts/gen-schemas.mjs` writes them to `schemas/`.
 */
export function documentJsonSchemas(): Record<string, object> {
  const gen = (check: Check<unknown>, title: string) => ({
    $schema: 'https://json-schema.org/draft/2020-12/schema',
    ...check.jsonSchema,
    title,
  });
  return {
    'product.schema.json': gen(productManifestSchema, 'fwkit product manifest (products/<model>/product.json)'),
    'platform.schema.json': gen(platformManifestSchema, 'fwkit platform manifest (platform/platform.json)'),
    'device.schema.json': gen(deviceIdentity, 'fwkit device identity (device.json)'),
    'release.schema.json': gen(releaseSpecSchema, 'fwkit release spec (release.json)'),
    'ledger.schema.json': gen(ledgerSchema, 'fwkit release ledger (releases/ledger.json)'),
  };
}
