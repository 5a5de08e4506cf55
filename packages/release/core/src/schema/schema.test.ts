import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { SchemaError, deviceIdentityFromJSON, imageManifestFromJSON } from '@fwkit/device-core';
import { documentJsonSchemas } from '../json-schema.js';
import { productManifestFromJSON } from './product.js';

const product = {
  schemaVersion: 1,
  id: 'demo-cam',
  name: 'Demo camera',
  features: ['ptz-control'],
  platform: '>=1.0.0 <2.0.0',
  drivers: 'src/drivers.ts',
  lifecycle: { released: '2024-01-01', endOfSupport: '2030-01-01' },
  hardware: [
    {
      revision: 'A',
      interfaces: { 'sensor.mipi-csi2': '2.1.0' },
      flashPartitionBytes: 16777216,
      ramBytes: 268435456,
      bootloaders: [{ version: '3.0.0', imageFormats: [1] }],
    },
  ],
};

function schemaIssues(run: () => unknown): { path: string; message: string }[] {
  try {
    run();
  } catch (error) {
    expect(error).toBeInstanceOf(SchemaError);
    return [...(error as SchemaError).issues];
  }
  throw new Error('expected a SchemaError');
}

describe('product manifest', () => {
  it('accepts a valid manifest and freezes it', () => {
    const parsed = productManifestFromJSON(product);
    expect(parsed.id).toBe('demo-cam');
    expect(Object.isFrozen(parsed.hardware[0])).toBe(true);
  });

  it('reports every problem at once, each with its path', () => {
    const bad = {
      ...product,
      platform: 'not a range',
      lifecycle: { released: '2024-01-01', endOfSupport: '2023-01-01' },
      hardware: [product.hardware[0], { ...product.hardware[0], ramBytes: -1 }],
      surprise: true,
    };
    const paths = schemaIssues(() => productManifestFromJSON(bad)).map((i) => i.path);
    expect(paths).toEqual(expect.arrayContaining(['platform', 'hardware[1].ramBytes', '']));
  });

  it('applies cross-field rules: unique revisions, end of support after release', () => {
    const bad = {
      ...product,
      lifecycle: { released: '2024-01-01', endOfSupport: '2023-01-01' },
      hardware: [product.hardware[0], product.hardware[0]],
    };
    const issues = schemaIssues(() => productManifestFromJSON(bad));
    expect(issues.map((i) => i.path).sort()).toEqual(['hardware', 'lifecycle.endOfSupport']);
  });

  it('rejects driver paths that leave the product folder', () => {
    for (const drivers of ['../other/src/drivers.ts', '/abs/drivers.ts', 'src/../../x.ts']) {
      expect(schemaIssues(() => productManifestFromJSON({ ...product, drivers })).map((i) => i.path)).toEqual(['drivers']);
    }
  });
});

describe('device identity', () => {
  it('rejects unknown fields rather than ignoring them', () => {
    const device = {
      schemaVersion: 1,
      model: 'demo-cam',
      hardwareRevision: 'A',
      bootloader: { version: '3.0.0', imageFormats: [1] },
      provides: { interfaces: {}, flashPartitionBytes: 1, ramBytes: 1 },
    };
    expect(deviceIdentityFromJSON(device).model).toBe('demo-cam');
    expect(schemaIssues(() => deviceIdentityFromJSON({ ...device, extra: 1 }))[0]?.path).toBe('');
  });
});

describe('image manifest', () => {
  const payload = (path: string, domain: string) => ({ path, size: 1, sha256: 'a'.repeat(64), domain, blocksSha256: 'b'.repeat(64) });
  const manifest = {
    formatVersion: 1,
    model: 'demo-cam',
    modelName: 'Demo',
    hardwareRevisions: ['A'],
    versions: { firmware: '1.0.0', platform: '1.0.0', security: 1 },
    upgradeFrom: '>=0.9.0',
    sourceDateEpoch: 1700000000,
    requires: { interfaces: {}, bootloader: '*', imageFormat: 1, ramBytes: 0, flashBytes: 3 },
    domains: { core: { entry: 'core/main.js', grants: { user: 'core', listen: [], read: [], write: [], ipc: [] } } },
    blockSize: 1048576,
    payloads: [payload('core/main.js', 'core'), payload('sbom.cdx.json', 'meta')],
    sbom: { path: 'sbom.cdx.json', sha256: 'a'.repeat(64), format: 'CycloneDX-1.6+json' },
  };

  it('keeps unknown top-level and requirement fields (they are signed)', () => {
    const parsed = imageManifestFromJSON({ ...manifest, futureField: 1, requires: { ...manifest.requires, gpu: '>=2' } });
    expect(parsed['futureField']).toBe(1);
    expect(parsed.requires['gpu']).toBe('>=2');
  });

  it('rejects unsafe payload paths, unsorted payloads and a domain entry of another domain', () => {
    for (const path of ['../x', '/abs', 'a//b', 'a/./b', '.hidden/x/..']) {
      const issues = schemaIssues(() => imageManifestFromJSON({ ...manifest, payloads: [payload(path, 'meta'), ...manifest.payloads] }));
      expect(issues.some((i) => i.path === 'payloads[0].path')).toBe(true);
    }
    const unsorted = { ...manifest, payloads: [...manifest.payloads].reverse() };
    expect(schemaIssues(() => imageManifestFromJSON(unsorted)).map((i) => i.message)).toContain('payloads must be sorted by path');
    const wrongDomain = { ...manifest, domains: { protocol: manifest.domains.core } };
    expect(schemaIssues(() => imageManifestFromJSON(wrongDomain)).map((i) => i.path)).toContain('domains.protocol.entry');
  });
});

describe('generated JSON Schemas', () => {
  it('match the committed files in schemas/ (run scripts/gen-schemas.mjs after changing a schema)', async () => {
    for (const [name, schema] of Object.entries(documentJsonSchemas())) {
      const committed = await readFile(new URL(`../../../../../schemas/${name}`, import.meta.url), 'utf8');
      expect(JSON.parse(committed), name).toEqual(JSON.parse(JSON.stringify(schema)));
    }
  });
});
