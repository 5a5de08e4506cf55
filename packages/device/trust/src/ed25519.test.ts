import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { fromHex, toHex } from '@fwkit/device-core';
import * as ed from '@noble/ed25519';
import { describe, expect, it } from 'vitest';
import { isCanonicalScalar, isStrictEd25519Input, opensslCurveCheck, strictVerifier, type CurveCheck } from './ed25519.js';
import { generateKeyPair, keyIdOf, publicKeyOf, signEd25519, SigningError, tufKeyOf, verifyEd25519 } from './index.js';

// noble is the reference here; its synchronous sign and verify need a SHA-512.
ed.hashes.sha512 = (message) => new Uint8Array(createHash('sha512').update(message).digest());

interface Vector {
  name: string;
  secretKey: string;
  publicKey: string;
  message: string;
  signature: string;
}
const vectors = (
  JSON.parse(readFileSync(new URL('../../../../test/vectors/rfc8032.json', import.meta.url), 'utf8')) as { vectors: Vector[] }
).vectors;

// Group order L and field prime p of edwards25519.
const L = 2n ** 252n + 27742317777372353535851937790883648493n;
const P = 2n ** 255n - 19n;

function le32(n: bigint): Uint8Array {
  const out = new Uint8Array(32);
  for (let i = 0; i < 32; i++) out[i] = Number((n >> BigInt(8 * i)) & 0xffn);
  return out;
}
function fromLe(bytes: Uint8Array): bigint {
  let n = 0n;
  for (let i = bytes.length - 1; i >= 0; i--) n = (n << 8n) | BigInt(bytes[i] ?? 0);
  return n;
}

describe('RFC 8032 section 7.1 test vectors', () => {
  it('has the five Ed25519 vectors', () => {
    expect(vectors.map((v) => v.name)).toEqual(['TEST 1', 'TEST 2', 'TEST 3', 'TEST 1024', 'TEST SHA(abc)']);
  });

  for (const v of vectors) {
    it(`${v.name}: publicKeyOf, signEd25519 and verifyEd25519 agree with the RFC`, () => {
      const sk = fromHex(v.secretKey);
      const pk = fromHex(v.publicKey);
      const msg = fromHex(v.message);
      const sig = fromHex(v.signature);
      expect(toHex(publicKeyOf(sk))).toBe(v.publicKey);
      expect(toHex(signEd25519(sk, msg))).toBe(v.signature);
      expect(verifyEd25519(pk, msg, sig)).toBe(true);

      // And each part matters.
      const otherMsg = Uint8Array.from([...msg, 0]);
      expect(verifyEd25519(pk, otherMsg, sig)).toBe(false);
      const badSig = Uint8Array.from(sig, (byte, i) => (i === 10 ? byte ^ 1 : byte));
      expect(verifyEd25519(pk, msg, badSig)).toBe(false);
      const otherKey = fromHex(vectors.find((w) => w.publicKey !== v.publicKey)?.publicKey ?? '');
      expect(verifyEd25519(otherKey, msg, sig)).toBe(false);
    });
  }
});

describe('strict RFC 8032 verification', () => {
  const v = vectors.find((x) => x.name === 'TEST 2');
  if (v === undefined) throw new Error('no vector');
  const pk = fromHex(v.publicKey);
  const msg = fromHex(v.message);
  const sig = fromHex(v.signature);

  it('rejects a non-canonical S (S + L, which satisfies the group equation just the same)', () => {
    const s = fromLe(sig.subarray(32));
    expect(s).toBeLessThan(L);
    const malleated = new Uint8Array(64);
    malleated.set(sig.subarray(0, 32));
    malleated.set(le32(s + L), 32);
    expect(fromLe(malleated.subarray(32))).toBe(s + L);
    // [S + L]B = [S]B: without the S < L check this would be a second valid signature.
    expect(ed.Point.BASE.multiplyUnsafe(s).equals(ed.Point.BASE.multiplyUnsafe((s + L) % L))).toBe(true);
    expect(verifyEd25519(pk, msg, sig)).toBe(true);
    expect(verifyEd25519(pk, msg, malleated)).toBe(false);
  });

  // The identity point as public key, with R = B and S = 1: [S]B = R + [k]A holds for EVERY message,
  // because [k]identity = identity. ZIP-215 accepts it; strict RFC 8032 (as fwkit uses it) must not.
  const universalSig = new Uint8Array(64);
  universalSig.set(ed.Point.BASE.toBytes());
  universalSig.set(le32(1n), 32);
  const message = new TextEncoder().encode('any message at all');

  it('rejects a small-order public key that ZIP-215 accepts for any message', () => {
    const identity = le32(1n); // y = 1, x = 0: the neutral element, order 1
    expect(ed.verify(universalSig, message, identity, { zip215: true })).toBe(true);
    expect(verifyEd25519(identity, message, universalSig)).toBe(false);
  });

  it('rejects a non-canonical public key encoding (y >= p) that ZIP-215 accepts', () => {
    const nonCanonicalIdentity = le32(P + 1n); // y = p + 1 ≡ 1 (mod p), encoded without reduction
    expect(toHex(nonCanonicalIdentity)).toBe('ee' + 'ff'.repeat(30) + '7f');
    expect(ed.verify(universalSig, message, nonCanonicalIdentity, { zip215: true })).toBe(true);
    expect(verifyEd25519(nonCanonicalIdentity, message, universalSig)).toBe(false);
  });

  it('returns false and never throws on malformed input', () => {
    const junk: [unknown, unknown, unknown][] = [
      [pk.subarray(0, 31), msg, sig],
      [new Uint8Array(33), msg, sig],
      [pk, msg, sig.subarray(0, 63)],
      [pk, msg, new Uint8Array(65)],
      [new Uint8Array(32).fill(0xff), msg, sig], // not a point
      [pk, msg, new Uint8Array(64).fill(0xff)],
      [v.publicKey, msg, sig], // hex string, not bytes
      [pk, 'message', sig],
      [null, msg, sig],
      [pk, msg, undefined],
    ];
    for (const [a, b, c] of junk) {
      expect(() => verifyEd25519(a as Uint8Array, b as Uint8Array, c as Uint8Array)).not.toThrow();
      expect(verifyEd25519(a as Uint8Array, b as Uint8Array, c as Uint8Array)).toBe(false);
    }
  });
});

describe('verification with node:crypto and the strict checks around it', () => {
  it("agrees with noble's strict verification on valid signatures and every kind of one-byte change", () => {
    fc.assert(
      fc.property(
        fc.uint8Array({ minLength: 32, maxLength: 32 }),
        fc.uint8Array({ maxLength: 200 }),
        fc.nat(63 + 32),
        fc.integer({ min: 1, max: 255 }),
        (seed, message, at, xor) => {
          const publicKey = publicKeyOf(seed);
          const signature = signEd25519(seed, message);
          expect(verifyEd25519(publicKey, message, signature)).toBe(true);
          // One byte of the signature (R or S) or of the key changed.
          const sig = Uint8Array.from(signature);
          const key = Uint8Array.from(publicKey);
          if (at < 64) sig[at] = (sig[at] ?? 0) ^ xor;
          else key[at - 64] = (key[at - 64] ?? 0) ^ xor;
          let noble: boolean;
          try {
            noble = ed.verify(sig, message, key, { zip215: false });
          } catch {
            noble = false;
          }
          expect(verifyEd25519(key, message, sig)).toBe(noble);
        },
      ),
      { numRuns: 300 },
    );
  });

  it('rejects a signature whose R carries a small-order component, which the cofactored equation accepts', () => {
    // Made by a key holder (no forgery): R' = [r]B + T with T of order 8, S = r + k·a where k
    // hashes R'. [8]([S]B - R' - [k]A) = [8](-T) = 0, so noble's cofactored check accepts it;
    // OpenSSL's cofactorless [S]B = R' + [k]A does not hold. A second valid signature for the same
    // message would be malleability; fwkit's verifier refuses it.
    const seed = new Uint8Array(32).fill(7);
    const message = new TextEncoder().encode('manifest');
    const h = createHash('sha512').update(seed).digest();
    const a = h.subarray(0, 32);
    a[0] = (a[0] ?? 0) & 248;
    a[31] = ((a[31] ?? 0) & 127) | 64;
    const scalarA = fromLe(a) % L; // the clamped scalar may exceed L; [a]B is the same mod L
    const publicKey = ed.Point.BASE.multiply(scalarA).toBytes();
    const torsion = ed.Point.fromBytes(fromHex('26e8958fc2b227b045c3f489f2ef98f0d5dfac05d3c63339b13802886d53fc05'));
    expect(torsion.isSmallOrder()).toBe(true);
    const r = 123456789n;
    const bigR = ed.Point.BASE.multiply(r).add(torsion).toBytes();
    const k = fromLe(createHash('sha512').update(bigR).update(publicKey).update(message).digest()) % L;
    const signature = new Uint8Array(64);
    signature.set(bigR);
    signature.set(le32((r + k * scalarA) % L), 32);
    expect(ed.verify(signature, message, publicKey, { zip215: false })).toBe(true);
    expect(verifyEd25519(publicKey, message, signature)).toBe(false);
  });
});

describe('keys', () => {
  it('generates fresh key pairs that sign and verify', () => {
    const a = generateKeyPair();
    const b = generateKeyPair();
    expect(toHex(a.publicKey)).toBe(toHex(ed.getPublicKey(a.privateKey)));
    expect(a.privateKey).toHaveLength(32);
    expect(a.publicKey).toHaveLength(32);
    expect(toHex(a.privateKey)).not.toBe(toHex(b.privateKey));
    expect(toHex(publicKeyOf(a.privateKey))).toBe(toHex(a.publicKey));
    const msg = new TextEncoder().encode('firmware');
    const sig = signEd25519(a.privateKey, msg);
    expect(verifyEd25519(a.publicKey, msg, sig)).toBe(true);
    expect(verifyEd25519(b.publicKey, msg, sig)).toBe(false);
  });

  it('is deterministic: same key and message, same signature', () => {
    const { privateKey } = generateKeyPair();
    const msg = new TextEncoder().encode('same bytes');
    expect(toHex(signEd25519(privateKey, msg))).toBe(toHex(signEd25519(privateKey, msg)));
  });

  it('signs and derives public keys byte for byte as noble does (node:crypto signs, noble is the reference)', () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 32, maxLength: 32 }), fc.uint8Array({ maxLength: 300 }), (seed, message) => {
        expect(toHex(publicKeyOf(seed))).toBe(toHex(ed.getPublicKey(seed)));
        expect(toHex(signEd25519(seed, message))).toBe(toHex(ed.sign(message, seed)));
      }),
      { numRuns: 200 },
    );
  });

  it('rejects a private key of the wrong length with KEY_INVALID', () => {
    for (const bad of [new Uint8Array(31), new Uint8Array(64)]) {
      expect(() => publicKeyOf(bad)).toThrow(SigningError);
      expect(() => signEd25519(bad, new Uint8Array())).toThrow(expect.objectContaining({ code: 'KEY_INVALID' }));
    }
  });
});

/**
 * The bare group equation [S]B = R + [k]A, with none of the strict checks: S is taken mod L and
 * any encoding of R and A that decodes (non-canonical y, small order) is used. It is what the
 * strict checks must be shown to refuse by themselves: OpenSSL under Node 24 refuses some of the
 * same inputs, OpenSSL under Node 20 (and the older runtimes a device may have) does not.
 */
const textbookEquation: CurveCheck = (publicKey, message, signature) => {
  let A: ed.Point;
  let R: ed.Point;
  try {
    A = ed.Point.fromBytes(publicKey, true);
    R = ed.Point.fromBytes(signature.subarray(0, 32), true);
  } catch {
    return false;
  }
  const s = fromLe(signature.subarray(32)) % L;
  const k = fromLe(createHash('sha512').update(signature.subarray(0, 32)).update(publicKey).update(message).digest()) % L;
  const sB = s === 0n ? ed.Point.ZERO : ed.Point.BASE.multiplyUnsafe(s);
  const kA = k === 0n ? ed.Point.ZERO : A.multiplyUnsafe(k);
  return sB.equals(R.add(kA));
};

describe('the strict checks, proven without relying on OpenSSL to make them', () => {
  const strict = strictVerifier(textbookEquation);
  const v = vectors.find((x) => x.name === 'TEST 2');
  if (v === undefined) throw new Error('no vector');
  const pk = fromHex(v.publicKey);
  const msg = fromHex(v.message);
  const sig = fromHex(v.signature);
  const withS = (s: bigint): Uint8Array => {
    const out = Uint8Array.from(sig);
    out.set(le32(s), 32);
    return out;
  };
  const universalSig = new Uint8Array(64);
  universalSig.set(ed.Point.BASE.toBytes());
  universalSig.set(le32(1n), 32);
  const anyMessage = new TextEncoder().encode('any message at all');
  // Each: what the bare equation accepts, and strict verification must refuse.
  const refused: [string, Uint8Array, Uint8Array, Uint8Array][] = [
    ['S + L (malleated S)', pk, msg, withS(fromLe(sig.subarray(32)) + L)],
    ['the identity as public key (order 1)', le32(1n), anyMessage, universalSig],
    ['y = p + 1, a non-canonical encoding of the identity', le32(P + 1n), anyMessage, universalSig],
  ];

  it('the RFC 8032 vectors verify through the checks (nothing valid is refused)', () => {
    for (const vector of vectors) {
      const args = [fromHex(vector.publicKey), fromHex(vector.message), fromHex(vector.signature)] as const;
      expect(textbookEquation(...args)).toBe(true);
      expect(isStrictEd25519Input(args[0], args[2])).toBe(true);
      expect(strict(...args)).toBe(true);
      expect(verifyEd25519(...args)).toBe(true);
    }
  });

  for (const [what, key, message, signature] of refused) {
    it(`refuses ${what}, which the bare equation accepts`, () => {
      expect(textbookEquation(key, message, signature)).toBe(true);
      expect(isStrictEd25519Input(key, signature)).toBe(false);
      expect(strict(key, message, signature)).toBe(false);
      expect(verifyEd25519(key, message, signature)).toBe(false);
    });
  }

  it('S < L exactly: L - 1 and 0 are canonical, L and above are not', () => {
    expect(isCanonicalScalar(le32(L - 1n))).toBe(true); // differs from L in the lowest byte only
    expect(isCanonicalScalar(le32(0n))).toBe(true);
    expect(isCanonicalScalar(le32(L - 2n ** 248n))).toBe(true); // differs from L in the top byte only
    expect(isCanonicalScalar(le32(L))).toBe(false);
    expect(isCanonicalScalar(le32(L + 1n))).toBe(false);
    expect(isCanonicalScalar(le32(L + 2n ** 240n))).toBe(false);
    expect(isCanonicalScalar(le32(2n ** 256n - 1n))).toBe(false);
    expect(isStrictEd25519Input(pk, withS(L - 1n))).toBe(true);
    expect(isStrictEd25519Input(pk, withS(L))).toBe(false);
  });

  it('refuses keys and signatures of the wrong length, each on its own', () => {
    expect(isStrictEd25519Input(pk, sig)).toBe(true);
    for (const [key, signature] of [
      [pk.subarray(0, 31), sig],
      [Uint8Array.of(...pk, 0), sig],
      [pk, sig.subarray(0, 63)],
      [pk, Uint8Array.of(...sig, 0)],
    ] as const) {
      expect(isStrictEd25519Input(key, signature)).toBe(false);
      expect(strictVerifier(() => true)(key, msg, signature)).toBe(false);
    }
  });

  it('refuses what is not bytes before the equation sees it', () => {
    const equation = (): boolean => true;
    expect(strictVerifier(equation)(pk, msg, sig)).toBe(true);
    const asAny = strictVerifier(equation) as (a: unknown, b: unknown, c: unknown) => boolean;
    expect(asAny(v.publicKey, msg, sig)).toBe(false);
    expect(asAny(pk, 'message', sig)).toBe(false);
    expect(asAny(pk, msg, Array.from(sig))).toBe(false);
  });

  it("OpenSSL's equation returns false for a key it cannot load, and never throws", () => {
    expect(opensslCurveCheck(pk, msg, sig)).toBe(true);
    expect(opensslCurveCheck(pk.subarray(0, 31), msg, sig)).toBe(false);
    expect(opensslCurveCheck(new Uint8Array(0), msg, sig)).toBe(false);
  });

  it('a TUF key is made only of a strictly valid public key (KEY_INVALID otherwise)', () => {
    expect(keyIdOf(tufKeyOf(pk))).toMatch(/^[0-9a-f]{64}$/);
    for (const bad of [le32(1n), le32(P + 1n), pk.subarray(0, 31)]) {
      expect(() => tufKeyOf(bad)).toThrow(expect.objectContaining({ code: 'KEY_INVALID', name: 'SigningError' }));
    }
  });
});
