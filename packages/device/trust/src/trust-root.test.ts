import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { canonicalJson, toHex } from '@fwkit/device-core';
import { describe, expect, it } from 'vitest';
import { generateKeyPair, keyIdOf, readRootMetadata, signEd25519, trustRootFromJSON, tufKeyOf, type SigningErrorCode } from './index.js';
import { privateKeyFromPem } from '@fwkit/release-signing';

const exampleDir = new URL('../../../../keys.example/', import.meta.url);
const rootText = readFileSync(new URL('root.json', exampleDir), 'utf8');
const rootKey = privateKeyFromPem(readFileSync(new URL('root-1.key.pem', exampleDir), 'utf8'));
const targets1Key = privateKeyFromPem(readFileSync(new URL('targets-1.key.pem', exampleDir), 'utf8'));
const NOW = new Date('2026-06-01T00:00:00Z');

type KeyDoc = Record<string, unknown> & { keyval: { public: string } };
interface RoleDoc {
  keyids: string[];
  threshold: unknown;
}
interface Doc {
  signed: Record<string, unknown> & { keys: Record<string, KeyDoc>; roles: Record<string, RoleDoc> };
  signatures: { keyid: string; sig: string }[];
}
const fresh = (): Doc => JSON.parse(rootText) as Doc;

/** Role `name` of `d`; every test starts from the example root, which has all four. */
function roleOf(d: Doc, name: string): RoleDoc {
  const role = d.signed.roles[name];
  if (role === undefined) throw new Error(`root document has no role "${name}"`);
  return role;
}

/** The key listed under `keyid` in `d`. */
function keyOf(d: Doc, keyid: string): KeyDoc {
  const key = d.signed.keys[keyid];
  if (key === undefined) throw new Error(`root document has no key ${keyid}`);
  return key;
}

const [ROOT_KEYID = ''] = roleOf(fresh(), 'root').keyids;
const TARGETS_KEYIDS = roleOf(fresh(), 'targets').keyids;
const [T1 = '', T2 = ''] = TARGETS_KEYIDS;

/** Replace the key under `oldId` by `key` (under its own keyid) everywhere. */
function replaceKey(d: Doc, oldId: string, key: object): void {
  const newId = keyIdOf(key);
  Reflect.deleteProperty(d.signed.keys, oldId);
  d.signed.keys[newId] = key as KeyDoc;
  for (const role of Object.values(d.signed.roles)) role.keyids = role.keyids.map((k) => (k === oldId ? newId : k));
}

/**
 * Re-sign with the (published) example root key, so the only thing wrong is what the test changed.
 * A document with no canonical form (a float) cannot be signed at all; it keeps its old signature.
 */
function resign(doc: Doc, key = rootKey, keyid = ROOT_KEYID): Doc {
  let bytes: Uint8Array;
  try {
    bytes = canonicalJson(doc.signed);
  } catch {
    return doc;
  }
  doc.signatures = [{ keyid, sig: toHex(signEd25519(key, bytes)) }];
  return doc;
}

function codeOf(fn: () => unknown): SigningErrorCode | undefined {
  try {
    fn();
  } catch (error) {
    return (error as { code?: SigningErrorCode }).code;
  }
  return undefined;
}

describe('keyIdOf', () => {
  it('is the SHA-256 of the canonical JSON of the key object', () => {
    const { publicKey } = generateKeyPair();
    const canonical = `{"keytype":"ed25519","keyval":{"public":"${toHex(publicKey)}"},"scheme":"ed25519"}`;
    expect(keyIdOf(tufKeyOf(publicKey))).toBe(createHash('sha256').update(canonical).digest('hex'));
    // Key order in the object does not matter; an extra field does.
    expect(keyIdOf({ scheme: 'ed25519', keyval: { public: toHex(publicKey) }, keytype: 'ed25519' })).toBe(keyIdOf(tufKeyOf(publicKey)));
    expect(keyIdOf({ ...tufKeyOf(publicKey), 'x-alias': 1 })).not.toBe(keyIdOf(tufKeyOf(publicKey)));
  });
});

describe('trustRootFromJSON', () => {
  it('accepts keys.example/root.json before it expires', () => {
    const input = fresh();
    const trust = trustRootFromJSON(input, NOW);
    expect(trust.version).toBe(1);
    expect(trust.expires.toISOString()).toBe('2036-01-01T00:00:00.000Z');
    expect(trust.role('root').threshold).toBe(1);
    expect([...trust.role('root').keys.keys()]).toEqual([ROOT_KEYID]);
    expect(trust.role('targets').threshold).toBe(2);
    expect([...trust.role('targets').keys.keys()]).toEqual(TARGETS_KEYIDS);
    expect(trust.role('targets').keys.get(T1)).toHaveLength(32);
    expect(trust.role('snapshot').keys.size).toBe(1);
    expect(trust.role('timestamp').keys.size).toBe(1);
    expect(trust.metadata).toEqual(JSON.parse(rootText));
    expect(Object.isFrozen(trust.metadata)).toBe(true);
    // A copy: changing the input afterwards changes nothing.
    input.signed.version = 99;
    expect((trust.metadata as Doc).signed.version).toBe(1);
  });

  it('rejects it once expired (threat: freeze), judged by the `now` passed in', () => {
    expect(codeOf(() => trustRootFromJSON(fresh(), new Date('2035-12-31T23:59:59Z')))).toBeUndefined();
    expect(codeOf(() => trustRootFromJSON(fresh(), new Date('2036-01-01T00:00:00Z')))).toBe('TRUST_ROOT_EXPIRED');
    expect(codeOf(() => trustRootFromJSON(fresh(), new Date('2040-01-01T00:00:00Z')))).toBe('TRUST_ROOT_EXPIRED');
  });

  it('rejects a tampered root (threat: arbitrary trust root)', () => {
    const lowered = fresh();
    roleOf(lowered, 'targets').threshold = 1;
    expect(codeOf(() => trustRootFromJSON(lowered, NOW))).toBe('TRUST_ROOT_SIGNATURE');

    const added = fresh();
    const attacker = tufKeyOf(generateKeyPair().publicKey);
    added.signed.keys[keyIdOf(attacker)] = attacker as unknown as KeyDoc;
    roleOf(added, 'targets').keyids.push(keyIdOf(attacker));
    expect(codeOf(() => trustRootFromJSON(added, NOW))).toBe('TRUST_ROOT_SIGNATURE');

    const unsigned = fresh();
    unsigned.signatures = [];
    expect(codeOf(() => trustRootFromJSON(unsigned, NOW))).toBe('TRUST_ROOT_SIGNATURE');
  });

  it('reports why the root signature failed', () => {
    const unsigned = fresh();
    unsigned.signatures = [];
    try {
      trustRootFromJSON(unsigned, NOW);
      expect.unreachable();
    } catch (error) {
      expect(error).toMatchObject({
        code: 'TRUST_ROOT_SIGNATURE',
        details: { reason: 'SIGNATURE_KEY_UNKNOWN', validKeys: 0, threshold: 1 },
      });
    }
  });

  it('rejects a root signed by a key that is not a root key, even one it lists', () => {
    expect(codeOf(() => trustRootFromJSON(resign(fresh(), targets1Key, T1), NOW))).toBe('TRUST_ROOT_SIGNATURE');
    // A stranger's signature claiming the root keyid.
    expect(codeOf(() => trustRootFromJSON(resign(fresh(), generateKeyPair().privateKey), NOW))).toBe('TRUST_ROOT_SIGNATURE');
  });

  it('rejects a key whose keyid is not the hash of its key object (threat: key substitution)', () => {
    // The attacker swaps the public key behind a trusted keyid, and even has the root re-signed.
    const swapped = fresh();
    keyOf(swapped, T1).keyval.public = toHex(generateKeyPair().publicKey);
    expect(codeOf(() => trustRootFromJSON(resign(swapped), NOW))).toBe('TRUST_ROOT_KEYID_MISMATCH');

    // A key listed under an id that is not its hash.
    const renamed = fresh();
    const fake = 'ab'.repeat(32);
    renamed.signed.keys[fake] = keyOf(renamed, T2);
    Reflect.deleteProperty(renamed.signed.keys, T2);
    roleOf(renamed, 'targets').keyids = [T1, fake];
    expect(codeOf(() => trustRootFromJSON(resign(renamed), NOW))).toBe('TRUST_ROOT_KEYID_MISMATCH');
  });

  it('accepts one public key under two correct keyids, and lists both', () => {
    const doc = fresh();
    const alias = { ...keyOf(doc, T1), 'x-alias': 1 };
    doc.signed.keys[keyIdOf(alias)] = alias;
    roleOf(doc, 'targets').keyids.push(keyIdOf(alias));
    const trust = trustRootFromJSON(resign(doc), NOW);
    const keys = trust.role('targets').keys;
    expect(keys.size).toBe(3);
    expect(new Set([...keys.values()].map(toHex)).size).toBe(2);
  });

  // Each of these is re-signed by the root key: the structure alone must make it fail.
  const invalid: [string, (d: Doc) => void][] = [
    [
      'an RSA key (with a correct keyid)',
      (d) => {
        replaceKey(d, T1, { keytype: 'rsa', scheme: 'rsassa-pss-sha256', keyval: { public: '-----BEGIN PUBLIC KEY-----...' } });
      },
    ],
    [
      'an ed25519 key with another scheme',
      (d) => {
        replaceKey(d, T1, { ...keyOf(d, T1), scheme: 'ecdsa-sha2-nistp256' });
      },
    ],
    [
      'a small-order public key',
      (d) => {
        const key = { keytype: 'ed25519', scheme: 'ed25519', keyval: { public: '01' + '00'.repeat(31) } };
        d.signed.keys[keyIdOf(key)] = key;
        roleOf(d, 'targets').keyids.push(keyIdOf(key));
      },
    ],
    [
      'an uppercase-hex public key',
      (d) => {
        const key = { keytype: 'ed25519', scheme: 'ed25519', keyval: { public: toHex(generateKeyPair().publicKey).toUpperCase() } };
        d.signed.keys[keyIdOf(key)] = key;
      },
    ],
    ['threshold 0', (d) => (roleOf(d, 'targets').threshold = 0)],
    ['threshold 1.5', (d) => (roleOf(d, 'targets').threshold = 1.5)],
    ['threshold "2"', (d) => (roleOf(d, 'targets').threshold = '2')],
    ['a missing role', (d) => delete d.signed.roles.snapshot],
    ['an extra role', (d) => (d.signed.roles.mirror = { keyids: [], threshold: 1 })],
    ['a role keyid that is not in keys', (d) => roleOf(d, 'targets').keyids.push('cd'.repeat(32))],
    ['a duplicate role keyid', (d) => roleOf(d, 'targets').keyids.push(T1)],
    ['expires with milliseconds', (d) => (d.signed.expires = '2036-01-01T00:00:00.000Z')],
    ['expires on a day that does not exist', (d) => (d.signed.expires = '2035-02-30T00:00:00Z')],
    ['expires as a number', (d) => (d.signed.expires = 2082758400)],
    ['version 0', (d) => (d.signed.version = 0)],
    ['version "1"', (d) => (d.signed.version = '1')],
    ['_type targets', (d) => (d.signed._type = 'targets')],
    ['spec_version 2.0.0', (d) => (d.signed.spec_version = '2.0.0')],
    ['no consistent_snapshot', (d) => delete d.signed.consistent_snapshot],
    ['keys not an object', (d) => (d.signed.keys = [] as unknown as Doc['signed']['keys'])],
  ];
  for (const [what, mutate] of invalid) {
    it(`rejects ${what} with TRUST_ROOT_INVALID`, () => {
      const doc = fresh();
      mutate(doc);
      expect(codeOf(() => trustRootFromJSON(resign(doc), NOW))).toBe('TRUST_ROOT_INVALID');
    });
  }

  it('rejects documents that are not root metadata at all, without untyped errors', () => {
    const floaty = fresh();
    floaty.signed.ratio = 0.5; // canonical JSON has no floats
    const dupSigs = resign(fresh());
    const [rootSig] = dupSigs.signatures;
    if (rootSig === undefined) throw new Error('resign() left no signature');
    dupSigs.signatures.push({ ...rootSig });
    const notJson = { signed: { f: () => 1 }, signatures: [] };
    for (const value of [
      null,
      [],
      'root',
      42,
      {},
      { signed: {} },
      { signed: fresh().signed },
      { signed: fresh().signed, signatures: {} },
      floaty,
      dupSigs,
      notJson,
    ]) {
      expect(codeOf(() => trustRootFromJSON(value, NOW))).toBe('TRUST_ROOT_INVALID');
    }
  });

  it('ignores signatures from keys outside the root role', () => {
    const doc = resign(fresh());
    doc.signatures.push({ keyid: 'ef'.repeat(32), sig: '00'.repeat(64) });
    expect(trustRootFromJSON(doc, NOW).version).toBe(1);
  });
});

/** The error `fn` throws (or undefined). */
function errorOf(fn: () => unknown): unknown {
  try {
    fn();
  } catch (error) {
    return error;
  }
  return undefined;
}

describe('readRootMetadata and trustRootFromJSON, edge by edge', () => {
  it('rejects a key of another type even with the ed25519 scheme and a correct keyid', () => {
    const doc = fresh();
    replaceKey(doc, T1, { ...keyOf(doc, T1), keytype: 'rsa' });
    expect(codeOf(() => trustRootFromJSON(resign(doc), NOW))).toBe('TRUST_ROOT_INVALID');
  });

  it('rejects a key object with no canonical form as invalid, not as a keyid mismatch', () => {
    const doc = fresh();
    const key = { ...keyOf(doc, T1), ratio: 0.5 };
    doc.signed.keys[T1] = key;
    const error = errorOf(() => readRootMetadata(doc));
    expect(error).toMatchObject({ code: 'TRUST_ROOT_INVALID', details: { path: `signed.keys.${T1}` } });
    expect((error as Error).cause).toBeDefined();
  });

  it('rejects a root without keys, even one whose roles name none (it could never be signed)', () => {
    const doc = fresh();
    Reflect.deleteProperty(doc.signed, 'keys');
    for (const role of Object.values(doc.signed.roles)) role.keyids = [];
    const error = errorOf(() => readRootMetadata(doc));
    expect(error).toMatchObject({ code: 'TRUST_ROOT_INVALID', details: { path: 'signed.keys' } });
    expect(codeOf(() => trustRootFromJSON(doc, NOW))).toBe('TRUST_ROOT_INVALID');
  });

  it('keeps the cause: what structuredClone or the structure reader refused', () => {
    const notCloneable = errorOf(() => readRootMetadata({ signed: { f: () => 1 }, signatures: [] }));
    expect(notCloneable).toMatchObject({ code: 'TRUST_ROOT_INVALID', details: { path: '(root)' } });
    expect((notCloneable as Error).cause).toBeInstanceOf(Error);
    const doc = fresh();
    doc.signed._type = 'targets';
    const structural = errorOf(() => readRootMetadata(doc));
    expect(structural).toMatchObject({ code: 'TRUST_ROOT_INVALID', details: { path: 'signed._type' } });
    expect((structural as Error).cause).toBeInstanceOf(Error);
    const version = fresh();
    version.signed.version = 0;
    expect(errorOf(() => readRootMetadata(version))).toMatchObject({ code: 'TRUST_ROOT_INVALID', details: { path: 'signed.version' } });
    expect((errorOf(() => readRootMetadata(version)) as Error).cause).toBeUndefined();
  });

  it('reads spec_version as TUF does: "" is the reader\'s own, 1.x with two or three numeric parts', () => {
    for (const [spec, expected] of [
      ['', '1.0.31'],
      ['1.0', '1.0'],
      ['1.0.31', '1.0.31'],
      ['1.2.0', '1.2.0'],
    ] as const) {
      const doc = fresh();
      doc.signed.spec_version = spec;
      expect(readRootMetadata(doc).specVersion).toBe(expected);
    }
    for (const spec of ['1', '1.0.0.0', '1.x', '1.0.x', 'x.0', '2.0']) {
      const doc = fresh();
      doc.signed.spec_version = spec;
      expect(errorOf(() => readRootMetadata(doc))).toMatchObject({ code: 'TRUST_ROOT_INVALID', details: { path: 'signed.spec_version' } });
    }
  });

  it('refuses a public key that only contains 64 hex characters (odd lengths would not even decode)', () => {
    const hex = toHex(generateKeyPair().publicKey);
    for (const pub of [`a${hex}`, `${hex}a`, `ab${hex}`, `${hex}ab`]) {
      const doc = fresh();
      const key = { keytype: 'ed25519', scheme: 'ed25519', keyval: { public: pub } };
      doc.signed.keys[keyIdOf(key)] = key;
      expect([pub, codeOf(() => readRootMetadata(doc))]).toEqual([pub, 'TRUST_ROOT_INVALID']);
    }
  });

  it('refuses a threshold beyond the safe integers, which canonical JSON still holds', () => {
    const doc = fresh();
    roleOf(doc, 'targets').threshold = 2 ** 53;
    expect(errorOf(() => trustRootFromJSON(resign(doc), NOW))).toMatchObject({
      code: 'TRUST_ROOT_INVALID',
      details: { path: 'signed.roles.targets' },
    });
  });

  it('takes `now` only as a valid Date (a TypeError is a caller bug, not a bad root)', () => {
    for (const now of [new Date(Number.NaN), '2026-06-01T00:00:00Z', Date.parse('2026-06-01T00:00:00Z'), undefined]) {
      expect(() => trustRootFromJSON(fresh(), now as Date)).toThrow(TypeError);
    }
    expect(trustRootFromJSON(fresh(), NOW).version).toBe(1);
  });

  it('answers only for the four roles', () => {
    const trust = trustRootFromJSON(fresh(), NOW);
    expect(() => trust.role('mirror' as 'root')).toThrow(TypeError);
    expect(trust.role('snapshot').threshold).toBe(1);
  });
});
