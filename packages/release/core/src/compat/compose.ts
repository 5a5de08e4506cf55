import type { ImageRequires } from '@fwkit/device-core';
import type { PlatformManifest, RequirementSet } from '../schema/platform.js';
import type { ProductManifest } from '../schema/product.js';
import { intersectRanges, satisfies, featureUnknown, platformVersionRejected, type Reason } from '@fwkit/device-core';

/**
 * What an image of `product` on `platform` requires from a device: the platform's base
 * requirements plus those of every feature the product enables. Pure; the flash size is the
 * installed payload size, known only once the payloads are built.
 */
export function composeRequirements(
  platform: PlatformManifest,
  platformVersion: string,
  product: ProductManifest,
  flashBytes: number,
): { requires: ImageRequires; problems: Reason[] } {
  const problems: Reason[] = [];
  if (!satisfies(platformVersion, product.platform)) {
    problems.push(platformVersionRejected(product.id, product.platform, platformVersion));
  }
  const sets: RequirementSet[] = [platform.base];
  for (const feature of product.features) {
    // hasOwn, not a lookup: a name such as "constructor" must not find Object.prototype's.
    const set = Object.hasOwn(platform.features, feature) ? platform.features[feature] : undefined;
    if (set === undefined) {
      problems.push(featureUnknown(product.id, feature));
    } else {
      sets.push(set);
    }
  }
  const interfaceRanges = new Map<string, string[]>();
  for (const set of sets) {
    for (const [name, range] of Object.entries(set.interfaces)) {
      interfaceRanges.set(name, [...(interfaceRanges.get(name) ?? []), range]);
    }
  }
  const interfaces = Object.fromEntries(
    [...interfaceRanges.entries()].sort(([a], [b]) => (a < b ? -1 : 1)).map(([name, ranges]) => [name, intersectRanges(ranges)]),
  );
  const requires: ImageRequires = {
    interfaces,
    bootloader: intersectRanges(sets.flatMap((s) => (s.bootloader === undefined ? [] : [s.bootloader]))),
    imageFormat: platform.imageFormat,
    ramBytes: sets.reduce((sum, s) => sum + s.ramBytes, 0),
    flashBytes,
  };
  return { requires, problems };
}
