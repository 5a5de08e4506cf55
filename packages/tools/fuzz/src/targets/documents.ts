import { deviceIdentityFromJSON, isFwkitError, parseJsonText } from '@fwkit/device-core';
import { ledgerFromJSON, platformManifestFromJSON, productManifestFromJSON, releaseSpecFromJSON } from '@fwkit/release-core';
import { trustRootFromJSON } from '@fwkit/device-trust';
import { TEST_NOW } from '@fwkit/test-utils';
import { under, type FuzzTarget } from '../engine/target.js';
import { distOf } from '../paths.js';
import { deviceSeeds, ledgerSeeds, productFiles, releaseSeeds, repoFile, rootSeeds } from '../seeds.js';

const decoder = new TextDecoder();

/**
 * A JSON document as the CLI reads it: bytes → text → JSON (core's parseJsonText, the one JSON
 * reader) → the document's schema. A coded FwkitError is a refusal; anything else is a crash.
 */
function documentTarget(
  name: string,
  file: string,
  fromJSON: (value: unknown, what: string) => unknown,
  seeds: () => Promise<readonly Uint8Array[]>,
  packages: readonly string[] = ['device/core', 'release/core'],
): FuzzTarget {
  return {
    name,
    description: `${file}: text, JSON, schema`,
    covers: under(...packages.map(distOf)),
    seeds,
    run: (input) => fromJSON(parseJsonText(decoder.decode(input), file), file),
    isExpected: isFwkitError,
    shape: 'json',
  };
}

export const trustRootTarget = documentTarget('trust-root', 'root.json', (value) => trustRootFromJSON(value, TEST_NOW), rootSeeds, [
  'device/trust',
  'device/core',
]);
export const deviceTarget = documentTarget('device-json', 'device.json', deviceIdentityFromJSON, deviceSeeds);
export const ledgerTarget = documentTarget('ledger', 'releases/ledger.json', ledgerFromJSON, ledgerSeeds);
export const releaseTarget = documentTarget('release-json', 'release.json', releaseSpecFromJSON, releaseSeeds);
export const productTarget = documentTarget('product-json', 'product.json', productManifestFromJSON, productFiles);
export const platformTarget = documentTarget('platform-json', 'platform.json', platformManifestFromJSON, async () => [
  await repoFile('platform/platform.json'),
]);
