import { createSha256, isFwkitError } from '@fwkit/device-core';
import { ImageError } from './errors.js';
import type { SkippableSource } from './source.js';
import { decodeHeader, END_MARKER_BYTES, isZeroBlock, paddingAfter, TAR_BLOCK } from './ustar.js';

/** One entry of the archive, as its (canonical) header describes it. */
export interface TarEntry {
  readonly name: string;
  readonly size: number;
  readonly mtime: number;
  /** Offset of the entry's header in the archive. */
  readonly headerOffset: number;
  /** Offset of the entry's first data byte. */
  readonly dataOffset: number;
}

const EMPTY = new Uint8Array(0);
/** Pieces in which unread entry data is skipped: bounded memory whatever the entry's size. */
const SKIP_PIECE = 64 * 1024;

type State = 'header' | 'data' | 'end' | 'failed';

export interface TarReaderOptions {
  /**
   * Keep a running SHA-256 of the whole archive for `sha256` (default false). Off on the device
   * path: every payload byte is already hashed once against its signed block digest, and a second
   * pass over each byte would cost as much again.
   */
  readonly digest?: boolean;
}

/**
 * A strict, pull-style reader of the canonical image tar. It asks its source for the next chunk
 * only when the bytes it holds cannot satisfy the current read, so a caller that stops (a bad
 * block) stops the reading too. `read` hands out copies: a source that reuses its buffers cannot
 * change bytes after they were verified; `readPieces` lends views for the length of a call (to
 * hash without copying). Every problem is an ImageError with its own code.
 *
 * Why not tar-stream's extract: it merges PAX/GNU extension headers into the next entry, accepts
 * a missing end marker and trailing bytes, and does not expose the raw header, so "canonical
 * form only" cannot be enforced through it.
 */
export class TarReader {
  readonly #source: AsyncIterable<Uint8Array> | SkippableSource;
  #iterator: AsyncIterator<Uint8Array> | undefined;
  #chunk: Uint8Array = EMPTY;
  #chunkOffset = 0;
  #sourceDone = false;
  #position = 0;
  readonly #hash: ReturnType<typeof createSha256> | undefined;
  #state: State = 'header';
  #entry: TarEntry | undefined;
  #remaining = 0;
  #digest: string | undefined;

  constructor(source: AsyncIterable<Uint8Array> | SkippableSource, options: TarReaderOptions = {}) {
    this.#source = source;
    this.#hash = options.digest === true ? createSha256() : undefined;
  }

  /** Bytes of the archive consumed so far. */
  get position(): number {
    return this.#position;
  }

  /** The entry whose data is being read, if any. */
  get entry(): TarEntry | undefined {
    return this.#state === 'data' ? this.#entry : undefined;
  }

  /** Unread data bytes of the current entry. */
  get remaining(): number {
    return this.#state === 'data' ? this.#remaining : 0;
  }

  /** SHA-256 (hex) of the whole archive; available once `next()` has returned null, if asked for with `digest`. */
  get sha256(): string {
    if (this.#hash === undefined) throw new Error('TarReader: the archive digest was not asked for (options.digest)');
    if (this.#digest === undefined) throw new Error('TarReader: the archive has not been read to its end');
    return this.#digest;
  }

  /**
   * The next entry's header, or null at the end marker (after checking that nothing follows it).
   * Unread data of the current entry is skipped (and hashed, with `digest`); its padding must be zero.
   */
  async next(): Promise<TarEntry | null> {
    if (this.#state === 'end') return null;
    if (this.#state === 'failed') throw new Error('TarReader: reading after an error');
    try {
      if (this.#state === 'data') await this.#finishEntry();
      return await this.#readHeader();
    } catch (error) {
      this.#state = 'failed';
      throw error;
    }
  }

  /** Up to `n` (≥ 1) bytes of the current entry's data, fewer only when the entry has fewer left. */
  async read(n: number): Promise<Uint8Array> {
    if (this.#state !== 'data') throw new Error('TarReader: no entry to read');
    const want = Math.min(n, this.#remaining);
    try {
      const bytes = await this.#take(want);
      if (bytes.byteLength < want) throw this.#truncated('data of');
      this.#remaining -= want;
      return bytes;
    } catch (error) {
      this.#state = 'failed';
      throw error;
    }
  }

  /**
   * Fills `target` (≥ 1 byte) from the current entry's data, fewer only when the entry has fewer
   * left; returns the filled part. A copy, like `read`, into memory the caller recycles (a fresh
   * buffer per megabyte costs more in page faults than the copy does).
   */
  async readInto(target: Uint8Array): Promise<Uint8Array> {
    let filled = 0;
    await this.readPieces(target.byteLength, (piece) => {
      target.set(piece, filled);
      filled += piece.byteLength;
    });
    return target.subarray(0, filled);
  }

  /**
   * Up to `n` (≥ 1) bytes of the current entry's data, fewer only when the entry has fewer left,
   * handed to `each` in pieces that are views of the source's chunks, not copies: valid only
   * during the call (a source may reuse its buffers once the next chunk is pulled). For hashing
   * without a copy per byte.
   */
  async readPieces(n: number, each: (piece: Uint8Array) => void): Promise<void> {
    if (this.#state !== 'data') throw new Error('TarReader: no entry to read');
    const want = Math.min(n, this.#remaining);
    try {
      let left = want;
      while (left > 0) {
        if (this.#chunkOffset >= this.#chunk.byteLength && !(await this.#pull())) throw this.#truncated('data of');
        const count = Math.min(left, this.#chunk.byteLength - this.#chunkOffset);
        const piece = this.#chunk.subarray(this.#chunkOffset, this.#chunkOffset + count);
        this.#chunkOffset += count;
        this.#position += count;
        this.#remaining -= count;
        left -= count;
        this.#hash?.update(piece);
        each(piece);
      }
    } catch (error) {
      this.#state = 'failed';
      throw error;
    }
  }

  /**
   * Passes over up to `n` (≥ 1) bytes of the current entry's data: those beyond the current chunk
   * unread where the source can skip them (`SkippableSource`) and no archive digest is kept, else
   * read and dropped. For data another thread checks.
   */
  async skip(n: number): Promise<void> {
    if (this.#state !== 'data') throw new Error('TarReader: no entry to read');
    const want = Math.min(n, this.#remaining);
    const held = Math.min(want, this.#chunk.byteLength - this.#chunkOffset);
    const source = this.#source;
    if (this.#hash !== undefined || !('skip' in source) || !source.skip(want - held)) {
      await this.readPieces(want, () => undefined);
      return;
    }
    this.#chunkOffset += held;
    this.#position += want;
    this.#remaining -= want;
  }

  /** The rest of the current entry's data in one buffer. Callers bound the entry's size first. */
  async readRest(): Promise<Uint8Array> {
    return this.read(this.#remaining);
  }

  /** Stop reading: releases the source (a file stream closes its descriptor). */
  async close(): Promise<void> {
    const iterator = this.#iterator;
    this.#iterator = undefined;
    if (this.#state !== 'end') this.#state = 'failed';
    if (iterator?.return === undefined || this.#sourceDone) return;
    try {
      await iterator.return();
    } catch (error) {
      // The outcome (a verified image or a coded error) is already decided; a source that fails
      // to release must not replace it. Report it as a warning instead of dropping it.
      process.emitWarning(`closing the image source failed: ${error instanceof Error ? error.message : String(error)}`);
    }
  }

  async #finishEntry(): Promise<void> {
    while (this.#remaining > 0) await this.read(Math.min(this.#remaining, SKIP_PIECE));
    const entry = this.#entry;
    const padding = entry === undefined ? 0 : paddingAfter(entry.size);
    const pad = await this.#take(padding);
    if (pad.byteLength < padding) throw this.#truncated('padding of');
    if (!isZeroBlock(pad)) {
      throw new ImageError('IMAGE_PADDING_NONZERO', `padding after "${entry?.name ?? ''}" is not zero`, {
        details: { entry: entry?.name ?? null, offset: this.#position - padding },
      });
    }
    this.#state = 'header';
    this.#entry = undefined;
  }

  async #readHeader(): Promise<TarEntry | null> {
    const headerOffset = this.#position;
    const block = await this.#take(TAR_BLOCK);
    if (block.byteLength === 0 && headerOffset > 0) {
      throw new ImageError('IMAGE_END_MARKER_MISSING', `archive ends at byte ${headerOffset} without an end-of-archive marker`, {
        details: { offset: headerOffset },
      });
    }
    if (block.byteLength < TAR_BLOCK) {
      throw new ImageError('IMAGE_TRUNCATED', `archive ends inside the header at byte ${headerOffset}`, {
        details: { offset: headerOffset, got: block.byteLength },
      });
    }
    if (isZeroBlock(block)) {
      await this.#readEnd(headerOffset);
      return null;
    }
    const header = decodeHeader(block, headerOffset);
    const entry: TarEntry = { ...header, headerOffset, dataOffset: headerOffset + TAR_BLOCK };
    this.#entry = entry;
    this.#remaining = entry.size;
    this.#state = 'data';
    return entry;
  }

  /** Endless data: the archive is two zero blocks and then nothing, not one byte. */
  async #readEnd(offset: number): Promise<void> {
    const second = await this.#take(TAR_BLOCK);
    if (second.byteLength < TAR_BLOCK || !isZeroBlock(second)) {
      throw new ImageError('IMAGE_END_MARKER_MISSING', `the zero block at byte ${offset} is not followed by a second one`, {
        details: { offset },
      });
    }
    if (await this.#hasMore()) {
      throw new ImageError('IMAGE_TRAILING_DATA', `bytes follow the end-of-archive marker at byte ${offset + END_MARKER_BYTES}`, {
        details: { offset: offset + END_MARKER_BYTES },
      });
    }
    this.#state = 'end';
    this.#digest = this.#hash?.digest('hex');
  }

  #truncated(what: string): ImageError {
    const name = this.#entry?.name ?? '';
    return new ImageError('IMAGE_TRUNCATED', `archive ends inside the ${what} "${name}" at byte ${this.#position}`, {
      details: { entry: name, offset: this.#position },
    });
  }

  /** Exactly `n` bytes (a copy), or fewer only if the source ends first. Pulls chunks only as needed. */
  async #take(n: number): Promise<Uint8Array> {
    if (n === 0) return EMPTY;
    const out = new Uint8Array(n);
    let filled = 0;
    while (filled < n) {
      if (this.#chunkOffset >= this.#chunk.byteLength && !(await this.#pull())) break;
      const count = Math.min(n - filled, this.#chunk.byteLength - this.#chunkOffset);
      out.set(this.#chunk.subarray(this.#chunkOffset, this.#chunkOffset + count), filled);
      this.#chunkOffset += count;
      filled += count;
    }
    const bytes = filled === n ? out : out.subarray(0, filled);
    this.#hash?.update(bytes);
    this.#position += filled;
    return bytes;
  }

  async #hasMore(): Promise<boolean> {
    return this.#chunkOffset < this.#chunk.byteLength || (await this.#pull());
  }

  /** The next non-empty chunk; false at the end of the source. Uncoded source failures become IMAGE_READ_FAILED. */
  async #pull(): Promise<boolean> {
    if (this.#sourceDone) return false;
    this.#iterator ??= this.#source[Symbol.asyncIterator]();
    for (;;) {
      let result: IteratorResult<Uint8Array>;
      try {
        result = await this.#iterator.next();
      } catch (cause) {
        this.#sourceDone = true;
        // A coded refusal of the source (openImageFile: INPUT_NOT_REGULAR, INPUT_UNREADABLE) keeps its code.
        if (isFwkitError(cause)) throw cause;
        throw new ImageError('IMAGE_READ_FAILED', `reading the image failed at byte ${this.#position}`, {
          cause,
          details: { offset: this.#position },
        });
      }
      if (result.done === true) {
        this.#sourceDone = true;
        this.#chunk = EMPTY;
        this.#chunkOffset = 0;
        return false;
      }
      const chunk: unknown = result.value;
      if (!(chunk instanceof Uint8Array)) {
        throw new ImageError('IMAGE_READ_FAILED', 'the image source yielded something that is not bytes', {
          details: { offset: this.#position },
        });
      }
      if (chunk.byteLength > 0) {
        this.#chunk = chunk;
        this.#chunkOffset = 0;
        return true;
      }
    }
  }
}
