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
export { blockHashList, describePayloads, isValidBlockSize, BlockHasher, type PayloadInput, type BlockList } from './blocks.js';
export { decodeManifest, encodeManifest, parseCanonicalJson } from './manifest.js';
export { decodeSignatures, encodeSignatures, type ImageSignature, type SignaturesDocument } from './signatures.js';
export {
  TAR_BLOCK,
  END_MARKER_BYTES,
  FIELD as USTAR_FIELDS,
  encodeCanonicalHeader,
  decodeHeader,
  headerChecksum,
  isCanonicalEntryName,
  isUnsafePath,
  type HeaderField,
  type RegularHeader,
} from './ustar.js';
export { TarReader, type TarEntry, type TarReaderOptions } from './reader.js';
export { encodeImage, writeImageFile, type ImageContents, type PayloadBytes, type PayloadStream } from './writer.js';
export { inspectImage, inspectImageFile, type InspectedImage, type ImageEntryInfo } from './inspect.js';
export { openImageFile, IMAGE_READ_CHUNK } from './source.js';
