import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { type ImageManifest } from '@fwkit/device-core';
import { fieldDevicesOf, productManifestFromJSON } from '@fwkit/release-core';
import { makeDevice, makeImage, makeRootJson, syntheticBytes, testKeys, type MadeImage } from '@fwkit/test-utils';
import { REPO_ROOT } from './paths.js';

/**
 * Valid inputs to start fuzzing from: the repository's own documents (example root.json,
 * product.json, platform.json, release.json, the ledger) and images made by the real writer and
 * signed with the test keys (small payloads and 4 KiB blocks, so an execution is cheap).
 */

const encoder = new TextEncoder();
export const json = (value: unknown, indent?: number): Uint8Array => encoder.encode(JSON.stringify(value, null, indent));

export function repoFile(path: string): Promise<Uint8Array> {
  return readFile(join(REPO_ROOT, path));
}

export async function productFiles(): Promise<Uint8Array[]> {
  const models = (await readdir(join(REPO_ROOT, 'products'))).sort();
  return Promise.all(models.map((m) => repoFile(`products/${m}/product.json`)));
}

let images: Promise<MadeImage[]> | undefined;

/** Three images: one payload; several payloads over several blocks, two signers; other requirements. */
export function seedImages(): Promise<MadeImage[]> {
  images ??= Promise.all([
    makeImage({ blockSize: 4096 }),
    makeImage({
      blockSize: 4096,
      payloads: [
        { path: 'app/main.js', domain: 'app', bytes: encoder.encode('import "./lib.js";\n') },
        { path: 'app/lib.js', domain: 'app', bytes: encoder.encode('export const x = 1;\n') },
        { path: 'data/blob.bin', domain: 'app', bytes: syntheticBytes(2 * 4096 + 100, 'seed') },
      ],
      signers: [testKeys.targets1.signer, testKeys.targets2.signer],
    }),
    makeImage({ blockSize: 4096, requires: { bootloader: '>=2.1.0 <3.0.0', interfaces: {} }, firmware: '2.1.0-rc.1' }),
  ]);
  return images;
}

export async function rootSeeds(): Promise<Uint8Array[]> {
  return [
    await repoFile('keys.example/root.json'),
    json(makeRootJson({ targetsKeys: [testKeys.targets1, testKeys.targets2], targetsThreshold: 2 }), 2),
  ];
}

export async function deviceSeeds(): Promise<Uint8Array[]> {
  const devices: unknown[] = [makeDevice(), { ...makeDevice(), installed: undefined }];
  for (const bytes of await productFiles()) {
    devices.push(...fieldDevicesOf(productManifestFromJSON(JSON.parse(new TextDecoder().decode(bytes)))).slice(0, 2));
  }
  return devices.map((d) => json(d, 2));
}

/** A ledger with history: two releases of the seed images' requirements and support records. */
export async function ledgerSeeds(): Promise<Uint8Array[]> {
  const [image] = await seedImages();
  const requires = (image?.manifest.requires ?? {}) as ImageManifest['requires'];
  const imageRecord = (sha: string) => ({
    model: 'test-cam',
    hardwareRevisions: ['A', 'B'],
    sha256: sha.repeat(64),
    bytes: 20480,
    formatVersion: 1,
    requires,
  });
  const release = (firmware: string, date: string, sha: string) => ({
    firmware,
    platform: '1.4.0',
    security: 3,
    date,
    sourceDateEpoch: Date.parse(`${date}T00:00:00Z`) / 1000,
    upgradeFrom: '>=1.0.0',
    installerFormats: [1],
    steppingStone: false,
    images: [imageRecord(sha)],
  });
  const ledger = {
    $schema: '../schemas/ledger.schema.json',
    schemaVersion: 1,
    releases: [release('1.0.0', '2026-01-10', 'a'), release('1.1.0', '2026-03-01', 'b')],
    support: [
      { model: 'test-cam', lastDay: '2030-12-31', published: '2026-01-10', kind: 'published' },
      { model: 'old-cam', lastDay: '2026-06-30', published: '2026-03-01', kind: 'ended-early', reason: 'sensor end of life' },
    ],
  };
  return [await repoFile('releases/ledger.json'), json(ledger, 2)];
}

export async function releaseSeeds(): Promise<Uint8Array[]> {
  return [
    await repoFile('release.json'),
    json({ schemaVersion: 1, firmware: '2.0.0-rc.1', security: 4, upgradeFrom: '>=1.2.0 <2.0.0 || 1.1.5', steppingStone: true }),
  ];
}

export const ipcSeeds = (): Uint8Array[] =>
  [
    { v: 1, type: 'protocol.listening', body: { host: '127.0.0.1', port: 8080 } },
    { v: 1, type: 'snapshot.request', body: { requestId: 7 } },
    { v: 1, type: 'ptz.command', body: { action: 'move', requestId: 1, pan: 10.5, tilt: -3, zoom: 2 } },
    { v: 1, type: 'ptz.command', body: { action: 'preset', requestId: 2, preset: 3 } },
    { v: 1, type: 'ptz.result', body: { outcome: 'failed', requestId: 2, error: 'PTZ_FAILED', message: 'stuck' } },
    { v: 1, type: 'supervisor.shutdown', body: { reason: 'SIGTERM' } },
  ].map((m) => json(m));
