import { ImageError } from './errors.js';
import { MAX_ENTRY_NAME_BYTES, MAX_ENTRY_SIZE, MAX_MTIME } from './layout.js';

/**
 * The ustar header as tar-stream's pack writes it for a regular file, and a classifier for every
 * other header. tar-stream does not export its header codec, so this is a byte-exact
 * re-implementation for the one header shape the format allows (a test compares it with pack).
 */

export const TAR_BLOCK = 512;

/** Header fields: [offset, length]. */
export const FIELD = {
  name: [0, 100],
  mode: [100, 8],
  uid: [108, 8],
  gid: [116, 8],
  size: [124, 12],
  mtime: [136, 12],
  checksum: [148, 8],
  typeflag: [156, 1],
  linkname: [157, 100],
  magic: [257, 6],
  version: [263, 2],
  uname: [265, 32],
  gname: [297, 32],
  devmajor: [329, 8],
  devminor: [337, 8],
  prefix: [345, 155],
  pad: [500, 12],
} as const satisfies Record<string, readonly [number, number]>;

export type HeaderField = keyof typeof FIELD;

const ASCII_PRINTABLE = /^[\x20-\x7e]+$/;

/** A name tar-stream writes into the name field alone: 1-100 printable ASCII bytes. */
export function isCanonicalEntryName(name: string): boolean {
  return name.length >= 1 && name.length <= MAX_ENTRY_NAME_BYTES && ASCII_PRINTABLE.test(name);
}

function writeAscii(block: Uint8Array, offset: number, text: string): void {
  for (let i = 0; i < text.length; i++) block[offset + i] = text.charCodeAt(i);
}

/** tar-stream's `encodeOct`: `digits` zero-padded octal digits and a space (the last byte of the field stays NUL). */
function octal(value: number, digits: number): string {
  return value.toString(8).padStart(digits, '0') + ' ';
}

/** Sum of the header's bytes with the checksum field counted as eight spaces (unsigned, as POSIX says). */
export function headerChecksum(block: Uint8Array): number {
  let sum = 8 * 0x20;
  for (let i = 0; i < 148; i++) sum += block[i] ?? 0;
  for (let i = 156; i < TAR_BLOCK; i++) sum += block[i] ?? 0;
  return sum;
}

/**
 * The canonical header of a regular file: what `pack().entry({ name, size, mtime, mode: 0o644,
 * uid: 0, gid: 0, type: 'file' })` writes. Throws IMAGE_ENCODE_INVALID for a name, size or mtime
 * that tar-stream would encode some other way (PAX, prefix field, base-256, 32-bit wrap).
 */
export function encodeCanonicalHeader(name: string, size: number, mtime: number): Uint8Array {
  if (!isCanonicalEntryName(name)) {
    throw new ImageError(
      'IMAGE_ENCODE_INVALID',
      `entry name must be 1-${MAX_ENTRY_NAME_BYTES} printable ASCII bytes: ${JSON.stringify(name)}`,
    );
  }
  if (!Number.isSafeInteger(size) || size < 0 || size > MAX_ENTRY_SIZE) {
    throw new ImageError('IMAGE_ENCODE_INVALID', `entry size must be an integer from 0 to ${MAX_ENTRY_SIZE}: ${size}`);
  }
  if (!Number.isSafeInteger(mtime) || mtime < 0 || mtime > MAX_MTIME) {
    throw new ImageError('IMAGE_ENCODE_INVALID', `entry mtime must be an integer from 0 to ${MAX_MTIME}: ${mtime}`);
  }
  const block = new Uint8Array(TAR_BLOCK);
  writeAscii(block, FIELD.name[0], name);
  writeAscii(block, FIELD.mode[0], octal(0o644, 6));
  writeAscii(block, FIELD.uid[0], octal(0, 6));
  writeAscii(block, FIELD.gid[0], octal(0, 6));
  writeAscii(block, FIELD.size[0], octal(size, 11));
  writeAscii(block, FIELD.mtime[0], octal(mtime, 11));
  writeAscii(block, FIELD.typeflag[0], '0');
  writeAscii(block, FIELD.magic[0], 'ustar\0');
  writeAscii(block, FIELD.version[0], '00');
  writeAscii(block, FIELD.devmajor[0], octal(0, 6));
  writeAscii(block, FIELD.devminor[0], octal(0, 6));
  writeAscii(block, FIELD.checksum[0], octal(headerChecksum(block), 6));
  return block;
}

/** The zero bytes after an entry of `size` bytes, up to the next 512-byte block. */
export function paddingAfter(size: number): number {
  return (TAR_BLOCK - (size % TAR_BLOCK)) % TAR_BLOCK;
}

/** Bytes an entry of `size` takes in the archive: its header, its data and the padding after it. */
export function archivedEntryBytes(size: number): number {
  return TAR_BLOCK + size + paddingAfter(size);
}

/** The end-of-archive marker: two zero blocks. */
export const END_MARKER_BYTES = 2 * TAR_BLOCK;

export function isZeroBlock(bytes: Uint8Array): boolean {
  // Indexed, not for-of: the iterator protocol costs several times more per byte before V8 optimises.
  for (let i = 0; i < bytes.length; i++) if (bytes[i] !== 0) return false;
  return true;
}

/**
 * Numeric field the way tar readers accept it (leading spaces, octal digits, ended by space or
 * NUL). Returns undefined for base-256 or any other byte: never a number made up from garbage.
 */
function parseOctalField(block: Uint8Array, [offset, length]: readonly [number, number]): number | undefined {
  const end = offset + length;
  let i = offset;
  while (i < end && block[i] === 0x20) i++;
  let value = 0;
  let digits = 0;
  for (; i < end; i++) {
    const b = block[i] ?? 0;
    if (b < 0x30 || b > 0x37) break;
    value = value * 8 + (b - 0x30);
    digits++;
  }
  for (; i < end; i++) {
    const b = block[i];
    if (b !== 0x20 && b !== 0) return undefined;
  }
  return digits === 0 ? undefined : value;
}

/** A string field up to its first NUL, one character per byte (no decoding can fail or merge bytes). */
function stringField(block: Uint8Array, [offset, length]: readonly [number, number]): string {
  let out = '';
  for (let i = offset; i < offset + length; i++) {
    const b = block[i] ?? 0;
    if (b === 0) break;
    out += String.fromCharCode(b);
  }
  return out;
}

/**
 * A name that is not a normalized relative path: absolute (POSIX or Windows), with a backslash,
 * or with an empty, '.' or '..' segment. Layout names never are; a reader that yielded "blocks/"
 * or "a//b" would hand its caller a name that means something else to a file system.
 */
export function isUnsafePath(name: string): boolean {
  if (name.includes('\\') || /^[A-Za-z]:/.test(name)) return true;
  return name.split('/').some((segment) => segment === '' || segment === '.' || segment === '..');
}

export interface RegularHeader {
  readonly name: string;
  readonly size: number;
  readonly mtime: number;
}

function fieldAt(offset: number): HeaderField {
  for (const [field, [start, length]] of Object.entries(FIELD) as [HeaderField, readonly [number, number]][]) {
    if (offset >= start && offset < start + length) return field;
  }
  return 'pad';
}

/**
 * Decode one (non-zero) header block of an image. First classifies what is wrong with a header
 * that is not a plain file, so that each threat has its own code; then requires the header to be
 * byte-identical to the canonical header for its name, size and mtime, which rules out every
 * field fwkit does not write (owner names, modes, device numbers, prefix, GNU magic, ...).
 */
export function decodeHeader(block: Uint8Array, offset: number): RegularHeader {
  const at = { offset };
  const stored = parseOctalField(block, FIELD.checksum);
  const computed = headerChecksum(block);
  if (stored !== computed && offset === 0 && stringField(block, FIELD.magic) !== 'ustar') {
    // Not a damaged image but no image at all (a text file, a log, another format): say so.
    throw new ImageError('IMAGE_NOT_FWKIT', 'not an fwkit image: the file does not start with a tar header', {
      details: { ...at, stored: stored ?? null, computed },
    });
  }
  if (stored !== computed) {
    throw new ImageError('IMAGE_HEADER_CHECKSUM', `tar header at byte ${offset} has a bad checksum`, {
      details: { ...at, stored: stored ?? null, computed },
    });
  }

  const typeflag = block.at(FIELD.typeflag[0]) ?? 0;
  const type = String.fromCharCode(typeflag);
  const name = stringField(block, FIELD.name);
  const prefix = stringField(block, FIELD.prefix);
  const fullName = prefix === '' ? name : `${prefix}/${name}`;
  const details = { ...at, entry: fullName, typeflag: typeflag === 0 ? 'NUL' : type };
  switch (type) {
    case '0':
    case '\0':
      break;
    case '1':
    case '2':
      throw new ImageError('IMAGE_ENTRY_LINK', `tar entry "${fullName}" is a ${type === '1' ? 'hard' : 'symbolic'} link`, { details });
    case '3':
    case '4':
    case '6':
      throw new ImageError('IMAGE_ENTRY_DEVICE', `tar entry "${fullName}" is a device or FIFO (type '${type}')`, { details });
    case 'g':
    case 'x':
      throw new ImageError('IMAGE_PAX_HEADER', `tar entry at byte ${offset} is a PAX ${type === 'g' ? 'global' : 'extended'} header`, {
        details,
      });
    case 'L':
    case 'K':
      throw new ImageError(
        'IMAGE_GNU_LONGNAME',
        `tar entry at byte ${offset} is a GNU long ${type === 'L' ? 'name' : 'link name'} header`,
        {
          details,
        },
      );
    default:
      throw new ImageError('IMAGE_ENTRY_TYPE', `tar entry "${fullName}" is not a regular file (type '${details.typeflag}')`, { details });
  }

  if (isUnsafePath(fullName)) {
    throw new ImageError('IMAGE_PATH_UNSAFE', `tar entry name "${fullName}" is not a normalized relative path`, { details });
  }

  const size = parseOctalField(block, FIELD.size);
  const mtime = parseOctalField(block, FIELD.mtime);
  if (size === undefined || mtime === undefined || size > MAX_ENTRY_SIZE || mtime > MAX_MTIME || !isCanonicalEntryName(fullName)) {
    throw new ImageError('IMAGE_HEADER_NONCANONICAL', `tar header of "${fullName}" at byte ${offset} is not in canonical form`, {
      details: { ...details, field: size === undefined ? 'size' : mtime === undefined ? 'mtime' : 'name' },
    });
  }
  const canonical = encodeCanonicalHeader(fullName, size, mtime);
  for (let i = 0; i < TAR_BLOCK; i++) {
    if (block[i] !== canonical[i]) {
      const field = fieldAt(i);
      throw new ImageError('IMAGE_HEADER_NONCANONICAL', `tar header of "${fullName}" at byte ${offset}: field ${field} is not canonical`, {
        details: { ...details, field, byte: offset + i },
      });
    }
  }
  return { name: fullName, size, mtime };
}
