import { Metadata, MetadataKind } from '@tufjs/models';
import { generateKeyPair, readRootMetadata, trustRootFromJSON, type RoleName } from '@fwkit/device-trust';
import { describe, expect, it } from 'vitest';
import { rootSignatureStatus, signerFromPrivateKey, signRootMetadata, unsignedRootMetadata, type RootMetadataOptions } from './index.js';

// `fwkit root init` / `root sign` / `root show` on their pure halves: an unsigned root, signed by
// holders one key at a time, counting only once the root role's threshold is met.

const NOW = new Date('2026-12-04T00:00:00Z');
const EXPIRES = new Date('2030-01-01T00:00:00Z');
type KeyPair = ReturnType<typeof generateKeyPair>;
const pairs: KeyPair[] = Array.from({ length: 6 }, () => generateKeyPair());
const [r1, r2, r3, t1, s1, ts1] = pairs as [KeyPair, KeyPair, KeyPair, KeyPair, KeyPair, KeyPair];
const roles: RootMetadataOptions['roles'] = {
  root: { publicKeys: [r1.publicKey, r2.publicKey, r3.publicKey], threshold: 2 },
  targets: { publicKeys: [t1.publicKey], threshold: 1 },
  snapshot: { publicKeys: [s1.publicKey], threshold: 1 },
  timestamp: { publicKeys: [ts1.publicKey], threshold: 1 },
};
const json = (doc: unknown): unknown => JSON.parse(JSON.stringify(doc));

describe('unsignedRootMetadata', () => {
  it('makes TUF 1.0 root metadata with no signatures, which no one trusts yet', () => {
    const doc = unsignedRootMetadata({ version: 1, expires: EXPIRES, roles, consistentSnapshot: true }, NOW);
    expect(doc.signatures).toEqual([]);
    expect(doc.signed).toMatchObject({
      _type: 'root',
      spec_version: '1.0.31',
      version: 1,
      expires: '2030-01-01T00:00:00Z',
      consistent_snapshot: true,
    });
    const root = readRootMetadata(json(doc));
    expect(root.roles.get('root')?.threshold).toBe(2);
    expect(() => trustRootFromJSON(json(doc), NOW)).toThrow(expect.objectContaining({ code: 'TRUST_ROOT_SIGNATURE' }));
  });

  const bad: [string, Partial<RootMetadataOptions>, Partial<Record<RoleName, { publicKeys: Uint8Array[]; threshold: number }>>][] = [
    ['a threshold of 0', {}, { root: { publicKeys: [r1.publicKey], threshold: 0 } }],
    ['a threshold above the number of keys', {}, { root: { publicKeys: [r1.publicKey, r2.publicKey], threshold: 3 } }],
    ['the same key twice in a role', {}, { targets: { publicKeys: [t1.publicKey, t1.publicKey], threshold: 1 } }],
    ['a role without keys', {}, { snapshot: { publicKeys: [], threshold: 1 } }],
    ['an expiry in the past', { expires: new Date('2026-12-03T23:59:59Z') }, {}],
    ['an expiry of now', { expires: NOW }, {}],
    ['version 0', { version: 0 }, {}],
  ];
  for (const [what, opts, changed] of bad) {
    it(`refuses ${what} (ROOT_OPTIONS_INVALID)`, () => {
      expect(() => unsignedRootMetadata({ version: 1, expires: EXPIRES, ...opts, roles: { ...roles, ...changed } }, NOW)).toThrow(
        expect.objectContaining({ code: 'ROOT_OPTIONS_INVALID' }),
      );
    });
  }
});

describe('signRootMetadata and rootSignatureStatus', () => {
  it('holders sign in turn; the root counts once 2 of 3 signed, for fwkit and for tuf-js alike', async () => {
    let doc: unknown = json(unsignedRootMetadata({ version: 1, expires: EXPIRES, roles }, NOW));
    const status0 = rootSignatureStatus(readRootMetadata(doc));
    expect(status0).toMatchObject({ threshold: 2, valid: 0, thresholdMet: false });
    expect(status0.keys.map((k) => k.status)).toEqual(['missing', 'missing', 'missing']);

    doc = json(await signRootMetadata(readRootMetadata(doc), signerFromPrivateKey(r3.privateKey)));
    const status1 = rootSignatureStatus(readRootMetadata(doc));
    expect(status1).toMatchObject({ valid: 1, thresholdMet: false });
    expect(status1.keys.map((k) => k.status)).toEqual(['missing', 'missing', 'valid']);
    expect(() => trustRootFromJSON(doc, NOW)).toThrow(expect.objectContaining({ code: 'TRUST_ROOT_SIGNATURE' }));
    // tuf-js, the reference, refuses it too.
    const half = Metadata.fromJSON(MetadataKind.Root, doc as never);
    expect(() => {
      half.verifyDelegate('root', half);
    }).toThrow(/signed by 1\/2/);

    // Signing again with the same key changes nothing (Ed25519 is deterministic) and does not count twice.
    const again = json(await signRootMetadata(readRootMetadata(doc), signerFromPrivateKey(r3.privateKey)));
    expect(again).toEqual(doc);

    doc = json(await signRootMetadata(readRootMetadata(doc), signerFromPrivateKey(r1.privateKey)));
    const status2 = rootSignatureStatus(readRootMetadata(doc));
    expect(status2).toMatchObject({ valid: 2, thresholdMet: true, ignored: [] });
    expect(status2.keys.map((k) => k.status)).toEqual(['valid', 'missing', 'valid']);
    expect(trustRootFromJSON(doc, NOW).role('root').threshold).toBe(2);
    const full = Metadata.fromJSON(MetadataKind.Root, doc as never);
    full.verifyDelegate('root', full);
  });

  it('refuses a signer that is not a root key (ROOT_SIGNER_UNKNOWN)', async () => {
    const root = readRootMetadata(json(unsignedRootMetadata({ version: 1, expires: EXPIRES, roles }, NOW)));
    await expect(signRootMetadata(root, signerFromPrivateKey(t1.privateKey))).rejects.toMatchObject({ code: 'ROOT_SIGNER_UNKNOWN' });
    await expect(signRootMetadata(root, signerFromPrivateKey(generateKeyPair().privateKey))).rejects.toMatchObject({
      code: 'ROOT_SIGNER_UNKNOWN',
    });
  });

  it('reports a signature that no longer matches (signed changed after signing) as invalid, and others as ignored', async () => {
    const signedDoc = json(
      await signRootMetadata(
        readRootMetadata(json(unsignedRootMetadata({ version: 1, expires: EXPIRES, roles }, NOW))),
        signerFromPrivateKey(r1.privateKey),
      ),
    ) as { signed: { version: number }; signatures: { keyid: string; sig: string }[] };
    signedDoc.signed.version = 2;
    signedDoc.signatures.push({ keyid: 'f'.repeat(64), sig: '0'.repeat(128) });
    const status = rootSignatureStatus(readRootMetadata(signedDoc));
    expect(status.keys.map((k) => k.status)).toEqual(['invalid', 'missing', 'missing']);
    expect(status.ignored).toEqual([{ keyid: 'f'.repeat(64), status: 'key-unknown' }]);
    expect(status.thresholdMet).toBe(false);
  });
});
