import { createPrivateKey, type KeyObject } from 'node:crypto';
import { assertPrivateKey, assertValidPublicKey, SigningError } from '@fwkit/device-trust';

// RFC 8410 DER prefixes. PKCS#8 v1 PrivateKeyInfo { version 0, AlgorithmIdentifier id-Ed25519
// (1.3.101.112), OCTET STRING { OCTET STRING seed } }, and SubjectPublicKeyInfo { id-Ed25519,
// BIT STRING key }. Ed25519 has no parameters, so each encoding is exactly prefix + 32 bytes.
const PKCS8_PREFIX = Uint8Array.from([0x30, 0x2e, 0x02, 0x01, 0x00, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70, 0x04, 0x22, 0x04, 0x20]);
const SPKI_PREFIX = Uint8Array.from([0x30, 0x2a, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70, 0x03, 0x21, 0x00]);

const PRIVATE_LABEL = 'PRIVATE KEY';
const ENCRYPTED_LABEL = 'ENCRYPTED PRIVATE KEY';
const PUBLIC_LABEL = 'PUBLIC KEY';

function encodePem(label: string, der: Uint8Array): string {
  const b64 = Buffer.from(der.buffer, der.byteOffset, der.byteLength).toString('base64');
  const lines = b64.match(/.{1,64}/g) ?? [];
  return `-----BEGIN ${label}-----\n${lines.join('\n')}\n-----END ${label}-----\n`;
}

/** The DER inside one PEM block with one of these labels (and which), or a message saying why there is none. */
function decodePemBlock(pem: string, labels: readonly string[]): { label: string; der: Uint8Array } | string {
  if (typeof pem !== 'string') return 'not a string';
  const match = /^\s*-----BEGIN ([A-Z0-9 ]+)-----\r?\n([A-Za-z0-9+/=\s]*?)-----END ([A-Z0-9 ]+)-----\s*$/.exec(pem);
  if (match === null) return 'not a single PEM block';
  const [, begin = '', body = '', end] = match;
  if (begin !== end) return 'PEM BEGIN and END labels differ';
  if (!labels.includes(begin)) return `expected a "${labels.join('" or "')}" PEM block, got "${begin}"`;
  const b64 = body.replace(/\s+/g, '');
  if (!/^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/.test(b64)) return 'PEM body is not base64';
  const der = Buffer.from(b64, 'base64');
  // Only the one canonical base64 form: no junk bits that Buffer would silently drop.
  if (der.toString('base64') !== b64) return 'PEM body is not canonical base64';
  return { label: begin, der: new Uint8Array(der.buffer, der.byteOffset, der.byteLength) };
}

function decodePem(pem: string, label: string): Uint8Array | string {
  const block = decodePemBlock(pem, [label]);
  return typeof block === 'string' ? block : block.der;
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

/**
 * Whether PKCS#8 DER is an EncryptedPrivateKeyInfo (SEQUENCE { SEQUENCE algorithm, OCTET STRING })
 * rather than a PrivateKeyInfo (SEQUENCE { INTEGER version, ... }): the tag of the first element.
 */
function isEncryptedPkcs8(der: Uint8Array): boolean {
  const length = der[1] ?? 0;
  const first = length & 0x80 ? 2 + (length & 0x7f) : 2;
  return der[0] === 0x30 && der[first] === 0x30;
}

/** True when `pem` is an encrypted PKCS#8 PEM ("ENCRYPTED PRIVATE KEY"): it needs a passphrase. */
export function isEncryptedPrivateKeyPem(pem: string): boolean {
  const block = decodePemBlock(pem, [PRIVATE_LABEL, ENCRYPTED_LABEL]);
  return typeof block !== 'string' && block.label === ENCRYPTED_LABEL;
}

/**
 * The 32-byte seed from a PKCS#8 Ed25519 private key PEM, plain ("PRIVATE KEY") or encrypted
 * ("ENCRYPTED PRIVATE KEY", as `openssl genpkey -aes256` writes it), read by node:crypto (OpenSSL)
 * inside fwkit's strict framing: one PEM block, canonical base64. KEY_PASSPHRASE_REQUIRED for an
 * encrypted key without `passphrase`, KEY_PASSPHRASE_WRONG when it does not decrypt; messages never
 * hold the key or the passphrase.
 */
export function privateKeyFromPem(pem: string, passphrase?: Uint8Array): Uint8Array {
  const block = decodePemBlock(pem, [PRIVATE_LABEL, ENCRYPTED_LABEL]);
  if (typeof block === 'string') throw new SigningError('KEY_INVALID', `not an Ed25519 private key: ${block}`);
  const encrypted = block.label === ENCRYPTED_LABEL;
  // OpenSSL reads either DER under either label; fwkit wants the label to say what the DER is.
  if (encrypted !== isEncryptedPkcs8(block.der)) {
    block.der.fill(0);
    throw new SigningError(
      'KEY_INVALID',
      `not an Ed25519 private key: the PEM label does not match the DER (${encrypted ? 'not ' : ''}encrypted)`,
    );
  }
  if (encrypted && (passphrase === undefined || passphrase.byteLength === 0)) {
    block.der.fill(0);
    throw new SigningError(
      'KEY_PASSPHRASE_REQUIRED',
      'the private key is encrypted: give its passphrase (FWKIT_KEY_PASSPHRASE or --passphrase-fd)',
    );
  }
  let key: KeyObject;
  try {
    const der = Buffer.from(block.der.buffer, block.der.byteOffset, block.der.byteLength);
    // Views, not copies: the caller zeroes the passphrase, and the DER is zeroed below.
    const secret =
      !encrypted || passphrase === undefined ? undefined : Buffer.from(passphrase.buffer, passphrase.byteOffset, passphrase.byteLength);
    key = createPrivateKey(
      secret === undefined ? { key: der, format: 'der', type: 'pkcs8' } : { key: der, format: 'der', type: 'pkcs8', passphrase: secret },
    );
  } catch (cause) {
    // OpenSSL's reason ("bad decrypt", "unsupported") says nothing secret, but it is not kept either.
    if (encrypted)
      throw new SigningError(
        'KEY_PASSPHRASE_WRONG',
        'the passphrase does not decrypt the private key (wrong passphrase, or a damaged key)',
        { details: { reason: (cause as { reason?: unknown }).reason } },
      );
    throw new SigningError('KEY_INVALID', 'not an Ed25519 private key: expected PKCS#8 (RFC 8410) Ed25519 DER');
  } finally {
    block.der.fill(0);
  }
  if (key.asymmetricKeyType !== 'ed25519') {
    throw new SigningError(
      'KEY_INVALID',
      `not an Ed25519 private key: a${key.asymmetricKeyType === undefined ? 'n unknown' : ` ${key.asymmetricKeyType}`} key`,
    );
  }
  // Exported in RFC 8410's v1 form whatever was read (v2 carries the public key too).
  const der = key.export({ type: 'pkcs8', format: 'der' });
  try {
    if (!hasPrefix(der, PKCS8_PREFIX, 32)) throw new SigningError('KEY_INVALID', 'not an Ed25519 private key: unexpected PKCS#8 form');
    return Uint8Array.from(der.subarray(PKCS8_PREFIX.byteLength));
  } finally {
    der.fill(0);
  }
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
