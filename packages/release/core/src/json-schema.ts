import { z } from 'zod';
import { deviceIdentity } from '@fwkit/device-core';
import { platformManifestSchema } from './schema/platform.js';
import { productManifestSchema } from './schema/product.js';
import { releaseSpecSchema } from './schema/release.js';
import { ledgerSchema } from './schema/ledger.js';
import { jsonSchemaOverride, zodOf } from './schema/zod-bridge.js';

/**
 * JSON Schemas for editors, generated from the same schemas that validate the documents (zod on
 * the release side, the device-side checks through zod-bridge.ts), so the two cannot drift. `scripts/gen-schemas.mjs` writes them to `schemas/`.
 */
export function documentJsonSchemas(): Record<string, object> {
  const gen = (schema: z.ZodType, title: string) => ({ ...z.toJSONSchema(schema, { io: 'input', override: jsonSchemaOverride }), title });
  return {
    'product.schema.json': gen(productManifestSchema, 'fwkit product manifest (products/<model>/product.json)'),
    'platform.schema.json': gen(platformManifestSchema, 'fwkit platform manifest (platform/platform.json)'),
    'device.schema.json': gen(zodOf(deviceIdentity), 'fwkit device identity (device.json)'),
    'release.schema.json': gen(releaseSpecSchema, 'fwkit release spec (release.json)'),
    'ledger.schema.json': gen(ledgerSchema, 'fwkit release ledger (releases/ledger.json)'),
  };
}
