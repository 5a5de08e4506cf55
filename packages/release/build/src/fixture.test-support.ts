// Test-only (excluded from the package build): the setup the build tests share.
import { cp, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll } from 'vitest';
import { copyCheckout as copyCheckoutTree, makeTrustRoot, testKeys } from '@fwkit/test-utils';

/** The repository checkout the tests run in, and the small fake checkout in test-fixtures/. */
export const REPO = fileURLToPath(new URL('../../../../', import.meta.url));
export const FIXTURE = fileURLToPath(new URL('../test-fixtures/repo/', import.meta.url));

/** SOURCE_DATE_EPOCH of the fixture builds, and the instant the trust root is checked at. */
export const EPOCH = 1_750_000_000;
export const NOW = new Date(EPOCH * 1000);

/** Two targets signers meeting the fixture trust root's threshold of two. */
export const signers = [testKeys.targets1.signer, testKeys.targets2.signer];
export const { trust } = makeTrustRoot({ targetsKeys: [testKeys.targets1, testKeys.targets2], targetsThreshold: 2, now: NOW });

/** Makes temporary directories, all removed after the calling test file. */
export function useTempDirs(): (prefix: string) => Promise<string> {
  const temps: string[] = [];
  afterAll(async () => {
    await Promise.all(temps.map((d) => rm(d, { recursive: true, force: true })));
  });
  return async (prefix) => {
    const dir = await mkdtemp(join(tmpdir(), prefix));
    temps.push(dir);
    return dir;
  };
}

/**
 * The fixture checkout copied to `root` (see @fwkit/test-utils copyCheckout: a node_modules of its
 * own, hard-linked from the repository's), with the repository's package-lock.json beside it.
 */
export async function copyCheckout(root: string): Promise<string> {
  await copyCheckoutTree(root, { from: FIXTURE, entries: ['platform', 'products', 'release.json'] });
  await cp(join(REPO, 'package-lock.json'), join(root, 'package-lock.json'));
  return root;
}
