import { mkdir, readdir, realpath, rename, rm, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { copyCheckout as copyCheckoutTree } from '@fwkit/test-utils';
import { copyCheckout, EPOCH, REPO, signers, trust, useTempDirs } from './fixture.test-support.js';
import { buildAll, BuildError } from './index.js';

// Every source of a signed image must resolve inside the checkout: a symlink that leaves it would
// put code no one reviewed, and that the SBOM does not describe, into the image.

const tempDir = useTempDirs();

interface Outside {
  readonly path: string;
  readonly resolved: string;
}

/** A fixture checkout and, beside it (outside it), a folder of "foreign" files. */
async function setup(): Promise<{ root: string; out: string; foreign: string }> {
  const base = await tempDir('fwkit-outside-');
  const root = await copyCheckout(join(base, 'checkout'));
  const foreign = join(base, 'foreign');
  await mkdir(foreign);
  await writeFile(join(foreign, 'outside.ts'), "export default { sensor: 'FOREIGN', read: (): number => 666 };\n");
  return { root, out: await tempDir('fwkit-outside-out-'), foreign: await realpath(foreign) };
}

async function buildFails(root: string, out: string): Promise<Outside[]> {
  const error = await buildAll({ repoRoot: root, outDir: out, sourceDateEpoch: EPOCH, keys: { signers, trust } }).then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(BuildError);
  // Nothing written: no image, no SBOM, not even the model folder.
  expect(await readdir(out)).toEqual([]);
  const { code, details } = error as BuildError;
  if (code !== 'BUILD_PRODUCTS_FAILED') {
    expect(code).toBe('BUILD_SOURCE_OUTSIDE_REPO');
    return details?.['files'] as Outside[];
  }
  // Every product failed (a shared source): each for that reason, the offenders named in each.
  const failures = details?.['failures'] as { code: string; details: { files: Outside[] } }[];
  expect(failures.map((f) => f.code)).toEqual(failures.map(() => 'BUILD_SOURCE_OUTSIDE_REPO'));
  return failures.flatMap((f) => f.details.files);
}

describe('sources outside the checkout', () => {
  it('refuses a driver file that is a symlink to a file outside, naming both paths', async () => {
    const { root, out, foreign } = await setup();
    const drivers = join(root, 'products/cam-one/src/drivers.ts');
    await rm(drivers);
    await symlink(join(foreign, 'outside.ts'), drivers);
    expect(await buildFails(root, out)).toEqual([{ path: 'products/cam-one/src/drivers.ts', resolved: join(foreign, 'outside.ts') }]);
  });

  it('refuses a driver reached through a symlinked folder', async () => {
    const { root, out, foreign } = await setup();
    await rename(join(foreign, 'outside.ts'), join(foreign, 'drivers.ts'));
    await rm(join(root, 'products/cam-one/src'), { recursive: true });
    await symlink(foreign, join(root, 'products/cam-one/src'), 'dir');
    expect(await buildFails(root, out)).toEqual([{ path: 'products/cam-one/src/drivers.ts', resolved: join(foreign, 'drivers.ts') }]);
  });

  it('refuses a module imported by a path that leaves the checkout', async () => {
    const { root, out, foreign } = await setup();
    await writeFile(
      join(root, 'products/cam-one/src/drivers.ts'),
      `import foreign from ${JSON.stringify(join(foreign, 'outside.ts'))};\nexport default foreign;\n`,
    );
    const files = await buildFails(root, out);
    expect(files.map((f) => f.resolved)).toEqual([join(foreign, 'outside.ts')]);
  });

  it('refuses a driver that is a symlink loop with a coded error, not a crash', async () => {
    const { root, out } = await setup();
    const drivers = join(root, 'products/cam-one/src/drivers.ts');
    await rm(drivers);
    await symlink(drivers, drivers);
    const error = await buildAll({ repoRoot: root, outDir: out, sourceDateEpoch: EPOCH, keys: { signers, trust } }).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(BuildError);
    expect((error as BuildError).code).toBe('BUILD_BUNDLE_FAILED');
    expect(await readdir(out)).toEqual([]);
  });

  it('refuses a product.json or platform.json that is a symlink out of the checkout', async () => {
    for (const document of ['products/cam-one/product.json', 'platform/platform.json']) {
      const { root, out, foreign } = await setup();
      await rename(join(root, document), join(foreign, 'moved.json'));
      await symlink(join(foreign, 'moved.json'), join(root, document));
      expect(await buildFails(root, out)).toEqual([{ path: document, resolved: join(foreign, 'moved.json') }]);
    }
  });

  it('refuses node_modules linked from elsewhere as a whole, and an npm package linked in from outside', async () => {
    const { root, out } = await setup();
    const modules = await realpath(join(REPO, 'node_modules'));
    // node_modules/ itself a symlink to an installed tree elsewhere (a cache, another checkout).
    await rm(join(root, 'node_modules'), { recursive: true });
    await symlink(modules, join(root, 'node_modules'), 'dir');
    const whole = await buildFails(root, out);
    expect(whole.length).toBeGreaterThan(0);
    expect(whole[0]?.path).toMatch(/^node_modules\/fast-xml-parser\//);
    expect(whole[0]?.resolved.startsWith(join(modules, 'fast-xml-parser'))).toBe(true);
    // A real node_modules/ with one package a link to elsewhere.
    await rm(join(root, 'node_modules'));
    await copyCheckoutTree(root, { from: root, entries: [] });
    await rm(join(root, 'node_modules', 'fast-xml-parser'), { recursive: true });
    await symlink(join(modules, 'fast-xml-parser'), join(root, 'node_modules', 'fast-xml-parser'), 'dir');
    const one = await buildFails(root, out);
    expect(one.length).toBeGreaterThan(0);
    expect(one.every((f) => f.path.startsWith('node_modules/fast-xml-parser/'))).toBe(true);
    expect(one.every((f) => f.resolved.startsWith(join(modules, 'fast-xml-parser')))).toBe(true);
    // Its own installed tree (copyCheckout's hard links): built.
    await rm(join(root, 'node_modules'), { recursive: true });
    await copyCheckoutTree(root, { from: root, entries: [] });
    await expect(
      buildAll({ repoRoot: root, outDir: await tempDir('fwkit-outside-ok-'), sourceDateEpoch: EPOCH, keys: { signers, trust } }),
    ).resolves.toHaveLength(2);
  });
});
