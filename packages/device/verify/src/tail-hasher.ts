import type { FileHandle } from 'node:fs/promises';
import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import { blockCount } from '@fwkit/device-core';
import { BLOCK_DIGEST_BYTES, ImageFileChunks } from '@fwkit/device-image';
import { hashBlocksFromTheEnd, type PayloadSpan, type TailJob, type TailReport } from './tail-worker.js';

/**
 * Images smaller than this are verified on one thread: a worker takes ~25 ms to start, and below
 * ~32 MiB the verifier's own thread has hashed most blocks by then (measured: the two are even at
 * 32 MiB; docs/decisions.md, "verify on two cores").
 */
export const TAIL_HASHER_MIN_BYTES = 32 * 1024 * 1024;

/** Who hashes a block, in the shared claims: 0 nobody yet. */
const VERIFIER = 1;
const WORKER = 2;

// The worker's program (tail-worker.ts) with what it needs, as the source of an `eval` worker.
const WORKER_SOURCE = `const threads = require('node:worker_threads');
(${hashBlocksFromTheEnd.toString()})(threads.parentPort, require('node:fs').readSync, require('node:crypto').createHash);`;

/**
 * The second core on the verify path: a worker thread that hashes an image file's payload blocks
 * from its end while the verifier streams it from its start, each block hashed once, by one of
 * the two. Only for a file (the worker reads it by position) and only where nothing is written
 * from the blocks (an installer's sink gets each block from the one stream it verified).
 */
export class TailHasher {
  readonly #worker: Worker;
  readonly #fd: number;
  readonly #report: Promise<TailReport>;
  #claims: Uint8Array | undefined;
  #digests: Uint8Array | undefined;

  /** Starts the worker for the image file open as `fd` (before the verifier reads a byte, so it boots while the signatures are checked). */
  constructor(fd: number) {
    this.#fd = fd;
    this.#worker = new Worker(WORKER_SOURCE, { eval: true });
    this.#worker.unref();
    this.#report = new Promise<TailReport>((resolve, reject) => {
      this.#worker.once('message', resolve);
      this.#worker.once('error', reject);
      this.#worker.once('exit', (code) => {
        reject(new Error(`the hashing thread stopped (exit ${code})`));
      });
    });
    // Looked at only when the worker owns a block the verifier needs; never an unhandled rejection.
    this.#report.catch(() => undefined);
  }

  /** Hand the worker the payloads' blocks (their spans are fixed by the signed manifest); call once. */
  begin(blockSize: number, spans: readonly PayloadSpan[]): void {
    const last = spans.at(-1);
    const blocks = last === undefined ? 0 : last.firstBlock + blockCount(last.size, blockSize);
    const claims = new Uint8Array(new SharedArrayBuffer(blocks));
    const digests = new Uint8Array(new SharedArrayBuffer(blocks * BLOCK_DIGEST_BYTES));
    this.#claims = claims;
    this.#digests = digests;
    const job: TailJob = { fd: this.#fd, blockSize, spans, claims, mark: WORKER, digests, digestBytes: BLOCK_DIGEST_BYTES };
    this.#worker.postMessage(job);
  }

  /** For the verifier's thread: true when it hashes `block` itself, false when the worker has it. */
  claim(block: number): boolean {
    return this.#claims === undefined || Atomics.compareExchange(this.#claims, block, 0, VERIFIER) === 0;
  }

  /**
   * The digest the worker left for `block` (one it claimed), once the worker is done. Rejects when
   * the worker failed to read that block or stopped without reporting.
   */
  async digest(block: number): Promise<Uint8Array> {
    const { failure } = await this.#report;
    if (failure?.block === block) throw new Error(failure.message);
    const digests = this.#digests ?? new Uint8Array(0);
    return digests.subarray(block * BLOCK_DIGEST_BYTES, (block + 1) * BLOCK_DIGEST_BYTES);
  }

  /** Resolves once the worker stopped claiming blocks and reported, or failed (tests use it to hold the verifier's thread back). */
  async settled(): Promise<void> {
    await this.#report.catch(() => undefined);
  }

  /** Stop the worker (if it still runs) and wait until it no longer uses the descriptor. */
  async close(): Promise<void> {
    await this.#worker.terminate();
  }
}

/**
 * How to read an open image file of `size` bytes: with a worker when the file is large, the
 * machine has a second core and nothing is written from the blocks (no `sink`), and then on the
 * verifier's own thread (a read running ahead on libuv's pool would be a third busy thread for two
 * cores); otherwise one thread, its reads running ahead on the pool. Which one changes the speed,
 * never the verdict.
 */
export function readingPlan(
  handle: FileHandle,
  size: number,
  { sink }: { readonly sink?: unknown },
): { readonly source: ImageFileChunks; readonly tail: TailHasher | undefined } {
  const tail = sink === undefined && size >= TAIL_HASHER_MIN_BYTES && availableParallelism() > 1 ? new TailHasher(handle.fd) : undefined;
  return { source: new ImageFileChunks(handle, size, { inTurn: tail !== undefined }), tail };
}
