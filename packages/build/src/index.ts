export {
  buildProductImage,
  buildProducts,
  buildAll,
  fieldDeviceProblems,
  SBOM_PATH,
  META_DOMAIN,
  type BuildOptions,
  type BuildProductOptions,
  type BuildProductsOptions,
  type BuildResult,
  type ProgressListener,
} from './build.js';
export { bundleDomain, DRIVERS_MODULE, type BuildInfo, type DomainBundle } from './bundle.js';
export { loadWorkspace, loadProduct, listProducts, LAYOUT, type Workspace, type PlatformPackage } from './load.js';
export { BuildError, type BuildErrorCode } from './errors.js';
