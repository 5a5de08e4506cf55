import {
  createPrivateKey,
  createPublicKey,
  generateKeyPairSync,
  sign as cryptoSign,
  verify as cryptoVerify,
  type KeyObject,
} from 'node:crypto';
import { SigningError } from './errors.js';
import { isValidPublicKey } from './public-key.js';

export const PRIVATE_KEY_LENGTH = 32;
export const PUBLIC_KEY_LENGTH = 32;
export const SIGNATURE_LENGTH = 64;

function assertPrivateKey(privateKey: Uint8Array): void {
  if (!(privateKey instanceof Uint8Array) || privateKey.byteLength !== PRIVATE_KEY_LENGTH) {
    // Never echo the bytes: this is a private key.
    throw new SigningError('KEY_INVALID', `an Ed25519 private key is a ${PRIVATE_KEY_LENGTH}-byte seed`);
  }
}

/** A fresh key pair from the platform CSPRNG (OpenSSL's). `privateKey` is the RFC 8032 32-byte seed. */
export function generateKeyPair(): { privateKey: Uint8Array; publicKey: Uint8Array } {
  const jwk = generateKeyPairSync('ed25519').privateKey.export({ format: 'jwk' });
  return {
    privateKey: Uint8Array.from(Buffer.from(jwk.d ?? '', 'base64url')),
    publicKey: Uint8Array.from(Buffer.from(jwk.x ?? '', 'base64url')),
  };
}

/** PKCS #8 wrapping of an Ed25519 seed (RFC 8410): the DER prefix before the 32 seed bytes. */
const PKCS8_ED25519_PREFIX = Buffer.from('302e020100300506032b657004220420', 'hex');
/** SubjectPublicKeyInfo of an Ed25519 key (RFC 8410): the DER prefix before the 32 key bytes. */
const SPKI_ED25519_PREFIX = Buffer.from('302a300506032b6570032100', 'hex');

/**
 * The seed as an OpenSSL key. Signing and deriving the public key are node:crypto's: noble's
 * first base-point multiplication in a process builds its tables, about 100 ms of every build.
 * RFC 8032 signing is deterministic, so the signatures are the same bytes either way.
 */
function privateKeyObject(privateKey: Uint8Array): KeyObject {
  return createPrivateKey({ key: Buffer.concat([PKCS8_ED25519_PREFIX, privateKey]), format: 'der', type: 'pkcs8' });
}

export function publicKeyOf(privateKey: Uint8Array): Uint8Array {
  assertPrivateKey(privateKey);
  const jwk = createPublicKey(privateKeyObject(privateKey)).export({ format: 'jwk' });
  return Uint8Array.from(Buffer.from(jwk.x ?? '', 'base64url'));
}

/** RFC 8032 Ed25519 (pure, no context). Deterministic: same key and message, same signature. */
export function signEd25519(privateKey: Uint8Array, message: Uint8Array): Uint8Array {
  assertPrivateKey(privateKey);
  return Uint8Array.from(cryptoSign(null, message, privateKeyObject(privateKey)));
}

/** The group order L of edwards25519, little-endian (the byte order of S in a signature). */
const ORDER_LE = Uint8Array.from(Buffer.from('edd3f55c1a631258d69cf7a2def9de1400000000000000000000000000000010', 'hex'));

/** S < L, comparing the little-endian encodings from the most significant byte down. */
function isCanonicalScalar(s: Uint8Array): boolean {
  for (let i = 31; i >= 0; i--) {
    const a = s[i] ?? 0;
    const b = ORDER_LE[i] ?? 0;
    if (a !== b) return a < b;
  }
  return false;
}

/**
 * Strict RFC 8032 verification: rejects S >= L, non-canonical point encodings and small-order
 * public keys, so one (key, message) has no alternative encodings that also verify. Never throws:
 * every input comes from an attacker, and a bad one is just `false`.
 *
 * The curve arithmetic is node:crypto's (OpenSSL): noble's first verification in a process
 * builds its base-point tables, tens of milliseconds of a device verifier's start-up. The checks
 * OpenSSL does not make are made here: S < L, and the key canonical and not of small order
 * (public-key.ts, no curve arithmetic). OpenSSL compares R byte for byte with the encoding of [S]B - [k]A, so a
 * non-canonical R never verifies; its cofactorless equation accepts no signature that noble's
 * strict (cofactored) check would refuse.
 */
export function verifyEd25519(publicKey: Uint8Array, message: Uint8Array, signature: Uint8Array): boolean {
  if (!(publicKey instanceof Uint8Array) || !(message instanceof Uint8Array) || !(signature instanceof Uint8Array)) return false;
  if (publicKey.byteLength !== PUBLIC_KEY_LENGTH || signature.byteLength !== SIGNATURE_LENGTH) return false;
  if (!isCanonicalScalar(signature.subarray(32)) || !isValidPublicKey(publicKey)) return false;
  try {
    const key = createPublicKey({ key: Buffer.concat([SPKI_ED25519_PREFIX, publicKey]), format: 'der', type: 'spki' });
    return cryptoVerify(null, message, key, signature);
  } catch {
    // A key OpenSSL cannot load is not one that verifies anything.
    return false;
  }
}

export function assertValidPublicKey(publicKey: Uint8Array): void {
  if (!isValidPublicKey(publicKey)) {
    throw new SigningError('KEY_INVALID', 'not a valid Ed25519 public key (32 bytes, canonical point, not of small order)');
  }
}

export { assertPrivateKey, isValidPublicKey };
