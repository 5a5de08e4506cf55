// @fwkit/device-image: the layout, the strict reader and the document decoders.
// Nothing that writes images (release side; docs/decisions.md, device faces).
export { ImageError, type ImageErrorCode, type ImageReadErrorCode } from './errors.js';
export {
  ENTRY_MANIFEST,
  ENTRY_SIGNATURES,
  BLOCKS_PREFIX,
  PAYLOAD_PREFIX,
  blocksEntryName,
  payloadEntryName,
  SIGNATURES_PAYLOAD_TYPE,
  DEFAULT_BLOCK_SIZE,
  BLOCK_DIGEST_BYTES,
  MAX_MANIFEST_BYTES,
  MAX_SIGNATURES_BYTES,
  MAX_SIGNATURES,
  MAX_BLOCK_LISTS_BYTES,
  MAX_ENTRY_NAME_BYTES,
  MAX_ENTRY_SIZE,
  MAX_MTIME,
  expectedEntryNames,
  isLayoutName,
  entryPlaceError,
} from './layout.js';
export { decodeManifest, parseCanonicalJson, encodeManifest } from './manifest.js';
export { decodeSignatures, type ImageSignature, type SignaturesDocument, encodeSignatures } from './signatures.js';
export { TarReader, type TarEntry, type TarReaderOptions } from './reader.js';
export { openImageFile, ImageFileChunks, IMAGE_READ_CHUNK, type ImageFileOptions, type SkippableSource } from './source.js';
// Also used by the release side (@fwkit/release-image) and by tests.
export {
  TAR_BLOCK,
  END_MARKER_BYTES,
  FIELD as USTAR_FIELDS,
  encodeCanonicalHeader,
  paddingAfter,
  archivedEntryBytes,
  decodeHeader,
  headerChecksum,
  isCanonicalEntryName,
  isUnsafePath,
  type HeaderField,
  type RegularHeader,
} from './ustar.js';
