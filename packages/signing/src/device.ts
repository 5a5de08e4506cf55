// The device face of @fwkit/signing: Ed25519 verification, PAE, thresholds and the trust root.
// Nothing that signs, writes keys or creates roots (release side; docs/decisions.md, device faces).
export { SigningError, type SigningErrorCode } from './errors.js';
export { verifyEd25519, isValidPublicKey } from './ed25519.js';
export { pae } from './pae.js';
export { keyIdOf, type TufKey } from './tuf-key.js';
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
export { trustRootFromJSON, ROLE_NAMES, type RoleName, type TrustRoot } from './trust-root.js';
export { EXAMPLE_KEYIDS, isExampleKeyId } from './example-keys.js';
