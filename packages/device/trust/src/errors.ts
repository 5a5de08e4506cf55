import { FwkitError } from '@fwkit/device-core';

/**
 * Stable codes for everything that can go wrong with keys and trust material. Signature checks on
 * attacker bytes do not throw: they return `false` or a `ThresholdResult`, and the caller decides.
 */
export type SigningErrorCode =
  /** A key (seed, public key, PEM) is malformed, the wrong length or not Ed25519. */
  | 'KEY_INVALID'
  /** `generateKeyFiles` refused to overwrite an existing key file. */
  | 'KEY_EXISTS'
  /** A key name would not make a safe file name. */
  | 'KEY_NAME_INVALID'
  /** A key file does not exist. */
  | 'KEY_NOT_FOUND'
  /** A key file exists but could not be read. */
  | 'KEY_UNREADABLE'
  /** A private key file that group or others may access (mode & 0o077): `chmod 600` it. */
  | 'KEY_PERMISSIONS'
  /** An encrypted private key and no passphrase (FWKIT_KEY_PASSPHRASE or --passphrase-fd). */
  | 'KEY_PASSPHRASE_REQUIRED'
  /** An encrypted private key that the passphrase does not decrypt (wrong passphrase, or a damaged file). */
  | 'KEY_PASSPHRASE_WRONG'
  /** The passphrase could not be read (a bad file descriptor, too long, empty). */
  | 'KEY_PASSPHRASE_UNREADABLE'
  /** A signer returned something that is not a valid signature for its own public key (HSM slot mix-up, bug). */
  | 'SIGNER_INVALID'
  /** `createRootMetadata` was given roles, thresholds, a version or an expiry that make no valid root. */
  | 'ROOT_OPTIONS_INVALID'
  /** `fwkit root sign` was given a key that is not one of the root role's keys. */
  | 'ROOT_SIGNER_UNKNOWN'
  /** `createRootMetadata` was given too few of the new root role's keys to meet its threshold. */
  | 'ROOT_THRESHOLD_NOT_MET'
  /** root.json is not well-formed TUF 1.0 root metadata (structure, key type, roles, dates). */
  | 'TRUST_ROOT_INVALID'
  /** A key's id in root.json is not the SHA-256 of its canonical key object (a key substitution). */
  | 'TRUST_ROOT_KEYID_MISMATCH'
  /** root.json is not signed by a threshold of its own root keys. */
  | 'TRUST_ROOT_SIGNATURE'
  /** root.json has expired at the `now` the caller passed in (a freeze attack, or a stale root). */
  | 'TRUST_ROOT_EXPIRED';

export class SigningError extends FwkitError<SigningErrorCode> {
  override readonly name = 'SigningError';
}
