import { FwkitError } from '@fwkit/device-core';

/**
 * Codes for an image that is not in the one canonical form fwkit writes. The reader raises them
 * on attacker bytes; tests and the CLI match on the code, never on the message.
 */
export type ImageReadErrorCode =
  // --- tar structure (strict ustar reader) ---
  /** The first block is no tar header at all (bad checksum and no `ustar` magic): a text file, another format. */
  | 'IMAGE_NOT_FWKIT'
  /** A header's checksum field does not match the sum of its bytes (or is not octal). */
  | 'IMAGE_HEADER_CHECKSUM'
  /** A header is a regular file but not byte-identical to the header fwkit writes for its name, size and mtime. */
  | 'IMAGE_HEADER_NONCANONICAL'
  /** A hard link ('1') or symbolic link ('2'): could redirect a write outside the slot. */
  | 'IMAGE_ENTRY_LINK'
  /** A character device ('3'), block device ('4') or FIFO ('6'). */
  | 'IMAGE_ENTRY_DEVICE'
  /** Any other entry type that is not a regular file: directory ('5'), contiguous file ('7'), sparse, vendor types. */
  | 'IMAGE_ENTRY_TYPE'
  /** A PAX extended ('x') or global ('g') header: would silently change the next entry's name or size. */
  | 'IMAGE_PAX_HEADER'
  /** A GNU long name ('L') or long link name ('K') header. */
  | 'IMAGE_GNU_LONGNAME'
  /** An absolute name, a backslash, or an empty, '.' or '..' segment (path traversal, names that are not normalized). */
  | 'IMAGE_PATH_UNSAFE'
  /** The padding after an entry's data is not all zero bytes (a hidden channel). */
  | 'IMAGE_PADDING_NONZERO'
  /** The archive ends without the two zero blocks that mark its end. */
  | 'IMAGE_END_MARKER_MISSING'
  /** The archive ends inside a header, an entry's data or its padding. */
  | 'IMAGE_TRUNCATED'
  /** Bytes follow the end-of-archive marker (endless data). */
  | 'IMAGE_TRAILING_DATA'
  /** The byte source itself failed (I/O error): no statement about the image. */
  | 'IMAGE_READ_FAILED'
  /** An entry that is read whole (manifest, signatures, a block list) is larger than its limit (endless data). */
  | 'IMAGE_ENTRY_TOO_LARGE'
  // --- image layout ---
  /** An entry whose name is not part of this image's layout. */
  | 'IMAGE_ENTRY_UNEXPECTED'
  /** An entry whose name was already seen. */
  | 'IMAGE_ENTRY_DUPLICATE'
  /** An entry of the layout, but not the one that must come next. */
  | 'IMAGE_ENTRY_ORDER'
  /** The archive ends before every entry of the layout was seen. */
  | 'IMAGE_ENTRY_MISSING'
  // --- documents ---
  /** manifest.json parses but is not byte-identical to its canonical JSON. */
  | 'MANIFEST_NONCANONICAL'
  /** manifest.json is not UTF-8 JSON, breaks the schema, or breaks a cross-field rule (`details.issues`). */
  | 'MANIFEST_INVALID'
  /** manifest.json declares a formatVersion this reader does not implement. */
  | 'IMAGE_FORMAT_UNSUPPORTED'
  /** signatures.json is not canonical JSON of exactly the expected shape. */
  | 'SIGNATURES_INVALID';

export type ImageErrorCode =
  | ImageReadErrorCode
  /** The writer was given inputs that cannot make a canonical image (a programming error in the caller). */
  | 'IMAGE_ENCODE_INVALID';

export class ImageError extends FwkitError<ImageErrorCode> {
  override readonly name: string = 'ImageError';
}
