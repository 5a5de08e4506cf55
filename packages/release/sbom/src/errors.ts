import { FwkitError } from '@fwkit/device-core';

export type SbomErrorCode =
  /** The BOM does not pass the CycloneDX 1.6 JSON schema (strict). */
  | 'SBOM_INVALID'
  /** An input (metafile, lockfile, package.json, file digest) is missing or malformed. */
  | 'SBOM_INPUT_INVALID'
  /** A bundled file belongs to neither the platform, the product nor an npm package in the checkout. */
  | 'SBOM_FILE_UNATTRIBUTED'
  /** A bundled file is not accounted for by exactly one component of the BOM (an internal guard: never silently omitted). */
  | 'SBOM_INPUT_UNACCOUNTED'
  /** A bundled npm package is not in package-lock.json, or at another version there. */
  | 'SBOM_LOCKFILE_MISMATCH';

export class SbomError extends FwkitError<SbomErrorCode> {
  override readonly name = 'SbomError';
}
