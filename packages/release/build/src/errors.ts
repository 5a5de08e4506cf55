import { FwkitError } from '@fwkit/device-core';

export type BuildErrorCode =
  /** No products/<model>/product.json for the requested model. */
  | 'BUILD_PRODUCT_UNKNOWN'
  /** product.json names another model than its folder. */
  | 'BUILD_PRODUCT_MISMATCH'
  /** platform.json, platform/package.json, release.json or package-lock.json cannot be read. */
  | 'BUILD_INPUT_MISSING'
  /** An input is readable but unusable (e.g. platform package.json without a version, a domain named "meta"). */
  | 'BUILD_INPUT_INVALID'
  /** The platform writes an image format this fwkit does not. */
  | 'BUILD_IMAGE_FORMAT_UNSUPPORTED'
  /** platform.json declares no firmware `runtime`: there is nothing to build for (and to list in the SBOM). */
  | 'BUILD_RUNTIME_UNDECLARED'
  /** Platform + product do not compose (feature unknown, platform version rejected); `details.reasons`. */
  | 'BUILD_REQUIREMENTS'
  /** A hardware revision / bootloader in the field cannot take the image; `details.devices`. */
  | 'BUILD_DEVICE_INCOMPATIBLE'
  /** A source of the image (bundled module, product.json, platform.json, ...) resolves outside the checkout; `details.files`. */
  | 'BUILD_SOURCE_OUTSIDE_REPO'
  /** A model named with --product is retired on the build's day (build --all skips it); `details.retired`. */
  | 'BUILD_MODEL_RETIRED'
  /** esbuild failed, or a bundle imports something at run time that the image does not contain. */
  | 'BUILD_BUNDLE_FAILED'
  /**
   * A module of a domain bundle (platform, drivers or package code) imports what platform.json
   * `imports` does not allow that domain; `details.violations` (file, line, column, module, rule).
   */
  | 'BUILD_IMPORT_FORBIDDEN'
  /**
   * A module of a domain bundle loads code in a way the import check cannot see (a computed import()
   * or require(), process.getBuiltinModule/binding/dlopen, createRequire, eval, Function);
   * `details.violations` (file, line, column, form).
   */
  | 'BUILD_DYNAMIC_LOADING'
  /** SOURCE_DATE_EPOCH is not an integer the image format can carry. */
  | 'BUILD_EPOCH_INVALID'
  /** No signer was given. */
  | 'BUILD_SIGNERS_MISSING'
  /** A signing key is not a `targets` key of the trust root; `details.keys` (keyid, key file). Checked before anything is built. */
  | 'BUILD_SIGNER_UNTRUSTED'
  /** The signing keys are fewer distinct keys than the `targets` threshold; checked before anything is built. */
  | 'BUILD_SIGNERS_BELOW_THRESHOLD'
  /** The image just built does not pass the device verifier (a signer whose signatures do not verify, a damaged write). */
  | 'BUILD_VERIFY_FAILED'
  /** Several products of one build failed; `details.failures` lists each model with its code. Nothing was written. */
  | 'BUILD_PRODUCTS_FAILED';

export class BuildError extends FwkitError<BuildErrorCode> {
  override readonly name = 'BuildError';
}
