import { canonicalJson } from '@fwkit/device-core';
import { makeImage, thrownCode } from '@fwkit/test-utils';
import { describe, expect, it } from 'vitest';
import { ImageError } from './errors.js';
import { MAX_SIGNATURES, SIGNATURES_PAYLOAD_TYPE } from './layout.js';
import { entryPlaceError } from './layout.js';
import { decodeManifest, parseCanonicalJson } from './manifest.js';
import { decodeSignatures, encodeSignatures } from './signatures.js';

const text = (s: string) => new TextEncoder().encode(s);
const KEY_A = 'a'.repeat(64);
const KEY_B = 'b'.repeat(64);
const SIG = 'c'.repeat(128);

const codeOf = thrownCode;

describe('manifest.json', () => {
  it('decodes the canonical manifest of a real image', async () => {
    const image = await makeImage();
    expect(decodeManifest(image.manifestBytes).model).toBe('test-cam');
  });

  it.each<[string, (m: Record<string, unknown>) => Uint8Array, string]>([
    ['not JSON', () => text('{"formatVersion":1'), 'MANIFEST_INVALID'],
    ['not UTF-8', () => new Uint8Array([0x7b, 0xff, 0x7d]), 'MANIFEST_INVALID'],
    ['pretty-printed', (m) => text(JSON.stringify(m, null, 2)), 'MANIFEST_NONCANONICAL'],
    ['keys out of order', (m) => text(JSON.stringify(Object.fromEntries(Object.entries(m).reverse()))), 'MANIFEST_NONCANONICAL'],
    ['a byte order mark', (m) => new Uint8Array([0xef, 0xbb, 0xbf, ...canonicalJson(m)]), 'MANIFEST_INVALID'],
    // The strict reader refuses a duplicate key outright, even where the last value is the same.
    ['a duplicate key', (m) => text(`{"blockSize":1,${new TextDecoder().decode(canonicalJson(m)).slice(1)}`), 'MANIFEST_INVALID'],
    [
      'a duplicate key with the same value',
      (m) => text(new TextDecoder().decode(canonicalJson(m)).replace('"model":', `"model":${JSON.stringify(m.model)},"model":`)),
      'MANIFEST_INVALID',
    ],
    [
      'an escaped character canonical JSON writes raw',
      (m) => text(new TextDecoder().decode(canonicalJson(m)).replace('Test', '\\u0054est')),
      'MANIFEST_NONCANONICAL',
    ],
    ['format version 2', (m) => canonicalJson({ ...m, formatVersion: 2 }), 'IMAGE_FORMAT_UNSUPPORTED'],
    [
      'format version 2, not canonical either',
      (m) => text(JSON.stringify({ ...m, formatVersion: 2 }, null, 1)),
      'IMAGE_FORMAT_UNSUPPORTED',
    ],
    [
      'no format version',
      (m) => canonicalJson(Object.fromEntries(Object.entries(m).filter(([k]) => k !== 'formatVersion'))),
      'MANIFEST_INVALID',
    ],
    ['format version as a string', (m) => canonicalJson({ ...m, formatVersion: '1' }), 'MANIFEST_INVALID'],
    ['a schema violation', (m) => canonicalJson({ ...m, model: 'Not Kebab' }), 'MANIFEST_INVALID'],
    [
      'flashBytes other than the payload total',
      (m) => canonicalJson({ ...m, requires: { ...(m.requires as object), flashBytes: 1 } }),
      'MANIFEST_INVALID',
    ],
    ['more than 1 MiB', (m) => canonicalJson({ ...m, padding: 'x'.repeat(1024 * 1024) }), 'IMAGE_ENTRY_TOO_LARGE'],
  ])('rejects %s (%s)', async (_what, make, code) => {
    const image = await makeImage();
    expect(codeOf(() => decodeManifest(make(image.manifest)))).toBe(code);
  });

  it('lists every schema issue with its path', async () => {
    const image = await makeImage();
    try {
      decodeManifest(canonicalJson({ ...image.manifest, model: 'Not Kebab', blockSize: 3 }));
      expect.unreachable();
    } catch (error) {
      expect(error).toBeInstanceOf(ImageError);
      const issues = (error as ImageError).details?.issues as { path: string }[];
      expect(issues.map((i) => i.path).sort()).toEqual(['blockSize', 'model']);
    }
  });
});

describe('signatures.json', () => {
  it('round-trips and sorts by keyid', () => {
    const bytes = encodeSignatures([
      { keyid: KEY_B, sig: SIG },
      { keyid: KEY_A, sig: SIG },
    ]);
    expect(decodeSignatures(bytes)).toEqual({
      payloadType: SIGNATURES_PAYLOAD_TYPE,
      signatures: [
        { keyid: KEY_A, sig: SIG },
        { keyid: KEY_B, sig: SIG },
      ],
    });
  });

  const doc = (signatures: unknown, extra: Record<string, unknown> = {}) => ({
    payloadType: SIGNATURES_PAYLOAD_TYPE,
    signatures,
    ...extra,
  });
  /** One well-formed record per keyid, in the order given. */
  const records = (...keyids: string[]) => keyids.map((keyid) => ({ keyid, sig: SIG }));
  it.each<[string, Uint8Array, string]>([
    ['not JSON', text('{'), 'SIGNATURES_INVALID'],
    [
      'a duplicate key',
      text(`{"payloadType":${JSON.stringify(SIGNATURES_PAYLOAD_TYPE)},"signatures":[],"signatures":[]}`),
      'SIGNATURES_INVALID',
    ],
    ['not canonical', text(JSON.stringify(doc([{ keyid: KEY_A, sig: SIG }]), null, 1)), 'SIGNATURES_INVALID'],
    ['an array', canonicalJson([{ keyid: KEY_A, sig: SIG }]), 'SIGNATURES_INVALID'],
    ['an extra top-level key', canonicalJson(doc([], { x: 1 })), 'SIGNATURES_INVALID'],
    ['another payload type', canonicalJson({ payloadType: 'application/json', signatures: [] }), 'SIGNATURES_INVALID'],
    ['signatures not an array', canonicalJson(doc({ keyid: KEY_A, sig: SIG })), 'SIGNATURES_INVALID'],
    ['an extra key in a record', canonicalJson(doc([{ keyid: KEY_A, sig: SIG, x: 1 }])), 'SIGNATURES_INVALID'],
    ['an upper-case keyid', canonicalJson(doc([{ keyid: KEY_A.toUpperCase(), sig: SIG }])), 'SIGNATURES_INVALID'],
    ['a short keyid', canonicalJson(doc([{ keyid: 'ab', sig: SIG }])), 'SIGNATURES_INVALID'],
    ['a short signature', canonicalJson(doc([{ keyid: KEY_A, sig: 'cc' }])), 'SIGNATURES_INVALID'],
    ['a numeric signature', canonicalJson(doc([{ keyid: KEY_A, sig: 1 }])), 'SIGNATURES_INVALID'],
    ['unsorted records', canonicalJson(doc(records(KEY_B, KEY_A))), 'SIGNATURES_INVALID'],
    ['a repeated keyid', canonicalJson(doc(records(KEY_A, KEY_A))), 'SIGNATURES_INVALID'],
    [
      'too many records',
      canonicalJson(doc(Array.from({ length: MAX_SIGNATURES + 1 }, (_, i) => ({ keyid: i.toString(16).padStart(64, '0'), sig: SIG })))),
      'SIGNATURES_INVALID',
    ],
    ['more than 64 KiB', new Uint8Array(64 * 1024 + 1), 'IMAGE_ENTRY_TOO_LARGE'],
  ])('rejects %s', (_what, bytes, code) => {
    expect(codeOf(() => decodeSignatures(bytes))).toBe(code);
  });

  it('accepts an empty list (the threshold check then fails, with its own code)', () => {
    expect(decodeSignatures(canonicalJson(doc([]))).signatures).toEqual([]);
  });

  it('refuses to encode malformed records', () => {
    expect(codeOf(() => encodeSignatures([{ keyid: 'x', sig: SIG }]))).toBe('IMAGE_ENCODE_INVALID');
    expect(
      codeOf(() =>
        encodeSignatures([
          { keyid: KEY_A, sig: SIG },
          { keyid: KEY_A, sig: SIG },
        ]),
      ),
    ).toBe('IMAGE_ENCODE_INVALID');
  });
});

describe('signatures.json at its edges', () => {
  const doc = (signatures: unknown) => ({ payloadType: SIGNATURES_PAYLOAD_TYPE, signatures });
  const keyid = (i: number) => i.toString(16).padStart(64, '0');

  it('has the payload type fwkit images are signed under (a fixed wire value)', () => {
    const bytes = text('{"payloadType":"application/vnd.fwkit.manifest+json","signatures":[]}');
    expect(decodeSignatures(bytes).payloadType).toBe(SIGNATURES_PAYLOAD_TYPE);
    expect(Buffer.from(encodeSignatures([])).equals(Buffer.from(bytes))).toBe(true);
  });

  it(`holds exactly ${MAX_SIGNATURES} records, not one more`, () => {
    const full = Array.from({ length: MAX_SIGNATURES }, (_, i) => ({ keyid: keyid(i), sig: SIG }));
    expect(decodeSignatures(canonicalJson(doc(full))).signatures).toHaveLength(MAX_SIGNATURES);
    expect(decodeSignatures(encodeSignatures(full)).signatures).toHaveLength(MAX_SIGNATURES);
    const over = [...full, { keyid: keyid(MAX_SIGNATURES), sig: SIG }];
    expect(codeOf(() => decodeSignatures(canonicalJson(doc(over))))).toBe('SIGNATURES_INVALID');
    expect(codeOf(() => encodeSignatures(over))).toBe('IMAGE_ENCODE_INVALID');
  });

  it('refuses keyids and signatures that only contain the right form, or are not strings', () => {
    for (const record of [
      { keyid: 'ab' + KEY_A, sig: SIG },
      { keyid: KEY_A + 'ab', sig: SIG },
      { keyid: KEY_A, sig: 'ab' + SIG },
      { keyid: KEY_A, sig: SIG + 'ab' },
      { keyid: [KEY_A], sig: SIG },
      { keyid: KEY_A, sig: [SIG] },
    ]) {
      expect(codeOf(() => decodeSignatures(canonicalJson(doc([record]))))).toBe('SIGNATURES_INVALID');
    }
  });

  it('refuses null where an object belongs, with its code (never a TypeError)', () => {
    expect(codeOf(() => decodeSignatures(text('null')))).toBe('SIGNATURES_INVALID');
    expect(codeOf(() => decodeSignatures(canonicalJson(doc([null]))))).toBe('SIGNATURES_INVALID');
    expect(codeOf(() => decodeSignatures(canonicalJson(doc([{ keyid: KEY_A, sig: SIG }, null]))))).toBe('SIGNATURES_INVALID');
  });

  it('encodes any order of records sorted by keyid', () => {
    // 0, 41, 82, 22, 63, …: every step of 41 (mod 101) goes up or wraps down.
    const keyids = Array.from({ length: 12 }, (_, i) => keyid((i * 41) % 101));
    const decoded = decodeSignatures(encodeSignatures(keyids.map((k) => ({ keyid: k, sig: SIG }))));
    expect(decoded.signatures.map((s) => s.keyid)).toEqual([...keyids].sort());
  });
});

describe('manifest.json at its edges', () => {
  it('refuses a byte-order mark as not JSON, not merely as non-canonical', () => {
    expect(codeOf(() => decodeManifest(text('\ufeff{"formatVersion":1}')))).toBe('MANIFEST_INVALID');
  });

  it('refuses null and other non-objects with its code (never a TypeError)', () => {
    for (const value of ['null', '[]', '1', '"x"']) expect(codeOf(() => decodeManifest(text(value)))).toBe('MANIFEST_INVALID');
  });

  it('refuses bytes that are not UTF-8 as not JSON, before the format version and the byte form are looked at', () => {
    // In a string: a stray continuation byte, an overlong "/", an encoded surrogate, a truncated sequence.
    const invalid = [[0xff], [0xc0, 0xaf], [0xed, 0xa0, 0x80], [0xe2, 0x82]];
    for (const bytes of invalid) {
      for (const version of [1, 2]) {
        const manifest = Uint8Array.from([...text(`{"formatVersion":${version},"x":"`), ...bytes, ...text('"}')]);
        expect([bytes, version, codeOf(() => decodeManifest(manifest))]).toEqual([bytes, version, 'MANIFEST_INVALID']);
        expect(parseCanonicalJson(manifest)).toBeUndefined();
      }
    }
  });

  it('calls a float non-canonical: it has no canonical form', () => {
    expect(codeOf(() => decodeManifest(text('{"formatVersion":1,"x":1.5}')))).toBe('MANIFEST_NONCANONICAL');
  });
});

describe('entryPlaceError', () => {
  it('calls a layout name out of order before the manifest is read, including manifest.json itself', () => {
    const start = ['manifest.json', 'signatures.json'];
    expect(entryPlaceError('manifest.json', 1, start, new Set(), false)?.code).toBe('IMAGE_ENTRY_ORDER');
    expect(entryPlaceError('signatures.json', 0, start, new Set(), false)?.code).toBe('IMAGE_ENTRY_ORDER');
    expect(entryPlaceError('payload/x', 1, start, new Set(), false)?.code).toBe('IMAGE_ENTRY_ORDER');
    expect(entryPlaceError('other', 1, start, new Set(), false)?.code).toBe('IMAGE_ENTRY_UNEXPECTED');
    expect(entryPlaceError('signatures.json', 1, start, new Set(['manifest.json']), false)).toBeUndefined();
  });
});

describe('ImageError', () => {
  it('is named after its class', () => {
    expect(new ImageError('MANIFEST_INVALID', 'x').name).toBe('ImageError');
  });
});
