#!/usr/bin/env node
// Writes the generated documents of the checkout; a test fails when a committed one drifts from
// its source. Run after `npm run build`.
// - schemas/*.json: the JSON Schemas editors use for product.json, platform.json, device.json and
//   release.json, from the checks that validate them;
// - products/<model>/device.example.json: each model's example device.json, by the one
//   implementation of a model's identity (release-core's fieldDevicesOf, which provision uses).
import { readdir, readFile, writeFile } from 'node:fs/promises';
import { documentJsonSchemas, exampleDeviceOf, productManifestFromJSON } from '@fwkit/release-core';

const schemas = new URL('../schemas/', import.meta.url);
for (const [name, schema] of Object.entries(documentJsonSchemas())) {
  await writeFile(new URL(name, schemas), JSON.stringify(schema, null, 2) + '\n');
  console.error(`wrote schemas/${name}`);
}

const products = new URL('../products/', import.meta.url);
for (const entry of await readdir(products, { withFileTypes: true })) {
  if (!entry.isDirectory()) continue;
  const dir = new URL(`${entry.name}/`, products);
  const product = productManifestFromJSON(JSON.parse(await readFile(new URL('product.json', dir), 'utf8')));
  await writeFile(new URL('device.example.json', dir), JSON.stringify(exampleDeviceOf(product), null, 2) + '\n');
  console.error(`wrote products/${entry.name}/device.example.json`);
}
