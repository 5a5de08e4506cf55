import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sha256Hex, toHex } from '@fwkit/device-core';
import { SIGNATURES_PAYLOAD_TYPE } from '@fwkit/device-image';
import { pae, signEd25519, type SignatureRecord } from '@fwkit/device-trust';
import { aliasKeyObject, flipByte, makeImage, makeRootJson, signerWithKeyId, tarEntry, testKeys, type MadeImage } from '@fwkit/test-utils';
import { fwkit } from './helpers.js';

// An image's identity is the SHA-256 of its signed manifest.json. signatures.json may vary (key
// rotation: old and new keys sign one image), so entries that do not count may change without
// changing the image; anything that is signed may not. Real images, real keys, the real CLI.

const { targets1, targets2, targets3, outsider, root } = testKeys;
const GARBAGE_SIG = 'ab'.repeat(64);

let dir: string;
let base: MadeImage;
let identity: string;

interface VerifyJson {
  ok: boolean;
  code: string | null;
  image?: { manifestSha256: string; fileSha256: string; signers: string[] };
}
interface NotCounted {
  index: number;
  keyid: string;
  because: string;
}
interface InspectJson {
  manifestSha256: string;
  fileSha256: string;
  signatureReport:
    { judged: true; threshold: number; counted: string[]; notCounted: NotCounted[] } | { judged: false; notJudged: { keyid: string }[] };
}

async function write(name: string, bytes: Uint8Array | string): Promise<string> {
  const path = join(dir, name);
  await writeFile(path, bytes);
  return path;
}

async function verify(image: string, trust = 'root.json'): Promise<VerifyJson> {
  const result = await fwkit(['verify', image, '--trust', join(dir, trust), '--any-device', '--file-digest', '--json']);
  const json = JSON.parse(result.stdout) as VerifyJson;
  expect(result.code, result.stderr).toBe(json.ok ? 0 : 1);
  return json;
}

/** `trust: null`: without --trust. */
async function inspect(image: string, trust: string | null = 'root.json'): Promise<InspectJson> {
  const result = await fwkit(['inspect', image, ...(trust === null ? [] : ['--trust', join(dir, trust)]), '--json']);
  expect(result.code, result.stderr).toBe(0);
  return JSON.parse(result.stdout) as InspectJson;
}

/** The base image with its signature records changed (signatures.json re-encoded, sorted). */
async function withSignatures(name: string, change: (records: SignatureRecord[]) => SignatureRecord[]): Promise<string> {
  const image = await makeImage({ signers: [targets1.signer, targets2.signer, targets3.signer], mutateSignatures: change });
  expect(sha256Hex(image.manifestBytes)).toBe(identity);
  return write(name, image.bytes);
}

const valid = (keyid: string, key: { privateKey: Uint8Array }): SignatureRecord => ({
  keyid,
  sig: toHex(signEd25519(key.privateKey, pae(SIGNATURES_PAYLOAD_TYPE, base.manifestBytes))),
});

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'fwkit-identity-'));
  // Three targets keys, threshold two; a second root also lists targets1 under a second keyid.
  await write('root.json', JSON.stringify(makeRootJson({ targetsKeys: [targets1, targets2, targets3], targetsThreshold: 2 })));
  await write(
    'root-alias.json',
    JSON.stringify(
      makeRootJson({
        targetsKeys: [targets1, targets2, targets3],
        targetsThreshold: 2,
        extraKeyObjects: [aliasKeyObject(targets1.publicKey)],
      }),
    ),
  );
  base = await makeImage({ signers: [targets1.signer, targets2.signer, targets3.signer] });
  identity = sha256Hex(base.manifestBytes);
  await write('base.fwimg', base.bytes);
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('image identity is the manifest digest', () => {
  it('is what verify and inspect report for the image signed by 3 of 3 keys; the file digest is secondary', async () => {
    const verified = await verify(join(dir, 'base.fwimg'));
    expect(verified).toMatchObject({ ok: true, image: { manifestSha256: identity, fileSha256: sha256Hex(base.bytes) } });
    // Without --file-digest, verify names the image by its identity only (each byte hashed once).
    const plain = await fwkit(['verify', join(dir, 'base.fwimg'), '--trust', join(dir, 'root.json'), '--any-device', '--json']);
    expect(plain.code, plain.stderr).toBe(0);
    const plainJson = JSON.parse(plain.stdout) as VerifyJson;
    expect(plainJson.image?.manifestSha256).toBe(identity);
    expect(plainJson.image !== undefined && 'fileSha256' in plainJson.image).toBe(false);
    const inspected = await inspect(join(dir, 'base.fwimg'));
    expect(inspected.manifestSha256).toBe(identity);
    expect(inspected.signatureReport).toMatchObject({ judged: true, threshold: 2, notCounted: [] });
    // Without a trust root no entry can be judged, and inspect says so for each.
    const unjudged = await inspect(join(dir, 'base.fwimg'), null);
    expect(unjudged.signatureReport).toMatchObject({ judged: false });
    expect(unjudged.signatureReport.judged ? [] : unjudged.signatureReport.notJudged.map((n) => n.keyid)).toEqual(
      base.signatures.map((s) => s.keyid),
    );
  });

  const ignored: { name: string; trust?: string; change: (records: SignatureRecord[]) => SignatureRecord[]; because: string[] }[] = [
    {
      name: 'the third signature replaced with garbage (bad signature from a trusted key)',
      change: (records) => records.map((r) => (r.keyid === targets3.keyid ? { keyid: r.keyid, sig: GARBAGE_SIG } : r)),
      because: ['bad-signature'],
    },
    {
      name: 'an entry under an unknown key id added',
      change: (records) => [...records, { keyid: outsider.keyid, sig: GARBAGE_SIG }],
      because: ['key-unknown'],
    },
    {
      name: 'a valid signature by the root key added (not a targets key)',
      change: (records) => [...records, valid(root.keyid, root)],
      because: ['not-targets-key'],
    },
    {
      name: 'a valid signature by targets1 under a second keyid added (duplicate key)',
      trust: 'root-alias.json',
      change: (records) => [...records, valid(signerWithKeyId(targets1, aliasKeyObject(targets1.publicKey)).keyid, targets1)],
      because: ['duplicate-key'],
    },
    { name: 'the third signature removed', change: (records) => records.filter((r) => r.keyid !== targets3.keyid), because: [] },
  ];
  for (const [i, { name, trust, change, because }] of ignored.entries()) {
    it(`keeps the identity and still verifies: ${name}`, async () => {
      const path = await withSignatures(`ignored-${i}.fwimg`, change);
      const verified = await verify(path, trust);
      expect(verified.ok).toBe(true);
      expect(verified.image?.manifestSha256).toBe(identity);
      // Another file, the same image.
      expect(verified.image?.fileSha256).not.toBe(sha256Hex(base.bytes));
      const inspected = await inspect(path, trust);
      expect(inspected.manifestSha256).toBe(identity);
      expect(inspected.fileSha256).toBe(verified.image?.fileSha256);
      expect(inspected.signatureReport.judged).toBe(true);
      if (inspected.signatureReport.judged) expect(inspected.signatureReport.notCounted.map((n) => n.because)).toEqual(because);
    });
  }

  it('refuses any change to the manifest, a block list or a payload', async () => {
    const signers = [targets1.signer, targets2.signer, targets3.signer];
    const manifest = await makeImage({
      signers,
      mutateManifest: (m) => void (m.versions.firmware = '2.0.1'),
      signaturesBytes: base.signaturesBytes,
    });
    const blockList = await makeImage({
      signers,
      mutateBlockLists: (lists) => lists.map((l, i) => (i === 0 ? { ...l, bytes: flipByte(l.bytes, 0) } : l)),
    });
    const payload = tarEntry(base.bytes, 'payload/app/main.js');
    const cases: [string, Uint8Array, string][] = [
      ['manifest.fwimg', manifest.bytes, 'SIGNATURE_INVALID'],
      ['block-list.fwimg', blockList.bytes, 'BLOCK_LIST_HASH_MISMATCH'],
      ['payload.fwimg', flipByte(base.bytes, payload.dataOffset + 3), 'BLOCK_HASH_MISMATCH'],
    ];
    for (const [name, bytes, code] of cases) {
      expect(await verify(await write(name, bytes)), name).toMatchObject({ ok: false, code });
    }
  });
});
