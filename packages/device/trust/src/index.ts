// @fwkit/device-trust: Ed25519 verification, PAE, thresholds and the trust root.
// Nothing that signs, writes keys or creates roots (release side; docs/decisions.md, device faces).
export { SigningError, type SigningErrorCode } from './errors.js';
export {
  verifyEd25519,
  isValidPublicKey,
  generateKeyPair,
  publicKeyOf,
  signEd25519,
  assertPrivateKey,
  assertValidPublicKey,
  SIGNATURE_LENGTH,
} from './ed25519.js';
export { pae } from './pae.js';
export { keyIdOf, type TufKey, tufKeyOf } from './tuf-key.js';
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
export {
  trustRootFromJSON,
  readRootMetadata,
  type RootMetadata,
  ROLE_NAMES,
  type RoleName,
  type TrustRoot,
  parseTufDate,
} from './trust-root.js';
export { EXAMPLE_KEYIDS, isExampleKeyId } from './example-keys.js';
// Also used by the release side (@fwkit/release-signing) and by tests.
