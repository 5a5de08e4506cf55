import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { compare, ROOT_ORDER, SORT_LOCALE } from './collation.js';

// The table stands for ICU's en-US collation on printable ASCII: it must give ICU's order, for
// single characters and for any strings of them (run under every Node the project supports).

const icu = new Intl.Collator(SORT_LOCALE);
const sign = (n: number) => Math.sign(n);
const PRINTABLE = Array.from({ length: 0x7f - 0x20 }, (_, i) => String.fromCharCode(0x20 + i));

describe('en-US collation without ICU', () => {
  it("lists every printable ASCII character once, in ICU's order", () => {
    expect(Array.from(ROOT_ORDER).sort()).toEqual([...PRINTABLE].sort());
    expect([...PRINTABLE].sort((a, b) => icu.compare(a, b)).join('')).toBe(ROOT_ORDER);
  });

  it('compares strings of printable ASCII as ICU does (prefixes, case, punctuation, digits)', () => {
    // Few characters, so that the strings share prefixes and differ only in case or punctuation.
    const near = fc.string({
      unit: fc.constantFrom('a', 'A', 'b', 'B', '-', '_', '.', '/', '@', '0', '9', ' ', 'z', 'Z', '~'),
      maxLength: 8,
    });
    const any = fc.string({ unit: fc.constantFrom(...PRINTABLE), maxLength: 12 });
    for (const strings of [near, any]) {
      fc.assert(
        fc.property(strings, strings, (a, b) => {
          expect(sign(compare(a, b))).toBe(sign(icu.compare(a, b)));
        }),
        { numRuns: 3000 },
      );
    }
    const purls = [
      'pkg:npm/%40scope/a@1.0.0',
      'pkg:npm/a-b@2.0.0',
      'pkg:npm/a@1.0.0',
      'pkg:npm/A@1.0.0',
      'pkg:npm/a_b@1.0.0',
      'pkg:npm/ab@1.0.0',
    ];
    expect([...purls].sort(compare)).toEqual([...purls].sort((a, b) => icu.compare(a, b)));
  });

  it('leaves anything else to ICU (accents, other scripts, control characters)', () => {
    for (const [a, b] of [
      ['å', 'z'],
      ['é', 'e'],
      ['a\tb', 'a b'],
      ['Zürich', 'Zurich'],
      ['ä', 'ä'],
    ] as const) {
      expect(compare(a, b)).toBe(icu.compare(a, b));
    }
  });
});
