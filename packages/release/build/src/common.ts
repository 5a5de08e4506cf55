import { fileURLToPath } from 'node:url';
import { INPUT_LIMITS, readJsonInputFile, throwIfInterrupted, type ImageManifest, type ImageRequires } from '@fwkit/device-core';
import { MAX_MTIME } from '@fwkit/device-image';
import type { BundledPackage } from '@fwkit/release-sbom';
import { BuildError } from './errors.js';

// What the stages of a build share: the key-less prepare stage (prepare.ts), signing (sign.ts) and
// the build of several products through the cache (build.ts).

/** What `memo` holds for `key` (a build's checkout or workspace), made by `make` the first time it is asked for. */
export function onePer<K extends object, V>(memo: WeakMap<K, V>, key: K, make: () => V): V {
  let value = memo.get(key);
  if (value === undefined) memo.set(key, (value = make()));
  return value;
}

/** Reports progress: one call per product and step (for a CLI's stderr). */
export type ProgressListener = (model: string, step: string) => void;

/** Progress that first checks for an interruption: every step boundary is a place to stop. */
export function stoppableProgress(onProgress: ProgressListener | undefined, signal: AbortSignal | undefined): ProgressListener {
  return (model, step) => {
    throwIfInterrupted(signal);
    onProgress?.(model, step);
  };
}

/** What one build produced, for a CLI to print (`--json` prints it as is: it holds no secrets). */
export interface BuildResult {
  readonly model: string;
  readonly modelName: string;
  readonly firmware: string;
  readonly platform: string;
  readonly security: number;
  /** Installed firmware versions that may upgrade to this image directly (release.json). */
  readonly upgradeFrom: string;
  readonly sourceDateEpoch: number;
  /** Hardware revisions the image is for, and its format version: what a ledger records. */
  readonly hardwareRevisions: readonly string[];
  readonly formatVersion: number;
  readonly imagePath: string;
  readonly sbomPath: string;
  readonly imageBytes: number;
  /** SHA-256 of the image file written: one copy of the image, not its identity (signatures.json may vary). */
  readonly fileSha256: string;
  /** The image's identity: SHA-256 of manifest.json, what the signatures cover. */
  readonly manifestSha256: string;
  /** SHA-256 of the SBOM inside the image (the one the manifest signs; the copy beside it adds the image identity). */
  readonly sbomSha256: string;
  readonly sbomSerialNumber: string;
  readonly payloads: readonly { readonly path: string; readonly domain: string; readonly size: number; readonly sha256: string }[];
  readonly requires: ImageRequires;
  /** keyids that signed the manifest. */
  readonly signedBy: readonly string[];
  /** npm packages bundled into the image (also in the SBOM). */
  readonly packages: readonly Pick<BundledPackage, 'name' | 'version' | 'purl' | 'license'>[];
  /** The written image passed @fwkit/device-verify for `any-device` and every field device. */
  readonly verified: boolean;
  /** What it was verified for: `any-device`, then `rev <R> / bootloader <V>` per field device. */
  readonly verifiedFor: readonly string[];
}

/** Where a build's files are and what they are: known once they are written (or restored from the cache). */
export interface WrittenImage {
  readonly imagePath: string;
  readonly sbomPath: string;
  readonly imageBytes: number;
  readonly fileSha256: string;
  readonly manifestSha256: string;
}

/** What the manifest does not say: the SBOM's serial number and packages, the signers, the devices verified for. */
export type BuildFacts = Pick<BuildResult, 'sbomSerialNumber' | 'signedBy' | 'packages' | 'verifiedFor'>;

/** A build's result, every field the manifest holds taken from it: one shape for a fresh and a cached build. */
export function resultOf(manifest: ImageManifest, written: WrittenImage, facts: BuildFacts): BuildResult {
  return Object.freeze({
    model: manifest.model,
    modelName: manifest.modelName,
    firmware: manifest.versions.firmware,
    platform: manifest.versions.platform,
    security: manifest.versions.security,
    upgradeFrom: manifest.upgradeFrom,
    sourceDateEpoch: manifest.sourceDateEpoch,
    hardwareRevisions: manifest.hardwareRevisions,
    formatVersion: manifest.formatVersion,
    imagePath: written.imagePath,
    sbomPath: written.sbomPath,
    imageBytes: written.imageBytes,
    fileSha256: written.fileSha256,
    manifestSha256: written.manifestSha256,
    sbomSha256: manifest.sbom.sha256,
    sbomSerialNumber: facts.sbomSerialNumber,
    payloads: manifest.payloads.map((p) => ({ path: p.path, domain: p.domain, size: p.size, sha256: p.sha256 })),
    requires: manifest.requires,
    signedBy: facts.signedBy,
    packages: facts.packages,
    verified: true,
    verifiedFor: facts.verifiedFor,
  });
}

export function checkEpoch(epoch: number): void {
  if (!Number.isSafeInteger(epoch) || epoch < 0 || epoch > MAX_MTIME) {
    throw new BuildError(
      'BUILD_EPOCH_INVALID',
      `SOURCE_DATE_EPOCH must be a whole number of seconds from 0 to ${MAX_MTIME}, got ${String(epoch)}`,
      {
        details: { sourceDateEpoch: String(epoch), max: MAX_MTIME },
      },
    );
  }
}

export async function fwkitVersion(): Promise<string> {
  const pkg = await readJsonInputFile(
    fileURLToPath(new URL('../package.json', import.meta.url)),
    'fwkit package.json',
    INPUT_LIMITS.packageJson,
  );
  const version = typeof pkg === 'object' && pkg !== null ? (pkg as { version?: unknown }).version : undefined;
  return typeof version === 'string' ? version : '0.0.0';
}
