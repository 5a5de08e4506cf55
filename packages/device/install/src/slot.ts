import { type DeviceIdentity, type ImageManifest } from '@fwkit/device-core';
import {
  blocksEntryName,
  decodeManifest,
  encodeCanonicalHeader,
  END_MARKER_BYTES,
  ENTRY_MANIFEST,
  ENTRY_SIGNATURES,
  openImageFile,
  payloadEntryName,
  paddingAfter,
} from '@fwkit/device-image';
import type { TrustRoot } from '@fwkit/device-trust';
import { verifyImage, VerifyError, type VerifiedDocuments, type VerifiedImage } from '@fwkit/device-verify';
import { slotDir, type SlotName } from './record.js';
import { parentOf, removeTree, type DeviceStorage } from './storage.js';

/**
 * A slot holds what boot needs to re-verify it, at the image's own entry names:
 *   slots/<s>/manifest.json, signatures.json, blocks/<path>, payload/<path>
 * so the firmware runs from slots/<s>/payload and the slot re-verifies as the image it came from.
 */
export const slotFile = (slot: SlotName, entry: string): string => `${slotDir(slot)}/${entry}`;
export const payloadDirOf = (slot: SlotName): string => `${slotDir(slot)}/payload`;

/**
 * An image file read to be written into a slot: in 4 MiB reads, the size of the slot's writes
 * (storage.ts). Its reads share the thread pool with those writes; at 1 MiB each queued behind
 * them the verifier waited (1 GiB install: 1.10 → 1.04 s, docs/decisions.md).
 */
export function openImageForSlot(path: string): AsyncGenerator<Uint8Array, void, undefined> {
  return openImageFile(path, { chunkBytes: 4 * 1024 * 1024 });
}

function missing(slot: SlotName, entry: string): VerifyError {
  return new VerifyError('IMAGE_ENTRY_MISSING', `slot ${slot} has no ${entry}`, { details: { slot, entry } });
}

/**
 * The slot's files as the image stream they came from (canonical headers, mtime = the signed
 * sourceDateEpoch). Boot re-verifies a slot by running this through the same verifier that
 * install used: one implementation of every check, a rotted or mixed slot fails like a bad image.
 */
function* slotAsImage(storage: DeviceStorage, slot: SlotName): Generator<Uint8Array> {
  const manifestBytes = storage.read(slotFile(slot, ENTRY_MANIFEST));
  if (manifestBytes === undefined) throw missing(slot, ENTRY_MANIFEST);
  const manifest: ImageManifest = decodeManifest(manifestBytes);
  const names = [
    ENTRY_MANIFEST,
    ENTRY_SIGNATURES,
    ...manifest.payloads.map((p) => blocksEntryName(p.path)),
    ...manifest.payloads.map((p) => payloadEntryName(p.path)),
  ];
  for (const name of names) {
    const bytes = name === ENTRY_MANIFEST ? manifestBytes : storage.read(slotFile(slot, name));
    if (bytes === undefined) throw missing(slot, name);
    yield encodeCanonicalHeader(name, bytes.byteLength, manifest.sourceDateEpoch);
    yield bytes;
    // No padding is an empty chunk, which the reader skips.
    yield new Uint8Array(paddingAfter(bytes.byteLength));
  }
  yield new Uint8Array(END_MARKER_BYTES);
}

/** The identity without `installed`: what the device is, apart from what it runs (derived from the record). */
export function factoryIdentity(device: DeviceIdentity): DeviceIdentity {
  const copy: { -readonly [K in keyof DeviceIdentity]: DeviceIdentity[K] } = { ...device };
  delete copy.installed;
  return copy;
}

async function* asAsync<T>(items: Iterable<T>): AsyncGenerator<T> {
  for (const item of items) yield await Promise.resolve(item);
}

/** Re-verifies a slot: signatures with the device's root, its device rules, every block against its signed list. */
export function verifySlot(
  storage: DeviceStorage,
  slot: SlotName,
  trust: TrustRoot,
  device: DeviceIdentity,
  now: Date,
): Promise<VerifiedImage> {
  // The installed-firmware rules were install's; boot checks the security counter itself.
  return verifyImage(asAsync(slotAsImage(storage, slot)), { trust, devices: [factoryIdentity(device)], now });
}

/**
 * Writes the inactive slot (already marked invalid): `begin` replaces its content with the image's
 * documents and empty payload files, `block` writes a verified payload block, `sync` makes every
 * file and then every directory (deepest first) durable through the named fsync sites.
 */
export class SlotWriter {
  readonly #storage: DeviceStorage;
  readonly #files = new Set<string>();
  readonly #dirs = new Set<string>();

  constructor(
    storage: DeviceStorage,
    readonly slot: SlotName,
  ) {
    this.#storage = storage;
  }

  begin(docs: VerifiedDocuments): void {
    // The old content goes aside and away in the background (it is already marked invalid); one
    // left aside by a power cut is removed now.
    const dir = slotDir(this.slot);
    const aside = `${dir}.discarded`;
    if (this.#storage.isDir(aside)) removeTree(this.#storage, aside);
    const hadContent = this.#storage.isDir(dir);
    if (hadContent) this.#storage.rename(dir, aside);
    this.#put(ENTRY_MANIFEST, docs.manifestBytes);
    this.#put(ENTRY_SIGNATURES, docs.signaturesBytes);
    for (const payload of docs.manifest.payloads) {
      this.#put(blocksEntryName(payload.path), docs.blockLists.get(payload.path) ?? new Uint8Array(0));
      const entry = payloadEntryName(payload.path);
      if (!hadContent || !this.#takeOver(`${aside}/${entry}`, entry, payload.size)) this.#put(entry, new Uint8Array(0));
    }
    if (hadContent) this.#storage.discard(aside);
  }

  /**
   * Takes the old content's payload file of the same name, resized, to be overwritten block by
   * block: the disk rewrites blocks it has, as an A/B device rewrites its inactive partition,
   * instead of freeing a payload's worth and allocating it again (unlinking a 1 GiB file took
   * 0.56 s on the bench's disk). What it holds until its last block landed does not matter: the
   * slot is marked invalid, and a failed install removes it.
   */
  #takeOver(old: string, entry: string, size: number): boolean {
    const name = old.slice(parentOf(old).length + 1);
    if (!this.#storage.list(parentOf(old)).includes(name) || this.#storage.isDir(old)) return false;
    const file = slotFile(this.slot, entry);
    this.#mkdirs(parentOf(file));
    this.#storage.rename(old, file);
    this.#storage.truncate(file, size);
    this.#files.add(file);
    return true;
  }

  /** Where the storage would gather the block's bytes, if it lends buffers (`DeviceStorage.bufferFor`). */
  bufferFor(path: string, offset: number, size: number): Uint8Array | undefined {
    return this.#storage.bufferFor?.(slotFile(this.slot, payloadEntryName(path)), offset, size);
  }

  /** Settles when the storage takes the next block (the write may still be under way: `drain`). */
  block(path: string, offset: number, bytes: Uint8Array): Promise<void> {
    return this.#storage.writeAt(slotFile(this.slot, payloadEntryName(path)), offset, bytes);
  }

  /** Every payload write landed (or the first failure); before `sync`, and before the slot is removed after a failure. */
  drain(): Promise<void> {
    return this.#storage.drain();
  }

  sync(): void {
    for (const file of this.#files) this.#storage.fsync(file, 'slot.fsync');
    for (const dir of [...this.#dirs].sort().reverse()) this.#storage.fsyncDir(dir, 'slot.fsyncDir');
  }

  #mkdirs(path: string): void {
    const parent = parentOf(path);
    // The device directory ('', its own parent) always exists: the recursion ends there.
    if (!this.#storage.isDir(parent)) this.#mkdirs(parent);
    if (!this.#storage.isDir(path)) this.#storage.mkdir(path);
    this.#dirs.add(parent);
    this.#dirs.add(path);
  }

  #put(entry: string, bytes: Uint8Array): void {
    const file = slotFile(this.slot, entry);
    this.#mkdirs(parentOf(file));
    this.#storage.write(file, bytes);
    this.#files.add(file);
  }
}
