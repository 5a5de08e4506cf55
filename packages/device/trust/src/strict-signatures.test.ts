import { generateKeyPairSync, sign } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { isValidPublicKey, verifyEd25519 } from './ed25519.js';
import { pae } from './pae.js';

// What a signature check must refuse whatever the OpenSSL underneath accepts, and the exact bytes
// a signature covers.

describe('verifyEd25519 beyond OpenSSL', () => {
  it('refuses the small-order forgery: identity key, R = identity, S = 0 verifies any message in cofactorless Ed25519', () => {
    // OpenSSL 3.0 (Node 20) accepts this signature for every message; OpenSSL 3.5 (Node 24) refuses it.
    // The key check in verifyEd25519 is what refuses it on every Node a device runs.
    const identity = new Uint8Array(32);
    identity[0] = 1;
    const forged = new Uint8Array(64);
    forged.set(identity);
    expect(isValidPublicKey(identity)).toBe(false);
    for (const message of ['hello', 'any manifest']) {
      expect(verifyEd25519(identity, new TextEncoder().encode(message), forged)).toBe(false);
    }
  });

  it('refuses a signature whose S is not below the group order (S + L), and keys or signatures of another length', () => {
    const { publicKey, privateKey } = generateKeyPairSync('ed25519');
    const pub = new Uint8Array(publicKey.export({ format: 'der', type: 'spki' }).subarray(12));
    const message = new TextEncoder().encode('m');
    const good = new Uint8Array(sign(null, message, privateKey));
    expect(verifyEd25519(pub, message, good)).toBe(true);
    const order = Buffer.from('edd3f55c1a631258d69cf7a2def9de1400000000000000000000000000000010', 'hex');
    const malleable = Uint8Array.from(good);
    let carry = 0;
    for (let i = 0; i < 32; i++) {
      const sum = (malleable[32 + i] ?? 0) + (order[i] ?? 0) + carry;
      malleable[32 + i] = sum & 0xff;
      carry = sum >> 8;
    }
    expect(carry).toBe(0);
    expect(verifyEd25519(pub, message, malleable)).toBe(false);
    expect(verifyEd25519(pub.subarray(0, 31), message, good)).toBe(false);
    expect(verifyEd25519(pub, message, good.subarray(0, 63))).toBe(false);
    expect(verifyEd25519(pub, message, Uint8Array.from([...good, 0]))).toBe(false);
  });
});

describe('pae', () => {
  it('is DSSE v1: "DSSEv1", the type and the body, each after its byte length', () => {
    const body = new TextEncoder().encode('{"a":1}');
    expect(new TextDecoder().decode(pae('application/x-test', body))).toBe('DSSEv1 18 application/x-test 7 {"a":1}');
    expect(new TextDecoder().decode(pae('é', new Uint8Array(0)))).toBe('DSSEv1 2 é 0 ');
  });
});
