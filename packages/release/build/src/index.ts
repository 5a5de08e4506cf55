export {
  buildProductImage,
  buildProducts,
  buildAll,
  signPreparedImage,
  type BuildOptions,
  type BuildProductOptions,
  type BuildProductsOptions,
} from './build.js';
export { fieldDeviceProblems, type SignOptions } from './sign.js';
export { stoppableProgress, type BuildResult } from './common.js';
export {
  prepareProductImages,
  planProductImages,
  plannedImageOf,
  SBOM_PATH,
  META_DOMAIN,
  type PrepareOptions,
  type PreparedImage,
  type PlannedImage,
} from './prepare.js';
export type { ProgressListener } from './common.js';
export { candidateRelease, ledgerImageOfBuild, ledgerImageOfPlan, type CandidateReleaseOptions } from './ledger.js';
export {
  bundleDomain,
  bundleDomains,
  DRIVERS_MODULE,
  type BuildInfo,
  type BundleOptions,
  type DomainBundle,
  type DomainEntry,
} from './bundle.js';
export { loadWorkspace, loadProduct, listProducts, LAYOUT, type Workspace, type PlatformPackage } from './load.js';
export { BuildError, type BuildErrorCode } from './errors.js';
export { scopeBuild, loadBuildScope, type BuildScope, type SkippedModel } from './scope.js';
export { checkSigners, type SignerKey } from './signers.js';
export { defaultCacheDir, CACHE_MAX_ENTRIES } from './cache.js';
