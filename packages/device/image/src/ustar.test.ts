import { rawHeader, fixChecksum, thrownCode } from '@fwkit/test-utils';
import fc from 'fast-check';
import { pack } from 'tar-stream';
import { describe, expect, it } from 'vitest';
import { MAX_ENTRY_SIZE, MAX_MTIME } from './layout.js';
import { archivedEntryBytes, decodeHeader, encodeCanonicalHeader, headerChecksum, isUnsafePath, paddingAfter } from './ustar.js';

/** The header tar-stream's pack writes for a regular file, taken from the front of its output. */
async function packHeader(name: string, size: number, mtime: number): Promise<Uint8Array> {
  const p = pack();
  p.entry({ name, size, mode: 0o644, uid: 0, gid: 0, mtime: new Date(mtime * 1000), type: 'file' });
  const iterator = (p as AsyncIterable<Uint8Array>)[Symbol.asyncIterator]();
  const chunks: Uint8Array[] = [];
  let length = 0;
  while (length < 512) {
    const next = await iterator.next();
    if (next.done === true) break;
    chunks.push(next.value);
    length += next.value.byteLength;
  }
  p.destroy();
  return new Uint8Array(Buffer.concat(chunks)).subarray(0, 512);
}

const codeOf = thrownCode;

describe('canonical ustar header', () => {
  const cases: [string, number, number][] = [
    ['manifest.json', 0, 0],
    ['signatures.json', 511, 1],
    ['blocks/app/main.js', 512, 1_700_000_000],
    ['payload/app/main.js', 513, MAX_MTIME],
    ['payload/' + 'x'.repeat(92), 3 * 1024 * 1024 + 7, 1_234_567_890],
    ['a', MAX_ENTRY_SIZE, 86_400],
    ['payload/with space~and-punct_.!', 1, 42],
  ];

  it.each(cases)('is byte-identical to what tar-stream pack writes: %s size %i mtime %i', async (name, size, mtime) => {
    expect(Buffer.from(encodeCanonicalHeader(name, size, mtime)).equals(await packHeader(name, size, mtime))).toBe(true);
  });

  it('matches tar-stream pack for any printable name, size and mtime the format allows', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.string({ unit: fc.integer({ min: 0x20, max: 0x7e }).map((c) => String.fromCharCode(c)), minLength: 1, maxLength: 100 }),
        fc.integer({ min: 0, max: MAX_ENTRY_SIZE }),
        fc.integer({ min: 0, max: MAX_MTIME }),
        async (name, size, mtime) => {
          expect(Buffer.from(encodeCanonicalHeader(name, size, mtime)).equals(await packHeader(name, size, mtime))).toBe(true);
        },
      ),
      { numRuns: 200 },
    );
  });

  it('round-trips through the decoder', () => {
    expect(decodeHeader(encodeCanonicalHeader('payload/x', 1234, 99), 0)).toEqual({ name: 'payload/x', size: 1234, mtime: 99 });
  });

  it.each([
    ['', 0, 0],
    ['x'.repeat(101), 0, 0],
    ['caf\u00e9', 0, 0],
    ['tab\there', 0, 0],
    ['x', -1, 0],
    ['x', MAX_ENTRY_SIZE + 1, 0],
    ['x', 0, MAX_MTIME + 1],
    ['x', 1.5, 0],
    ['x', 0, -1],
    ['x', 0, 1.5],
  ])('refuses to encode what tar-stream would write another way: %j size %d mtime %d', (name, size, mtime) => {
    expect(codeOf(() => encodeCanonicalHeader(name, size, mtime))).toBe('IMAGE_ENCODE_INVALID');
  });
});

/** GNU tar writes the checksum as six digits, NUL, space; tar-stream as six digits, space, NUL. Same sum. */
function gnuChecksumHeader(): Uint8Array {
  const block = rawHeader({ name: 'payload/x' });
  block[154] = 0;
  block[155] = 0x20;
  return block;
}

describe('header classification', () => {
  const table: [string, Uint8Array, string][] = [
    ['bad checksum', rawHeader({ name: 'payload/x', checksum: 1 }), 'IMAGE_HEADER_CHECKSUM'],
    ['checksum field not octal', rawHeader({ name: 'payload/x', checksum: 'zzzzzz \0' }), 'IMAGE_HEADER_CHECKSUM'],
    ['hard link', rawHeader({ name: 'payload/x', typeflag: '1', linkname: 'manifest.json' }), 'IMAGE_ENTRY_LINK'],
    ['symbolic link', rawHeader({ name: 'payload/x', typeflag: '2', linkname: '/etc/shadow' }), 'IMAGE_ENTRY_LINK'],
    ['character device', rawHeader({ name: 'payload/x', typeflag: '3', devmajor: 1, devminor: 3 }), 'IMAGE_ENTRY_DEVICE'],
    ['block device', rawHeader({ name: 'payload/x', typeflag: '4', devmajor: 8 }), 'IMAGE_ENTRY_DEVICE'],
    ['FIFO', rawHeader({ name: 'payload/x', typeflag: '6' }), 'IMAGE_ENTRY_DEVICE'],
    ['directory', rawHeader({ name: 'payload/', typeflag: '5', mode: 0o755 }), 'IMAGE_ENTRY_TYPE'],
    ['contiguous file', rawHeader({ name: 'payload/x', typeflag: '7' }), 'IMAGE_ENTRY_TYPE'],
    ['GNU sparse file', rawHeader({ name: 'payload/x', typeflag: 'S' }), 'IMAGE_ENTRY_TYPE'],
    ['PAX extended header', rawHeader({ name: 'PaxHeader', typeflag: 'x', size: 30 }), 'IMAGE_PAX_HEADER'],
    ['PAX global header', rawHeader({ name: 'pax_global_header', typeflag: 'g', size: 30 }), 'IMAGE_PAX_HEADER'],
    [
      'GNU long name',
      rawHeader({ name: '././@LongLink', typeflag: 'L', size: 200, magic: 'ustar ', version: ' \0' }),
      'IMAGE_GNU_LONGNAME',
    ],
    ['GNU long link name', rawHeader({ name: '././@LongLink', typeflag: 'K', size: 200 }), 'IMAGE_GNU_LONGNAME'],
    ['parent segment', rawHeader({ name: '../x' }), 'IMAGE_PATH_UNSAFE'],
    ['nested parent segment', rawHeader({ name: 'payload/../../etc/passwd' }), 'IMAGE_PATH_UNSAFE'],
    ['absolute path', rawHeader({ name: '/abs' }), 'IMAGE_PATH_UNSAFE'],
    ['traversal through the prefix field', rawHeader({ name: 'x', prefix: '../..' }), 'IMAGE_PATH_UNSAFE'],
    ['absolute prefix', rawHeader({ name: 'x', prefix: '/etc' }), 'IMAGE_PATH_UNSAFE'],
    ['backslash traversal', rawHeader({ name: '..\\x' }), 'IMAGE_PATH_UNSAFE'],
    ['Windows drive', rawHeader({ name: 'C:/x' }), 'IMAGE_PATH_UNSAFE'],
    ['old-style NUL typeflag', rawHeader({ name: 'payload/x', typeflag: '\0' }), 'IMAGE_HEADER_NONCANONICAL'],
    ['mode 0755', rawHeader({ name: 'payload/x', mode: 0o755 }), 'IMAGE_HEADER_NONCANONICAL'],
    ['setuid mode', rawHeader({ name: 'payload/x', mode: 0o4644 }), 'IMAGE_HEADER_NONCANONICAL'],
    ['uid 1000', rawHeader({ name: 'payload/x', uid: 1000 }), 'IMAGE_HEADER_NONCANONICAL'],
    ['owner name', rawHeader({ name: 'payload/x', uname: 'root' }), 'IMAGE_HEADER_NONCANONICAL'],
    ['group name', rawHeader({ name: 'payload/x', gname: 'wheel' }), 'IMAGE_HEADER_NONCANONICAL'],
    ['linkname on a file', rawHeader({ name: 'payload/x', linkname: 'y' }), 'IMAGE_HEADER_NONCANONICAL'],
    ['GNU magic', rawHeader({ name: 'payload/x', magic: 'ustar ', version: ' \0' }), 'IMAGE_HEADER_NONCANONICAL'],
    ['v7 header (no magic)', rawHeader({ name: 'payload/x', magic: '\0\0\0\0\0\0', version: '\0\0' }), 'IMAGE_HEADER_NONCANONICAL'],
    ['name split into the prefix field', rawHeader({ name: 'x', prefix: 'payload' }), 'IMAGE_HEADER_NONCANONICAL'],
    ['size ending in NUL, not space', rawHeader({ name: 'payload/x', size: '00000000012\0' }), 'IMAGE_HEADER_NONCANONICAL'],
    ['size without leading zeros', rawHeader({ name: 'payload/x', size: '12 ' }), 'IMAGE_HEADER_NONCANONICAL'],
    ['base-256 size', rawHeader({ name: 'payload/x', size: '\x80\0\0\0\0\0\0\0\0\0\0\x0a' }), 'IMAGE_HEADER_NONCANONICAL'],
    ['size with a non-octal digit', rawHeader({ name: 'payload/x', size: '00000000019 ' }), 'IMAGE_HEADER_NONCANONICAL'],
    ['mtime past 2038', rawHeader({ name: 'payload/x', mtime: 2 ** 31 }), 'IMAGE_HEADER_NONCANONICAL'],
    ['non-ASCII name', rawHeader({ name: 'payload/\u00e9' }), 'IMAGE_HEADER_NONCANONICAL'],
    ['checksum as GNU tar writes it (NUL, space)', gnuChecksumHeader(), 'IMAGE_HEADER_NONCANONICAL'],
  ];

  it.each(table)('%s → %s', (_what, block, code) => {
    expect(codeOf(() => decodeHeader(block, 0))).toBe(code);
  });

  it('calls a first block that is no tar header at all (no checksum, no magic) IMAGE_NOT_FWKIT, and only the first', () => {
    const text = new Uint8Array(512);
    text.set(new TextEncoder().encode('# fwkit\n\nfwkit builds, SBOM-annotates, signs and verifies firmware'));
    expect(codeOf(() => decodeHeader(text, 0))).toBe('IMAGE_NOT_FWKIT');
    expect(codeOf(() => decodeHeader(text, 1536))).toBe('IMAGE_HEADER_CHECKSUM');
    // A tar header that was damaged is still a damaged image, not "no image".
    expect(codeOf(() => decodeHeader(rawHeader({ name: 'payload/x', checksum: 1 }), 0))).toBe('IMAGE_HEADER_CHECKSUM');
  });

  it('accepts the canonical header rebuilt by the raw encoder (the table changes one field each)', () => {
    expect(decodeHeader(rawHeader({ name: 'payload/x', size: 10, mtime: 5 }), 0)).toEqual({ name: 'payload/x', size: 10, mtime: 5 });
    expect(decodeHeader(fixChecksum(rawHeader({ name: 'payload/x' })), 0).name).toBe('payload/x');
  });

  it('classifies unsafe paths', () => {
    for (const p of ['/a', '..', '../a', 'a/..', 'a/../b', '\\a', 'a\\..\\b', 'c:x']) expect(isUnsafePath(p)).toBe(true);
    for (const p of ['a', 'a/b', '..a', 'a..', 'a/.../b', 'payload/x.y']) expect(isUnsafePath(p)).toBe(false);
  });

  it('refuses entry names that are not normalized relative paths (the fuzzer found "blocks/")', () => {
    for (const name of ['blocks/', 'a//b', './manifest.json', 'payload/./x', '.', 'a\\b', 'payload/x\\']) {
      expect(
        thrownCode(() => decodeHeader(rawHeader({ name }), 0)),
        name,
      ).toBe('IMAGE_PATH_UNSAFE');
    }
  });
});

/** `block` with its checksum field (8 bytes) written as `form` gives the right sum: `form(octalDigits)`. */
function withChecksumField(block: Uint8Array, form: (octal: string) => string): Uint8Array {
  const out = Uint8Array.from(block);
  const field = form(headerChecksum(out).toString(8));
  expect(field).toHaveLength(8);
  for (let i = 0; i < 8; i++) out[148 + i] = field.charCodeAt(i);
  return out;
}

describe('numeric fields at their limits', () => {
  it('decodes the largest size and mtime the format allows, and refuses one more as non-canonical', () => {
    expect(decodeHeader(encodeCanonicalHeader('a', MAX_ENTRY_SIZE, MAX_MTIME), 0)).toEqual({
      name: 'a',
      size: MAX_ENTRY_SIZE,
      mtime: MAX_MTIME,
    });
    expect(decodeHeader(encodeCanonicalHeader('a', MAX_ENTRY_SIZE - 1, MAX_MTIME - 1), 0)).toEqual({
      name: 'a',
      size: MAX_ENTRY_SIZE - 1,
      mtime: MAX_MTIME - 1,
    });
    // 12 octal digits fill the field without a terminator: a size 11 digits cannot hold.
    expect(codeOf(() => decodeHeader(rawHeader({ name: 'payload/x', size: '100000000000' }), 0))).toBe('IMAGE_HEADER_NONCANONICAL');
    expect(codeOf(() => decodeHeader(rawHeader({ name: 'payload/x', mtime: MAX_MTIME + 1 }), 0))).toBe('IMAGE_HEADER_NONCANONICAL');
  });

  it('reads the checksum field as tar readers do, so a right sum in another form is non-canonical, not a bad checksum', () => {
    const block = rawHeader({ name: 'payload/x', size: 10, mtime: 5 });
    const valid: [string, (octal: string) => string][] = [
      ['a leading space', (o) => ` ${o.padStart(6, '0')}\0`],
      ['two leading spaces, NUL-terminated', (o) => `  ${o.padStart(5, '0')}\0`],
      ['eight digits, no terminator', (o) => o.padStart(8, '0')],
      ['trailing spaces and NULs', (o) => `${o.padStart(5, '0')} \0 `],
    ];
    for (const [what, form] of valid) {
      expect([what, codeOf(() => decodeHeader(withChecksumField(block, form), 0))]).toEqual([what, 'IMAGE_HEADER_NONCANONICAL']);
    }
    const invalid: [string, (octal: string) => string][] = [
      ['a letter after the digits', (o) => `${o.padStart(6, '0')} x`],
      ['a digit after the terminator', (o) => `${o.padStart(6, '0')} 1`],
      ['no digit at all', () => '        '],
      ['an 8 among the digits', (o) => `8${o.padStart(5, '0')} \0`],
    ];
    for (const [what, form] of invalid) {
      expect([what, codeOf(() => decodeHeader(withChecksumField(block, form), 0))]).toEqual([what, 'IMAGE_HEADER_CHECKSUM']);
    }
    expect(
      decodeHeader(
        withChecksumField(block, (o) => `${o.padStart(6, '0')} \0`),
        0,
      ),
    ).toEqual({ name: 'payload/x', size: 10, mtime: 5 });
  });

  it('reads 8 and 9 in the checksum field as no digits, even where reading them as digits would give the right sum', () => {
    // "…k0" and "…(k-1)8" (or "…k1" and "…(k-1)9") are the same sum if 8 and 9 counted as digits.
    const notOctal = (octal: string): string | undefined => {
      const digits = octal.padStart(6, '0');
      for (let i = digits.length - 1; i > 0; i--) {
        const low = Number(digits[i]);
        const high = Number(digits[i - 1]);
        if (low <= 1 && high >= 1) return `${digits.slice(0, i - 1)}${high - 1}${low + 8}${digits.slice(i + 1)}`;
      }
      return undefined;
    };
    const seen = new Set<string>();
    for (let mtime = 0; seen.size < 2 && mtime < 64; mtime++) {
      const block = rawHeader({ name: 'payload/x', size: 10, mtime });
      const form = notOctal(headerChecksum(block).toString(8));
      if (form === undefined) continue;
      seen.add(form.includes('8') ? '8' : '9');
      const header = withChecksumField(block, () => `${form} \0`);
      expect([form, codeOf(() => decodeHeader(header, 0))]).toEqual([form, 'IMAGE_HEADER_CHECKSUM']);
    }
    expect([...seen].sort()).toEqual(['8', '9']);
  });

  it('calls a size or mtime field without a number non-canonical, whichever field it is', () => {
    for (const value of ['x', '        ', '\0'.repeat(12), '0000000008 ']) {
      expect(codeOf(() => decodeHeader(rawHeader({ name: 'payload/x', size: value }), 0))).toBe('IMAGE_HEADER_NONCANONICAL');
      expect(codeOf(() => decodeHeader(rawHeader({ name: 'payload/x', mtime: value }), 0))).toBe('IMAGE_HEADER_NONCANONICAL');
    }
  });

  it('reads a name that fills its whole field (no NUL after it) as exactly that name', () => {
    for (const name of ['a', 'payload/' + 'x'.repeat(91), 'payload/' + 'x'.repeat(92)]) {
      expect(decodeHeader(encodeCanonicalHeader(name, 1, 2), 0)).toEqual({ name, size: 1, mtime: 2 });
    }
    expect(encodeCanonicalHeader('payload/' + 'x'.repeat(92), 1, 2)[99]).not.toBe(0);
  });

  it('takes a colon as a drive letter only at the start of a name', () => {
    expect(isUnsafePath('payload/c:x')).toBe(false);
    expect(isUnsafePath('a:')).toBe(true);
  });
});

describe("an entry's place in the archive", () => {
  it.each([
    [0, 0, 512],
    [1, 511, 1024],
    [511, 1, 1024],
    [512, 0, 1024],
    [513, 511, 1536],
    [1_048_576, 0, 1_049_088],
  ])('size %i: %i bytes of padding, %i in all with its header', (size, padding, archived) => {
    expect(paddingAfter(size)).toBe(padding);
    expect(archivedEntryBytes(size)).toBe(archived);
  });
});
