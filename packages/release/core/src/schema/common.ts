import { z } from 'zod';
import { fields } from '@fwkit/device-core';
import { zodOf } from './zod-bridge.js';

/**
 * Building blocks of the release-side (zod) document schemas. Every field rule a device also
 * checks is the device-side check itself, bridged (fields.ts, zod-bridge.ts): one implementation.
 */
export const semverVersion = zodOf(fields.semverVersion);
export const semverRange = zodOf(fields.semverRange);
export const interfaceName = zodOf(fields.interfaceName);
export const featureName = zodOf(fields.featureName);
export const modelId = zodOf(fields.modelId);
export const hardwareRevision = zodOf(fields.hardwareRevision);
export const isoDate = z.iso.date();
export const byteCount = zodOf(fields.byteCount);
export const imageFormatVersion = zodOf(fields.imageFormatVersion);
export const sha256Hex = zodOf(fields.sha256Hex);
export const domainName = zodOf(fields.domainName);
export const bootloaderSchema = zodOf(fields.bootloader);
export const grantsSchema = zodOf(fields.grants);

export type { Bootloader, Grants, Provides } from '@fwkit/device-core';
export { uniqueBy } from '@fwkit/device-core';
