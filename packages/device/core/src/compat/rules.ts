import type { DeviceIdentity } from '../schema/device.js';
import { compileImage, compileUpgrade, type ImageFacts, type InstalledFirmware } from './engine.js';
import type { Reason } from './reasons.js';

export { imageFactsOf, unknownRequirements, type ImageFacts, type InstalledFirmware } from './engine.js';

/**
 * Every reason why `image` must not be installed on `device`; empty when it fits. Pure. The simple
 * entry to the engine: to check many devices against one image, compile it once (`compileImage`).
 */
export function checkDeviceCompatibility(image: ImageFacts, device: DeviceIdentity): Reason[] {
  return [...compileImage(image).check(device)];
}

/**
 * The rules between the firmware a device runs and the image: may `installed` upgrade to `image`
 * directly? The device check and the matrix's upgrade graph answer this with one implementation.
 */
export function upgradeReasons(image: Pick<ImageFacts, 'firmware' | 'security' | 'upgradeFrom'>, installed: InstalledFirmware): Reason[] {
  return [...compileUpgrade(image).check(installed)];
}
