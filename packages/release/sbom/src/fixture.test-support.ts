import { fileURLToPath } from 'node:url';
import { build, type Metafile } from 'esbuild';
import { loadSbomSources } from './load.js';
import type { SbomInput } from './types.js';

// The fixture the SBOM tests build from: a small platform and product under test-fixtures/,
// bundled with real esbuild from the repository root.

export const ROOT = fileURLToPath(new URL('../../../../', import.meta.url));
export const FIXTURE = 'packages/release/sbom/test-fixtures';

/** Bundle the fixture platform + product with real esbuild, from the repository root. */
export async function bundleFixture(): Promise<Metafile> {
  const result = await build({
    absWorkingDir: ROOT,
    entryPoints: [`${FIXTURE}/platform/src/core/main.js`],
    outfile: 'out/core/main.js',
    bundle: true,
    platform: 'node',
    format: 'esm',
    write: false,
    metafile: true,
    logLevel: 'silent',
    plugins: [
      {
        name: 'drivers',
        setup(b) {
          b.onResolve({ filter: /^fwkit:drivers$/ }, () => ({ path: `${ROOT}${FIXTURE}/product/src/drivers.js` }));
        },
      },
    ],
  });
  return result.metafile;
}

export async function fixtureInput(overrides: Partial<SbomInput> = {}): Promise<SbomInput> {
  const metafile = await bundleFixture();
  const sources = loadSbomSources(ROOT, [metafile]);
  return {
    firmware: {
      model: 'cam-fixture',
      modelName: 'Fixture Cam',
      version: '1.4.0',
      security: 3,
      hardwareRevisions: ['A', 'B'],
      endOfSupport: '2031-06-30',
    },
    supplier: { name: 'Example Camera Co.', url: 'https://camera.example', email: 'psirt@camera.example' },
    platform: { dir: `${FIXTURE}/platform`, name: '@camera/fixture-platform', version: '0.9.0', license: 'Apache-2.0' },
    runtime: { name: 'node', version: '24.11.1', endOfLife: '2028-04-30' },
    product: { dir: `${FIXTURE}/product`, id: 'cam-fixture', name: 'Fixture Cam' },
    metafiles: [metafile],
    ...sources,
    sourceDateEpoch: 1_700_000_000,
    tools: [{ name: 'fwkit', version: '0.1.0' }],
    ...overrides,
  };
}
