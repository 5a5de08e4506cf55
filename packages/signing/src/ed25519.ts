import { createHash } from 'node:crypto';
import * as ed from '@noble/ed25519';
import { SigningError } from './errors.js';

// noble's synchronous API needs a SHA-512; node's is native and much faster than a JS one.
ed.hashes.sha512 = (message) => {
  const d = createHash('sha512').update(message).digest();
  return new Uint8Array(d.buffer, d.byteOffset, d.byteLength);
};

export const PRIVATE_KEY_LENGTH = 32;
export const PUBLIC_KEY_LENGTH = 32;
export const SIGNATURE_LENGTH = 64;

function assertPrivateKey(privateKey: Uint8Array): void {
  if (!(privateKey instanceof Uint8Array) || privateKey.byteLength !== PRIVATE_KEY_LENGTH) {
    // Never echo the bytes: this is a private key.
    throw new SigningError('KEY_INVALID', `an Ed25519 private key is a ${PRIVATE_KEY_LENGTH}-byte seed`);
  }
}

/** A fresh key pair from the platform CSPRNG. `privateKey` is the RFC 8032 32-byte seed. */
export function generateKeyPair(): { privateKey: Uint8Array; publicKey: Uint8Array } {
  const { secretKey, publicKey } = ed.keygen();
  return { privateKey: secretKey, publicKey };
}

export function publicKeyOf(privateKey: Uint8Array): Uint8Array {
  assertPrivateKey(privateKey);
  return ed.getPublicKey(privateKey);
}

/** RFC 8032 Ed25519 (pure, no context). Deterministic: same key and message, same signature. */
export function signEd25519(privateKey: Uint8Array, message: Uint8Array): Uint8Array {
  assertPrivateKey(privateKey);
  return ed.sign(message, privateKey);
}

/**
 * Strict RFC 8032 verification (noble `zip215: false`): rejects S >= L, non-canonical point
 * encodings and small-order public keys, so one (key, message) has no alternative encodings that
 * also verify. Never throws: every input comes from an attacker, and a bad one is just `false`.
 */
export function verifyEd25519(publicKey: Uint8Array, message: Uint8Array, signature: Uint8Array): boolean {
  if (!(publicKey instanceof Uint8Array) || !(message instanceof Uint8Array) || !(signature instanceof Uint8Array)) return false;
  if (publicKey.byteLength !== PUBLIC_KEY_LENGTH || signature.byteLength !== SIGNATURE_LENGTH) return false;
  try {
    return ed.verify(signature, message, publicKey, { zip215: false });
  } catch {
    // noble throws on encodings it cannot decode; for a verifier that is simply "not valid".
    return false;
  }
}

/** A public key that strict verification could ever accept: canonical encoding, on the curve, not of small order. */
export function isValidPublicKey(publicKey: Uint8Array): boolean {
  if (!(publicKey instanceof Uint8Array) || publicKey.byteLength !== PUBLIC_KEY_LENGTH) return false;
  try {
    return !ed.Point.fromBytes(publicKey, false).isSmallOrder();
  } catch {
    // Not a point on the curve (or not canonically encoded).
    return false;
  }
}

export function assertValidPublicKey(publicKey: Uint8Array): void {
  if (!isValidPublicKey(publicKey)) {
    throw new SigningError('KEY_INVALID', 'not a valid Ed25519 public key (32 bytes, canonical point, not of small order)');
  }
}

export { assertPrivateKey };
