import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import {
  compileImage,
  imageFactsOf,
  sha256Hex,
  throwIfInterrupted,
  type DeviceIdentity,
  type ImageManifest,
  type Reason,
} from '@fwkit/device-core';
import { fieldDevicesOf, writeFileAtomic, writeStagedFile, type ProductManifest } from '@fwkit/release-core';
import { encodeSignatures, SIGNATURES_PAYLOAD_TYPE } from '@fwkit/device-image';
import { writeImageFile } from '@fwkit/release-image';
import { sbomBesideImage } from '@fwkit/release-sbom/beside';
import { type TrustRoot } from '@fwkit/device-trust';
import { signEnvelope, type Signer } from '@fwkit/release-signing';
import { verifyImageFile, VerifyError } from '@fwkit/device-verify';
import { resultOf, stoppableProgress, type BuildResult, type ProgressListener } from './common.js';
import { BuildError } from './errors.js';
import type { PreparedImage } from './prepare.js';

// Steps 7-10 of a build: check the field devices, sign, write and verify a prepared image. Loaded
// only when a product is built afresh (build.ts), with the image writer and the SBOM validator.

export function deviceLabel(device: DeviceIdentity): string {
  return `rev ${device.hardwareRevision} / bootloader ${device.bootloader.version}`;
}

/**
 * Build-time device check: every hardware revision and bootloader of the model in the field must
 * be able to take the image, or the build fails. The security rule is left out: field devices
 * are described without an installed version, and rollback is the release gate's concern.
 */
export function fieldDeviceProblems(
  manifest: ImageManifest,
  product: ProductManifest,
): { device: string; hardwareRevision: string; bootloader: string; reasons: Reason[] }[] {
  // Compiled once, checked against every device in the field.
  const image = compileImage(imageFactsOf(manifest));
  return fieldDevicesOf(product).flatMap((device) => {
    const reasons = image.check(device).filter((r) => r.code !== 'SECURITY_VERSION_ROLLBACK');
    return reasons.length === 0
      ? []
      : [{ device: deviceLabel(device), hardwareRevision: device.hardwareRevision, bootloader: device.bootloader.version, reasons }];
  });
}

/**
 * Run the device verifier over the image (signatures, format, every block) and turn a failure into
 * BUILD_VERIFY_FAILED. The streamed checks do not depend on the device, and the device rules are the
 * same pure engine that `fieldDeviceProblems` has already run for every device in the field, so
 * one pass stands for all of them.
 */
async function selfVerify(label: string, run: () => Promise<unknown>): Promise<void> {
  try {
    await run();
  } catch (cause) {
    if (cause instanceof VerifyError) {
      throw new BuildError('BUILD_VERIFY_FAILED', `${label} fails verification: ${cause.code}: ${cause.message}`, {
        cause,
        details: { code: cause.code },
      });
    }
    throw cause;
  }
}

/** Where and how a prepared image is signed, verified and written. */
export interface SignOptions {
  readonly outDir: string;
  /**
   * `outDir` is a staging directory (`makeStagingDir`) that the caller publishes: the files are
   * written there in place and flushed. Default: each file is written atomically (temporary file,
   * rename).
   */
  readonly staging?: boolean;
  readonly signers: readonly Signer[];
  readonly trust: TrustRoot;
  readonly now?: Date;
  readonly onProgress?: ProgressListener;
  readonly signal?: AbortSignal;
}

/** Check the field devices, sign, stream the image to disk while hashing it, verify the file once: steps 7-10. */
export async function signPrepared(prepared: PreparedImage, options: SignOptions): Promise<BuildResult> {
  const { product, manifest, manifestBytes } = prepared;
  const model = manifest.model;
  const firmware = manifest.versions.firmware;
  const onProgress = stoppableProgress(options.onProgress, options.signal);
  const progress = (step: string) => {
    onProgress(model, step);
  };

  progress('check devices');
  const problems = fieldDeviceProblems(manifest, product);
  if (problems.length > 0) {
    const lines = problems.flatMap((p) => p.reasons.map((r) => `  - ${p.device}: ${r.code}: ${r.message}`));
    throw new BuildError(
      'BUILD_DEVICE_INCOMPATIBLE',
      `${model} ${firmware} cannot be installed on devices in the field:\n${lines.join('\n')}`,
      {
        details: { model, devices: problems },
      },
    );
  }

  progress('sign');
  const signatures = await signEnvelope(SIGNATURES_PAYLOAD_TYPE, manifestBytes, options.signers);

  // The SBOM beside the image also names the image's identity, which the copy inside cannot. Not
  // validated again: the copy inside was (prepare), and what is added keeps a valid BOM valid
  // (the sbom package's writer tests hold that on generated BOMs).
  const sbomBeside = sbomBesideImage(prepared.sbom.bytes, sha256Hex(manifestBytes));

  const devices = fieldDevicesOf(product);
  const now = options.now ?? new Date(manifest.sourceDateEpoch * 1000);
  const label = `${model}-${firmware}.fwimg`;
  const dir = join(options.outDir, model);
  const imagePath = join(dir, label);
  const sbomPath = join(dir, `${model}-${firmware}.cdx.json`);
  let written: { bytes: number; sha256: string };
  try {
    progress('write');
    // Each file appears whole or not at all (staged and published, or a temporary file renamed).
    // The image is streamed and hashed as it is written: the ledger's file digest is of the bytes
    // written, not a re-read.
    const staged = options.staging === true;
    await (staged ? writeStagedFile(sbomPath, (put) => put(sbomBeside)) : writeFileAtomic(sbomPath, sbomBeside));
    written = await writeImageFile(
      imagePath,
      {
        manifestBytes,
        signaturesBytes: encodeSignatures(signatures),
        blockLists: prepared.blockLists,
        payloads: prepared.payloads,
        sourceDateEpoch: manifest.sourceDateEpoch,
      },
      { staged },
    );
    // Verified once, from disk: what a device will read is the file. The callers write into a
    // staging directory, so an image that fails here never reaches the out dir.
    progress('verify');
    await selfVerify(label, () => verifyImageFile(imagePath, { trust: options.trust, devices: 'any-device', now }));
    throwIfInterrupted(options.signal);
  } catch (error) {
    // No image without its SBOM, and no image that fails its own verifier.
    await rm(imagePath, { force: true });
    await rm(sbomPath, { force: true });
    throw error;
  }

  return resultOf(
    manifest,
    { imagePath, sbomPath, imageBytes: written.bytes, fileSha256: written.sha256, manifestSha256: sha256Hex(manifestBytes) },
    {
      sbomSerialNumber: prepared.sbom.serialNumber,
      signedBy: signatures.map((s) => s.keyid),
      packages: prepared.sbom.packages.map((p) => ({ name: p.name, version: p.version, purl: p.purl, license: p.license })),
      verifiedFor: ['any-device', ...devices.map(deviceLabel)],
    },
  );
}
