import { readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { beforeAll, describe, expect, it } from 'vitest';
import { canonicalJson, sha256Hex } from '@fwkit/device-core';
import { ledgerFromJSON } from '@fwkit/release-core';
import { encodeSignatures, SIGNATURES_PAYLOAD_TYPE } from '@fwkit/device-image';
import { encodeImage, inspectImage } from '@fwkit/release-image';
import { signEnvelope } from '@fwkit/release-signing';
import { copyCheckout, EPOCH, signers, trust, useTempDirs } from './fixture.test-support.js';
import {
  buildAll,
  candidateRelease,
  fieldDeviceProblems,
  ledgerImageOfBuild,
  ledgerImageOfPlan,
  loadWorkspace,
  planProductImages,
  prepareProductImages,
  signPreparedImage,
  BuildError,
  type BuildResult,
  type PlannedImage,
} from './index.js';

const tempDir = useTempDirs();

async function checkout(): Promise<string> {
  return copyCheckout(await tempDir('fwkit-plan-'));
}

describe('planProductImages', () => {
  let root: string;
  let planned: PlannedImage[];
  let built: BuildResult[];
  beforeAll(async () => {
    root = await checkout();
    planned = await planProductImages({ repoRoot: root, sourceDateEpoch: EPOCH });
    built = await buildAll({ repoRoot: root, outDir: await tempDir('fwkit-plan-out-'), sourceDateEpoch: EPOCH, keys: { signers, trust } });
  });

  it('gives, without keys, the manifest a build signs: same requires, sizes and digests', async () => {
    expect(planned.map((p) => p.model)).toEqual(['cam-one', 'cam-two']);
    for (const [i, plan] of planned.entries()) {
      const result = built[i];
      if (result === undefined) throw new Error(`no build of ${plan.model}`);
      const { manifest } = await inspectImage(Readable.from([await readFile(result.imagePath)]) as AsyncIterable<Uint8Array>);
      expect(canonicalJson(plan.manifest)).toEqual(canonicalJson(manifest));
      expect(plan.manifestSha256).toBe(result.manifestSha256);
      // Two signatures still fit the one tar block an empty signature list takes.
      expect(plan.unsignedImageBytes).toBe(result.imageBytes);
    }
  });

  it('prepares only the models asked for (none is none, not all)', async () => {
    expect(await planProductImages({ repoRoot: root, sourceDateEpoch: EPOCH, products: [] })).toEqual([]);
    const one = await planProductImages({ repoRoot: root, sourceDateEpoch: EPOCH, products: ['cam-two'] });
    expect(one.map((p) => p.model)).toEqual(['cam-two']);
  });

  it('does not refuse an image that a device in the field cannot take: that is the matrix’s report to make', async () => {
    const broken = await checkout();
    const path = join(broken, 'products', 'cam-two', 'product.json');
    const product = JSON.parse(await readFile(path, 'utf8')) as { hardware: { flashPartitionBytes: number }[] };
    for (const hw of product.hardware) hw.flashPartitionBytes = 4096;
    await writeFile(path, JSON.stringify(product));
    const [prepared] = await prepareProductImages({ repoRoot: broken, sourceDateEpoch: EPOCH, products: ['cam-two'] });
    if (prepared === undefined) throw new Error('cam-two was not prepared');
    expect(fieldDeviceProblems(prepared.manifest, prepared.product).flatMap((p) => p.reasons.map((r) => r.code))).toContain(
      'FLASH_INSUFFICIENT',
    );
    // Signing it still runs the build's field-device check, and writes nothing.
    const out = await tempDir('fwkit-plan-refused-');
    const error = await signPreparedImage(prepared, { outDir: out, signers, trust }).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(BuildError);
    expect((error as BuildError).code).toBe('BUILD_DEVICE_INCOMPATIBLE');
    expect(await readdir(out)).toEqual([]);
  });

  it('turns build results and plans into the candidate ledger release that the ledger schema accepts', async () => {
    const workspace = await loadWorkspace(root);
    const fromBuild = candidateRelease({
      workspace,
      sourceDateEpoch: EPOCH,
      date: '2025-06-15',
      images: [...built].reverse().map(ledgerImageOfBuild),
    });
    expect(fromBuild).toMatchObject({
      firmware: '2.0.0',
      platform: '1.4.0',
      security: 5,
      date: '2025-06-15',
      sourceDateEpoch: EPOCH,
      upgradeFrom: '>=1.0.0',
      installerFormats: [1],
      steppingStone: false,
    });
    expect(fromBuild.images.map((i) => i.model)).toEqual(['cam-one', 'cam-two']);
    expect(fromBuild.images[1]).toEqual({
      model: 'cam-two',
      hardwareRevisions: ['A', 'B'],
      manifestSha256: built[1]?.manifestSha256,
      fileSha256: built[1]?.fileSha256,
      bytes: built[1]?.imageBytes,
      formatVersion: 1,
      requires: built[1]?.requires,
      sbomSha256: built[1]?.sbomSha256,
      signedBy: built[1]?.signedBy,
    });
    const audit = {
      sourceCommit: null,
      fwkit: '0.1.0',
      node: 'v20.0.0',
      signingKeyids: signers.map((s) => s.keyid).sort(),
      demo: false,
      allowDirty: true,
      dirtyFiles: [],
    };
    const ledger = ledgerFromJSON({ schemaVersion: 2, releases: [{ ...fromBuild, audit }], support: [] });
    expect(ledger.releases).toHaveLength(1);
    const fromPlan = candidateRelease({ workspace, sourceDateEpoch: EPOCH, date: '2025-06-15', images: planned.map(ledgerImageOfPlan) });
    expect(fromPlan.images.map((i) => i.requires)).toEqual(fromBuild.images.map((i) => i.requires));
    // The identity is known before anything is signed: the plan's manifest digest is the image's.
    expect(fromPlan.images.map((i) => i.manifestSha256)).toEqual(fromBuild.images.map((i) => i.manifestSha256));
    expect(fromPlan.images.every((i) => i.fileSha256 === undefined)).toBe(true);
  });
});

describe('signPreparedImage', () => {
  it('streams each image to disk byte-identical to the in-memory encoding, with the digest of the bytes written', async () => {
    const root = await checkout();
    const prepared = await prepareProductImages({ repoRoot: root, sourceDateEpoch: EPOCH });
    expect(prepared.map((p) => p.manifest.model)).toEqual(['cam-one', 'cam-two']);
    const out = await tempDir('fwkit-plan-stream-');
    for (const image of prepared) {
      const result = await signPreparedImage(image, { outDir: out, signers, trust });
      // Ed25519 signatures are deterministic: signing again gives the signatures.json the build wrote.
      const signatures = await signEnvelope(SIGNATURES_PAYLOAD_TYPE, image.manifestBytes, signers);
      const expected = await encodeImage({
        manifestBytes: image.manifestBytes,
        signaturesBytes: encodeSignatures(signatures),
        blockLists: image.blockLists,
        payloads: image.payloads,
        sourceDateEpoch: image.manifest.sourceDateEpoch,
      });
      const written = await readFile(result.imagePath);
      expect(Buffer.compare(written, expected)).toBe(0);
      expect(result.imageBytes).toBe(expected.byteLength);
      expect(result.fileSha256).toBe(sha256Hex(expected));
      expect(result.verifiedFor[0]).toBe('any-device');
    }
  });
});
