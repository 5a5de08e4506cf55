import { statSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { rejectedCode } from '@fwkit/test-utils';
import { trustRootFromJSON } from '@fwkit/device-trust';
import { verifyImage } from '@fwkit/device-verify';
import { describe, expect, it } from 'vitest';
import { identity, image, now, rootJson, stream } from './device.test-support.js';
import type { SlotName } from './record.js';
import { copySimState, SimStorage, type SimOp } from './sim-storage.js';
import { openImageForSlot, SlotWriter, slotFile, verifySlot } from './slot.js';
import { NodeStorage, type DeviceStorage } from './storage.js';

const trust = trustRootFromJSON(rootJson, now());

/** Streams an image through the verifier into `slot`, as install does (begin, verified blocks, drain). */
async function writeSlot(
  storage: DeviceStorage,
  slot: SlotName,
  bytes: Uint8Array,
  afterBegin: () => void = () => undefined,
): Promise<SlotWriter> {
  const writer = new SlotWriter(storage, slot);
  await verifyImage(stream(bytes), {
    trust,
    devices: [identity()],
    now: now(),
    sink: {
      start: (docs) =>
        Promise.resolve().then(() => {
          writer.begin(docs);
          afterBegin();
        }),
      block: (path, offset, data) => writer.block(path, offset, data),
    },
  });
  await writer.drain();
  return writer;
}

/** The slot's files: the documents, and each payload with its block list (the image's sbom.cdx.json is one). */
const SLOT_FILES = [
  'blocks/core/blob.bin',
  'blocks/sbom.cdx.json',
  'blocks/supervisor/main.js',
  'manifest.json',
  'payload/core/blob.bin',
  'payload/sbom.cdx.json',
  'payload/supervisor/main.js',
  'signatures.json',
];

/** fsync and fsyncDir as NodeStorage does them, recorded. */
class RecordingStorage extends NodeStorage {
  readonly synced: string[] = [];
  override fsync(file: string): void {
    this.synced.push(file);
    super.fsync(file);
  }
}

/** Every file under `dir` of a real directory tree, relative to it. */
function filesUnder(storage: NodeStorage, dir: string): string[] {
  return storage.list(dir).flatMap((name) => {
    const path = `${dir}/${name}`;
    return storage.isDir(path) ? filesUnder(storage, path).map((p) => `${name}/${p}`) : [name];
  });
}

const under = (storage: SimStorage, dir: string, kind: 'file' | 'dir'): string[] =>
  [...storage.state.entries].filter(([path, node]) => node.kind === kind && path.startsWith(`${dir}/`)).map(([path]) => path);

/** The operations logged from `from` on. */
const opsSince = (storage: SimStorage, from: number): SimOp[] =>
  Array.from({ length: storage.operations - from }, (_, i) => storage.opAt(from + i)).filter((op) => op !== undefined);

describe('SlotWriter', () => {
  it('makes every file it wrote durable, then every directory on their way, deepest first', async () => {
    const sites: string[] = [];
    const storage = new SimStorage(undefined, { onSync: (site) => sites.push(site) });
    // As provision leaves it: the slots directory exists (and is durable) before any install.
    storage.mkdir('slots');
    const writer = await writeSlot(storage, 'a', (await image('1.0.0', 1)).bytes);
    const files = under(storage, 'slots/a', 'file').sort();
    expect(files).toEqual(SLOT_FILES.map((f) => slotFile('a', f)));
    const from = storage.operations;
    sites.length = 0;
    writer.sync();
    const ops = opsSince(storage, from);
    const synced = ops.flatMap((op) => (op.k === 'fsync' ? [op.path] : []));
    const dirs = ops.flatMap((op) => (op.k === 'fsyncDir' ? [op.dir] : []));
    expect([...synced].sort()).toEqual(files);
    // Every directory it made and the one it made them in, children before their parents.
    expect(dirs).toEqual([...under(storage, 'slots/a', 'dir'), 'slots/a', 'slots'].sort().reverse());
    expect(ops.findIndex((op) => op.k === 'fsyncDir')).toBe(synced.length);
    expect(sites).toEqual([...files.map(() => 'slot.fsync'), ...dirs.map(() => 'slot.fsyncDir')]);
  });

  it('takes over the old payload files of the same name in place, and removes the rest of the old content', async () => {
    const root = await mkdtemp(join(tmpdir(), 'fwkit-slot-'));
    try {
      const storage = new RecordingStorage(root);
      await writeSlot(storage, 'a', (await image('1.0.0', 1)).bytes);
      const blob = slotFile('a', 'payload/core/blob.bin');
      const inode = (path: string): number => statSync(storage.realPath(path)).ino;
      const oldBlob = inode(blob);
      // A payload the new image has but the old content lacks, a file of the old content only, a
      // directory where the new image has a payload file, and an old content left aside by a
      // power cut during an earlier install.
      storage.unlink(slotFile('a', 'payload/supervisor/main.js'));
      storage.mkdir(slotFile('a', 'payload/old'));
      storage.write(slotFile('a', 'payload/old/gone.bin'), new Uint8Array(3));
      storage.unlink(slotFile('a', 'payload/sbom.cdx.json'));
      storage.mkdir(slotFile('a', 'payload/sbom.cdx.json'));
      storage.mkdir('slots/a.discarded');
      storage.write('slots/a.discarded/left.bin', new Uint8Array(5));

      // Before its first block lands, the taken-over file already has the new payload's size.
      let sizeAtBegin: number | undefined;
      const writer = await writeSlot(storage, 'a', (await image('1.1.0', 1, { blobBlocks: 3 })).bytes, () => {
        sizeAtBegin = statSync(storage.realPath(blob)).size;
      });
      expect(sizeAtBegin).toBe(3 * 4096 + 123);
      expect(inode(blob)).toBe(oldBlob);
      expect(storage.read(blob)?.byteLength).toBe(3 * 4096 + 123);
      expect(filesUnder(storage, 'slots/a').sort()).toEqual(SLOT_FILES);
      expect(storage.list('slots')).toEqual(['a']);

      storage.synced.length = 0;
      writer.sync();
      expect([...storage.synced].sort()).toEqual(SLOT_FILES.map((f) => slotFile('a', f)));
      expect((await verifySlot(storage, 'a', trust, identity(), now())).manifest.versions.firmware).toBe('1.1.0');
    } finally {
      await rm(root, { recursive: true, force: true });
    }
  });
});

describe('verifySlot', () => {
  it('re-verifies a slot as the image it came from, and calls any missing file IMAGE_ENTRY_MISSING', async () => {
    const storage = new SimStorage();
    await writeSlot(storage, 'b', (await image('2.0.0', 2)).bytes);
    expect((await verifySlot(storage, 'b', trust, identity(), now())).manifest.versions.firmware).toBe('2.0.0');
    for (const entry of ['manifest.json', 'signatures.json', 'blocks/core/blob.bin', 'payload/supervisor/main.js']) {
      const broken = new SimStorage(copySimState(storage.state));
      broken.unlink(slotFile('b', entry));
      expect([entry, await rejectedCode(verifySlot(broken, 'b', trust, identity(), now()))]).toEqual([entry, 'IMAGE_ENTRY_MISSING']);
    }
  });
});

describe('openImageForSlot', () => {
  it('reads an image file in 4 MiB reads, the size of the slot writes (the last one short)', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'fwkit-slot-read-'));
    try {
      const path = join(dir, 'image.fwimg');
      const bytes = new Uint8Array(9 * 1024 * 1024 + 5).map((_, i) => i % 251);
      await writeFile(path, bytes);
      const chunks: Uint8Array[] = [];
      for await (const chunk of openImageForSlot(path)) chunks.push(Uint8Array.from(chunk));
      expect(chunks.map((c) => c.byteLength)).toEqual([4 << 20, 4 << 20, (1 << 20) + 5]);
      expect(Buffer.concat(chunks).equals(bytes)).toBe(true);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
