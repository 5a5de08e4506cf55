export { SigningError, type SigningErrorCode } from './errors.js';
export { generateKeyPair, publicKeyOf, signEd25519, verifyEd25519, isValidPublicKey } from './ed25519.js';
export { privateKeyToPem, privateKeyFromPem, publicKeyToPem, publicKeyFromPem } from './pem.js';
export { pae } from './pae.js';
export { tufKeyOf, keyIdOf, type TufKey } from './tuf-key.js';
export { signerFromPrivateKey, type Signer } from './signer.js';
export {
  checkThreshold,
  judgeSignatures,
  type SignatureJudgement,
  type SignatureStatus,
  type SignatureRecord,
  type RoleKeys,
  type ThresholdResult,
  type ThresholdFailure,
} from './threshold.js';
export { signEnvelope } from './envelope.js';
export { trustRootFromJSON, ROLE_NAMES, type RoleName, type TrustRoot } from './trust-root.js';
export { createRootMetadata, tufDate, TUF_SPEC_VERSION, type RootMetadataOptions } from './root-metadata.js';
export { EXAMPLE_KEYIDS, isExampleKeyId } from './example-keys.js';
export { loadPemSigner, generateKeyFiles } from './key-files.js';
