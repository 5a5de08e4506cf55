export { VerifyError, UsageError, type VerifyErrorCode, type UsageErrorCode } from './errors.js';
export {
  verifyImage,
  verifyImageFile,
  describeDevice,
  type VerifyOptions,
  type VerifiedImage,
  type DeviceReport,
  type BlockSink,
  type VerifiedDocuments,
} from './verify.js';
export { EXIT } from './exit.js';
