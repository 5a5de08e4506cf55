import { isFwkitError } from '@fwkit/device-core';
import { decodeManifest, decodeSignatures, encodeSignatures, isUnsafePath, SIGNATURES_PAYLOAD_TYPE, TarReader } from '@fwkit/device-image';
import { signEnvelope } from '@fwkit/release-signing';
import { chunked, makeDevice, makeTrustRoot, TEST_NOW, testKeys } from '@fwkit/test-utils';
import { verifyImage } from '@fwkit/device-verify';
import { under, type FuzzTarget } from '../engine/target.js';
import { joinTar, splitTar } from '../engine/tar-mutate.js';
import { distOf } from '../paths.js';
import { seedImages } from '../seeds.js';

/** The strict tar reader alone: every entry read to its end. A yielded name must be relative and normalized. */
export const tarTarget: FuzzTarget = {
  name: 'tar-reader',
  description: 'image tar: ustar headers, entry data, padding, end marker',
  covers: under(distOf('device/image'), distOf('release/image')),
  seeds: async () => (await seedImages()).map((i) => i.bytes),
  async run(input) {
    const reader = new TarReader(chunked(input, 4096));
    try {
      for (let entry = await reader.next(); entry !== null; entry = await reader.next()) {
        const name = entry.name;
        if (isUnsafePath(name) || name.split('/').some((s) => s === '' || s === '.') || name.includes('\0')) {
          throw new Error(`the reader yielded an unsafe entry name ${JSON.stringify(name)}`);
        }
        while (reader.remaining > 0) await reader.read(1024);
      }
    } finally {
      await reader.close();
    }
  },
  isExpected: isFwkitError,
  shape: 'tar',
};

export const manifestTarget: FuzzTarget = {
  name: 'manifest',
  description: 'manifest.json: canonical JSON, format version, schema, cross-field rules',
  covers: under(distOf('device/image'), distOf('release/image'), distOf('device/core'), distOf('release/core')),
  seeds: async () => (await seedImages()).map((i) => i.manifestBytes),
  run: decodeManifest,
  isExpected: isFwkitError,
  shape: 'json',
};

export const signaturesTarget: FuzzTarget = {
  name: 'signatures',
  description: 'signatures.json: canonical JSON of exactly the expected shape',
  covers: under(distOf('device/image'), distOf('release/image'), distOf('device/core'), distOf('release/core')),
  seeds: async () => (await seedImages()).map((i) => i.signaturesBytes),
  run: decodeSignatures,
  isExpected: isFwkitError,
  shape: 'json',
};

let trust: ReturnType<typeof makeTrustRoot>['trust'] | undefined;

const verifierFiles = under(
  distOf('device/verify'),
  distOf('device/image'),
  distOf('release/image'),
  distOf('device/trust'),
  distOf('release/signing'),
  distOf('device/core'),
  distOf('release/core'),
);

function verify(bytes: Uint8Array): Promise<unknown> {
  trust ??= makeTrustRoot({ targetsKeys: [testKeys.targets1, testKeys.targets2], targetsThreshold: 1 }).trust;
  return verifyImage(chunked(bytes, 4096), { trust, devices: [makeDevice()], now: TEST_NOW });
}

/** The input with its first entry (the manifest, whatever it holds) signed by a trusted key in its second. */
async function resigned(input: Uint8Array): Promise<Uint8Array> {
  const { entries, trailer } = splitTar(input);
  const [manifest, signatures] = entries;
  if (manifest === undefined || signatures === undefined) return input;
  signatures.data = encodeSignatures(await signEnvelope(SIGNATURES_PAYLOAD_TYPE, manifest.data, [testKeys.targets1.signer]));
  return joinTar(entries, trailer, true, true);
}

/** The device-side verifier on an image byte stream: signatures, threshold, device rules, every block. */
export const verifyTarget: FuzzTarget = {
  name: 'verify-image',
  description: 'the whole verifier pipeline (verifyImage) on an image byte stream',
  covers: verifierFiles,
  seeds: async () => (await seedImages()).map((i) => i.bytes),
  run: verify,
  isExpected: isFwkitError,
  shape: 'tar',
};

/**
 * The verifier past the signature check: whatever manifest the input holds is signed by a
 * trusted key first, so mutated manifests reach the format, device, layout and block checks
 * (what a broken build or a stolen key would send).
 */
export const verifySignedTarget: FuzzTarget = {
  name: 'verify-signed',
  description: 'verifyImage on images whose (mutated) manifest is validly signed',
  covers: verifierFiles,
  seeds: async () => (await seedImages()).map((i) => i.bytes),
  run: async (input) => verify(await resigned(input)),
  isExpected: isFwkitError,
  shape: 'tar',
};
