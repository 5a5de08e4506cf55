export { buildSbom, bundledSha256, serialNumberFor, BUNDLED_SHA256_METHOD } from './bom.js';
export { prepareSbomValidator, validateSbom } from './validate.js';
export { schemaValidatorCode, VALIDATOR_CODE_PATH } from './schema-validator.js';
export { loadSbomSources, newSbomReads, type SbomReads, type SbomSources } from './load.js';
export { parseLockfile } from './lockfile.js';
export { packageDirOf, isVirtualInput } from './attribute.js';
export { SbomError, type SbomErrorCode } from './errors.js';
export type { BundleMetafile, MetafileImport, BundledPackage, Sbom, SbomInput, SbomSupplier, SbomTool } from './types.js';
export { sbomBesideImage, IMAGE_IDENTITY_PROPERTY } from './beside.js';
