import { deflate } from 'node:zlib';
import type { Frame } from './acquisition.js';

export interface CompressedFrame {
  readonly index: number;
  readonly timestampUs: number;
  readonly width: number;
  readonly height: number;
  /** zlib (RFC 1950) stream: what HTTP calls `Content-Encoding: deflate`. */
  readonly data: Buffer;
}

export interface CompressionStats {
  readonly frames: number;
  readonly rawBytes: number;
  readonly compressedBytes: number;
  /** rawBytes / compressedBytes over every frame so far (0 before the first). */
  readonly ratio: number;
  readonly errors: number;
}

/**
 * Compresses frames with zlib on the thread pool. At most `maxInFlight` frames wait for the
 * encoder; a frame arriving beyond that is refused (and counted by the caller as dropped), as a
 * hardware encoder with a full input queue would.
 */
export class Compressor {
  private inFlight = 0;
  private waiters: Array<() => void> = [];
  private stats: CompressionStats = { frames: 0, rawBytes: 0, compressedBytes: 0, ratio: 0, errors: 0 };
  private last: CompressedFrame | undefined;

  constructor(
    private readonly maxInFlight = 2,
    private readonly level = 1,
  ) {}

  get snapshot(): CompressionStats {
    return this.stats;
  }

  /** The most recently compressed frame. */
  get latest(): CompressedFrame | undefined {
    return this.last;
  }

  /** Starts compressing `frame`; false when the encoder queue is full and the frame is dropped. */
  submit(frame: Frame): boolean {
    if (this.inFlight >= this.maxInFlight) return false;
    this.inFlight += 1;
    deflate(frame.data, { level: this.level }, (error, data) => {
      this.inFlight -= 1;
      if (error === null) {
        const rawBytes = this.stats.rawBytes + frame.data.byteLength;
        const compressedBytes = this.stats.compressedBytes + data.byteLength;
        this.stats = { ...this.stats, frames: this.stats.frames + 1, rawBytes, compressedBytes, ratio: rawBytes / compressedBytes };
        if (this.last === undefined || frame.index > this.last.index) {
          this.last = { index: frame.index, timestampUs: frame.timestampUs, width: frame.width, height: frame.height, data };
        }
      } else {
        this.stats = { ...this.stats, errors: this.stats.errors + 1 };
      }
      if (this.inFlight === 0) for (const wake of this.waiters.splice(0)) wake();
    });
    return true;
  }

  /** Resolves once no frame is being compressed (for an orderly shutdown). */
  idle(): Promise<void> {
    return this.inFlight === 0 ? Promise.resolve() : new Promise((resolve) => this.waiters.push(resolve));
  }
}
