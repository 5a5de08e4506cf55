import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { canonicalJson, canonicalJsonString } from './canonical.js';

const jsonValue = fc.letrec((tie) => ({
  value: fc.oneof(
    { depthSize: 'small' },
    fc.string(),
    fc.integer(),
    fc.boolean(),
    fc.constant(null),
    fc.array(tie('value'), { maxLength: 4 }),
    fc.dictionary(fc.string(), tie('value'), { maxKeys: 4 }),
  ),
})).value;

describe('canonical JSON', () => {
  it('is a fixed point: parsing and re-encoding gives the same bytes', () => {
    fc.assert(
      fc.property(jsonValue, (value) => {
        const once = canonicalJsonString(value);
        expect(canonicalJsonString(JSON.parse(once))).toBe(once);
      }),
    );
  });

  it('does not depend on key insertion order', () => {
    fc.assert(
      fc.property(fc.dictionary(fc.string(), fc.integer()), (dict) => {
        const reversed = Object.fromEntries(Object.entries(dict).reverse());
        expect(canonicalJsonString(reversed)).toBe(canonicalJsonString(dict));
      }),
    );
  });

  it('writes TUF canonical form: sorted keys, no whitespace, only quote and backslash escaped, UTF-8', () => {
    expect(canonicalJsonString({ b: [1, 'x"\\'], a: { d: null, c: true } })).toBe('{"a":{"c":true,"d":null},"b":[1,"x\\"\\\\"]}');
    expect(canonicalJsonString('line\nbreak')).toBe('"line\nbreak"');
    expect([...canonicalJson('é')]).toEqual([0x22, 0xc3, 0xa9, 0x22]);
  });

  it('refuses floats, which have no canonical form', () => {
    expect(() => canonicalJson({ x: 1.5 })).toThrow();
  });
});
