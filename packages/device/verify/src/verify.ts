import {
  blockCount,
  bytesEqual,
  compileImage,
  createSha256,
  imageFactsOf,
  openInputFile,
  unknownRequirements,
  sha256Hex,
  type DeviceIdentity,
  type ImageManifest,
  type Reason,
} from '@fwkit/device-core';
import {
  BLOCK_DIGEST_BYTES,
  blocksEntryName,
  decodeManifest,
  decodeSignatures,
  ENTRY_MANIFEST,
  ENTRY_SIGNATURES,
  entryPlaceError,
  expectedEntryNames,
  ImageError,
  MAX_BLOCK_LISTS_BYTES,
  MAX_MANIFEST_BYTES,
  MAX_SIGNATURES_BYTES,
  archivedEntryBytes,
  payloadEntryName,
  TAR_BLOCK,
  SIGNATURES_PAYLOAD_TYPE,
  TarReader,
  type TarEntry,
} from '@fwkit/device-image';
import { checkThreshold, isExampleKeyId, pae, type TrustRoot } from '@fwkit/device-trust';
import { VerifyError } from './errors.js';
import { readingPlan, type TailHasher } from './tail-hasher.js';
import type { PayloadSpan } from './tail-worker.js';

/** The signed documents of an image, once every check before its payloads passed. */
export interface VerifiedDocuments {
  readonly manifest: ImageManifest;
  /** The exact manifest.json bytes the signatures cover. */
  readonly manifestBytes: Uint8Array;
  readonly signaturesBytes: Uint8Array;
  /** Each payload's block-hash list (already checked against the manifest's blocksSha256), by payload path. */
  readonly blockLists: ReadonlyMap<string, Uint8Array>;
}

/** Receives each payload block only AFTER it verified against the signed block list. */
export interface BlockSink {
  /**
   * Called once, after the signatures, the device rules and the block lists passed and before the
   * first block: where an installer marks its target invalid and stores what boot re-verifies.
   */
  start?(documents: VerifiedDocuments): Promise<void>;
  /**
   * One verified block. `bytes` is lent: valid until the returned promise settles, then reused for
   * the next block; a sink that keeps bytes longer copies them.
   */
  block(path: string, offset: number, bytes: Uint8Array): Promise<void>;
  /**
   * Where the next block (`size` bytes at `offset` of `path`) is to be read: a buffer of the sink's
   * own, so that a sink that writes blocks out saves a copy. The verifier reads the block into it,
   * hashes it there, and passes it to `block` only when it matches; a sink never takes what
   * `block` did not give it. Undefined: the verifier's own buffer.
   */
  bufferFor?(path: string, offset: number, size: number): Uint8Array | undefined;
}

export interface VerifyOptions {
  /** The device's trust anchor; images must be signed by a threshold of its `targets` keys. */
  readonly trust: TrustRoot;
  /**
   * The devices the image is for (at least one; each gets its own report), or 'any-device' to skip
   * the device rules (unknown requirements still refuse).
   */
  readonly devices: readonly DeviceIdentity[] | 'any-device';
  /** The caller's clock: the trust root must not have expired at `now`. */
  readonly now: Date;
  /** Where verified blocks go (the A/B installer writes the inactive slot through this). */
  readonly sink?: BlockSink;
  /**
   * Device policy: accept an older firmware version at the SAME security version (the
   * FIRMWARE_DOWNGRADE reason is dropped only then; a lower security version is always refused).
   * Default false.
   */
  readonly allowDowngrade?: boolean;
  /**
   * Also compute the SHA-256 of the whole file (`fileSha256`), default false. It is a second pass
   * of the hash over every byte and no check depends on it; only callers that record or print it
   * ask for it.
   */
  readonly fileDigest?: boolean;
}

/** One device's verdict on the image: ok, or every reason it must not install it. */
export interface DeviceReport {
  readonly device: DeviceIdentity;
  readonly ok: boolean;
  readonly reasons: readonly Reason[];
}

export interface VerifiedImage {
  readonly manifest: ImageManifest;
  /** One report per device asked about, in the order given (all ok: a verified image fits every one); empty for 'any-device'. */
  readonly devices: readonly DeviceReport[];
  /**
   * The image's identity: SHA-256 of the exact manifest.json bytes the signatures cover. Two
   * files with the same manifest are the same image, whatever their signatures.json holds.
   */
  readonly manifestSha256: string;
  /** keyids of the distinct targets keys whose signatures verified, sorted. */
  readonly signers: readonly string[];
  /** True when a signer is one of the published EXAMPLE keys (never acceptable in production). */
  readonly exampleKeys: boolean;
  readonly imageBytes: number;
  /**
   * SHA-256 of this copy of the image file, only when `fileDigest` asked for it. Not its identity:
   * signatures.json may vary (key rotation).
   */
  readonly fileSha256?: string;
}

function fail(code: VerifyError['code'], message: string, details: Record<string, unknown>): VerifyError {
  return new VerifyError(code, message, { details });
}

/** Reads entries and insists each is exactly the next one of the layout (mix-and-match, smuggled entries). */
class LayoutWalker {
  readonly #reader: TarReader;
  readonly #seen = new Set<string>();
  #expected: readonly string[] = [ENTRY_MANIFEST, ENTRY_SIGNATURES];
  #complete = false;
  #position = 0;
  #mtime: number | undefined;

  constructor(reader: TarReader) {
    this.#reader = reader;
  }

  /** Once the manifest is known: the full layout and the mtime every header must carry. */
  expect(manifest: ImageManifest): void {
    this.#expected = expectedEntryNames(manifest);
    this.#complete = true;
    this.#mtime = manifest.sourceDateEpoch;
  }

  /** Canonical form: every header's mtime is the manifest's sourceDateEpoch (the image is a function of what was signed). */
  checkMtime(entry: TarEntry): void {
    if (this.#mtime !== undefined && entry.mtime !== this.#mtime) {
      throw fail(
        'IMAGE_HEADER_NONCANONICAL',
        `tar header of "${entry.name}" has mtime ${entry.mtime}, not sourceDateEpoch ${this.#mtime}`,
        {
          entry: entry.name,
          field: 'mtime',
          mtime: entry.mtime,
          sourceDateEpoch: this.#mtime,
        },
      );
    }
  }

  async next(name: string): Promise<TarEntry> {
    const entry = await this.#reader.next();
    if (entry === null) {
      throw fail('IMAGE_ENTRY_MISSING', `the image ends before entry "${name}"`, { entry: name, position: this.#position });
    }
    const misplaced = entryPlaceError(entry.name, this.#position, this.#expected, this.#seen, this.#complete);
    if (misplaced !== undefined) throw misplaced;
    this.#seen.add(entry.name);
    this.#position += 1;
    this.checkMtime(entry);
    return entry;
  }

  /** Nothing after the last payload but the end marker (and nothing after that). */
  async end(): Promise<void> {
    const entry = await this.#reader.next();
    if (entry === null) return;
    throw (
      entryPlaceError(entry.name, this.#position, this.#expected, this.#seen, this.#complete) ??
      fail('IMAGE_ENTRY_UNEXPECTED', `entry "${entry.name}" follows the last payload`, { entry: entry.name })
    );
  }
}

async function readBounded(reader: TarReader, entry: TarEntry, limit: number): Promise<Uint8Array> {
  if (entry.size > limit) {
    throw fail('IMAGE_ENTRY_TOO_LARGE', `${entry.name} is ${entry.size} bytes; the limit is ${limit}`, {
      entry: entry.name,
      size: entry.size,
      limit,
    });
  }
  return reader.readRest();
}

/** What is refused before a byte of the image is read: a caller's mistake, and a trust root past its expiry. */
function refuseBeforeReading({ trust, devices, now }: VerifyOptions): void {
  // Only 'any-device' skips the device rules; an empty list is a caller's mistake, never a pass.
  if (devices !== 'any-device' && devices.length === 0)
    throw new TypeError("verifyImage: no device given (pass 'any-device' to skip the device rules)");
  // 0. Freeze: a trust root past its expiry may hide revoked keys.
  if (!(now.getTime() < trust.expires.getTime())) {
    throw fail('TRUST_ROOT_EXPIRED', `the trust root expired at ${trust.expires.toISOString()}`, {
      expires: trust.expires.toISOString(),
      now: now.toISOString(),
    });
  }
}

/**
 * Verify an image as it streams, in the order of the format's spec; each step names the threat it
 * stops. Nothing reaches the sink before the manifest is authenticated, the device rules pass and
 * the block holding it matches its signed digest. Pure apart from the source and the sink: no
 * clock, no file system, no network.
 */
export async function verifyImage(source: AsyncIterable<Uint8Array>, options: VerifyOptions): Promise<VerifiedImage> {
  refuseBeforeReading(options);
  return verifyStream(source, options, undefined);
}

/**
 * Verify an image file, read in 1 MiB chunks and closed as soon as verification stops. Without a
 * sink, a large file's blocks are hashed on two cores: a worker takes them from the end
 * (TailHasher).
 */
export async function verifyImageFile(path: string, options: VerifyOptions): Promise<VerifiedImage> {
  refuseBeforeReading(options);
  const handle = await openInputFile(path, 'image');
  let tail: TailHasher | undefined;
  try {
    const plan = readingPlan(handle, (await handle.stat()).size, options);
    tail = plan.tail;
    return await verifyStream(plan.source, options, tail);
  } finally {
    // The worker reads by the descriptor: it stops before the file closes.
    await tail?.close();
    await handle.close();
  }
}

/**
 * The verification itself, once the caller's inputs passed `refuseBeforeReading`; `tail` hashes
 * blocks of the same file from its end. Exported for tests, not from the package.
 */
export async function verifyStream(
  source: AsyncIterable<Uint8Array>,
  options: VerifyOptions,
  tail: TailHasher | undefined,
): Promise<VerifiedImage> {
  const { trust, devices, sink, fileDigest = false, allowDowngrade = false } = options;
  const reader = new TarReader(source, { digest: fileDigest });
  try {
    const walker = new LayoutWalker(reader);

    // 1. manifest.json. Endless data: its size is bounded before it is read. One byte form:
    //    canonical JSON only (MANIFEST_NONCANONICAL), a known format (IMAGE_FORMAT_UNSUPPORTED),
    //    then the schema (MANIFEST_INVALID). Nothing in it is trusted until step 3.
    const manifestEntry = await walker.next(ENTRY_MANIFEST);
    const manifestBytes = await readBounded(reader, manifestEntry, MAX_MANIFEST_BYTES);
    const manifest = decodeManifest(manifestBytes);
    walker.expect(manifest);
    walker.checkMtime(manifestEntry);

    // 2. signatures.json. Endless data: bounded; strict shape (SIGNATURES_INVALID).
    const signaturesEntry = await walker.next(ENTRY_SIGNATURES);
    const signaturesBytes = await readBounded(reader, signaturesEntry, MAX_SIGNATURES_BYTES);
    const signatures = decodeSignatures(signaturesBytes);

    // 3. Arbitrary software, threshold: a threshold of DISTINCT targets keys signed
    //    PAE(payloadType, manifest bytes). From here on the manifest is trusted.
    const result = checkThreshold(pae(SIGNATURES_PAYLOAD_TYPE, manifestBytes), signatures.signatures, trust.role('targets'));
    if (!result.ok) {
      const { validKeys, threshold, signedBy, trusted } = result;
      throw fail(result.code, `manifest signatures: ${result.message}`, { validKeys, threshold, signedBy, trusted });
    }

    // 4. Wrong model, mix-and-match of hardware, rollback, unmet requirements: the device rules,
    //    once per device. 'any-device' skips them, but a requirement nobody understands is refused
    //    regardless. One device that does not fit fails the image before a payload byte is read.
    const reports = deviceReports(manifest, devices, allowDowngrade);
    for (const report of reports) {
      const [reason] = report.reasons;
      if (reason !== undefined) throw deviceError(report, reason, reports);
    }
    // With devices this adds nothing (REQUIREMENT_UNKNOWN is a device reason); for 'any-device' it
    // is the one rule that still applies.
    const unknown = unknownRequirements(manifest);
    const first = unknown.at(0);
    if (first !== undefined) {
      throw new VerifyError(first.code, unknown.map((r) => r.message).join('; '), { reasons: unknown, details: { reasons: unknown } });
    }

    // 5. Block lists. Endless data: their total is bounded by the signed manifest; each is exactly
    //    32 bytes per block (checked before it is read) and hashes to its signed blocksSha256.
    const { blockSize } = manifest;
    const listBytes = manifest.payloads.reduce((sum, p) => sum + blockCount(p.size, blockSize) * BLOCK_DIGEST_BYTES, 0);
    if (listBytes > MAX_BLOCK_LISTS_BYTES) {
      throw fail('IMAGE_ENTRY_TOO_LARGE', `the block lists total ${listBytes} bytes; the limit is ${MAX_BLOCK_LISTS_BYTES}`, {
        size: listBytes,
        limit: MAX_BLOCK_LISTS_BYTES,
      });
    }
    const lists = new Map<string, Uint8Array>();
    // Where the first payload's header starts: after the last list (the layout has no room for anything else in between).
    let payloadsStart = 0;
    for (const payload of manifest.payloads) {
      const name = blocksEntryName(payload.path);
      const entry = await walker.next(name);
      const size = blockCount(payload.size, blockSize) * BLOCK_DIGEST_BYTES;
      if (entry.size !== size) {
        throw fail('BLOCK_LIST_SIZE_MISMATCH', `${name} is ${entry.size} bytes; ${size} expected`, {
          entry: name,
          size: entry.size,
          expected: size,
        });
      }
      const list = await reader.readRest();
      if (sha256Hex(list) !== payload.blocksSha256) {
        throw fail('BLOCK_LIST_HASH_MISMATCH', `${name} does not match the manifest's blocksSha256`, { entry: name });
      }
      lists.set(payload.path, list);
      payloadsStart = entry.headerOffset + archivedEntryBytes(entry.size);
    }
    await sink?.start?.({ manifest, manifestBytes, signaturesBytes, blockLists: lists });
    // The payloads' places in the file follow from their signed sizes (if the layout checks below
    // pass, they are where the worker reads).
    const spans = payloadSpans(manifest, payloadsStart);
    tail?.begin(blockSize, spans);

    // One buffer for the blocks a sink is lent, at most 16 MiB (the schema's largest blockSize)
    // and never more than the largest payload.
    let sinkBuffer: Uint8Array | undefined;
    const sinkBufferSize = Math.min(blockSize, Math.max(1, ...manifest.payloads.map((p) => p.size)));

    // 6. Payloads, streamed block by block. Arbitrary software: each block is checked against its
    //    signed digest before the next byte is read and before the sink sees it. The blocks cover
    //    every byte of the payload (its size is signed too), so the manifest's per-payload sha256
    //    adds no check here and is not recomputed: each byte is hashed once. Memory: one block.
    //    A block the worker took (no sink, a large file) is passed over and checked against the
    //    digest the worker left once the worker is done, in file order and before any later
    //    verdict (step 7, or an error further on): the first defect in the file decides, whichever
    //    thread met it.
    const passedToTail: Array<() => Promise<void>> = [];
    const checkPassedToTail = async (): Promise<void> => {
      for (const check of passedToTail.splice(0)) await check();
    };
    try {
      for (const [position, payload] of manifest.payloads.entries()) {
        const name = payloadEntryName(payload.path);
        const entry = await walker.next(name);
        if (entry.size !== payload.size) {
          throw fail('PAYLOAD_SIZE_MISMATCH', `${name} is ${entry.size} bytes; the manifest says ${payload.size}`, {
            entry: name,
            size: entry.size,
            expected: payload.size,
          });
        }
        const list = lists.get(payload.path) ?? new Uint8Array(0);
        // The entry's size is the signed size (above): reading until it runs out reads exactly the
        // blocks the list covers, the last one short when the size is not a multiple of blockSize.
        for (let index = 0, offset = 0; reader.remaining > 0; index += 1, offset += blockSize) {
          const check = (digest: Uint8Array): void => {
            const expected = list.subarray(index * BLOCK_DIGEST_BYTES, (index + 1) * BLOCK_DIGEST_BYTES);
            if (!bytesEqual(digest, expected)) {
              throw fail('BLOCK_HASH_MISMATCH', `block ${index} of ${name} (byte ${offset}) does not match its signed digest`, {
                entry: name,
                block: index,
                offset,
              });
            }
          };
          const block = (spans[position]?.firstBlock ?? 0) + index;
          if (sink !== undefined) {
            // A sink gets a copy, in its own buffer or in one recycled buffer: what was hashed.
            const into = sink.bufferFor?.(payload.path, offset, Math.min(blockSize, reader.remaining));
            const bytes = await reader.readInto(into ?? (sinkBuffer ??= new Uint8Array(sinkBufferSize)));
            check(createSha256().update(bytes).digest());
            await sink.block(payload.path, offset, bytes);
          } else if (tail === undefined || tail.claim(block)) {
            // Without a sink the block is hashed from the reader's chunks as they stand (no copy).
            const hash = createSha256();
            await reader.readPieces(blockSize, (piece) => hash.update(piece));
            check(hash.digest());
          } else {
            await reader.skip(blockSize);
            passedToTail.push(async () => {
              check(await tailDigest(tail, block, name, index, offset));
            });
          }
        }
      }

      // 7. Smuggled entries and endless data: the end marker follows, then the end of the source.
      await walker.end();
    } catch (error) {
      await checkPassedToTail();
      throw error;
    }
    await checkPassedToTail();

    return Object.freeze({
      manifest,
      devices: reports,
      manifestSha256: sha256Hex(manifestBytes),
      signers: Object.freeze([...result.signers]),
      exampleKeys: result.signers.some((keyid) => isExampleKeyId(keyid)),
      imageBytes: reader.position,
      ...(fileDigest ? { fileSha256: reader.sha256 } : {}),
    });
  } catch (error) {
    if (error instanceof ImageError && error.code !== 'IMAGE_ENCODE_INVALID') {
      throw new VerifyError(error.code, error.message, {
        cause: error,
        ...(error.details === undefined ? {} : { details: { ...error.details } }),
      });
    }
    throw error;
  } finally {
    await reader.close();
  }
}

/** Every device's report on the manifest, in the given order (pure: the device rules of core). */
function deviceReports(
  manifest: ImageManifest,
  devices: readonly DeviceIdentity[] | 'any-device',
  allowDowngrade: boolean,
): readonly DeviceReport[] {
  if (devices === 'any-device') return Object.freeze([]);
  const rules = compileImage(imageFactsOf(manifest)); // once for every device
  return Object.freeze(
    devices.map((device) => {
      // The policy relaxes only the downgrade rule, and only at the installed security version.
      const sameSecurity = device.installed?.security === manifest.versions.security;
      const reasons = rules.check(device).filter((r) => !(allowDowngrade && sameSecurity && r.code === 'FIRMWARE_DOWNGRADE'));
      return Object.freeze({ device, ok: reasons.length === 0, reasons: Object.freeze(reasons) });
    }),
  );
}

/** How a device is named in messages and in the --json report. */
export function describeDevice(device: DeviceIdentity): {
  model: string;
  hardwareRevision: string;
  bootloader: string;
  installed: string | null;
} {
  return {
    model: device.model,
    hardwareRevision: device.hardwareRevision,
    bootloader: device.bootloader.version,
    installed: device.installed?.firmware ?? null,
  };
}

/**
 * The verdict when a device does not fit: the code is the first reason of the first such device
 * (in the order given), the message lists its reasons (naming the device when there are several),
 * and the error carries every device's report.
 */
function deviceError(misfit: DeviceReport, first: Reason, reports: readonly DeviceReport[]): VerifyError {
  // One reason stays one line; several get a line each (one long line of them was unreadable).
  const reasons =
    misfit.reasons.length === 1
      ? first.message
      : `${misfit.reasons.length} reasons:${misfit.reasons.map((r) => `\n  - ${r.code}: ${r.message}`).join('')}`;
  const { model, hardwareRevision, bootloader } = describeDevice(misfit.device);
  const message = reports.length === 1 ? reasons : `device ${model} rev ${hardwareRevision} with bootloader ${bootloader}: ${reasons}`;
  return new VerifyError(first.code, message, {
    reasons: misfit.reasons,
    devices: reports,
    details: {
      reasons: misfit.reasons,
      devices: reports.map((r) => ({ ...describeDevice(r.device), ok: r.ok, reasons: r.reasons.map((x) => x.code) })),
    },
  });
}

/** Where each payload's data starts in the file, given where the first payload's header does. */
function payloadSpans(manifest: ImageManifest, firstHeader: number): PayloadSpan[] {
  let header = firstHeader;
  let firstBlock = 0;
  return manifest.payloads.map(({ size }) => {
    const span = { dataOffset: header + TAR_BLOCK, size, firstBlock };
    header += archivedEntryBytes(size);
    firstBlock += blockCount(size, manifest.blockSize);
    return span;
  });
}

/** The worker's digest of a block; its failure to read it is this image's read failure, at that block. */
async function tailDigest(tail: TailHasher, block: number, name: string, index: number, offset: number): Promise<Uint8Array> {
  try {
    return await tail.digest(block);
  } catch (cause) {
    throw new VerifyError('IMAGE_READ_FAILED', `reading block ${index} of ${name} (byte ${offset}) failed`, {
      cause,
      details: { entry: name, block: index, offset },
    });
  }
}
