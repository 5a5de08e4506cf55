import { describe, expect, it } from 'vitest';
import { bytesEqual, createSha256, fromHex, SHA256_HEX, sha256, sha256Hex, toHex } from './digest.js';

const ABC = 'abc'; // the FIPS 180-2 example
const ABC_SHA256 = 'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad';

describe('digests', () => {
  it('hash bytes and text to the known SHA-256, in one go or in pieces', () => {
    const bytes = new TextEncoder().encode(ABC);
    expect(toHex(sha256(bytes))).toBe(ABC_SHA256);
    expect(sha256Hex(bytes)).toBe(ABC_SHA256);
    expect(sha256Hex(ABC)).toBe(ABC_SHA256);
    expect(createSha256().update(bytes.subarray(0, 1)).update(bytes.subarray(1)).digest('hex')).toBe(ABC_SHA256);
    expect(sha256(bytes)).toBeInstanceOf(Uint8Array);
    expect(sha256(bytes).byteLength).toBe(32);
  });

  it('writes hex of exactly the viewed bytes, and reads it back', () => {
    const buffer = Uint8Array.from([0x00, 0x0f, 0xa0, 0xff, 0x10]);
    expect(toHex(buffer.subarray(1, 4))).toBe('0fa0ff');
    expect(fromHex('0fa0ff')).toEqual(Uint8Array.from([0x0f, 0xa0, 0xff]));
    expect(fromHex('0FA0FF')).toEqual(Uint8Array.from([0x0f, 0xa0, 0xff]));
    expect(fromHex('')).toEqual(new Uint8Array(0));
    for (const bad of ['0', 'abc', 'zz', '0g', ' 00', '00 ', '0x00']) expect(() => fromHex(bad)).toThrow(TypeError);
  });

  it('knows a SHA-256 hex digest when it sees one', () => {
    expect(SHA256_HEX.test(ABC_SHA256)).toBe(true);
    for (const bad of [
      ABC_SHA256.toUpperCase(),
      ABC_SHA256.slice(1),
      `${ABC_SHA256}0`,
      `${ABC_SHA256.slice(1)}g`,
      ` ${ABC_SHA256.slice(1)}`,
      '',
    ])
      expect(SHA256_HEX.test(bad)).toBe(false);
  });

  it('compares bytes: equal only with the same length and the same content', () => {
    const a = Uint8Array.from([1, 2, 3]);
    expect(bytesEqual(a, Uint8Array.from([1, 2, 3]))).toBe(true);
    expect(bytesEqual(a, Uint8Array.from([1, 2, 4]))).toBe(false);
    expect(bytesEqual(a, Uint8Array.from([1, 2]))).toBe(false);
    expect(bytesEqual(a, Uint8Array.from([1, 2, 3, 4]))).toBe(false);
    expect(bytesEqual(new Uint8Array(0), new Uint8Array(0))).toBe(true);
  });
});

describe('SHA256_HEX', () => {
  it('matches 64 lowercase hex characters and nothing that merely contains them', () => {
    expect(SHA256_HEX.test(ABC_SHA256)).toBe(true);
    for (const text of [
      `x${ABC_SHA256}`,
      `${ABC_SHA256}x`,
      `${ABC_SHA256}0`,
      ABC_SHA256.slice(1),
      'a',
      ABC_SHA256.toUpperCase(),
      'g'.repeat(64),
    ]) {
      expect([text, SHA256_HEX.test(text)]).toEqual([text, false]);
    }
  });
});
