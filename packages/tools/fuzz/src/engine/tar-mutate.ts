import { fixChecksum, concatBytes } from '@fwkit/test-utils';
import type { MutationContext } from './mutate.js';
import { utf8 } from './mutate.js';
import { mutateJson } from './json-mutate.js';

const BLOCK = 512;

export interface TarPiece {
  header: Uint8Array;
  data: Uint8Array;
}

/** A lenient split of a tar into entries (header + data) and what follows the last one. */
export function splitTar(input: Uint8Array): { entries: TarPiece[]; trailer: Uint8Array } {
  const entries: TarPiece[] = [];
  let at = 0;
  while (at + BLOCK <= input.byteLength && entries.length < 64) {
    const header = input.slice(at, at + BLOCK);
    if (header.every((b) => b === 0)) break;
    const size = Number.parseInt(new TextDecoder().decode(header.subarray(124, 136)).replace(/[\0 ]+/g, ''), 8);
    if (!Number.isSafeInteger(size) || size < 0 || at + BLOCK + size > input.byteLength) break;
    entries.push({ header, data: input.slice(at + BLOCK, at + BLOCK + size) });
    at += BLOCK + Math.ceil(size / BLOCK) * BLOCK;
  }
  return { entries, trailer: input.slice(Math.min(at, input.byteLength)) };
}

function writeField(header: Uint8Array, offset: number, length: number, text: string): void {
  header.fill(0, offset, offset + length);
  const bytes = utf8(text).subarray(0, length);
  header.set(bytes, offset);
}

function octal(value: number, digits: number): string {
  return value.toString(8).padStart(digits, '0') + ' ';
}

export function joinTar(entries: readonly TarPiece[], trailer: Uint8Array, fixSizes: boolean, fixChecksums: boolean): Uint8Array {
  const parts: Uint8Array[] = [];
  for (const { header, data } of entries) {
    if (fixSizes) writeField(header, 124, 12, octal(data.byteLength, 11));
    if (fixChecksums) fixChecksum(header);
    parts.push(header, data, new Uint8Array((BLOCK - (data.byteLength % BLOCK)) % BLOCK));
  }
  parts.push(trailer);
  return concatBytes(...parts);
}

const HOSTILE_NAMES = [
  '../evil',
  '/etc/passwd',
  'a/../../b',
  'payload/../../x',
  'C:evil',
  '\\evil',
  'a\\..\\b',
  'a\0b',
  'x'.repeat(100),
  'x'.repeat(99),
  './manifest.json',
  'manifest.json/',
  '',
  'payload/',
  'blocks/',
  '.',
  '..',
];
const TYPEFLAGS = ['0', '\0', '1', '2', '3', '4', '5', '6', '7', 'x', 'g', 'L', 'K', 'S', 'V', 'A'];
const FIELDS: readonly (readonly [string, number, number])[] = [
  ['name', 0, 100],
  ['mode', 100, 8],
  ['uid', 108, 8],
  ['size', 124, 12],
  ['mtime', 136, 12],
  ['typeflag', 156, 1],
  ['linkname', 157, 100],
  ['magic', 257, 8],
  ['uname', 265, 32],
  ['prefix', 345, 155],
];

/**
 * A tar-aware mutation: change one header field (keeping the checksum right most of the time, so
 * the change reaches the checks behind it), mutate an entry's data as JSON or bytes with its size
 * fixed, or duplicate, drop, swap or truncate entries. Undefined when the input has no tar header.
 */
export function mutateTar(
  input: Uint8Array,
  ctx: MutationContext,
  mutateBytes: (input: Uint8Array, ctx: MutationContext) => Uint8Array,
): Uint8Array | undefined {
  const { rng } = ctx;
  const { entries, trailer } = splitTar(input);
  if (entries.length === 0) return undefined;
  const entry = rng.pick(entries);
  let fixSizes = true;
  switch (rng.below(8)) {
    case 0:
    case 1: {
      const [field, offset, length] = rng.pick(FIELDS);
      fixSizes = field !== 'size';
      let value: string;
      if (field === 'name' || field === 'prefix' || field === 'linkname') {
        value = rng.chance(0.7)
          ? rng.pick(HOSTILE_NAMES)
          : new TextDecoder().decode(rng.pick(entries).header.subarray(0, 100)).replace(/\0.*$/s, '');
      } else if (field === 'typeflag') value = rng.pick(TYPEFLAGS);
      else if (field === 'magic') value = rng.pick(['ustar\u000000', 'ustar  \u0000', 'USTAR\u000000', '']);
      else if (field === 'size' || field === 'mtime')
        value = rng.pick([
          octal(rng.below(2 ** 20), 11),
          octal(entry.data.byteLength + 1, 11),
          octal(Math.max(0, entry.data.byteLength - 1), 11),
          '77777777777 ',
          ' 1 ',
          '\u0080\0\0\0\0\0\0\0\0\0\u0001\0',
          '',
        ]);
      else value = rng.pick([octal(0o644, 6), octal(0o4755, 6), octal(0, 6), '7777777', 'x']);
      writeField(entry.header, offset, length, value);
      break;
    }
    case 2:
    case 3: {
      // Change the data: as JSON when it is JSON, else as bytes.
      entry.data = (rng.chance(0.7) ? mutateJson(entry.data, ctx) : undefined) ?? mutateBytes(entry.data, ctx);
      break;
    }
    case 4: {
      const i = entries.indexOf(entry);
      if (rng.chance(0.5)) entries.splice(i, 0, { header: entry.header.slice(), data: entry.data.slice() });
      else entries.splice(i, 1);
      break;
    }
    case 5: {
      const a = rng.below(entries.length);
      const b = rng.below(entries.length);
      const ea = entries[a];
      const eb = entries[b];
      if (ea !== undefined && eb !== undefined) {
        entries[a] = eb;
        entries[b] = ea;
      }
      break;
    }
    case 6: {
      // Truncate, or add bytes after the end marker.
      const whole = joinTar(entries, trailer, true, true);
      if (rng.chance(0.5)) return whole.subarray(0, rng.below(whole.byteLength));
      return concatBytes(whole, rng.chance(0.5) ? new Uint8Array(BLOCK) : Uint8Array.of(1));
    }
    default:
      // A byte-level change to a header, then the checksum made right again.
      entry.header = mutateBytes(entry.header, ctx).slice(0, BLOCK);
      if (entry.header.byteLength < BLOCK) entry.header = concatBytes(entry.header, new Uint8Array(BLOCK - entry.header.byteLength));
  }
  return joinTar(entries, trailer, fixSizes, rng.chance(0.9));
}
