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

/** PKCS #8 wrapping of an Ed25519 seed (RFC 8410): the DER prefix before the 32 seed bytes. */
const PKCS8_ED25519_PREFIX = Buffer.from('302e020100300506032b657004220420', 'hex');
/** SubjectPublicKeyInfo of an Ed25519 key (RFC 8410): the DER prefix before the 32 key bytes. */
const SPKI_ED25519_PREFIX = Buffer.from('302a300506032b6570032100', 'hex');

/** A fresh key pair from the platform CSPRNG (OpenSSL's). `privateKey` is the RFC 8032 32-byte seed. */
export function generateKeyPair(): { privateKey: Uint8Array; publicKey: Uint8Array } {
  const pair = generateKeyPairSync('ed25519');
  return {
    privateKey: Uint8Array.from(pair.privateKey.export({ format: 'der', type: 'pkcs8' }).subarray(PKCS8_ED25519_PREFIX.length)),
    publicKey: Uint8Array.from(pair.publicKey.export({ format: 'der', type: 'spki' }).subarray(SPKI_ED25519_PREFIX.length)),
  };
}

/** OpenSSL keys made from seeds so far, by the seed's array (a signer keeps its own copy). */
const privateKeyObjects = new WeakMap<Uint8Array, KeyObject>();

/**
 * The seed as an OpenSSL key. Signing and deriving the public key are node:crypto's: noble's
 * first base-point multiplication in a process builds its tables, about 100 ms of every build.
 * RFC 8032 signing is deterministic, so the signatures are the same bytes either way. Made once
 * per seed array: OpenSSL 3.0 (Node 20) takes about 1 ms to decode each PKCS #8 key.
 */
function privateKeyObject(privateKey: Uint8Array): KeyObject {
  let key = privateKeyObjects.get(privateKey);
  if (key === undefined) {
    key = createPrivateKey({ key: Buffer.concat([PKCS8_ED25519_PREFIX, privateKey]), format: 'der', type: 'pkcs8' });
    privateKeyObjects.set(privateKey, key);
  }
  return key;
}

export function publicKeyOf(privateKey: Uint8Array): Uint8Array {
  assertPrivateKey(privateKey);
  const spki = createPublicKey(privateKeyObject(privateKey)).export({ format: 'der', type: 'spki' });
  return Uint8Array.from(spki.subarray(SPKI_ED25519_PREFIX.length));
}

/** RFC 8032 Ed25519 (pure, no context). Deterministic: same key and message, same signature. */
export function signEd25519(privateKey: Uint8Array, message: Uint8Array): Uint8Array {
  assertPrivateKey(privateKey);
  return Uint8Array.from(cryptoSign(null, message, privateKeyObject(privateKey)));
}

/** The group order L of edwards25519, little-endian (the byte order of S in a signature). */
const ORDER_LE = Uint8Array.from(Buffer.from('edd3f55c1a631258d69cf7a2def9de1400000000000000000000000000000010', 'hex'));

/** S < L, comparing the little-endian encodings from the most significant byte down. */
export function isCanonicalScalar(s: Uint8Array): boolean {
  for (let i = 31; i >= 0; i--) {
    const a = s[i] ?? 0;
    const b = ORDER_LE[i] ?? 0;
    if (a !== b) return a < b;
  }
  return false;
}

/**
 * The checks strict verification makes on top of the curve equation: the lengths, S < L, and a
 * public key that is canonical and not of small order (public-key.ts). Pure, no curve arithmetic.
 * Which of them OpenSSL also makes depends on its release (3.0, under Node 20, accepts the
 * small-order and non-canonical keys that 3.5, under Node 24, refuses), so none is left to it.
 */
export function isStrictEd25519Input(publicKey: Uint8Array, signature: Uint8Array): boolean {
  // isValidPublicKey checks the key's length (PUBLIC_KEY_LENGTH) itself.
  if (signature.byteLength !== SIGNATURE_LENGTH) return false;
  return isCanonicalScalar(signature.subarray(32)) && isValidPublicKey(publicKey);
}

/** The curve equation a strict verifier wraps: does `signature` verify over `message` under `publicKey`. */
export type CurveCheck = (publicKey: Uint8Array, message: Uint8Array, signature: Uint8Array) => boolean;

/**
 * OpenSSL's cofactorless check, [S]B = R + [k]A with R compared byte for byte. Never throws. The
 * key goes in as a JWK (raw bytes): OpenSSL 3 decodes DER through its decoder machinery, 2-3 times
 * the cost of the curve check itself.
 */
export function opensslCurveCheck(publicKey: Uint8Array, message: Uint8Array, signature: Uint8Array): boolean {
  try {
    const x = Buffer.from(publicKey.buffer, publicKey.byteOffset, publicKey.byteLength).toString('base64url');
    const key = createPublicKey({ key: { kty: 'OKP', crv: 'Ed25519', x }, format: 'jwk' });
    return cryptoVerify(null, message, key, signature);
  } catch {
    // A key OpenSSL cannot load is not one that verifies anything.
    return false;
  }
}

/**
 * Strict RFC 8032 verification around `curve`: bytes only, isStrictEd25519Input, then the
 * equation. Its tests wrap a textbook equation that makes none of the checks, so each check is
 * shown to refuse what the equation alone would accept, whatever OpenSSL runs underneath.
 */
export function strictVerifier(curve: CurveCheck): CurveCheck {
  return (publicKey, message, signature) => {
    if (!(publicKey instanceof Uint8Array) || !(message instanceof Uint8Array) || !(signature instanceof Uint8Array)) return false;
    return isStrictEd25519Input(publicKey, signature) && curve(publicKey, message, signature);
  };
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
export const verifyEd25519: CurveCheck = strictVerifier(opensslCurveCheck);

export function assertValidPublicKey(publicKey: Uint8Array): void {
  if (!isValidPublicKey(publicKey)) {
    throw new SigningError('KEY_INVALID', 'not a valid Ed25519 public key (32 bytes, canonical point, not of small order)');
  }
}

export { assertPrivateKey, isValidPublicKey };
