import { assertPrivateKey, assertValidPublicKey, SigningError } from '@fwkit/device-trust';

// RFC 8410 DER prefixes. PKCS#8 v1 PrivateKeyInfo { version 0, AlgorithmIdentifier id-Ed25519
// (1.3.101.112), OCTET STRING { OCTET STRING seed } }, and SubjectPublicKeyInfo { id-Ed25519,
// BIT STRING key }. Ed25519 has no parameters, so each encoding is exactly prefix + 32 bytes.
const PKCS8_PREFIX = Uint8Array.from([0x30, 0x2e, 0x02, 0x01, 0x00, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70, 0x04, 0x22, 0x04, 0x20]);
const SPKI_PREFIX = Uint8Array.from([0x30, 0x2a, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70, 0x03, 0x21, 0x00]);

const PRIVATE_LABEL = 'PRIVATE KEY';
const PUBLIC_LABEL = 'PUBLIC KEY';

function encodePem(label: string, der: Uint8Array): string {
  const b64 = Buffer.from(der.buffer, der.byteOffset, der.byteLength).toString('base64');
  const lines = b64.match(/.{1,64}/g) ?? [];
  return `-----BEGIN ${label}-----\n${lines.join('\n')}\n-----END ${label}-----\n`;
}

/** The DER inside one PEM block with exactly this label, or a message saying why there is none. */
function decodePem(pem: string, label: string): Uint8Array | string {
  if (typeof pem !== 'string') return 'not a string';
  const match = /^\s*-----BEGIN ([A-Z0-9 ]+)-----\r?\n([A-Za-z0-9+/=\s]*?)-----END ([A-Z0-9 ]+)-----\s*$/.exec(pem);
  if (match === null) return 'not a single PEM block';
  const [, begin, body = '', end] = match;
  if (begin !== end) return 'PEM BEGIN and END labels differ';
  if (begin !== label) {
    return begin === 'ENCRYPTED PRIVATE KEY'
      ? 'encrypted private keys are not supported'
      : `expected a "${label}" PEM block, got "${begin}"`;
  }
  const b64 = body.replace(/\s+/g, '');
  if (!/^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/.test(b64)) return 'PEM body is not base64';
  const der = Buffer.from(b64, 'base64');
  // Only the one canonical base64 form: no junk bits that Buffer would silently drop.
  if (der.toString('base64') !== b64) return 'PEM body is not canonical base64';
  return new Uint8Array(der.buffer, der.byteOffset, der.byteLength);
}

function hasPrefix(der: Uint8Array, prefix: Uint8Array, keyLength: number): boolean {
  return der.byteLength === prefix.byteLength + keyLength && prefix.every((b, i) => der[i] === b);
}

/** PKCS#8 "PRIVATE KEY" PEM, the form `openssl genpkey -algorithm ed25519` writes and reads. */
export function privateKeyToPem(privateKey: Uint8Array): string {
  assertPrivateKey(privateKey);
  const der = new Uint8Array(PKCS8_PREFIX.byteLength + privateKey.byteLength);
  der.set(PKCS8_PREFIX);
  der.set(privateKey, PKCS8_PREFIX.byteLength);
  const pem = encodePem(PRIVATE_LABEL, der);
  der.fill(0);
  return pem;
}

/** The 32-byte seed from a PKCS#8 Ed25519 private key PEM (unencrypted, RFC 8410 v1 form). */
export function privateKeyFromPem(pem: string): Uint8Array {
  const der = decodePem(pem, PRIVATE_LABEL);
  if (typeof der === 'string') throw new SigningError('KEY_INVALID', `not an Ed25519 private key: ${der}`);
  if (!hasPrefix(der, PKCS8_PREFIX, 32)) {
    der.fill(0);
    throw new SigningError('KEY_INVALID', 'not an Ed25519 private key: expected PKCS#8 (RFC 8410) Ed25519 DER');
  }
  const seed = der.slice(PKCS8_PREFIX.byteLength);
  der.fill(0);
  return seed;
}

/** SubjectPublicKeyInfo "PUBLIC KEY" PEM, the form `openssl pkey -pubout` writes. */
export function publicKeyToPem(publicKey: Uint8Array): string {
  assertValidPublicKey(publicKey);
  const der = new Uint8Array(SPKI_PREFIX.byteLength + publicKey.byteLength);
  der.set(SPKI_PREFIX);
  der.set(publicKey, SPKI_PREFIX.byteLength);
  return encodePem(PUBLIC_LABEL, der);
}

/** The 32-byte public key from an SPKI Ed25519 PEM; rejects keys strict verification could never accept. */
export function publicKeyFromPem(pem: string): Uint8Array {
  const der = decodePem(pem, PUBLIC_LABEL);
  if (typeof der === 'string') throw new SigningError('KEY_INVALID', `not an Ed25519 public key: ${der}`);
  if (!hasPrefix(der, SPKI_PREFIX, 32)) {
    throw new SigningError('KEY_INVALID', 'not an Ed25519 public key: expected SubjectPublicKeyInfo (RFC 8410) Ed25519 DER');
  }
  const publicKey = der.slice(SPKI_PREFIX.byteLength);
  assertValidPublicKey(publicKey);
  return publicKey;
}
