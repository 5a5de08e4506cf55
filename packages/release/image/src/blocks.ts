import { blockCount, createSha256, sha256, sha256Hex, type Payload } from '@fwkit/device-core';
import {
  ImageError,
  BLOCK_DIGEST_BYTES,
  blocksEntryName,
  DEFAULT_BLOCK_SIZE,
  MAX_ENTRY_SIZE,
  payloadEntryName,
  isCanonicalEntryName,
} from '@fwkit/device-image';

/** A payload to put into an image: its path, its security domain and its bytes. */
export interface PayloadInput {
  readonly path: string;
  readonly domain: string;
  readonly bytes: Uint8Array;
}

/** The `blocks/<path>` entry of one payload. */
export interface BlockList {
  readonly path: string;
  readonly bytes: Uint8Array;
}

export function isValidBlockSize(blockSize: number): boolean {
  return Number.isInteger(blockSize) && blockSize >= 4096 && blockSize <= 1 << 24 && (blockSize & (blockSize - 1)) === 0;
}

/** The concatenated SHA-256 digests of `bytes` cut into `blockSize` blocks (the last may be short). */
export function blockHashList(bytes: Uint8Array, blockSize: number): Uint8Array {
  if (!isValidBlockSize(blockSize))
    throw new ImageError('IMAGE_ENCODE_INVALID', `block size ${blockSize} is not a power of two from 4 KiB to 16 MiB`);
  const count = blockCount(bytes.byteLength, blockSize);
  const list = new Uint8Array(count * BLOCK_DIGEST_BYTES);
  for (let i = 0; i < count; i++) {
    list.set(sha256(bytes.subarray(i * blockSize, (i + 1) * blockSize)), i * BLOCK_DIGEST_BYTES);
  }
  return list;
}

/**
 * The manifest's `payloads` (sorted by path, byte order) and the matching block lists, for
 * payloads given as bytes. Pure: hashing only.
 */
export function describePayloads(
  inputs: readonly PayloadInput[],
  blockSize: number = DEFAULT_BLOCK_SIZE,
): { payloads: Payload[]; blockLists: BlockList[] } {
  const sorted = [...inputs].sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  const payloads: Payload[] = [];
  const blockLists: BlockList[] = [];
  for (const [i, input] of sorted.entries()) {
    if (i > 0 && sorted[i - 1]?.path === input.path) throw new ImageError('IMAGE_ENCODE_INVALID', `payload "${input.path}" is given twice`);
    if (!isCanonicalEntryName(payloadEntryName(input.path)) || !isCanonicalEntryName(blocksEntryName(input.path))) {
      throw new ImageError('IMAGE_ENCODE_INVALID', `payload path "${input.path}" does not fit a ustar name`);
    }
    if (input.bytes.byteLength > MAX_ENTRY_SIZE) throw new ImageError('IMAGE_ENCODE_INVALID', `payload "${input.path}" is 8 GiB or larger`);
    const list = blockHashList(input.bytes, blockSize);
    payloads.push({
      path: input.path,
      size: input.bytes.byteLength,
      sha256: sha256Hex(input.bytes),
      domain: input.domain,
      blocksSha256: sha256Hex(list),
    });
    blockLists.push({ path: input.path, bytes: list });
  }
  return { payloads, blockLists };
}

/**
 * Incremental block hashing for payloads too large to hold: feed bytes in any pieces, get the
 * payload's size, SHA-256 and block list at the end.
 */
export class BlockHasher {
  readonly #blockSize: number;
  readonly #whole = createSha256();
  #block = createSha256();
  #inBlock = 0;
  #size = 0;
  readonly #digests: Uint8Array[] = [];

  constructor(blockSize: number = DEFAULT_BLOCK_SIZE) {
    if (!isValidBlockSize(blockSize))
      throw new ImageError('IMAGE_ENCODE_INVALID', `block size ${blockSize} is not a power of two from 4 KiB to 16 MiB`);
    this.#blockSize = blockSize;
  }

  update(bytes: Uint8Array): this {
    this.#whole.update(bytes);
    let offset = 0;
    while (offset < bytes.byteLength) {
      const count = Math.min(this.#blockSize - this.#inBlock, bytes.byteLength - offset);
      this.#block.update(bytes.subarray(offset, offset + count));
      this.#inBlock += count;
      offset += count;
      if (this.#inBlock === this.#blockSize) this.#endBlock();
    }
    this.#size += bytes.byteLength;
    return this;
  }

  digest(): { size: number; sha256: string; blockList: Uint8Array; blocksSha256: string } {
    if (this.#inBlock > 0) this.#endBlock();
    const blockList = new Uint8Array(this.#digests.length * BLOCK_DIGEST_BYTES);
    this.#digests.forEach((d, i) => {
      blockList.set(d, i * BLOCK_DIGEST_BYTES);
    });
    return { size: this.#size, sha256: this.#whole.digest('hex'), blockList, blocksSha256: sha256Hex(blockList) };
  }

  #endBlock(): void {
    const d = this.#block.digest();
    this.#digests.push(new Uint8Array(d.buffer, d.byteOffset, d.byteLength));
    this.#block = createSha256();
    this.#inBlock = 0;
  }
}
