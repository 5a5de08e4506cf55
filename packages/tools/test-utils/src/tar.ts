/**
 * Hand-made tar bytes for tests of the strict reader: raw ustar headers with any typeflag,
 * name, prefix or field value, PAX and GNU extension entries, and helpers to take a canonical
 * image apart and put it back together with one thing changed.
 */

export const TAR_BLOCK_SIZE = 512;
export const END_OF_ARCHIVE: Uint8Array = new Uint8Array(2 * TAR_BLOCK_SIZE);

export interface RawHeaderFields {
  readonly name?: string;
  /** Numbers are written as tar-stream does (zero-padded octal and a space); strings are written verbatim. */
  readonly mode?: number | string;
  readonly uid?: number | string;
  readonly gid?: number | string;
  readonly size?: number | string;
  readonly mtime?: number | string;
  /** One character: '0' file, '1' hard link, '2' symlink, '3' char device, '4' block device, '5' directory, '6' FIFO, 'x'/'g' PAX, 'L'/'K' GNU. */
  readonly typeflag?: string;
  readonly linkname?: string;
  /** Default "ustar\0"; GNU tar writes "ustar " with version " \0". */
  readonly magic?: string;
  readonly version?: string;
  readonly uname?: string;
  readonly gname?: string;
  readonly devmajor?: number | string;
  readonly devminor?: number | string;
  readonly prefix?: string;
  /** Default: the correct checksum. A number is written as six octal digits, a space and NUL. */
  readonly checksum?: number | string;
}

function put(block: Uint8Array, offset: number, text: string, length: number): void {
  if (text.length > length) throw new RangeError(`"${text}" does not fit a ${length}-byte field`);
  for (let i = 0; i < text.length; i++) block[offset + i] = text.charCodeAt(i) & 0xff;
}

function numeric(value: number | string, digits: number): string {
  return typeof value === 'string' ? value : value.toString(8).padStart(digits, '0') + ' ';
}

/** Sum of the header's bytes with the checksum field counted as spaces. */
export function tarChecksum(block: Uint8Array): number {
  let sum = 8 * 0x20;
  for (let i = 0; i < TAR_BLOCK_SIZE; i++) if (i < 148 || i >= 156) sum += block[i] ?? 0;
  return sum;
}

/** Rewrite a header's checksum field (in place) the way tar-stream does; returns the header. */
export function fixChecksum(block: Uint8Array): Uint8Array {
  block.fill(0, 148, 156);
  put(block, 148, numeric(tarChecksum(block), 6), 8);
  return block;
}

/**
 * A 512-byte ustar header. Defaults are those of the canonical header (regular file, mode 0644,
 * uid/gid 0, mtime 0, "ustar\0" "00"), so a test changes exactly the field it is about.
 */
export function rawHeader(fields: RawHeaderFields = {}): Uint8Array {
  const block = new Uint8Array(TAR_BLOCK_SIZE);
  put(block, 0, fields.name ?? 'file', 100);
  put(block, 100, numeric(fields.mode ?? 0o644, 6), 8);
  put(block, 108, numeric(fields.uid ?? 0, 6), 8);
  put(block, 116, numeric(fields.gid ?? 0, 6), 8);
  put(block, 124, numeric(fields.size ?? 0, 11), 12);
  put(block, 136, numeric(fields.mtime ?? 0, 11), 12);
  put(block, 156, fields.typeflag ?? '0', 1);
  put(block, 157, fields.linkname ?? '', 100);
  put(block, 257, fields.magic ?? 'ustar\0', 6);
  put(block, 263, fields.version ?? '00', 2);
  put(block, 265, fields.uname ?? '', 32);
  put(block, 297, fields.gname ?? '', 32);
  put(block, 329, numeric(fields.devmajor ?? 0, 6), 8);
  put(block, 337, numeric(fields.devminor ?? 0, 6), 8);
  put(block, 345, fields.prefix ?? '', 155);
  if (fields.checksum === undefined) return fixChecksum(block);
  put(block, 148, numeric(fields.checksum, 6), 8);
  return block;
}

export function toBytes(data: Uint8Array | string): Uint8Array {
  return typeof data === 'string' ? new TextEncoder().encode(data) : data;
}

export function concatBytes(...parts: readonly Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.byteLength, 0));
  let offset = 0;
  for (const part of parts) {
    out.set(part, offset);
    offset += part.byteLength;
  }
  return out;
}

/** Data followed by zero padding to a whole number of blocks. */
export function padded(data: Uint8Array): Uint8Array {
  const out = new Uint8Array(Math.ceil(data.byteLength / TAR_BLOCK_SIZE) * TAR_BLOCK_SIZE);
  out.set(data);
  return out;
}

/** Header (size = data length unless given) + data + padding. */
export function rawEntry(fields: RawHeaderFields, data: Uint8Array | string = new Uint8Array(0)): Uint8Array {
  const bytes = toBytes(data);
  return concatBytes(rawHeader({ size: bytes.byteLength, ...fields }), padded(bytes));
}

/** One PAX record: "<length> <key>=<value>\n", the length counting itself. */
export function paxRecord(key: string, value: string): string {
  const body = ` ${key}=${value}\n`;
  let length = body.length + 1;
  while (String(length).length + body.length !== length) length = String(length).length + body.length;
  return `${length}${body}`;
}

/** A PAX extended ('x', applies to the next entry) or global ('g') header entry. */
export function paxEntry(
  records: Readonly<Record<string, string>>,
  options: { global?: boolean; name?: string; mtime?: number } = {},
): Uint8Array {
  const body = Object.entries(records)
    .map(([k, v]) => paxRecord(k, v))
    .join('');
  const typeflag = options.global === true ? 'g' : 'x';
  return rawEntry(
    { name: options.name ?? (options.global === true ? 'pax_global_header' : 'PaxHeader'), typeflag, mtime: options.mtime ?? 0 },
    body,
  );
}

/** A GNU long name ('L') or long link name ('K') entry as GNU tar writes it. */
export function gnuLongNameEntry(longName: string, kind: 'L' | 'K' = 'L'): Uint8Array {
  return rawEntry({ name: '././@LongLink', typeflag: kind, magic: 'ustar ', version: ' \0' }, `${longName}\0`);
}

/** One entry of an archive taken apart: its header block and its data with padding. */
export interface RawTarEntry {
  readonly name: string;
  readonly size: number;
  readonly headerOffset: number;
  readonly dataOffset: number;
  /** Offset just after the entry's padding. */
  readonly end: number;
  readonly header: Uint8Array;
  /** Data and padding. */
  readonly body: Uint8Array;
}

/**
 * Take a (well-formed) archive apart into its entries, up to the first zero block. Lenient and
 * for tests only: it trusts the input (an image made by makeImage).
 */
export function tarEntries(archive: Uint8Array): RawTarEntry[] {
  const out: RawTarEntry[] = [];
  let offset = 0;
  while (offset + TAR_BLOCK_SIZE <= archive.byteLength) {
    const header = archive.slice(offset, offset + TAR_BLOCK_SIZE);
    if (header.every((b) => b === 0)) break;
    const nameEnd = header.indexOf(0);
    const name = new TextDecoder().decode(header.subarray(0, nameEnd === -1 || nameEnd > 100 ? 100 : nameEnd));
    const size = parseInt(new TextDecoder().decode(header.subarray(124, 135)), 8);
    const dataOffset = offset + TAR_BLOCK_SIZE;
    const end = dataOffset + Math.ceil(size / TAR_BLOCK_SIZE) * TAR_BLOCK_SIZE;
    out.push({ name, size, headerOffset: offset, dataOffset, end, header, body: archive.slice(dataOffset, end) });
    offset = end;
  }
  return out;
}

export function tarEntry(archive: Uint8Array, name: string): RawTarEntry {
  const entry = tarEntries(archive).find((e) => e.name === name);
  if (entry === undefined) throw new Error(`no entry "${name}" in the archive`);
  return entry;
}

/** Entries back to an archive: headers and bodies, then the end marker (unless `endMarker: false`) and `trailing` bytes. */
export function joinTar(
  entries: readonly (Pick<RawTarEntry, 'header' | 'body'> | Uint8Array)[],
  options: { endMarker?: boolean; trailing?: Uint8Array } = {},
): Uint8Array {
  const parts = entries.flatMap((e) => (e instanceof Uint8Array ? [e] : [e.header, e.body]));
  if (options.endMarker !== false) parts.push(END_OF_ARCHIVE);
  if (options.trailing !== undefined) parts.push(options.trailing);
  return concatBytes(...parts);
}

/** Rebuild an archive with its entry list edited (remove, duplicate, reorder, insert raw entries). */
export function editTar(
  archive: Uint8Array,
  edit: (entries: RawTarEntry[]) => (RawTarEntry | Uint8Array)[],
  options: { endMarker?: boolean; trailing?: Uint8Array } = {},
): Uint8Array {
  return joinTar(edit(tarEntries(archive)), options);
}

/** A copy of `bytes` with the byte at `offset` XOR `mask`. */
export function flipByte(bytes: Uint8Array, offset: number, mask = 0x01): Uint8Array {
  if (offset < 0 || offset >= bytes.byteLength) throw new RangeError(`offset ${offset} is outside 0..${bytes.byteLength - 1}`);
  const out = Uint8Array.from(bytes);
  out[offset] = (out[offset] ?? 0) ^ mask;
  return out;
}

/** The archive as an async source in chunks of `chunkSize` bytes (copies, like a file stream). */
export async function* chunked(bytes: Uint8Array, chunkSize = 64 * 1024): AsyncGenerator<Uint8Array> {
  for (let offset = 0; offset < bytes.byteLength; offset += chunkSize) {
    // Each chunk arrives on a later microtask, as from a real stream.
    yield await Promise.resolve(bytes.slice(offset, offset + chunkSize));
  }
}
