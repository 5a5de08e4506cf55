import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type DeviceIdentity } from '@fwkit/core';
import { encodeCanonicalHeader, encodeSignatures } from '@fwkit/image';
import type { TrustRoot } from '@fwkit/signing';
import {
  aliasKeyObject,
  chunked,
  concatBytes,
  editTar,
  END_OF_ARCHIVE,
  fixChecksum,
  flipByte,
  gnuLongNameEntry,
  makeDevice,
  makeImage,
  makeTrustRoot,
  paxEntry,
  rawEntry,
  signerWithKeyId,
  syntheticBytes,
  tarEntries,
  tarEntry,
  TEST_NOW,
  TEST_SOURCE_DATE_EPOCH,
  testKeys,
  type MadeImage,
  type MakeImageOptions,
  type RawTarEntry,
} from '@fwkit/test-utils';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { VerifyError, type VerifyErrorCode } from './errors.js';
import { verifyImage, verifyImageFile, type VerifyOptions } from './verify.js';

const SMALL_BLOCK = 4096;
const MiB = 1024 * 1024;
const text = (s: string) => new TextEncoder().encode(s);

/** Small payloads, 4 KiB blocks: `data/blob.bin` spans four blocks, the last one short. */
const PAYLOADS = [
  { path: 'app/main.js', domain: 'app', bytes: text('import { start } from "./platform.js";\nstart();\n') },
  { path: 'data/blob.bin', domain: 'app', bytes: syntheticBytes(3 * SMALL_BLOCK + 100, 'blob') },
];

let trust: TrustRoot;
let base: MadeImage;
let dir: string;

function baseImage(options: MakeImageOptions = {}): Promise<MadeImage> {
  return makeImage({ blockSize: SMALL_BLOCK, payloads: PAYLOADS, ...options });
}

beforeAll(async () => {
  trust = makeTrustRoot({ targetsKeys: [testKeys.targets1], targetsThreshold: 1 }).trust;
  base = await baseImage();
  dir = await mkdtemp(join(tmpdir(), 'fwkit-verify-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

interface Recorded {
  path: string;
  offset: number;
  bytes: Uint8Array;
}

function recordingSink(): { sink: NonNullable<VerifyOptions['sink']>; calls: Recorded[] } {
  const calls: Recorded[] = [];
  return {
    calls,
    sink: {
      block(path, offset, bytes) {
        calls.push({ path, offset, bytes: Uint8Array.from(bytes) });
        return Promise.resolve();
      },
    },
  };
}

async function verifyCode(bytes: Uint8Array, options: Partial<VerifyOptions> = {}): Promise<VerifyErrorCode | 'OK'> {
  try {
    await verifyImage(chunked(bytes, 1000), { trust, device: makeDevice(), now: TEST_NOW, ...options });
    return 'OK';
  } catch (error) {
    if (error instanceof VerifyError) return error.code;
    throw error;
  }
}

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

interface Case {
  readonly name: string;
  readonly image: () => Uint8Array | Promise<Uint8Array>;
  readonly code: VerifyErrorCode;
  readonly trust?: () => TrustRoot;
  readonly device?: DeviceIdentity | 'any-device';
  readonly now?: Date;
}

const CASES: readonly Case[] = [
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

  // Signatures and trust.
  {
    name: 'signed by an unknown key',
    image: () => baseImage({ signers: [testKeys.outsider.signer] }).then((i) => i.bytes),
    code: 'SIGNATURE_KEY_UNKNOWN',
  },
  {
    name: 'no signatures at all',
    image: () => baseImage({ mutateSignatures: () => [] }).then((i) => i.bytes),
    code: 'SIGNATURE_KEY_UNKNOWN',
  },
  {
    name: 'too few signatures for the threshold',
    image: () => baseImage({ signers: [testKeys.targets1.signer] }).then((i) => i.bytes),
    trust: () => makeTrustRoot({ targetsKeys: [testKeys.targets1, testKeys.targets2], targetsThreshold: 2 }).trust,
    code: 'SIGNATURE_THRESHOLD_NOT_MET',
  },
  {
    name: 'one key listed under two keyids counts once',
    image: () =>
      baseImage({
        signers: [testKeys.targets1.signer, signerWithKeyId(testKeys.targets1, aliasKeyObject(testKeys.targets1.publicKey))],
      }).then((i) => i.bytes),
    trust: () =>
      makeTrustRoot({
        targetsKeys: [testKeys.targets1],
        extraKeyObjects: [aliasKeyObject(testKeys.targets1.publicKey)],
        targetsThreshold: 2,
      }).trust,
    code: 'SIGNATURE_THRESHOLD_NOT_MET',
  },
  {
    name: 'a signature of another manifest',
    image: async () => {
      const other = await baseImage({ security: 9 });
      return baseImage({ signaturesBytes: other.signaturesBytes }).then((i) => i.bytes);
    },
    code: 'SIGNATURE_INVALID',
  },
  {
    name: 'a duplicated signature record',
    image: () =>
      baseImage({
        signaturesBytes: text(
          `{"payloadType":"application/vnd.fwkit.manifest+json","signatures":[${JSON.stringify(base.signatures[0])},${JSON.stringify(base.signatures[0])}]}`,
        ),
      }).then((i) => i.bytes),
    code: 'SIGNATURES_INVALID',
  },
  { name: 'trust root expired at now', image: () => base.bytes, now: new Date('2036-01-01T00:00:00Z'), code: 'TRUST_ROOT_EXPIRED' },

  // Device rules.
  { name: "another model's image", image: () => baseImage({ model: 'other-cam' }).then((i) => i.bytes), code: 'MODEL_MISMATCH' },
  {
    name: 'another hardware revision',
    image: () => base.bytes,
    device: makeDevice({ hardwareRevision: 'C' }),
    code: 'HARDWARE_REVISION_UNSUPPORTED',
  },
  {
    name: 'an unknown requirement',
    image: () => baseImage({ requires: { gpu: '>=2' } }).then((i) => i.bytes),
    code: 'REQUIREMENT_UNKNOWN',
  },
  {
    name: 'an unknown requirement, any device',
    image: () => baseImage({ requires: { gpu: '>=2' } }).then((i) => i.bytes),
    device: 'any-device',
    code: 'REQUIREMENT_UNKNOWN',
  },
  {
    name: 'security version rollback',
    image: () => base.bytes,
    device: makeDevice({ installed: { firmware: '2.5.0', security: 4 } }),
    code: 'SECURITY_VERSION_ROLLBACK',
  },
  {
    name: 'bootloader too old',
    image: () => base.bytes,
    device: makeDevice({ bootloader: { version: '1.9.0', imageFormats: [1] } }),
    code: 'BOOTLOADER_TOO_OLD',
  },
  {
    name: 'bootloader cannot verify format 1',
    image: () => base.bytes,
    device: makeDevice({ bootloader: { version: '2.1.0', imageFormats: [2] } }),
    code: 'IMAGE_FORMAT_UNSUPPORTED',
  },
  {
    name: 'flash partition too small',
    image: () => base.bytes,
    device: makeDevice({ provides: { interfaces: { 'sensor.mipi-csi2': '1.2.0' }, flashPartitionBytes: 1000, ramBytes: 256 * MiB } }),
    code: 'FLASH_INSUFFICIENT',
  },

  // Signed manifests that do not describe the archive.
  {
    name: 'format version 2 (signed)',
    image: () =>
      baseImage({
        mutateManifest: (m) => {
          m.formatVersion = 2 as 1;
        },
      }).then((i) => i.bytes),
    code: 'IMAGE_FORMAT_UNSUPPORTED',
  },
  {
    name: 'schema violation (signed)',
    image: () =>
      baseImage({
        mutateManifest: (m) => {
          m.hardwareRevisions = [];
        },
      }).then((i) => i.bytes),
    code: 'MANIFEST_INVALID',
  },
  {
    name: 'non-canonical manifest bytes (signed)',
    image: () =>
      baseImage({ transformManifestBytes: (b) => text(JSON.stringify(JSON.parse(new TextDecoder().decode(b)), null, 2)) }).then(
        (i) => i.bytes,
      ),
    code: 'MANIFEST_NONCANONICAL',
  },
  {
    name: 'flashBytes not the payload total (signed)',
    image: () =>
      baseImage({
        mutateManifest: (m) => {
          m.requires.flashBytes -= 1;
        },
      }).then((i) => i.bytes),
    code: 'MANIFEST_INVALID',
  },
  {
    name: 'payload sha256 wrong, block lists right (signed)',
    image: () =>
      baseImage({
        mutateManifest: (m) => {
          (m.payloads[1] as { sha256: string }).sha256 = '0'.repeat(64);
        },
      }).then((i) => i.bytes),
    code: 'PAYLOAD_HASH_MISMATCH',
  },
  {
    name: 'payload size wrong within its last block (signed)',
    image: () =>
      baseImage({
        mutateManifest: (m) => {
          (m.payloads[1] as { size: number }).size -= 1;
          m.requires.flashBytes -= 1;
        },
      }).then((i) => i.bytes),
    code: 'PAYLOAD_SIZE_MISMATCH',
  },
  {
    name: 'block list one digest too long',
    image: () =>
      baseImage({
        mutateBlockLists: (lists) =>
          lists.map((l) => (l.path === 'app/main.js' ? { ...l, bytes: concatBytes(l.bytes, new Uint8Array(32)) } : l)),
      }).then((i) => i.bytes),
    code: 'BLOCK_LIST_SIZE_MISMATCH',
  },
  {
    name: 'block list of the right size with the wrong digests',
    image: () =>
      baseImage({
        mutateBlockLists: (lists) =>
          lists.map((l) => (l.path === 'data/blob.bin' ? { ...l, bytes: new Uint8Array(l.bytes.byteLength) } : l)),
      }).then((i) => i.bytes),
    code: 'BLOCK_LIST_HASH_MISMATCH',
  },
];

describe('verifyImage', () => {
  it('verifies a valid image', async () => {
    const { sink, calls } = recordingSink();
    const result = await verifyImage(chunked(base.bytes), { trust, device: makeDevice(), now: TEST_NOW, sink });
    expect(result.manifest.model).toBe('test-cam');
    expect(result.signers).toEqual([testKeys.targets1.keyid]);
    expect(result.exampleKeys).toBe(false);
    expect(result.imageBytes).toBe(base.bytes.byteLength);
    expect(result.imageSha256).toBe(Buffer.from(await crypto.subtle.digest('SHA-256', base.bytes)).toString('hex'));
    expect(result.manifestSha256).toBe(Buffer.from(await crypto.subtle.digest('SHA-256', base.manifestBytes)).toString('hex'));
    // The sink saw every block, in order, and nothing else.
    for (const payload of base.payloads) {
      const blocks = calls.filter((c) => c.path === payload.path);
      expect(blocks.map((c) => c.offset)).toEqual(
        Array.from({ length: Math.ceil(payload.bytes.byteLength / SMALL_BLOCK) }, (_, i) => i * SMALL_BLOCK),
      );
      expect(Buffer.from(concatBytes(...blocks.map((c) => c.bytes))).equals(payload.bytes)).toBe(true);
    }
    expect(calls.map((c) => c.path)).toEqual(
      base.payloads.flatMap((p) => Array.from({ length: Math.ceil(p.bytes.byteLength / SMALL_BLOCK) }, () => p.path)),
    );
  });

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

  it.each(CASES.map((c) => [c.name, c] as const))('rejects: %s', async (_name, c) => {
    const bytes = await c.image();
    const { sink, calls } = recordingSink();
    const code = await verifyCode(bytes, {
      ...(c.trust === undefined ? {} : { trust: c.trust() }),
      ...(c.device === undefined ? {} : { device: c.device }),
      ...(c.now === undefined ? {} : { now: c.now }),
      sink,
    });
    expect(code).toBe(c.code);
    // Whatever the failure, the sink only ever saw true blocks of the true payloads.
    for (const call of calls) {
      const payload = PAYLOADS.find((p) => p.path === call.path) ?? base.payloads.find((p) => p.path === call.path);
      expect(payload).toBeDefined();
      expect(
        Buffer.from(call.bytes).equals(Buffer.from(payload?.bytes.subarray(call.offset, call.offset + call.bytes.byteLength) ?? [])),
      ).toBe(true);
    }
  });

  it("skips the device rules for 'any-device' (another model's image verifies)", async () => {
    const other = await baseImage({ model: 'other-cam', hardwareRevisions: ['Z9'] });
    expect(await verifyCode(other.bytes)).toBe('MODEL_MISMATCH');
    expect(await verifyCode(other.bytes, { device: 'any-device' })).toBe('OK');
  });

  it('reports every device reason, with the first one as the code', async () => {
    const device = makeDevice({ model: 'other-cam', hardwareRevision: 'Z', installed: { firmware: '9.0.0', security: 99 } });
    try {
      await verifyImage(chunked(base.bytes), { trust, device, now: TEST_NOW });
      expect.unreachable();
    } catch (error) {
      expect(error).toBeInstanceOf(VerifyError);
      const e = error as VerifyError;
      expect(e.code).toBe('MODEL_MISMATCH');
      expect(e.reasons.map((r) => r.code)).toEqual(['MODEL_MISMATCH', 'HARDWARE_REVISION_UNSUPPORTED', 'SECURITY_VERSION_ROLLBACK']);
    }
  });

  it('accepts a threshold of two distinct keys', async () => {
    const image = await baseImage({ signers: [testKeys.targets1.signer, testKeys.targets2.signer] });
    const two = makeTrustRoot({ targetsKeys: [testKeys.targets1, testKeys.targets2], targetsThreshold: 2 }).trust;
    const result = await verifyImage(chunked(image.bytes), { trust: two, device: makeDevice(), now: TEST_NOW });
    expect(result.signers).toEqual([testKeys.targets1.keyid, testKeys.targets2.keyid].sort());
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

describe('streaming: a bad block stops the reading', () => {
  let big: MadeImage;
  let firstBlockEnd: number;
  const CHUNK = 64 * 1024;

  beforeAll(async () => {
    // 3.5 blocks of 1 MiB; "a/big.bin" sorts first, so it is the first payload entry.
    big = await makeImage({ payloads: [{ path: 'a/big.bin', domain: 'app', bytes: syntheticBytes(3 * MiB + MiB / 2, 'big') }] });
    firstBlockEnd = tarEntry(big.bytes, 'payload/a/big.bin').dataOffset + MiB;
  });

  /** The image in 64 KiB chunks; asking for a chunk that starts past the first payload block throws. */
  async function* guarded(bytes: Uint8Array): AsyncGenerator<Uint8Array> {
    let offset = 0;
    for await (const chunk of chunked(bytes, CHUNK)) {
      if (offset >= firstBlockEnd) throw new Error(`read past the first payload block (chunk at ${offset})`);
      yield chunk;
      offset += chunk.byteLength;
    }
  }

  it('rejects a corrupted first payload block before reading the rest of the image', async () => {
    const corrupted = flipByte(big.bytes, tarEntry(big.bytes, 'payload/a/big.bin').dataOffset + 1000);
    const { sink, calls } = recordingSink();
    const failure = verifyImage(guarded(corrupted), { trust, device: makeDevice(), now: TEST_NOW, sink });
    await expect(failure).rejects.toBeInstanceOf(VerifyError);
    await expect(failure).rejects.toMatchObject({ code: 'BLOCK_HASH_MISMATCH', details: { block: 0, offset: 0 } });
    expect(calls).toEqual([]);
  });

  it('(control) the guard does fire when a verifier reads on: the intact image fails with IMAGE_READ_FAILED', async () => {
    await expect(verifyImage(guarded(big.bytes), { trust, device: makeDevice(), now: TEST_NOW })).rejects.toMatchObject({
      code: 'IMAGE_READ_FAILED',
    });
  });

  it('hands the sink exactly the verified blocks: corrupted block 2 ⇒ the sink saw block 1 only', async () => {
    const dataOffset = tarEntry(big.bytes, 'payload/a/big.bin').dataOffset;
    const corrupted = flipByte(big.bytes, dataOffset + MiB + 12345);
    const { sink, calls } = recordingSink();
    await expect(verifyImage(chunked(corrupted, CHUNK), { trust, device: makeDevice(), now: TEST_NOW, sink })).rejects.toMatchObject({
      code: 'BLOCK_HASH_MISMATCH',
      details: { block: 1, offset: MiB },
    });
    expect(calls.map((c) => [c.path, c.offset, c.bytes.byteLength])).toEqual([['a/big.bin', 0, MiB]]);
    expect(Buffer.from(calls[0]?.bytes ?? []).equals(big.bytes.subarray(dataOffset, dataOffset + MiB))).toBe(true);
  });

  it('verifies the intact multi-block image from a file', async () => {
    const file = join(dir, 'big.fwi');
    await writeFile(file, big.bytes);
    const { sink, calls } = recordingSink();
    const result = await verifyImageFile(file, { trust, device: makeDevice(), now: TEST_NOW, sink });
    expect(result.imageBytes).toBe(big.bytes.byteLength);
    expect(calls.filter((c) => c.path === 'a/big.bin').map((c) => c.offset)).toEqual([0, MiB, 2 * MiB, 3 * MiB]);
    await writeFile(file, big.bytes.subarray(0, big.bytes.byteLength - 1024));
    await expect(verifyImageFile(file, { trust, device: makeDevice(), now: TEST_NOW })).rejects.toMatchObject({
      code: 'IMAGE_END_MARKER_MISSING',
    });
  });
});

describe('signatures.json written by the image package verifies', () => {
  it('re-encoding the records gives the same bytes', () => {
    expect(Buffer.from(encodeSignatures(base.signatures)).equals(base.signaturesBytes)).toBe(true);
  });
});
