// The Ed25519 public-key check without curve arithmetic: no point is decoded, no table is built.
// noble's Point.fromBytes (a square root in BigInt arithmetic) cost a device verifier ~4 ms per key
// at start-up, for five root keys and again for each signing key. Held to noble's answer by a
// property test (public-key.test.ts).

/** The field prime p = 2^255 - 19 and the curve constant d = -121665/121666 mod p of edwards25519. */
const P = 2n ** 255n - 19n;
const D = 37095705934669439343138083508754565189542113879843219016388785533085940283555n;

/**
 * The canonical encodings of the 8 points of small order (the torsion subgroup, orders 1, 2, 4, 8).
 * Every other encoding of those points is non-canonical and refused as such.
 */
const SMALL_ORDER = new Set([
  '0100000000000000000000000000000000000000000000000000000000000000', // (0, 1), order 1
  'ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f', // (0, -1), order 2
  '0000000000000000000000000000000000000000000000000000000000000000', // (±√-1, 0), order 4
  '0000000000000000000000000000000000000000000000000000000000000080',
  '26e8958fc2b227b045c3f489f2ef98f0d5dfac05d3c63339b13802886d53fc05', // order 8
  '26e8958fc2b227b045c3f489f2ef98f0d5dfac05d3c63339b13802886d53fc85',
  'c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac037a',
  'c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac03fa',
]);

/**
 * The Legendre symbol (a/p) by the binary Jacobi algorithm (for a prime, Jacobi = Legendre):
 * 1 when a is a non-zero square mod p, -1 when it is not a square, 0 when a ≡ 0. Shifts and
 * remainders of shrinking numbers, where Euler's criterion would be a 255-bit exponentiation.
 */
function legendre(a: bigint): number {
  let n = P;
  let t = 1;
  a %= n;
  while (a !== 0n) {
    while ((a & 1n) === 0n) {
      a >>= 1n;
      const r = n & 7n;
      if (r === 3n || r === 5n) t = -t;
    }
    [a, n] = [n, a];
    if ((a & 3n) === 3n && (n & 3n) === 3n) t = -t;
    a %= n;
  }
  return n === 1n ? t : 0;
}

/**
 * A public key that strict verification could ever accept (RFC 8032 §5.1.3 decoding, plus no
 * small order): 32 bytes; y < p (canonical); a point of the curve, i.e. x² = (y² - 1)/(d·y² + 1)
 * has a solution; not x = 0 with the sign bit set (non-canonical); not one of the 8 points of
 * small order (a small-order key makes signatures that verify for many messages). Never throws.
 */
export function isValidPublicKey(publicKey: Uint8Array): boolean {
  if (!(publicKey instanceof Uint8Array) || publicKey.byteLength !== 32) return false;
  const bytes = Buffer.from(publicKey.buffer, publicKey.byteOffset, 32);
  if (SMALL_ORDER.has(bytes.toString('hex'))) return false;
  // y is the little-endian number without the top bit (the sign of x).
  const y = BigInt(`0x${Buffer.from(bytes).reverse().toString('hex')}`) & ((1n << 255n) - 1n);
  if (y >= P) return false;
  const y2 = (y * y) % P;
  const u = (y2 + P - 1n) % P;
  // x = 0 only for y = ±1: both small order (above), or, with the sign bit set, non-canonical.
  if (u === 0n) return false;
  // d is not a square mod p, so d·y² + 1 ≠ 0; u/v is a square exactly when u·v is.
  const v = (D * y2 + 1n) % P;
  return legendre((u * v) % P) === 1;
}
