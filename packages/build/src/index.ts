export {
  buildProductImage,
  buildProducts,
  buildAll,
  fieldDeviceProblems,
  prepareProductImages,
  signPreparedImage,
  planProductImages,
  plannedImageOf,
  SBOM_PATH,
  META_DOMAIN,
  type BuildOptions,
  type BuildProductOptions,
  type BuildProductsOptions,
  type BuildResult,
  type PrepareOptions,
  type PreparedImage,
  type PlannedImage,
  type SignOptions,
  type ProgressListener,
} from './build.js';
export { candidateRelease, ledgerImageOfBuild, ledgerImageOfPlan, type CandidateReleaseOptions } from './ledger.js';
export { bundleDomain, DRIVERS_MODULE, type BuildInfo, type DomainBundle } from './bundle.js';
export { loadWorkspace, loadProduct, listProducts, LAYOUT, type Workspace, type PlatformPackage } from './load.js';
export { BuildError, type BuildErrorCode } from './errors.js';
