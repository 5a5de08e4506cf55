import { encodeCanonicalHeader } from '@fwkit/device-image';
import {
  concatBytes,
  editTar,
  END_OF_ARCHIVE,
  fixChecksum,
  flipByte,
  gnuLongNameEntry,
  paxEntry,
  rawEntry,
  tarEntries,
  tarEntry,
  TEST_SOURCE_DATE_EPOCH,
  type RawTarEntry,
} from '@fwkit/test-utils';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { base, expectRejected, MiB, SMALL_BLOCK, text, useBaseImage, verifyCode, type Case } from './verify.test-support.js';

// The archive itself: flipped bytes, truncation, trailing data, entry order, entry types, oversized entries.

useBaseImage();

// --- ways to break the base image ---------------------------------------------------------------

const entry = (name: string): RawTarEntry => tarEntry(base.bytes, name);
const flipData = (name: string, offset: number, mask = 0x01) => flipByte(base.bytes, entry(name).dataOffset + offset, mask);
const flipHeader = (name: string, offset: number) => flipByte(base.bytes, entry(name).headerOffset + offset);
const names = () => tarEntries(base.bytes).map((e) => e.name);
const indexOfName = (entries: RawTarEntry[], name: string) => entries.findIndex((e) => e.name === name);

/** Offset in `bytes` of the first character after `marker` that stays a lowercase hex digit when XOR 1. */
function hexDigitAfter(bytes: Uint8Array, marker: string): number {
  const textOf = new TextDecoder().decode(bytes);
  const start = textOf.indexOf(marker) + marker.length;
  for (let i = start; i < textOf.length; i++) if ('0123456789bcde'.includes(textOf.charAt(i))) return i;
  throw new Error('no hex digit');
}

/** Offset of the first hex letter (a-f) after `marker`: XOR 0x20 makes it upper case, still hex but not canonical. */
function letterAfter(bytes: Uint8Array, marker: string): number {
  const textOf = new TextDecoder().decode(bytes);
  const start = textOf.indexOf(marker) + marker.length;
  for (let i = start; i < textOf.length; i++) if ('abcdef'.includes(textOf.charAt(i))) return i;
  throw new Error('no hex letter');
}

/** The archive with `bytes` written into the header of entry `name` at `at` (and a correct checksum). */
function withHeader(name: string, at: number, bytes: Uint8Array): Uint8Array {
  return editTar(base.bytes, (entries) =>
    entries.map((e) => {
      if (e.name !== name) return e;
      const header = Uint8Array.from(e.header);
      header.set(bytes, at);
      return { ...e, header: fixChecksum(header) };
    }),
  );
}

function swap(a: string, b: string): Uint8Array {
  return editTar(base.bytes, (entries) => {
    const i = indexOfName(entries, a);
    const j = indexOfName(entries, b);
    const first = entries[i];
    const second = entries[j];
    if (first === undefined || second === undefined) throw new Error(`cannot swap ${a} and ${b}: not both in the image`);
    const out = [...entries];
    out[i] = second;
    out[j] = first;
    return out;
  });
}

/** Insert raw entry bytes before the entry named `before` (or at the end). */
function insert(raw: Uint8Array, before?: string): Uint8Array {
  return editTar(base.bytes, (entries) => {
    const at = before === undefined ? entries.length : indexOfName(entries, before);
    return [...entries.slice(0, at), raw, ...entries.slice(at)];
  });
}

const afterSignatures = 'blocks/app/main.js';
const mtime = TEST_SOURCE_DATE_EPOCH;

const ARCHIVE_CASES: readonly Case[] = [
  // One flipped byte in each entry.
  { name: 'manifest: flipped structural byte', image: () => flipData('manifest.json', 0, 0x20), code: 'MANIFEST_INVALID' },
  {
    name: 'manifest: flipped byte inside a value (still canonical JSON)',
    image: () => flipData('manifest.json', new TextDecoder().decode(base.manifestBytes).indexOf('Test Camera')),
    code: 'SIGNATURE_INVALID',
  },
  { name: 'signatures: flipped structural byte', image: () => flipData('signatures.json', 0, 0x20), code: 'SIGNATURES_INVALID' },
  {
    name: 'signatures: flipped sig digit',
    image: () => flipData('signatures.json', hexDigitAfter(base.signaturesBytes, '"sig":"')),
    code: 'SIGNATURE_INVALID',
  },
  {
    name: 'signatures: flipped keyid digit',
    image: () => flipData('signatures.json', hexDigitAfter(base.signaturesBytes, '"keyid":"')),
    code: 'SIGNATURE_KEY_UNKNOWN',
  },
  {
    name: 'signatures: upper-case sig digit',
    image: () => flipData('signatures.json', letterAfter(base.signaturesBytes, '"sig":"'), 0x20),
    code: 'SIGNATURES_INVALID',
  },
  { name: 'block list of app/main.js: flipped byte', image: () => flipData('blocks/app/main.js', 0), code: 'BLOCK_LIST_HASH_MISMATCH' },
  {
    name: 'block list of data/blob.bin: flipped byte',
    image: () => flipData('blocks/data/blob.bin', 100),
    code: 'BLOCK_LIST_HASH_MISMATCH',
  },
  {
    name: 'block list of sbom.cdx.json: flipped byte',
    image: () => flipData('blocks/sbom.cdx.json', 31),
    code: 'BLOCK_LIST_HASH_MISMATCH',
  },
  { name: 'payload app/main.js: flipped byte', image: () => flipData('payload/app/main.js', 0), code: 'BLOCK_HASH_MISMATCH' },
  {
    name: 'payload data/blob.bin: flipped byte in block 2',
    image: () => flipData('payload/data/blob.bin', 2 * SMALL_BLOCK + 7),
    code: 'BLOCK_HASH_MISMATCH',
  },
  {
    name: 'payload data/blob.bin: flipped last byte',
    image: () => flipData('payload/data/blob.bin', 3 * SMALL_BLOCK + 99, 0x80),
    code: 'BLOCK_HASH_MISMATCH',
  },
  { name: 'payload sbom.cdx.json: flipped byte', image: () => flipData('payload/sbom.cdx.json', 5), code: 'BLOCK_HASH_MISMATCH' },
  { name: 'header of manifest.json: flipped name byte', image: () => flipHeader('manifest.json', 0), code: 'IMAGE_HEADER_CHECKSUM' },
  {
    name: 'header of payload/data/blob.bin: flipped size byte',
    image: () => flipHeader('payload/data/blob.bin', 130),
    code: 'IMAGE_HEADER_CHECKSUM',
  },
  {
    name: 'header of signatures.json: flipped checksum byte',
    image: () => flipHeader('signatures.json', 150),
    code: 'IMAGE_HEADER_CHECKSUM',
  },
  {
    name: 'header of blocks/app/main.js: uid 1 (checksum fixed)',
    image: () => withHeader('blocks/app/main.js', 108, text('000001 ')),
    code: 'IMAGE_HEADER_NONCANONICAL',
  },
  {
    name: 'header of payload/app/main.js: uname set (checksum fixed)',
    image: () => withHeader('payload/app/main.js', 265, text('root')),
    code: 'IMAGE_HEADER_NONCANONICAL',
  },
  {
    name: 'header of manifest.json: canonical, but mtime is not sourceDateEpoch',
    image: () => withHeader('manifest.json', 0, encodeCanonicalHeader('manifest.json', entry('manifest.json').size, mtime + 1)),
    code: 'IMAGE_HEADER_NONCANONICAL',
  },
  {
    name: 'header of payload/sbom.cdx.json: canonical, but mtime is not sourceDateEpoch',
    image: () =>
      withHeader('payload/sbom.cdx.json', 0, encodeCanonicalHeader('payload/sbom.cdx.json', entry('payload/sbom.cdx.json').size, 0)),
    code: 'IMAGE_HEADER_NONCANONICAL',
  },
  {
    name: 'padding after manifest.json: non-zero byte',
    image: () => flipData('manifest.json', entry('manifest.json').size),
    code: 'IMAGE_PADDING_NONZERO',
  },
  {
    name: 'padding after the last payload: non-zero byte',
    image: () => flipData('payload/sbom.cdx.json', entry('payload/sbom.cdx.json').size + 1),
    code: 'IMAGE_PADDING_NONZERO',
  },
  {
    name: 'end marker: flipped byte in the first zero block',
    image: () => flipByte(base.bytes, base.bytes.byteLength - 1024),
    code: 'IMAGE_HEADER_CHECKSUM',
  },
  {
    name: 'end marker: flipped byte in the second zero block',
    image: () => flipByte(base.bytes, base.bytes.byteLength - 1),
    code: 'IMAGE_END_MARKER_MISSING',
  },

  // Truncation.
  { name: 'truncated: empty', image: () => new Uint8Array(0), code: 'IMAGE_TRUNCATED' },
  { name: 'truncated: inside the first header', image: () => base.bytes.subarray(0, 200), code: 'IMAGE_TRUNCATED' },
  {
    name: 'truncated: inside manifest.json',
    image: () => base.bytes.subarray(0, entry('manifest.json').dataOffset + 10),
    code: 'IMAGE_TRUNCATED',
  },
  {
    name: 'truncated: after signatures.json',
    image: () => base.bytes.subarray(0, entry('signatures.json').end),
    code: 'IMAGE_END_MARKER_MISSING',
  },
  {
    name: 'truncated: inside a block list',
    image: () => base.bytes.subarray(0, entry('blocks/data/blob.bin').dataOffset + 64),
    code: 'IMAGE_TRUNCATED',
  },
  {
    name: 'truncated: inside a payload block',
    image: () => base.bytes.subarray(0, entry('payload/data/blob.bin').dataOffset + SMALL_BLOCK + 1),
    code: 'IMAGE_TRUNCATED',
  },
  {
    name: 'truncated: at a payload block boundary',
    image: () => base.bytes.subarray(0, entry('payload/data/blob.bin').dataOffset + 2 * SMALL_BLOCK),
    code: 'IMAGE_TRUNCATED',
  },
  {
    name: 'truncated: inside padding',
    image: () => base.bytes.subarray(0, entry('payload/sbom.cdx.json').end - 1),
    code: 'IMAGE_TRUNCATED',
  },
  {
    name: 'truncated: no end marker',
    image: () => base.bytes.subarray(0, entry('payload/sbom.cdx.json').end),
    code: 'IMAGE_END_MARKER_MISSING',
  },
  {
    name: 'truncated: half an end marker',
    image: () => base.bytes.subarray(0, base.bytes.byteLength - 512),
    code: 'IMAGE_END_MARKER_MISSING',
  },
  {
    name: 'truncated: last byte missing',
    image: () => base.bytes.subarray(0, base.bytes.byteLength - 1),
    code: 'IMAGE_END_MARKER_MISSING',
  },

  // After the end.
  { name: 'one zero byte after the end marker', image: () => concatBytes(base.bytes, new Uint8Array(1)), code: 'IMAGE_TRAILING_DATA' },
  {
    name: 'a whole entry after the end marker',
    image: () => concatBytes(base.bytes, rawEntry({ name: 'payload/evil', mtime }, 'x'), END_OF_ARCHIVE),
    code: 'IMAGE_TRAILING_DATA',
  },

  // Entry order, duplicates, extras, missing entries.
  {
    name: 'duplicate payload entry',
    image: () => editTar(base.bytes, (es) => es.flatMap((e) => (e.name === 'payload/app/main.js' ? [e, e] : [e]))),
    code: 'IMAGE_ENTRY_DUPLICATE',
  },
  {
    name: 'duplicate manifest.json',
    image: () => editTar(base.bytes, (es) => es.flatMap((e) => (e.name === 'manifest.json' ? [e, e] : [e]))),
    code: 'IMAGE_ENTRY_DUPLICATE',
  },
  {
    name: 'duplicate last payload after the layout',
    image: () => editTar(base.bytes, (es) => [...es, es.at(-1) as RawTarEntry]),
    code: 'IMAGE_ENTRY_DUPLICATE',
  },
  {
    name: 'extra entry at the end',
    image: () => insert(rawEntry({ name: 'payload/extra.bin', mtime }, 'extra')),
    code: 'IMAGE_ENTRY_UNEXPECTED',
  },
  {
    name: 'extra entry after signatures.json',
    image: () => insert(rawEntry({ name: 'notes.txt', mtime }, 'hi'), afterSignatures),
    code: 'IMAGE_ENTRY_UNEXPECTED',
  },
  {
    name: 'extra entry first',
    image: () => insert(rawEntry({ name: 'README', mtime }, 'hi'), 'manifest.json'),
    code: 'IMAGE_ENTRY_UNEXPECTED',
  },
  { name: 'reordered payloads', image: () => swap('payload/app/main.js', 'payload/data/blob.bin'), code: 'IMAGE_ENTRY_ORDER' },
  { name: 'reordered block lists', image: () => swap('blocks/app/main.js', 'blocks/sbom.cdx.json'), code: 'IMAGE_ENTRY_ORDER' },
  { name: 'signatures.json before manifest.json', image: () => swap('manifest.json', 'signatures.json'), code: 'IMAGE_ENTRY_ORDER' },
  { name: 'payload before its block list', image: () => swap('blocks/app/main.js', 'payload/app/main.js'), code: 'IMAGE_ENTRY_ORDER' },
  { name: 'missing last payload', image: () => editTar(base.bytes, (es) => es.slice(0, -1)), code: 'IMAGE_ENTRY_MISSING' },
  {
    name: 'missing block list (next one arrives early)',
    image: () => editTar(base.bytes, (es) => es.filter((e) => e.name !== 'blocks/data/blob.bin')),
    code: 'IMAGE_ENTRY_ORDER',
  },
  { name: 'missing manifest.json', image: () => editTar(base.bytes, (es) => es.slice(1)), code: 'IMAGE_ENTRY_ORDER' },
  { name: 'missing everything after manifest.json', image: () => editTar(base.bytes, (es) => es.slice(0, 1)), code: 'IMAGE_ENTRY_MISSING' },

  // Entries that are not plain files, or escape the slot.
  { name: 'path traversal ../x', image: () => insert(rawEntry({ name: '../x', mtime }, 'x'), afterSignatures), code: 'IMAGE_PATH_UNSAFE' },
  { name: 'absolute path /abs', image: () => insert(rawEntry({ name: '/abs', mtime }, 'x'), afterSignatures), code: 'IMAGE_PATH_UNSAFE' },
  {
    name: 'traversal inside a payload name',
    image: () => insert(rawEntry({ name: 'payload/../../etc/passwd', mtime }, 'x'), afterSignatures),
    code: 'IMAGE_PATH_UNSAFE',
  },
  {
    name: 'symlink',
    image: () => insert(rawEntry({ name: 'payload/app/main.js', typeflag: '2', linkname: '/etc/shadow', mtime }), afterSignatures),
    code: 'IMAGE_ENTRY_LINK',
  },
  {
    name: 'hard link',
    image: () => insert(rawEntry({ name: 'payload/app/main.js', typeflag: '1', linkname: 'manifest.json', mtime }), afterSignatures),
    code: 'IMAGE_ENTRY_LINK',
  },
  {
    name: 'character device',
    image: () => insert(rawEntry({ name: 'payload/dev', typeflag: '3', devmajor: 1, devminor: 3, mtime }), afterSignatures),
    code: 'IMAGE_ENTRY_DEVICE',
  },
  {
    name: 'block device',
    image: () => insert(rawEntry({ name: 'payload/disk', typeflag: '4', devmajor: 8, mtime }), afterSignatures),
    code: 'IMAGE_ENTRY_DEVICE',
  },
  {
    name: 'FIFO',
    image: () => insert(rawEntry({ name: 'payload/fifo', typeflag: '6', mtime }), afterSignatures),
    code: 'IMAGE_ENTRY_DEVICE',
  },
  {
    name: 'directory',
    image: () => insert(rawEntry({ name: 'payload/', typeflag: '5', mode: 0o755, mtime }), afterSignatures),
    code: 'IMAGE_ENTRY_TYPE',
  },
  {
    name: 'PAX global header',
    image: () => insert(paxEntry({ comment: 'hi' }, { global: true, mtime }), 'manifest.json'),
    code: 'IMAGE_PAX_HEADER',
  },
  {
    name: 'PAX extended header renaming the next entry',
    image: () => insert(paxEntry({ path: 'payload/app/main.js', size: '3' }, { mtime }), 'payload/app/main.js'),
    code: 'IMAGE_PAX_HEADER',
  },
  {
    name: 'GNU long name',
    image: () => insert(gnuLongNameEntry(`payload/${'x'.repeat(120)}`), afterSignatures),
    code: 'IMAGE_GNU_LONGNAME',
  },
  { name: 'GNU long link name', image: () => insert(gnuLongNameEntry('/etc/passwd', 'K'), afterSignatures), code: 'IMAGE_GNU_LONGNAME' },
  {
    name: 'symlink before the manifest',
    image: () => insert(rawEntry({ name: 'manifest.json', typeflag: '2', linkname: '/x', mtime }), 'manifest.json'),
    code: 'IMAGE_ENTRY_LINK',
  },

  // Oversized entries (endless data).
  {
    name: 'manifest.json over 1 MiB',
    image: () => editTar(base.bytes, (es) => [rawEntry({ name: 'manifest.json', mtime }, new Uint8Array(MiB + 1)), ...es.slice(1)]),
    code: 'IMAGE_ENTRY_TOO_LARGE',
  },
  {
    name: 'signatures.json over 64 KiB',
    image: () =>
      editTar(base.bytes, (es) =>
        es.map((e) => (e.name === 'signatures.json' ? rawEntry({ name: 'signatures.json', mtime }, new Uint8Array(64 * 1024 + 1)) : e)),
      ),
    code: 'IMAGE_ENTRY_TOO_LARGE',
  },
];

describe('verifyImage', () => {
  it('checks the names, order and layout of the base image the table breaks', () => {
    expect(names()).toEqual([
      'manifest.json',
      'signatures.json',
      'blocks/app/main.js',
      'blocks/data/blob.bin',
      'blocks/sbom.cdx.json',
      'payload/app/main.js',
      'payload/data/blob.bin',
      'payload/sbom.cdx.json',
    ]);
  });

  it.each(ARCHIVE_CASES.map((c) => [c.name, c] as const))('rejects: %s', async (_name, c) => {
    await expectRejected(c);
  });

  it('rejects every single flipped byte, anywhere, with a coded error', async () => {
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: 0, max: base.bytes.byteLength - 1 }), fc.integer({ min: 1, max: 255 }), async (offset, mask) => {
        expect(await verifyCode(flipByte(base.bytes, offset, mask))).not.toBe('OK');
      }),
      { numRuns: 300 },
    );
  });

  it('rejects every truncation with a coded error', async () => {
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: 0, max: base.bytes.byteLength - 1 }), async (length) => {
        expect(['IMAGE_TRUNCATED', 'IMAGE_END_MARKER_MISSING']).toContain(await verifyCode(base.bytes.subarray(0, length)));
      }),
      { numRuns: 100 },
    );
  });
});
