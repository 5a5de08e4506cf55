import type { createHash as CreateHash } from 'node:crypto';
import type { readSync as ReadSync } from 'node:fs';
import type { MessagePort } from 'node:worker_threads';

/** Where a payload's data lies in the image file, and the number of its first block among all payloads' blocks. */
export interface PayloadSpan {
  readonly dataOffset: number;
  readonly size: number;
  readonly firstBlock: number;
}

/** What the verifier's thread hands the worker once the block lists are verified. */
export interface TailJob {
  /** The verifier's own descriptor of the image file (threads share descriptors). */
  readonly fd: number;
  readonly blockSize: number;
  readonly spans: readonly PayloadSpan[];
  /** One byte per block, shared: 0 while unclaimed, then who hashes it (`mark` for the worker). */
  readonly claims: Uint8Array;
  readonly mark: number;
  /** `digestBytes` per block, shared: where the worker leaves each digest. */
  readonly digests: Uint8Array;
  readonly digestBytes: number;
}

/** What the worker reports when it stops: nothing, or the one block whose read failed (the lowest it claimed). */
export interface TailReport {
  readonly failure?: { readonly block: number; readonly message: string };
}

/**
 * The worker's whole program. It runs as source text in a thread of its own (the device bundle is
 * one file, so the worker cannot import anything): what it uses comes in as arguments, and it
 * refers to nothing outside itself. It claims blocks from the last one down and stops at the
 * first block the verifier's thread claimed first, so the two meet wherever their speeds make them
 * meet. It reads each block itself, by position, from the verifier's descriptor (no bytes cross
 * threads), and leaves the digest in shared memory; the verifier compares it against the signed
 * list. A read that fails stops it and is reported for that block.
 */
export function hashBlocksFromTheEnd(port: MessagePort, readSync: typeof ReadSync, createHash: typeof CreateHash): void {
  port.once('message', ({ fd, blockSize, spans, claims, mark, digests, digestBytes }: TailJob) => {
    const buffer = new Uint8Array(blockSize);
    let report: TailReport = {};
    let span = spans.length - 1;
    for (let block = claims.length - 1; block >= 0 && Atomics.compareExchange(claims, block, 0, mark) === 0; block -= 1) {
      while ((spans[span]?.firstBlock ?? 0) > block) span -= 1;
      const { dataOffset, size, firstBlock } = spans[span] ?? { dataOffset: 0, size: 0, firstBlock: 0 };
      const start = (block - firstBlock) * blockSize;
      const length = Math.min(blockSize, size - start);
      try {
        let read = 0;
        for (let n = 1; read < length && n > 0; read += n) n = readSync(fd, buffer, read, length - read, dataOffset + start + read);
        digests.set(createHash('sha256').update(buffer.subarray(0, read)).digest(), block * digestBytes);
      } catch (error) {
        report = { failure: { block, message: error instanceof Error ? error.message : String(error) } };
        break;
      }
    }
    port.postMessage(report);
  });
}
