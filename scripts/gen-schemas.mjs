#!/usr/bin/env node
// Writes the JSON Schemas that editors use for product.json, platform.json, device.json and
// release.json. They are generated from the zod schemas in @fwkit/device-core; a test fails when the
// committed files drift from the source. Run after `npm run build`.
import { writeFile } from 'node:fs/promises';
import { documentJsonSchemas } from '@fwkit/release-core';

const dir = new URL('../schemas/', import.meta.url);
for (const [name, schema] of Object.entries(documentJsonSchemas())) {
  await writeFile(new URL(name, dir), JSON.stringify(schema, null, 2) + '\n');
  console.error(`wrote schemas/${name}`);
}
