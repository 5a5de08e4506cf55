/**
 * The order of every list in an SBOM: ICU's en-US collation (the CLDR root order), which the
 * CycloneDX library's `localeCompare` gave on the machines the SBOMs were made on so far, where no
 * locale was set. Not the process's locale: under LANG=da_DK (capitals first, "aa" after "z") the
 * same packages would sort differently, and the same sources would give another SBOM and image.
 *
 * Strings of printable ASCII (package names, paths, versions, purls, digests: nearly every string
 * sorted here) are compared by the table below, which is that collation for those characters:
 * building an ICU collator costs ~6 ms, a whole SBOM's comparisons well under one. Anything else
 * goes to ICU. collation.test.ts holds the table and the comparison to ICU's.
 */
export const SORT_LOCALE = 'en-US';

/**
 * Printable ASCII in the root order. Each character is one collation element: punctuation and
 * symbols are not ignorable and come before digits, digits before letters, and a letter and its
 * capital share a primary weight (the small letter first, at the tertiary level).
 */
export const ROOT_ORDER = ` _-,;:!?.'"()[]{}@*/\\&#%\`^+<=>|~$0123456789aAbBcCdDeEfFgGhHiIjJkKlLmMnNoOpPqQrRsStTuUvVwWxXyYzZ`;

const PRIMARY = new Uint8Array(128);
const CAPITAL = new Uint8Array(128);
{
  let weight = 0;
  for (const char of ROOT_ORDER) {
    const code = char.charCodeAt(0);
    const small = char.toLowerCase().charCodeAt(0);
    if (small !== code) {
      PRIMARY[code] = PRIMARY[small] ?? 0;
      CAPITAL[code] = 1;
    } else {
      PRIMARY[code] = weight += 1;
    }
  }
}

function isPrintableAscii(text: string): boolean {
  for (let i = 0; i < text.length; i += 1) {
    const code = text.charCodeAt(i);
    if (code < 0x20 || code > 0x7e) return false;
  }
  return true;
}

let icu: Intl.Collator | undefined;

/** en-US collation of `a` and `b`: negative, zero or positive. */
export function compare(a: string, b: string): number {
  if (!isPrintableAscii(a) || !isPrintableAscii(b)) {
    icu ??= new Intl.Collator(SORT_LOCALE);
    return icu.compare(a, b);
  }
  // Primary level: the characters' weights in turn, a proper prefix first.
  const common = Math.min(a.length, b.length);
  for (let i = 0; i < common; i += 1) {
    const difference = (PRIMARY[a.charCodeAt(i)] ?? 0) - (PRIMARY[b.charCodeAt(i)] ?? 0);
    if (difference !== 0) return difference;
  }
  if (a.length !== b.length) return a.length - b.length;
  // Tertiary level (no accents in ASCII, so nothing at the secondary): the first small letter
  // against a capital decides.
  for (let i = 0; i < common; i += 1) {
    const difference = (CAPITAL[a.charCodeAt(i)] ?? 0) - (CAPITAL[b.charCodeAt(i)] ?? 0);
    if (difference !== 0) return difference;
  }
  return 0;
}
