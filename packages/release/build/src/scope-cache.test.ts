import { readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { rejectedCode } from '@fwkit/test-utils';
import { describe, expect, it } from 'vitest';
import { copyCheckout, useTempDirs } from './fixture.test-support.js';
import { loadBuildScopeCached } from './scope-cache.js';
import { loadBuildScope, type BuildScope } from './scope.js';

// The build's scope through the cache: used while every product.json is byte for byte the same,
// computed again (and recorded anew) when one changes or the record is damaged; never recorded for
// a refusal, and never written without a cache folder.
const tempDir = useTempDirs();
const DAY = '2030-06-01';

async function checkout(): Promise<{ root: string; cacheDir: string }> {
  const root = await copyCheckout(await tempDir('fwkit-scope-cache-'));
  return { root, cacheDir: join(root, 'cache') };
}

/** What a scope decides; a computed one also carries the manifests it read, a recorded one does not. */
function decided(scope: BuildScope): Pick<BuildScope, 'models' | 'skipped'> {
  return { models: scope.models, skipped: scope.skipped };
}

async function records(cacheDir: string): Promise<string[]> {
  return (await readdir(cacheDir).catch(() => [])).filter((name) => name.endsWith('.scope'));
}

/** Ends cam-one's support before DAY (its endOfSupport is 2030-01-01 in the fixture; cam-two's 2032-01-01). */
async function setEndOfSupport(root: string, model: string, day: string): Promise<void> {
  const path = join(root, 'products', model, 'product.json');
  const product = JSON.parse(await readFile(path, 'utf8')) as { lifecycle: Record<string, string> };
  product.lifecycle['endOfSupport'] = day;
  await writeFile(path, `${JSON.stringify(product, null, 2)}\n`);
}

describe('loadBuildScopeCached', () => {
  it('answers from its record while each product.json is the same, and reads them again when one changes', async () => {
    const { root, cacheDir } = await checkout();
    const fresh = await loadBuildScope(root, undefined, DAY);
    expect(fresh.skipped.map((s) => s.model)).toEqual(['cam-one']);

    expect(await loadBuildScopeCached(root, undefined, DAY, cacheDir)).toEqual(fresh);
    expect(fresh.products?.map((p) => p.id)).toEqual(['cam-one', 'cam-two']);
    const [record] = await records(cacheDir);
    expect(record).toBeDefined();
    const recorded = await loadBuildScopeCached(root, undefined, DAY, cacheDir);
    expect(recorded).toEqual(decided(fresh));
    expect(recorded.products).toBeUndefined();

    // cam-one supported again on DAY: the recorded scope (cam-one skipped) is not used.
    await setEndOfSupport(root, 'cam-one', '2031-01-01');
    const changed = await loadBuildScopeCached(root, undefined, DAY, cacheDir);
    expect(decided(changed)).toEqual({ models: ['cam-one', 'cam-two'], skipped: [] });
    expect(changed).toEqual(await loadBuildScope(root, undefined, DAY));
    // Another day is another record.
    await loadBuildScopeCached(root, undefined, '2030-06-02', cacheDir);
    expect(await records(cacheDir)).toHaveLength(2);
  });

  it('computes the scope again over a damaged record, and rewrites it', async () => {
    const { root, cacheDir } = await checkout();
    const fresh = await loadBuildScopeCached(root, undefined, DAY, cacheDir);
    const [name] = await records(cacheDir);
    const path = join(cacheDir, name ?? '');
    const bytes = await readFile(path);
    // A record claiming no model is skipped, its digest line left as it was.
    await writeFile(path, Buffer.from(bytes.toString('utf8').replace('"skipped":[{', '"skipped":[],"x":[{')));
    expect(await loadBuildScopeCached(root, undefined, DAY, cacheDir)).toEqual(fresh);
    expect(await readFile(path)).toEqual(bytes);
    expect(decided(await loadBuildScopeCached(root, undefined, DAY, cacheDir))).toEqual(decided(fresh));
  });

  it('records no refusal, and writes nothing without a cache folder', async () => {
    const { root, cacheDir } = await checkout();
    expect(await rejectedCode(loadBuildScopeCached(root, ['cam-one'], DAY, cacheDir))).toBe('BUILD_MODEL_RETIRED');
    expect(await records(cacheDir)).toEqual([]);
    expect(decided(await loadBuildScopeCached(root, ['cam-two'], DAY, undefined))).toEqual({ models: ['cam-two'], skipped: [] });
    expect(await records(cacheDir)).toEqual([]);
    expect(decided(await loadBuildScopeCached(root, ['cam-two'], DAY, cacheDir))).toEqual({ models: ['cam-two'], skipped: [] });
    expect(await records(cacheDir)).toHaveLength(1);
  });
});
