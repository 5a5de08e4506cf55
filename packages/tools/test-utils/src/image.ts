import { canonicalJson, sha256, type DeviceIdentity, type ImageManifest } from '@fwkit/device-core';
import { DEFAULT_BLOCK_SIZE, encodeSignatures, SIGNATURES_PAYLOAD_TYPE } from '@fwkit/device-image';
import { describePayloads, encodeImage, type BlockList, type PayloadInput } from '@fwkit/release-image';
import { type SignatureRecord } from '@fwkit/device-trust';
import { signEnvelope, type Signer } from '@fwkit/release-signing';
import { testKeys } from './keys.js';

/** Deterministic pseudo-random bytes (SHA-256 in counter mode over `seed`): big payloads without fixtures. */
export function syntheticBytes(size: number, seed = 'fwkit'): Uint8Array {
  const out = new Uint8Array(size);
  const prefix = new TextEncoder().encode(`${seed}:`);
  for (let offset = 0, counter = 0; offset < size; offset += 32, counter += 1) {
    const input = new Uint8Array(prefix.byteLength + 4);
    input.set(prefix);
    new DataView(input.buffer).setUint32(prefix.byteLength, counter);
    out.set(sha256(input).subarray(0, Math.min(32, size - offset)), offset);
  }
  return out;
}

export const TEST_MODEL = 'test-cam';
export const TEST_SOURCE_DATE_EPOCH = 1_700_000_000;
export const SBOM_PATH = 'sbom.cdx.json';

const DEFAULT_GRANTS = { user: 'app', listen: [], read: [], write: [], ipc: [] };

export interface MakeImageOptions {
  readonly model?: string;
  readonly hardwareRevisions?: readonly string[];
  readonly firmware?: string;
  readonly security?: number;
  readonly sourceDateEpoch?: number;
  readonly blockSize?: number;
  /** Payloads (any order); an SBOM payload `sbom.cdx.json` (domain `meta`) is added if missing. Default: one small `app/main.js`. */
  readonly payloads?: readonly PayloadInput[];
  /** Extra or replaced keys of `requires` (flashBytes is computed). */
  readonly requires?: Readonly<Record<string, unknown>>;
  /** Default: testKeys.targets1. */
  readonly signers?: readonly Signer[];
  /** Change the manifest before it is signed (the change is signed; keep requires.flashBytes right yourself). */
  readonly mutateManifest?: (manifest: Record<string, unknown> & ImageManifestDraft) => void;
  /** Replace the manifest bytes before signing (e.g. a non-canonical encoding); the result is signed. */
  readonly transformManifestBytes?: (canonical: Uint8Array) => Uint8Array;
  /** Change the signature records after signing (encoded strictly: keep them well-formed). */
  readonly mutateSignatures?: (records: SignatureRecord[]) => SignatureRecord[];
  /** Replace signatures.json bytes entirely. */
  readonly signaturesBytes?: Uint8Array;
  /** Change block lists after the manifest was made from the true ones. */
  readonly mutateBlockLists?: (lists: BlockList[]) => BlockList[];
}

/** The manifest as a plain, mutable object. */
export type ImageManifestDraft = { -readonly [K in keyof ImageManifest]: ImageManifest[K] } & {
  payloads: { path: string; size: number; sha256: string; domain: string; blocksSha256: string }[];
  requires: Record<string, unknown> & { flashBytes: number };
};

export interface MadeImage {
  readonly bytes: Uint8Array;
  readonly manifest: ImageManifestDraft;
  readonly manifestBytes: Uint8Array;
  readonly signaturesBytes: Uint8Array;
  readonly signatures: readonly SignatureRecord[];
  /** Payloads sorted by path (the order of their entries). */
  readonly payloads: readonly PayloadInput[];
  readonly blockLists: readonly BlockList[];
}

/**
 * A valid, signed image of small synthetic payloads, written by the real writer and signed with
 * real Ed25519 test keys. Every option bends one thing, so a test can make exactly the image it needs.
 */
export async function makeImage(options: MakeImageOptions = {}): Promise<MadeImage> {
  const blockSize = options.blockSize ?? DEFAULT_BLOCK_SIZE;
  const given = options.payloads ?? [{ path: 'app/main.js', domain: 'app', bytes: new TextEncoder().encode('console.log("hello");\n') }];
  const sbom = given.find((p) => p.path === SBOM_PATH) ?? {
    path: SBOM_PATH,
    domain: 'meta',
    bytes: new TextEncoder().encode('{"bomFormat":"CycloneDX","specVersion":"1.6"}'),
  };
  const inputs = [...given.filter((p) => p.path !== SBOM_PATH), sbom];
  const { payloads, blockLists } = describePayloads(inputs, blockSize);
  const sorted = [...inputs].sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));

  const domains: Record<string, { entry: string; grants: typeof DEFAULT_GRANTS }> = {};
  for (const p of payloads)
    if (p.domain !== 'meta' && !(p.domain in domains)) domains[p.domain] = { entry: p.path, grants: DEFAULT_GRANTS };
  const sbomPayload = payloads.find((p) => p.path === SBOM_PATH);
  const manifest = {
    formatVersion: 1,
    model: options.model ?? TEST_MODEL,
    modelName: 'Test Camera',
    hardwareRevisions: [...(options.hardwareRevisions ?? ['A', 'B'])],
    versions: { firmware: options.firmware ?? '2.0.0', platform: '1.4.0', security: options.security ?? 3 },
    upgradeFrom: '>=1.0.0',
    sourceDateEpoch: options.sourceDateEpoch ?? TEST_SOURCE_DATE_EPOCH,
    requires: {
      interfaces: { 'sensor.mipi-csi2': '^1.0.0' },
      bootloader: '>=2.0.0',
      imageFormat: 1,
      ramBytes: 64 * 1024 * 1024,
      ...options.requires,
      flashBytes: payloads.reduce((n, p) => n + p.size, 0),
    },
    domains,
    blockSize,
    payloads: payloads.map((p) => ({ ...p })),
    sbom: { path: SBOM_PATH, sha256: sbomPayload?.sha256 ?? '', format: 'CycloneDX-1.6+json' as const },
  } as Record<string, unknown> & ImageManifestDraft;
  options.mutateManifest?.(manifest);

  const canonical = canonicalJson(manifest);
  const manifestBytes = options.transformManifestBytes?.(canonical) ?? canonical;
  const signed = await signEnvelope(SIGNATURES_PAYLOAD_TYPE, manifestBytes, options.signers ?? [testKeys.targets1.signer]);
  const signatures = options.mutateSignatures?.(signed) ?? signed;
  const signaturesBytes = options.signaturesBytes ?? encodeSignatures(signatures);
  const lists = options.mutateBlockLists?.(blockLists) ?? blockLists;
  const bytes = await encodeImage({
    manifestBytes,
    signaturesBytes,
    blockLists: lists,
    payloads: sorted.map((p) => ({ path: p.path, bytes: p.bytes })),
    sourceDateEpoch: manifest.sourceDateEpoch,
  });
  return { bytes, manifest, manifestBytes, signaturesBytes, signatures, payloads: sorted, blockLists: lists };
}

/** A device that `makeImage()`'s default image fits; override any field. */
export function makeDevice(overrides: Partial<DeviceIdentity> = {}): DeviceIdentity {
  return {
    schemaVersion: 1,
    model: TEST_MODEL,
    hardwareRevision: 'A',
    bootloader: { version: '2.1.0', imageFormats: [1] },
    provides: { interfaces: { 'sensor.mipi-csi2': '1.2.0' }, flashPartitionBytes: 64 * 1024 * 1024, ramBytes: 256 * 1024 * 1024 },
    installed: { firmware: '1.0.0', security: 1 },
    ...overrides,
  };
}
