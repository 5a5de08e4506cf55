import type { Metafile } from 'esbuild';
import { describe, expect, it } from 'vitest';
import { importRulesOf, metafileImportViolations } from './imports.js';

// The import rules read from a metafile, the way a build checks them before it bundles again to
// locate a refused import (hygiene.test.ts runs both through real builds).

const ROOT = '/checkout';
const rules = importRulesOf({
  imports: {
    shared: ['src/errors.ts'],
    domains: { protocol: { drivers: false, packages: ['fast-xml-parser'], builtins: ['node:http'] } },
  },
  domain: 'protocol',
  platformDir: 'platform',
  entry: 'platform/src/protocol/main.ts',
  productDir: 'products/cam-one',
  productsDir: 'products',
});

type Imported = Metafile['inputs'][string]['imports'][number];

/** A metafile of one input per entry of `inputs`, each with the imports given. */
function metafile(inputs: Record<string, Imported[]>): Metafile {
  return {
    inputs: Object.fromEntries(Object.entries(inputs).map(([path, imports]) => [path, { bytes: 1, imports }])),
    outputs: {},
  };
}

const DEFINE: Imported = { path: '<define:__FWKIT_BUILD__>', kind: 'import-statement', external: true };

describe('metafileImportViolations', () => {
  it('lets a domain import its own folder, the shared modules, and the packages and built-ins granted', () => {
    const allowed = metafile({
      'platform/src/protocol/main.ts': [
        { path: 'platform/src/protocol/http.ts', kind: 'import-statement', original: './http.js' },
        { path: 'platform/src/errors.ts', kind: 'import-statement', original: '../errors.js' },
        { path: 'node_modules/fast-xml-parser/src/fxp.js', kind: 'import-statement', original: 'fast-xml-parser' },
        { path: 'node:http', kind: 'import-statement', external: true },
        DEFINE,
      ],
      'node_modules/fast-xml-parser/src/fxp.js': [
        { path: 'node_modules/fast-xml-parser/src/util.js', kind: 'import-statement', original: './util.js' },
      ],
      '<define:__FWKIT_BUILD__>': [],
    });
    expect(metafileImportViolations(ROOT, rules, allowed)).toEqual([]);
  });

  it('names each refused import as written, in the module that wrote it, at line 0 (the metafile has no lines)', () => {
    const refused = metafile({
      'platform/src/protocol/main.ts': [
        { path: 'platform/src/core/sensor.ts', kind: 'import-statement', original: '../core/sensor.js' },
        { path: 'node_modules/semver/index.js', kind: 'require-call', original: 'semver' },
        { path: 'node:child_process', kind: 'import-statement', external: true },
        DEFINE,
      ],
      'node_modules/fast-xml-parser/src/fxp.js': [
        { path: 'platform/src/core/sensor.ts', kind: 'dynamic-import', original: '../../../platform/src/core/sensor.js' },
      ],
    });
    expect(metafileImportViolations(ROOT, rules, refused)).toEqual([
      expect.objectContaining({ file: 'platform/src/protocol/main.ts', line: 0, module: '../core/sensor.js' }),
      expect.objectContaining({ file: 'platform/src/protocol/main.ts', line: 0, module: 'semver' }),
      expect.objectContaining({ file: 'platform/src/protocol/main.ts', line: 0, module: 'node:child_process' }),
      expect.objectContaining({ file: 'node_modules/fast-xml-parser/src/fxp.js', module: '../../../platform/src/core/sensor.js' }),
    ]);
  });

  it('judges a relative import by the module it names, a folder with a trailing / and an absolute path included', () => {
    const written = (original: string) =>
      metafileImportViolations(
        ROOT,
        rules,
        metafile({ 'platform/src/protocol/main.ts': [{ path: 'x', kind: 'import-statement', original }] }),
      ).map((v) => v.module);
    // Its own folder, however the path is spelled.
    for (const own of ['./http/', './http/index.js', './a/../http.js', `${ROOT}/platform/src/protocol/http.js`])
      expect(written(own)).toEqual([]);
    // The shared file, absolute or relative; another domain's folder, with or without a trailing /.
    expect(written(`${ROOT}/platform/src/errors.ts`)).toEqual([]);
    for (const other of ['../core/', '../core', `${ROOT}/platform/src/core/x.js`, '../..', '../../'])
      expect(written(other)).toEqual([other]);
    // Above the checkout: left to the containment check (its own code), however far up.
    for (const outside of ['../../../../x.js', '../../../../../../../../x.js', '/elsewhere/x.js']) expect(written(outside)).toEqual([]);
  });
});
