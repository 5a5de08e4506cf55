/**
 * A small reader for the structure of TUF 1.0 root metadata (`root.json`): the signed/signatures
 * envelope, `_type`, `spec_version`, `version`, `expires`, `consistent_snapshot`, keys and roles.
 * It accepts what @tufjs/models' `Metadata.fromJSON(Root, …)` accepts, and a property test holds
 * it to that (tuf-root.property.test.ts); @tufjs/models (57 KB bundled) stays off the device path.
 * What a trust root must be on top of its structure (Ed25519, keyids, thresholds, signatures,
 * expiry) is trust-root.ts's job.
 */

export interface TufRootKey {
  readonly keytype: string;
  readonly scheme: string;
  readonly keyval: Readonly<Record<string, string>>;
}

export interface TufRootRole {
  readonly keyids: readonly string[];
  readonly threshold: number;
}

export interface TufRoot {
  readonly specVersion: string;
  readonly version: number;
  readonly expires: string;
  readonly consistentSnapshot: boolean;
  readonly keys: ReadonlyMap<string, TufRootKey>;
  readonly roles: ReadonlyMap<string, TufRootRole>;
  readonly signatures: readonly { readonly keyid: string; readonly sig: string }[];
}

/** The four roles every root names (more are allowed by TUF's structure). */
const TOP_LEVEL_ROLES = ['root', 'targets', 'snapshot', 'timestamp'];

/** A structural problem: `path` names the field, `message` says what is wrong. */
export class TufRootStructureError extends Error {
  constructor(
    readonly path: string,
    readonly reason: string,
  ) {
    super(`${path}: ${reason}`);
  }
}

const isObject = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null;

function fail(path: string, message: string): never {
  throw new TufRootStructureError(path, message);
}

/** Record of `what` (arrays count as objects, as in TUF's reference reader). */
function entriesOf(value: unknown, path: string, valuesAre: 'object' | 'string'): [string, unknown][] {
  if (!isObject(value)) fail(path, 'must be an object');
  const entries = Object.entries(value);
  if (!entries.every(([, v]) => (valuesAre === 'object' ? isObject(v) : typeof v === 'string'))) fail(path, `values must be ${valuesAre}s`);
  return entries;
}

/** "1.0" or "1.0.31": two or three numeric parts, major version 1. */
function isSupportedSpecVersion(spec: string): boolean {
  const parts = spec.split('.');
  return (parts.length === 2 || parts.length === 3) && parts.every((p) => !Number.isNaN(Number(p))) && parts[0] === '1';
}

/** Read the structure of root metadata, or throw TufRootStructureError. Types only; no trust decisions. */
export function readTufRoot(doc: Record<string, unknown>): TufRoot {
  const { signed, signatures } = doc;
  if (!isObject(signed)) fail('signed', 'must be an object');
  if (signed['_type'] !== 'root') fail('signed._type', 'must be "root"');
  if (!Array.isArray(signatures) || !signatures.every(isObject)) fail('signatures', 'must be an array of objects');

  const { spec_version: specVersion, expires, version, consistent_snapshot: consistentSnapshot } = signed;
  if (typeof specVersion !== 'string') fail('signed.spec_version', 'must be a string');
  if (typeof expires !== 'string') fail('signed.expires', 'must be a string');
  if (typeof version !== 'number') fail('signed.version', 'must be a number');
  if (typeof consistentSnapshot !== 'boolean') fail('signed.consistent_snapshot', 'must be a boolean');

  const keys = new Map<string, TufRootKey>();
  for (const [keyid, key] of entriesOf(signed['keys'] === undefined ? {} : signed['keys'], 'signed.keys', 'object')) {
    const { keytype, scheme, keyval } = key as Record<string, unknown>;
    const path = `signed.keys.${keyid}`;
    if (typeof keytype !== 'string' || typeof scheme !== 'string') fail(path, 'keytype and scheme must be strings');
    entriesOf(keyval, `${path}.keyval`, 'string');
    keys.set(keyid, { keytype, scheme, keyval: keyval as Record<string, string> });
  }

  const roles = new Map<string, TufRootRole>();
  for (const [name, role] of entriesOf(signed['roles'], 'signed.roles', 'object')) {
    const { keyids, threshold } = role as Record<string, unknown>;
    const path = `signed.roles.${name}`;
    if (!Array.isArray(keyids) || !keyids.every((k) => typeof k === 'string')) fail(path, 'keyids must be an array of strings');
    if (typeof threshold !== 'number') fail(path, 'threshold must be a number');
    if (new Set(keyids).size !== keyids.length) fail(path, 'keyids must be unique');
    if (threshold < 1) fail(path, 'threshold must be at least 1');
    roles.set(name, { keyids, threshold });
  }
  // An empty spec_version reads as the reader's own, as in the reference reader (harmless: it is signed).
  const spec = specVersion === '' ? '1.0.31' : specVersion;
  if (!isSupportedSpecVersion(spec)) fail('signed.spec_version', 'must be a TUF 1.x version');
  for (const name of TOP_LEVEL_ROLES) if (!roles.has(name)) fail('signed.roles', `role ${name} is missing`);

  const seen = new Set<string>();
  const sigs: { keyid: string; sig: string }[] = [];
  // forEach, as the reference reader: a hole in a (non-JSON) array is no record.
  signatures.forEach(({ keyid, sig }: Record<string, unknown>, i) => {
    if (typeof keyid !== 'string' || typeof sig !== 'string') fail(`signatures[${i}]`, 'keyid and sig must be strings');
    if (seen.has(keyid)) fail(`signatures[${i}]`, `a second signature by ${keyid}`);
    seen.add(keyid);
    sigs.push({ keyid, sig });
  });
  return { specVersion: spec, version, expires, consistentSnapshot, keys, roles, signatures: sigs };
}
