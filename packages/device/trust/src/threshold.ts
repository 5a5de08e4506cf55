import { toHex } from '@fwkit/device-core';
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
  | { ok: true; signers: string[] }
  | {
      ok: false;
      code: ThresholdFailure;
      message: string;
      validKeys: number;
      threshold: number;
      /** The keyids the signatures name (distinct, in order; malformed ones left out). */
      signedBy: string[];
      /** The keyids the role trusts. */
      trusted: string[];
    };

/** A keyid short enough for a message (the full ones are in the error's details). */
const shortKeyid = (keyid: string): string => (keyid.length > 16 ? `${keyid.slice(0, 16)}…` : keyid);
const keyidList = (keyids: readonly string[]): string => (keyids.length === 0 ? 'none' : keyids.map(shortKeyid).join(', '));

const SIG_HEX = /^[0-9a-f]{128}$/;

function parseSig(sig: unknown): Uint8Array | undefined {
  if (typeof sig !== 'string' || !SIG_HEX.test(sig)) return undefined;
  return new Uint8Array(Buffer.from(sig, 'hex'));
}

/**
 * What one signature record counts for:
 * - `counted`: a valid signature by a role key not counted before;
 * - `key-unknown`: its keyid is not a key of the role (a key of another role, an old or a foreign key);
 * - `malformed`: its keyid or signature is not of the right form;
 * - `bad-signature`: from a role key, but it does not verify over the message;
 * - `duplicate-key`: valid, but its public key already counted under another keyid (`sameKeyAs`).
 * Only `counted` records count toward the threshold; the others are ignored once it is met.
 */
export type SignatureStatus = 'counted' | 'key-unknown' | 'malformed' | 'bad-signature' | 'duplicate-key';

export interface SignatureJudgement {
  /** Position of the record in the list. */
  readonly index: number;
  /** The keyid as the record gives it (a string, or undefined when it is not one). */
  readonly keyid: string | undefined;
  readonly status: SignatureStatus;
  /** True when the keyid names a key of the role (whatever the signature). */
  readonly fromRoleKey: boolean;
  /** For `duplicate-key`: the keyid under which the same public key already counted. */
  readonly sameKeyAs?: string;
}

/**
 * Judge every signature record over `message` against the role's keys, in list order: the one
 * rule for what counts, used by the threshold check and by `fwkit inspect`. Pure and total:
 * malformed records from an attacker are judged, they never throw.
 */
export function judgeSignatures(message: Uint8Array, signatures: readonly SignatureRecord[], role: RoleKeys): SignatureJudgement[] {
  const countedUnder = new Map<string, string>();
  return signatures.map((record, index): SignatureJudgement => {
    const keyid: unknown = record.keyid;
    if (typeof keyid !== 'string') return { index, keyid: undefined, status: 'malformed', fromRoleKey: false };
    const publicKey = role.keys.get(keyid);
    if (publicKey === undefined) return { index, keyid, status: 'key-unknown', fromRoleKey: false };
    const sig = parseSig(record.sig);
    if (sig === undefined) return { index, keyid, status: 'malformed', fromRoleKey: true };
    if (!verifyEd25519(publicKey, message, sig)) return { index, keyid, status: 'bad-signature', fromRoleKey: true };
    const keyHex = toHex(publicKey);
    const earlier = countedUnder.get(keyHex);
    if (earlier !== undefined) return { index, keyid, status: 'duplicate-key', fromRoleKey: true, sameKeyAs: earlier };
    countedUnder.set(keyHex, keyid);
    return { index, keyid, status: 'counted', fromRoleKey: true };
  });
}

/**
 * Threat: threshold. Counts DISTINCT PUBLIC KEYS whose signature over `message` verifies: one
 * stolen key listed under two keyids (or one signature repeated) must not count twice. Pure and
 * total: malformed records from an attacker make a signature invalid, they never throw.
 */
export function checkThreshold(message: Uint8Array, signatures: readonly SignatureRecord[], role: RoleKeys): ThresholdResult {
  const threshold = role.threshold;
  const judged = judgeSignatures(message, signatures, role);
  const signers = judged.flatMap((j) => (j.status === 'counted' && j.keyid !== undefined ? [j.keyid] : []));
  const fromTrustedKey = judged.filter((j) => j.fromRoleKey).length;
  const invalid = judged.filter((j) => j.fromRoleKey && (j.status === 'malformed' || j.status === 'bad-signature')).length;
  const validKeys = signers.length;
  // A threshold below 1 would let an unsigned document through: treat it as never met.
  if (Number.isInteger(threshold) && threshold >= 1 && validKeys >= threshold) {
    return { ok: true, signers: signers.sort() };
  }
  const signedBy = [...new Set(judged.flatMap((j) => (j.keyid === undefined ? [] : [j.keyid])))];
  const trusted = [...role.keys.keys()].sort();
  const fail = (code: ThresholdFailure, message: string): ThresholdResult => ({
    ok: false,
    code,
    message,
    validKeys,
    threshold,
    signedBy,
    trusted,
  });
  if (invalid > 0)
    return fail('SIGNATURE_INVALID', `${invalid} signature(s) from trusted keys did not verify; ${validKeys}/${threshold} valid`);
  if (fromTrustedKey === 0) {
    const by = signedBy.length === 0 ? 'there is no signature' : `signed by ${keyidList(signedBy)}`;
    return fail('SIGNATURE_KEY_UNKNOWN', `no signature is from a trusted key (0/${threshold}): ${by}; trusted: ${keyidList(trusted)}`);
  }
  return fail('SIGNATURE_THRESHOLD_NOT_MET', `${validKeys} distinct trusted key(s) signed; ${threshold} needed`);
}
