import { toHex } from '@fwkit/device-core';
import {
  isValidPublicKey,
  SigningError,
  checkThreshold,
  judgeSignatures,
  type SignatureRecord,
  type SignatureStatus,
  parseTufDate,
  readRootMetadata,
  type RootMetadata,
  type RoleKeys,
  ROLE_NAMES,
  type RoleName,
  keyIdOf,
  tufKeyOf,
} from '@fwkit/device-trust';
import { signMessage, type Signer } from './signer.js';

export const TUF_SPEC_VERSION = '1.0.31';

export interface RootMetadataOptions {
  readonly version: number;
  readonly expires: Date;
  /** TUF's consistent_snapshot (default false: fwkit has no repository yet; a later issue adds one). */
  readonly consistentSnapshot?: boolean;
  readonly roles: Readonly<Record<RoleName, { readonly publicKeys: readonly Uint8Array[]; readonly threshold: number }>>;
}

/** root.json as written: `signed` and the root signatures over its canonical JSON. */
export interface RootMetadataDocument {
  readonly signed: object;
  readonly signatures: SignatureRecord[];
}

/** TUF's date form: ISO 8601 in UTC without milliseconds. */
export function tufDate(date: Date): string {
  return date.toISOString().replace(/\.\d{3}Z$/, 'Z');
}

function badOptions(message: string, details?: Record<string, unknown>): SigningError {
  return new SigningError('ROOT_OPTIONS_INVALID', `cannot create root metadata: ${message}`, details === undefined ? {} : { details });
}

/**
 * New TUF root metadata with no signatures yet (`fwkit root init`). Refuses roles that could never
 * be satisfied (a threshold of 0 or above the number of keys, the same key twice in a role,
 * invalid keys) and, when `now` is given, an expiry that is not after it.
 */
export function unsignedRootMetadata(opts: RootMetadataOptions, now?: Date): RootMetadataDocument {
  if (!Number.isSafeInteger(opts.version) || opts.version < 1) throw badOptions('version must be a positive integer');
  if (!(opts.expires instanceof Date) || Number.isNaN(opts.expires.getTime()) || parseTufDate(tufDate(opts.expires)) === undefined) {
    throw badOptions('expires must be a valid Date between years 0000 and 9999');
  }
  if (now !== undefined && opts.expires.getTime() <= now.getTime()) {
    throw badOptions(`expires ${tufDate(opts.expires)} is not in the future`, { expires: tufDate(opts.expires) });
  }

  const keys: Record<string, object> = {};
  const roles: Record<string, { keyids: string[]; threshold: number }> = {};
  for (const name of ROLE_NAMES) {
    const role = opts.roles[name] as (typeof opts.roles)[RoleName] | undefined;
    if (role === undefined) throw badOptions(`role ${name} is missing`);
    const keyids: string[] = [];
    const seen = new Map<string, number>();
    role.publicKeys.forEach((publicKey, i) => {
      if (!isValidPublicKey(publicKey))
        throw badOptions(`role ${name} lists an invalid Ed25519 public key (key ${i + 1})`, { role: name, index: i });
      const earlier = seen.get(toHex(publicKey));
      if (earlier !== undefined) {
        throw badOptions(`role ${name} lists the same public key twice (keys ${earlier + 1} and ${i + 1})`, {
          role: name,
          index: i,
          earlier,
        });
      }
      seen.set(toHex(publicKey), i);
      const key = tufKeyOf(publicKey);
      const keyid = keyIdOf(key);
      keys[keyid] = key;
      keyids.push(keyid);
    });
    if (!Number.isSafeInteger(role.threshold) || role.threshold < 1 || role.threshold > keyids.length) {
      throw badOptions(`role ${name} threshold must be between 1 and its number of keys (${keyids.length})`, { role: name });
    }
    roles[name] = { keyids, threshold: role.threshold };
  }

  const signed = {
    _type: 'root',
    spec_version: TUF_SPEC_VERSION,
    version: opts.version,
    expires: tufDate(opts.expires),
    consistent_snapshot: opts.consistentSnapshot ?? false,
    keys,
    roles,
  };
  return { signed, signatures: [] };
}

/**
 * New TUF root metadata signed by `rootSigners` (the new root keys, plus the old ones when
 * rotating). Refuses roles that could never be satisfied and signers that do not meet the new
 * root threshold, so a mistake shows up here rather than as a bricked fleet.
 */
export async function createRootMetadata(opts: RootMetadataOptions, rootSigners: readonly Signer[]): Promise<RootMetadataDocument> {
  const { signed } = unsignedRootMetadata(opts);
  // The message and the threshold come from the one root reader, as a device reads them.
  const root = readRootMetadata({ signed, signatures: [] });
  const signatures = await signMessage(root.message, rootSigners);
  const check = checkThreshold(root.message, signatures, rootRoleOf(root));
  if (!check.ok) {
    throw new SigningError('ROOT_THRESHOLD_NOT_MET', `the root signers do not meet the new root threshold: ${check.message}`, {
      details: { validKeys: check.validKeys, threshold: check.threshold },
    });
  }
  return { signed, signatures };
}

function rootRoleOf(root: RootMetadata): RoleKeys {
  const role = root.roles.get('root');
  if (role === undefined) throw new SigningError('TRUST_ROOT_INVALID', 'root metadata has no root role');
  return role;
}

/**
 * `root` with one more signature, by `signer`, over the canonical JSON of its `signed` (the one
 * form readRootMetadata gives): key holders sign in turn, one key each. The signer must be a key
 * of the root role (ROOT_SIGNER_UNKNOWN); a signature it made before is replaced, every other is
 * kept as it is. Rotation (a later issue) will also accept the previous root's root keys.
 */
export async function signRootMetadata(root: RootMetadata, signer: Signer): Promise<RootMetadataDocument> {
  const known = rootRoleOf(root).keys.get(signer.keyid);
  if (known === undefined || toHex(known) !== toHex(signer.publicKey)) {
    throw new SigningError('ROOT_SIGNER_UNKNOWN', `key ${signer.keyid} is not a key of this root's root role`, {
      details: { keyid: signer.keyid },
    });
  }
  const [record] = await signMessage(root.message, [signer]);
  if (record === undefined) throw new SigningError('SIGNER_INVALID', `signer ${signer.keyid} made no signature`);
  const { signed, signatures } = root.metadata as { signed: object; signatures: readonly SignatureRecord[] };
  const others = signatures.filter((s) => s.keyid !== signer.keyid).map((s) => ({ ...s }));
  return { signed: structuredClone(signed), signatures: [...others, record] };
}

/** How one root key's signature stands: what `fwkit root show` and `root sign` print per key. */
export type RootKeySignature = 'valid' | 'missing' | 'invalid' | 'duplicate-key';

export interface RootSignatureStatus {
  readonly threshold: number;
  /** Distinct root keys with a valid signature (what counts toward the threshold). */
  readonly valid: number;
  /** The root role's threshold is met: the root counts (trustRootFromJSON's rule, checkThreshold). */
  readonly thresholdMet: boolean;
  /** Each root role key, in the role's order. */
  readonly keys: readonly { readonly keyid: string; readonly status: RootKeySignature }[];
  /** Signature records that are not from a root key (another role's key, a foreign key, malformed): never counted. */
  readonly ignored: readonly { readonly keyid: string | undefined; readonly status: SignatureStatus }[];
}

/** The root role's signature status, judged by the device's rules (judgeSignatures, checkThreshold). */
export function rootSignatureStatus(root: RootMetadata): RootSignatureStatus {
  const role = rootRoleOf(root);
  const judged = judgeSignatures(root.message, root.signatures, role);
  const statusOf = (keyid: string): RootKeySignature => {
    const mine = judged.filter((j) => j.keyid === keyid);
    if (mine.some((j) => j.status === 'counted')) return 'valid';
    if (mine.some((j) => j.status === 'duplicate-key')) return 'duplicate-key';
    return mine.length > 0 ? 'invalid' : 'missing';
  };
  const check = checkThreshold(root.message, root.signatures, role);
  return {
    threshold: role.threshold,
    valid: judged.filter((j) => j.status === 'counted').length,
    thresholdMet: check.ok,
    keys: [...role.keys.keys()].map((keyid) => ({ keyid, status: statusOf(keyid) })),
    ignored: judged.filter((j) => !j.fromRoleKey).map((j) => ({ keyid: j.keyid, status: j.status })),
  };
}
