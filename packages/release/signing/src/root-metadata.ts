import { canonicalJson, toHex } from '@fwkit/device-core';
import {
  isValidPublicKey,
  SigningError,
  checkThreshold,
  type SignatureRecord,
  parseTufDate,
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
  readonly roles: Readonly<Record<RoleName, { readonly publicKeys: readonly Uint8Array[]; readonly threshold: number }>>;
}

/** TUF's date form: ISO 8601 in UTC without milliseconds. */
export function tufDate(date: Date): string {
  return date.toISOString().replace(/\.\d{3}Z$/, 'Z');
}

function badOptions(message: string): SigningError {
  return new SigningError('ROOT_OPTIONS_INVALID', `cannot create root metadata: ${message}`);
}

/**
 * New TUF root metadata signed by `rootSigners` (the new root keys, plus the old ones when
 * rotating). Refuses roles that could never be satisfied and signers that do not meet the new
 * root threshold, so a mistake shows up here rather than as a bricked fleet.
 */
export async function createRootMetadata(
  opts: RootMetadataOptions,
  rootSigners: readonly Signer[],
): Promise<{ signed: object; signatures: SignatureRecord[] }> {
  if (!Number.isSafeInteger(opts.version) || opts.version < 1) throw badOptions('version must be a positive integer');
  if (!(opts.expires instanceof Date) || Number.isNaN(opts.expires.getTime()) || parseTufDate(tufDate(opts.expires)) === undefined) {
    throw badOptions('expires must be a valid Date between years 0000 and 9999');
  }

  const keys: Record<string, object> = {};
  const roles: Record<string, { keyids: string[]; threshold: number }> = {};
  const rootKeys = new Map<string, Uint8Array>();
  let rootThreshold = 0;
  for (const name of ROLE_NAMES) {
    const role = opts.roles[name] as (typeof opts.roles)[RoleName] | undefined;
    if (role === undefined) throw badOptions(`role ${name} is missing`);
    const keyids: string[] = [];
    const seen = new Set<string>();
    for (const publicKey of role.publicKeys) {
      if (!isValidPublicKey(publicKey)) throw badOptions(`role ${name} lists an invalid Ed25519 public key`);
      if (seen.has(toHex(publicKey))) throw badOptions(`role ${name} lists the same public key twice`);
      seen.add(toHex(publicKey));
      const key = tufKeyOf(publicKey);
      const keyid = keyIdOf(key);
      keys[keyid] = key;
      keyids.push(keyid);
      if (name === 'root') rootKeys.set(keyid, Uint8Array.from(publicKey));
    }
    if (!Number.isSafeInteger(role.threshold) || role.threshold < 1 || role.threshold > keyids.length) {
      throw badOptions(`role ${name} threshold must be between 1 and its number of keys (${keyids.length})`);
    }
    roles[name] = { keyids, threshold: role.threshold };
    if (name === 'root') rootThreshold = role.threshold;
  }

  const signed = {
    _type: 'root',
    spec_version: TUF_SPEC_VERSION,
    version: opts.version,
    expires: tufDate(opts.expires),
    consistent_snapshot: false,
    keys,
    roles,
  };
  const message = canonicalJson(signed);
  const signatures = await signMessage(message, rootSigners);
  const check = checkThreshold(message, signatures, { threshold: rootThreshold, keys: rootKeys });
  if (!check.ok) {
    throw new SigningError('ROOT_THRESHOLD_NOT_MET', `the root signers do not meet the new root threshold: ${check.message}`, {
      details: { validKeys: check.validKeys, threshold: check.threshold },
    });
  }
  return { signed, signatures };
}
