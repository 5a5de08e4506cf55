import fc from 'fast-check';
import { toHex } from '@fwkit/device-core';
import * as ed from '@noble/ed25519';
import { describe, expect, it } from 'vitest';
import { isValidPublicKey, publicKeyOf } from './index.js';

// isValidPublicKey decides without curve arithmetic; noble's strict decoding (no ZIP-215) and
// isSmallOrder are the reference: the same answer on every input.

const P = 2n ** 255n - 19n;

function noble(publicKey: Uint8Array): boolean {
  try {
    return !ed.Point.fromBytes(publicKey, false).isSmallOrder();
  } catch {
    return false;
  }
}

/** y as 32 little-endian bytes, with the sign bit of x on top. */
function encode(y: bigint, sign: boolean): Uint8Array {
  const out = new Uint8Array(32);
  for (let i = 0; i < 32; i++) out[i] = Number((y >> BigInt(8 * i)) & 0xffn);
  if (sign) out[31] = (out[31] ?? 0) | 0x80;
  return out;
}

/** The 8 points of small order: multiples of a point of order 8. */
const torsion = (() => {
  const t8 = ed.Point.fromBytes(encode(0x7a03ac9277fdc74ec6cc392cfa53202a0f67100d760b3cba4fd84d3d706a17c7n, false));
  const points = [ed.Point.ZERO];
  for (let k = 1; k < 8; k++) points.push(points[k - 1]?.add(t8) ?? ed.Point.ZERO);
  return points;
})();

describe('isValidPublicKey agrees with noble', () => {
  it('refuses the 8 points of small order and every other encoding of them', () => {
    expect(new Set(torsion.map((p) => p.toHex())).size).toBe(8);
    for (const point of torsion) {
      const bytes = point.toBytes();
      const y = BigInt(`0x${toHex(Uint8Array.from(bytes).reverse())}`) & ((1n << 255n) - 1n);
      const sign = ((bytes[31] ?? 0) & 0x80) !== 0;
      // Canonical, the other sign, and y + p where it still fits in 255 bits (non-canonical).
      for (const candidate of [bytes, encode(y, !sign), ...(y + P < 2n ** 255n ? [encode(y + P, sign), encode(y + P, !sign)] : [])]) {
        expect(isValidPublicKey(candidate)).toBe(false);
        expect(noble(candidate)).toBe(false);
      }
    }
  });

  it('on keys of real key pairs, also with a small-order component added (mixed order: valid)', () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 32, maxLength: 32 }), fc.nat(7), (seed, k) => {
        const key = publicKeyOf(seed);
        expect(isValidPublicKey(key)).toBe(true);
        const mixed = ed.Point.fromBytes(key)
          .add(torsion[k] ?? ed.Point.ZERO)
          .toBytes();
        expect(isValidPublicKey(mixed)).toBe(noble(mixed));
      }),
      { numRuns: 300 },
    );
  });

  it('on arbitrary 32 bytes (about half are points of the curve)', () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 32, maxLength: 32 }), (bytes) => {
        expect(isValidPublicKey(bytes)).toBe(noble(bytes));
      }),
      { numRuns: 3000 },
    );
  });

  it('around the edges of the field: y near 0, ±1, p and 2^255, either sign', () => {
    const ys = [0n, 1n, 2n, 3n, P - 3n, P - 2n, P - 1n, P, P + 1n, P + 2n, 2n ** 255n - 1n];
    fc.assert(
      fc.property(fc.constantFrom(...ys), fc.integer({ min: -2, max: 2 }), fc.boolean(), (y, delta, sign) => {
        const value = (y + BigInt(delta) + 2n ** 255n) % 2n ** 255n;
        const bytes = encode(value, sign);
        expect(isValidPublicKey(bytes)).toBe(noble(bytes));
      }),
      { numRuns: 500 },
    );
  });

  it('refuses what is not 32 bytes, and never throws', () => {
    for (const junk of [new Uint8Array(31), new Uint8Array(33), 'ab'.repeat(32), null, undefined, [1, 2, 3]]) {
      expect(() => isValidPublicKey(junk as Uint8Array)).not.toThrow();
      expect(isValidPublicKey(junk as Uint8Array)).toBe(false);
    }
  });
});
