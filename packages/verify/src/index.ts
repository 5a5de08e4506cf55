export { VerifyError, type VerifyErrorCode } from './errors.js';
export { verifyImage, verifyImageFile, type VerifyOptions, type VerifiedImage, type BlockSink } from './verify.js';
