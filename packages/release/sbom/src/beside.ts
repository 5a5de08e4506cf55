import { isRecord, parseJsonText } from '@fwkit/device-core';
import { SbomError } from './errors.js';

/** The `metadata.properties` entry of the SBOM beside an image: that image's identity. */
export const IMAGE_IDENTITY_PROPERTY = 'fwkit:image:manifest-sha256';

const SHA256_HEX = /^[0-9a-f]{64}$/;

/**
 * The SBOM written beside an image: the BOM inside the image plus the image's identity, the
 * SHA-256 of its signed manifest, as `metadata.properties[fwkit:image:manifest-sha256]`. The copy
 * inside cannot hold it (the manifest holds the digest of that copy), so this one is version 2 of
 * the same BOM (same serial number, per CycloneDX a modified BOM bumps `version`). Nothing else
 * differs: remove the property and reset the version, and the bytes are those in the image.
 */
export function sbomBesideImage(inside: Uint8Array, manifestSha256: string): Uint8Array {
  if (!SHA256_HEX.test(manifestSha256)) {
    throw new SbomError('SBOM_INPUT_INVALID', 'the image identity must be a lowercase hex SHA-256 digest', { details: { manifestSha256 } });
  }
  const bom = parseJsonText(new TextDecoder('utf-8', { fatal: true }).decode(inside), 'SBOM');
  if (!isRecord(bom) || !isRecord(bom['metadata']) || bom['version'] !== 1) {
    throw new SbomError('SBOM_INPUT_INVALID', 'not a version 1 CycloneDX BOM with metadata, as buildSbom makes');
  }
  const metadata = bom['metadata'];
  const existing = metadata['properties'];
  if (existing !== undefined) throw new SbomError('SBOM_INPUT_INVALID', 'the BOM already has metadata properties');
  metadata['properties'] = [{ name: IMAGE_IDENTITY_PROPERTY, value: manifestSha256 }];
  bom['version'] = 2;
  return new TextEncoder().encode(`${JSON.stringify(bom, null, 2)}\n`);
}
