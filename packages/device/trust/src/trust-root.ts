import { canonicalJson, deepFreeze, fromHex, isRecord } from '@fwkit/device-core';
import { isValidPublicKey } from './ed25519.js';
import { SigningError } from './errors.js';
import { checkThreshold, type RoleKeys, type SignatureRecord } from './threshold.js';
import { keyIdOf } from './tuf-key.js';
import { readTufRoot, TufRootStructureError, type TufRoot } from './tuf-root.js';

export type RoleName = 'root' | 'targets' | 'snapshot' | 'timestamp';
export const ROLE_NAMES: readonly RoleName[] = ['root', 'targets', 'snapshot', 'timestamp'];

/** A verified TUF root: which keys may sign for each role, until when. */
export interface TrustRoot {
  readonly version: number;
  readonly expires: Date;
  role(name: RoleName): RoleKeys;
  /** The root.json document as parsed (a frozen copy). */
  readonly metadata: unknown;
}

const HEX64 = /^[0-9a-f]{64}$/;
// TUF's one date form; a looser parser would let two strings mean one instant.
const TUF_DATE = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/;

function invalid(message: string, path: string, cause?: unknown): SigningError {
  return new SigningError('TRUST_ROOT_INVALID', `root metadata is invalid: ${path}: ${message}`, {
    details: { path },
    ...(cause === undefined ? {} : { cause }),
  });
}

/** Parse a TUF date, or undefined when it is not exactly "YYYY-MM-DDTHH:MM:SSZ" naming a real instant. */
export function parseTufDate(value: unknown): Date | undefined {
  if (typeof value !== 'string' || !TUF_DATE.test(value)) return undefined;
  const date = new Date(value);
  // Date rolls "02-30" over to March; round-tripping catches it.
  if (Number.isNaN(date.getTime()) || date.toISOString().replace('.000Z', 'Z') !== value) return undefined;
  return date;
}

/**
 * Root metadata read and checked in everything but its signatures and expiry: the form `fwkit root
 * show` and `fwkit root sign` work on (a root being signed does not count yet), and the first half
 * of `trustRootFromJSON`, so both sides read a root one way.
 */
export interface RootMetadata {
  readonly version: number;
  readonly expires: Date;
  readonly consistentSnapshot: boolean;
  readonly specVersion: string;
  /** The four roles in ROLE_NAMES order; each role's keys in its keyids order. */
  readonly roles: ReadonlyMap<RoleName, RoleKeys>;
  readonly signatures: readonly SignatureRecord[];
  /** What root signatures cover: the canonical JSON of `signed` (TUF signs it directly, no PAE). */
  readonly message: Uint8Array;
  /** The whole document (signed and signatures) as parsed: a frozen copy. */
  readonly metadata: unknown;
}

/**
 * Read TUF 1.0 root metadata (`root.json`) without judging its signatures or expiry.
 * Structure comes from readTufRoot (tuf-root.ts, held to @tufjs/models by a property test); on top
 * of it: keys must be Ed25519 and strictly valid, every keyid must be the SHA-256 of its canonical
 * key object (threat: key substitution), role keyids must exist and be unique.
 */
export function readRootMetadata(value: unknown): RootMetadata {
  let doc: unknown;
  try {
    doc = structuredClone(value);
  } catch (cause) {
    throw invalid('not a JSON value', '(root)', cause);
  }
  if (!isRecord(doc) || !isRecord(doc.signed)) throw invalid('expected an object with "signed" and "signatures"', '(root)');
  const signed = doc.signed;

  let root: TufRoot;
  try {
    root = readTufRoot(doc);
  } catch (cause) {
    if (!(cause instanceof TufRootStructureError)) throw cause;
    throw invalid(cause.reason, cause.path, cause);
  }

  if (!Number.isSafeInteger(root.version) || root.version < 1) throw invalid('must be a positive integer', 'signed.version');
  const expires = parseTufDate(root.expires);
  if (expires === undefined) throw invalid('must be a date like "2036-01-01T00:00:00Z"', 'signed.expires');

  // Keys: Ed25519 only, strictly valid, and named by their own hash.
  const rawKeys = signed.keys;
  if (!isRecord(rawKeys)) throw invalid('must be an object', 'signed.keys');
  const publicKeys = new Map<string, Uint8Array>();
  for (const [keyid, key] of root.keys) {
    const path = `signed.keys.${keyid}`;
    if (key.keytype !== 'ed25519' || key.scheme !== 'ed25519') {
      throw invalid(`unsupported key type "${key.keytype}" / scheme "${key.scheme}" (only ed25519)`, path);
    }
    const publicHex: unknown = key.keyval['public'];
    if (typeof publicHex !== 'string' || !HEX64.test(publicHex)) throw invalid('keyval.public must be 64 lowercase hex characters', path);
    const publicKey = fromHex(publicHex);
    if (!isValidPublicKey(publicKey)) throw invalid('keyval.public is not a valid Ed25519 public key', path);
    let expected: string;
    try {
      expected = keyIdOf(rawKeys[keyid] as object);
    } catch (cause) {
      throw invalid('key object has no canonical JSON form', path, cause);
    }
    if (keyid !== expected) {
      throw new SigningError('TRUST_ROOT_KEYID_MISMATCH', `root metadata key ${keyid} is not the SHA-256 of its key object (${expected})`, {
        details: { keyid, expected },
      });
    }
    publicKeys.set(keyid, publicKey);
  }

  // Roles: exactly the four top-level roles, each with unique, known keyids and a threshold >= 1.
  const names = [...root.roles.keys()].sort();
  if (names.join(',') !== [...ROLE_NAMES].sort().join(',')) throw invalid(`roles must be exactly ${ROLE_NAMES.join(', ')}`, 'signed.roles');
  const roles = new Map<RoleName, RoleKeys>();
  for (const name of ROLE_NAMES) {
    const role = root.roles.get(name);
    const path = `signed.roles.${name}`;
    if (role === undefined) throw invalid('missing', path);
    if (!Number.isSafeInteger(role.threshold) || role.threshold < 1) throw invalid('threshold must be a positive integer', path);
    if (new Set(role.keyids).size !== role.keyids.length) throw invalid('keyids must be unique', path);
    const keys = new Map<string, Uint8Array>();
    for (const keyid of role.keyids) {
      const publicKey = publicKeys.get(keyid);
      if (publicKey === undefined) throw invalid(`keyid ${keyid} is not in signed.keys`, path);
      keys.set(keyid, publicKey);
    }
    roles.set(name, Object.freeze({ threshold: role.threshold, keys }));
  }

  let message: Uint8Array;
  try {
    message = canonicalJson(signed);
  } catch (cause) {
    throw invalid('has no canonical JSON form (floats or non-JSON values)', 'signed', cause);
  }
  return Object.freeze({
    version: root.version,
    expires,
    consistentSnapshot: root.consistentSnapshot,
    specVersion: root.specVersion,
    roles,
    signatures: root.signatures,
    message,
    metadata: deepFreeze(doc),
  });
}

/**
 * Validate and verify TUF 1.0 root metadata, the device's trust anchor: readRootMetadata, then
 * the root role's threshold of DISTINCT public keys must have signed the canonical JSON of
 * `signed` (threat: arbitrary trust root), and `expires` must be after `now` (threat: freeze).
 * `now` is the caller's: this function reads no clock.
 */
export function trustRootFromJSON(value: unknown, now: Date): TrustRoot {
  if (!(now instanceof Date) || Number.isNaN(now.getTime())) throw new TypeError('trustRootFromJSON: now must be a valid Date');
  const root = readRootMetadata(value);
  const rootRole = root.roles.get('root');
  if (rootRole === undefined) throw invalid('missing', 'signed.roles.root');
  const result = checkThreshold(root.message, root.signatures, rootRole);
  if (!result.ok) {
    throw new SigningError('TRUST_ROOT_SIGNATURE', `root metadata is not signed by its root keys: ${result.message}`, {
      details: { reason: result.code, validKeys: result.validKeys, threshold: result.threshold },
    });
  }

  if (now.getTime() >= root.expires.getTime()) {
    const expires = root.expires.toISOString().replace('.000Z', 'Z');
    throw new SigningError('TRUST_ROOT_EXPIRED', `root metadata expired at ${expires}`, {
      details: { expires, now: now.toISOString() },
    });
  }

  const roles = root.roles;
  return Object.freeze({
    version: root.version,
    expires: root.expires,
    metadata: root.metadata,
    role(name: RoleName): RoleKeys {
      const keys = roles.get(name);
      if (keys === undefined) throw new TypeError(`unknown role ${name as string}`);
      return keys;
    },
  });
}
