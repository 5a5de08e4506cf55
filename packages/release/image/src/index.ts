export { blockHashList, describePayloads, isValidBlockSize, BlockHasher, type PayloadInput, type BlockList } from './blocks.js';
export { encodeImage, writeImageFile, type ImageContents, type PayloadBytes, type PayloadStream } from './writer.js';
export { inspectImage, inspectImageFile, type InspectedImage, type ImageEntryInfo } from './inspect.js';
