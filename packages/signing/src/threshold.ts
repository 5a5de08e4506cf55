import { toHex } from '@fwkit/core';
import { verifyEd25519 } from './ed25519.js';

export interface SignatureRecord {
  readonly keyid: string;
  /** Ed25519 signature, 128 lowercase hex characters. */
  readonly sig: string;
}

/** The keys trusted for one role and how many distinct ones must sign. */
export interface RoleKeys {
  readonly threshold: number;
  /** keyid → 32-byte public key. Two keyids may name the same public key; it still counts once. */
  readonly keys: ReadonlyMap<string, Uint8Array>;
}

export type ThresholdFailure = 'SIGNATURE_THRESHOLD_NOT_MET' | 'SIGNATURE_KEY_UNKNOWN' | 'SIGNATURE_INVALID';

export type ThresholdResult =
  { ok: true; signers: string[] } | { ok: false; code: ThresholdFailure; message: string; validKeys: number; threshold: number };

const SIG_HEX = /^[0-9a-f]{128}$/;

function parseSig(sig: unknown): Uint8Array | undefined {
  if (typeof sig !== 'string' || !SIG_HEX.test(sig)) return undefined;
  return new Uint8Array(Buffer.from(sig, 'hex'));
}

/**
 * Threat: threshold. Counts DISTINCT PUBLIC KEYS whose signature over `message` verifies: one
 * stolen key listed under two keyids (or one signature repeated) must not count twice. Pure and
 * total: malformed records from an attacker make a signature invalid, they never throw.
 */
export function checkThreshold(message: Uint8Array, signatures: readonly SignatureRecord[], role: RoleKeys): ThresholdResult {
  const threshold = role.threshold;
  const verifiedKeys = new Set<string>();
  const signers: string[] = [];
  let fromTrustedKey = 0;
  let invalid = 0;
  for (const record of signatures) {
    const keyid: unknown = record.keyid;
    const publicKey = typeof keyid === 'string' ? role.keys.get(keyid) : undefined;
    if (typeof keyid !== 'string' || publicKey === undefined) continue;
    fromTrustedKey += 1;
    const sig = parseSig(record.sig);
    if (sig === undefined || !verifyEd25519(publicKey, message, sig)) {
      invalid += 1;
      continue;
    }
    const keyHex = toHex(publicKey);
    if (!verifiedKeys.has(keyHex)) {
      verifiedKeys.add(keyHex);
      signers.push(keyid);
    }
  }
  const validKeys = verifiedKeys.size;
  // A threshold below 1 would let an unsigned document through: treat it as never met.
  if (Number.isInteger(threshold) && threshold >= 1 && validKeys >= threshold) {
    return { ok: true, signers: signers.sort() };
  }
  const fail = (code: ThresholdFailure, message: string): ThresholdResult => ({ ok: false, code, message, validKeys, threshold });
  if (invalid > 0)
    return fail('SIGNATURE_INVALID', `${invalid} signature(s) from trusted keys did not verify; ${validKeys}/${threshold} valid`);
  if (fromTrustedKey === 0) return fail('SIGNATURE_KEY_UNKNOWN', `no signature is from a trusted key (0/${threshold})`);
  return fail('SIGNATURE_THRESHOLD_NOT_MET', `${validKeys} distinct trusted key(s) signed; ${threshold} needed`);
}
