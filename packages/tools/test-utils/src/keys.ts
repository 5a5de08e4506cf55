import { canonicalJson, sha256, toHex } from '@fwkit/device-core';
import {
  keyIdOf,
  publicKeyOf,
  signEd25519,
  trustRootFromJSON,
  tufKeyOf,
  type SignatureRecord,
  type TrustRoot,
  type TufKey,
} from '@fwkit/device-trust';
import { signerFromPrivateKey, type Signer } from '@fwkit/release-signing';

/** A fixed test key pair. Seeds are SHA-256("fwkit-test-key-<n>"): deterministic, and public. */
export interface TestKey {
  readonly name: string;
  readonly privateKey: Uint8Array;
  readonly publicKey: Uint8Array;
  /** keyid of the plain TUF key object (`tufKey`). */
  readonly keyid: string;
  readonly tufKey: TufKey;
  readonly signer: Signer;
}

export function testKey(n: number, name = `test-key-${n}`): TestKey {
  const privateKey = sha256(new TextEncoder().encode(`fwkit-test-key-${n}`));
  const publicKey = publicKeyOf(privateKey);
  const tufKey = tufKeyOf(publicKey);
  return Object.freeze({ name, privateKey, publicKey, keyid: keyIdOf(tufKey), tufKey, signer: signerFromPrivateKey(privateKey) });
}

/** The keys `makeTrustRoot` puts in its roles, plus `outsider`, which is in no role. */
export const testKeys = Object.freeze({
  root: testKey(1, 'root'),
  targets1: testKey(2, 'targets1'),
  targets2: testKey(3, 'targets2'),
  targets3: testKey(4, 'targets3'),
  snapshot: testKey(5, 'snapshot'),
  timestamp: testKey(6, 'timestamp'),
  /** Trusted for nothing: its signatures are from an unknown key. */
  outsider: testKey(7, 'outsider'),
});

/** A fixed "now" for tests (never the wall clock), and the default expiry of test roots. */
export const TEST_NOW = new Date('2026-01-01T00:00:00Z');
export const TEST_EXPIRES = new Date('2036-01-01T00:00:00Z');

/**
 * A second key object for the SAME public key: it differs only in an extra field, so it has a
 * different (and correct) keyid. Lets a test list one key under two keyids.
 */
export function aliasKeyObject(publicKey: Uint8Array, alias: number | string = 1): TufKey & { readonly 'x-alias': number | string } {
  return { ...tufKeyOf(publicKey), 'x-alias': alias };
}

/** A signer for `key` that signs under the keyid of `keyObject` (e.g. an `aliasKeyObject`). */
export function signerWithKeyId(key: TestKey, keyObject: object): Signer {
  const { privateKey, publicKey } = key;
  return {
    keyid: keyIdOf(keyObject),
    publicKey,
    sign: (message) =>
      new Promise((resolve) => {
        resolve(signEd25519(privateKey, message));
      }),
  };
}

export interface MakeTrustRootOptions {
  /** Keys of the targets role (TestKeys, Signers or anything with a publicKey). */
  readonly targetsKeys: readonly { readonly publicKey: Uint8Array }[];
  /** May exceed the number of distinct keys (an unsatisfiable role), unlike createRootMetadata. */
  readonly targetsThreshold: number;
  /** The time the trust root is checked at (default TEST_NOW). */
  readonly now?: Date;
  /** Default TEST_EXPIRES. */
  readonly expires?: Date;
  /** More key objects for the targets role, each under its own correct keyid (e.g. `aliasKeyObject`). */
  readonly extraKeyObjects?: readonly object[];
  readonly version?: number;
}

export interface RootJson {
  signed: Record<string, unknown> & { keys: Record<string, object>; roles: Record<string, { keyids: string[]; threshold: number }> };
  signatures: SignatureRecord[];
}

function tufDate(date: Date): string {
  return date.toISOString().replace(/\.\d{3}Z$/, 'Z');
}

/**
 * root.json signed by `testKeys.root` (root threshold 1), with the given targets role and
 * `testKeys.snapshot` / `testKeys.timestamp`. A plain mutable object, so tests can tamper with it.
 */
export function makeRootJson(opts: Omit<MakeTrustRootOptions, 'now'>): RootJson {
  const keys: Record<string, object> = {};
  const add = (keyObject: object): string => {
    const keyid = keyIdOf(keyObject);
    keys[keyid] = keyObject;
    return keyid;
  };
  const targets = [...opts.targetsKeys.map((k) => add(tufKeyOf(k.publicKey))), ...(opts.extraKeyObjects ?? []).map(add)];
  const signed = {
    _type: 'root',
    spec_version: '1.0.31',
    version: opts.version ?? 1,
    expires: tufDate(opts.expires ?? TEST_EXPIRES),
    consistent_snapshot: false,
    keys,
    roles: {
      root: { keyids: [add(testKeys.root.tufKey)], threshold: 1 },
      targets: { keyids: [...new Set(targets)], threshold: opts.targetsThreshold },
      snapshot: { keyids: [add(testKeys.snapshot.tufKey)], threshold: 1 },
      timestamp: { keyids: [add(testKeys.timestamp.tufKey)], threshold: 1 },
    },
  };
  // TUF signs the canonical JSON of "signed" directly.
  const sig = signEd25519(testKeys.root.privateKey, canonicalJson(signed));
  return { signed, signatures: [{ keyid: testKeys.root.keyid, sig: toHex(sig) }] };
}

/** `makeRootJson` plus the TrustRoot parsed from it at `now` (throws if it is expired at `now`). */
export function makeTrustRoot(opts: MakeTrustRootOptions): { json: RootJson; trust: TrustRoot } {
  const json = makeRootJson(opts);
  return { json, trust: trustRootFromJSON(json, opts.now ?? TEST_NOW) };
}
