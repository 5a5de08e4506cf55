import { generateKeyPairSync } from 'node:crypto';
import { toHex } from '@fwkit/device-core';
import { describe, expect, it } from 'vitest';
import { generateKeyPair } from '@fwkit/device-trust';
import { isEncryptedPrivateKeyPem, privateKeyFromPem, privateKeyToPem, publicKeyFromPem, publicKeyToPem } from './index.js';

// RFC 8410 section 10.1 (public key) and 10.3 (private key) examples.
const RFC8410_PUBLIC =
  '-----BEGIN PUBLIC KEY-----\nMCowBQYDK2VwAyEAGb9ECWmEzf6FQbrBZ9w7lshQhqowtrbLDFw4rXAxZuE=\n-----END PUBLIC KEY-----\n';
const RFC8410_PRIVATE =
  '-----BEGIN PRIVATE KEY-----\nMC4CAQAwBQYDK2VwBCIEINTuctv5E1hK1bbY8fdp+K06/nwoy/HU++CXqI9EdVhC\n-----END PRIVATE KEY-----\n';

describe('PEM', () => {
  it('round-trips private and public keys', () => {
    for (let i = 0; i < 5; i++) {
      const { privateKey, publicKey } = generateKeyPair();
      const priv = privateKeyToPem(privateKey);
      const pub = publicKeyToPem(publicKey);
      expect(priv).toMatch(/^-----BEGIN PRIVATE KEY-----\n[A-Za-z0-9+/=]{64}\n-----END PRIVATE KEY-----\n$/);
      expect(pub).toMatch(/^-----BEGIN PUBLIC KEY-----\n[A-Za-z0-9+/=]{60}\n-----END PUBLIC KEY-----\n$/);
      expect(toHex(privateKeyFromPem(priv))).toBe(toHex(privateKey));
      expect(toHex(publicKeyFromPem(pub))).toBe(toHex(publicKey));
    }
  });

  it('reads and writes the RFC 8410 examples exactly', () => {
    const pub = publicKeyFromPem(RFC8410_PUBLIC);
    expect(toHex(pub)).toBe('19bf44096984cdfe8541bac167dc3b96c85086aa30b6b6cb0c5c38ad703166e1');
    expect(publicKeyToPem(pub)).toBe(RFC8410_PUBLIC);
    const priv = privateKeyFromPem(RFC8410_PRIVATE);
    expect(toHex(priv)).toBe('d4ee72dbf913584ad5b6d8f1f769f8ad3afe7c28cbf1d4fbe097a88f44755842');
    expect(privateKeyToPem(priv)).toBe(RFC8410_PRIVATE);
  });

  it('uses the SPKI DER prefix 302a300506032b6570032100', () => {
    const { publicKey } = generateKeyPair();
    const body = publicKeyToPem(publicKey).split('\n')[1] ?? '';
    expect(Buffer.from(body, 'base64').toString('hex')).toBe('302a300506032b6570032100' + toHex(publicKey));
  });

  it('accepts CRLF line endings and surrounding whitespace', () => {
    expect(toHex(publicKeyFromPem(`\n  ${RFC8410_PUBLIC.replace(/\n/g, '\r\n')}\n`))).toBe(toHex(publicKeyFromPem(RFC8410_PUBLIC)));
  });

  const ecPrivate = generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey.export({ format: 'pem', type: 'pkcs8' }).toString();
  const ecPublic = generateKeyPairSync('ec', { namedCurve: 'P-256' }).publicKey.export({ format: 'pem', type: 'spki' }).toString();
  const x25519Private = generateKeyPairSync('x25519').privateKey.export({ format: 'pem', type: 'pkcs8' }).toString();
  // SPKI of the identity point: well-formed DER, but a key no strict verifier could ever accept.
  const smallOrderPublic = `-----BEGIN PUBLIC KEY-----\n${Buffer.from('302a300506032b6570032100' + '01' + '00'.repeat(31), 'hex').toString('base64')}\n-----END PUBLIC KEY-----\n`;
  const body = RFC8410_PRIVATE.split('\n')[1] ?? '';

  const badPrivate: [string, string][] = [
    ['empty', ''],
    ['garbage', 'not a key'],
    ['a public key', RFC8410_PUBLIC],
    ['mismatched labels', RFC8410_PRIVATE.replace('END PRIVATE', 'END PUBLIC')],
    ['bad base64', RFC8410_PRIVATE.replace(body, body.slice(0, -4) + '!!!!')],
    ['truncated DER', RFC8410_PRIVATE.replace(body, body.slice(0, -8))],
    ['two PEM blocks', RFC8410_PRIVATE + RFC8410_PRIVATE],
    ['text after the block', RFC8410_PRIVATE + 'trailing'],
    ['a P-256 key', ecPrivate],
    ['an X25519 key', x25519Private],
  ];
  for (const [what, pem] of badPrivate) {
    it(`privateKeyFromPem rejects ${what} with KEY_INVALID`, () => {
      expect(() => privateKeyFromPem(pem)).toThrow(expect.objectContaining({ name: 'SigningError', code: 'KEY_INVALID' }));
    });
  }

  const badPublic: [string, string][] = [
    ['a private key', RFC8410_PRIVATE],
    ['a P-256 key', ecPublic],
    ['a small-order key', smallOrderPublic],
    // "ZuE=" and "ZuF=" decode to the same bytes; only the first is canonical (junk bits zero).
    ['non-canonical base64', RFC8410_PUBLIC.replace('ZuE=', 'ZuF=')],
    ['garbage', '-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----\n'],
  ];
  for (const [what, pem] of badPublic) {
    it(`publicKeyFromPem rejects ${what} with KEY_INVALID`, () => {
      expect(() => publicKeyFromPem(pem)).toThrow(expect.objectContaining({ code: 'KEY_INVALID' }));
    });
  }

  // An encrypted PKCS#8 key as `openssl genpkey -aes256` writes it (PBES2, AES-256-CBC), made by node:crypto here.
  const passphrase = new TextEncoder().encode('correct horse battery staple');
  const ed = generateKeyPairSync('ed25519');
  const encrypted = ed.privateKey
    .export({ type: 'pkcs8', format: 'pem', cipher: 'aes-256-cbc', passphrase: Buffer.from(passphrase) })
    .toString();
  const seedHex = toHex(Buffer.from(ed.privateKey.export({ format: 'jwk' }).d ?? '', 'base64url'));

  it('reads an encrypted PKCS#8 key with its passphrase', () => {
    expect(encrypted).toMatch(/^-----BEGIN ENCRYPTED PRIVATE KEY-----\n/);
    expect(isEncryptedPrivateKeyPem(encrypted)).toBe(true);
    expect(isEncryptedPrivateKeyPem(RFC8410_PRIVATE)).toBe(false);
    expect(toHex(privateKeyFromPem(encrypted, passphrase))).toBe(seedHex);
    // A passphrase given for a plain key is not needed and does no harm.
    expect(toHex(privateKeyFromPem(RFC8410_PRIVATE, passphrase))).toBe('d4ee72dbf913584ad5b6d8f1f769f8ad3afe7c28cbf1d4fbe097a88f44755842');
  });

  it('asks for the passphrase of an encrypted key (KEY_PASSPHRASE_REQUIRED) and refuses a wrong one (KEY_PASSPHRASE_WRONG)', () => {
    expect(() => privateKeyFromPem(encrypted)).toThrow(expect.objectContaining({ code: 'KEY_PASSPHRASE_REQUIRED' }));
    expect(() => privateKeyFromPem(encrypted, new Uint8Array())).toThrow(expect.objectContaining({ code: 'KEY_PASSPHRASE_REQUIRED' }));
    const wrong = new TextEncoder().encode('Tr0ub4dor&3');
    try {
      privateKeyFromPem(encrypted, wrong);
      expect.unreachable();
    } catch (error) {
      expect(error).toMatchObject({ name: 'SigningError', code: 'KEY_PASSPHRASE_WRONG' });
      expect(JSON.stringify({ message: (error as Error).message, details: (error as { details?: unknown }).details })).not.toContain(
        'Tr0ub4dor',
      );
    }
    // A label that lies about the DER (OpenSSL would read either): refused.
    const relabelled = RFC8410_PRIVATE.replace(/PRIVATE KEY/g, 'ENCRYPTED PRIVATE KEY');
    expect(() => privateKeyFromPem(relabelled, passphrase)).toThrow(expect.objectContaining({ code: 'KEY_INVALID' }));
    const unlabelled = encrypted.replace(/ENCRYPTED PRIVATE KEY/g, 'PRIVATE KEY');
    expect(() => privateKeyFromPem(unlabelled, passphrase)).toThrow(expect.objectContaining({ code: 'KEY_INVALID' }));
    // A damaged encrypted key: the same code as a wrong passphrase (PBES2 cannot tell them apart).
    const body = encrypted.split('\n')[3] ?? '';
    const flipped = encrypted.replace(body, (body[0] === 'A' ? 'B' : 'A') + body.slice(1));
    expect(() => privateKeyFromPem(flipped, passphrase)).toThrow(expect.objectContaining({ code: 'KEY_PASSPHRASE_WRONG' }));
  });

  it('refuses an encrypted key of another type', () => {
    const ec = generateKeyPairSync('ec', { namedCurve: 'P-256' })
      .privateKey.export({ type: 'pkcs8', format: 'pem', cipher: 'aes-256-cbc', passphrase: Buffer.from(passphrase) })
      .toString();
    expect(() => privateKeyFromPem(ec, passphrase)).toThrow(expect.objectContaining({ code: 'KEY_INVALID' }));
  });

  it('never puts key material into the error message', () => {
    const pem = RFC8410_PRIVATE.replace('END PRIVATE', 'END PUBLIC');
    try {
      privateKeyFromPem(pem);
      expect.unreachable();
    } catch (error) {
      expect((error as Error).message).not.toContain(body.slice(10, 30));
    }
  });
});
