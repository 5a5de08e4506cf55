import { canonicalJson, isRecord } from '@fwkit/device-core';
import { ImageError } from './errors.js';
import { MAX_SIGNATURES, MAX_SIGNATURES_BYTES, SIGNATURES_PAYLOAD_TYPE } from './layout.js';
import { parseCanonicalJson } from './manifest.js';

/** One signature record of signatures.json (the shape of @fwkit/device-trust's SignatureRecord). */
export interface ImageSignature {
  readonly keyid: string;
  /** Ed25519 signature over PAE(SIGNATURES_PAYLOAD_TYPE, manifest bytes), 128 lowercase hex characters. */
  readonly sig: string;
}

export interface SignaturesDocument {
  readonly payloadType: typeof SIGNATURES_PAYLOAD_TYPE;
  readonly signatures: readonly ImageSignature[];
}

const KEYID = /^[0-9a-f]{64}$/;
const SIG = /^[0-9a-f]{128}$/;

function sameKeys(value: Record<string, unknown>, keys: readonly string[]): boolean {
  const own = Object.keys(value).sort();
  return own.length === keys.length && own.every((k, i) => k === keys[i]);
}

/** Problems with a list of signatures, each with its path; empty when the list is well-formed and sorted. */
function signatureIssues(signatures: readonly unknown[]): { path: string; message: string }[] {
  const issues: { path: string; message: string }[] = [];
  if (signatures.length > MAX_SIGNATURES) issues.push({ path: 'signatures', message: `more than ${MAX_SIGNATURES} signatures` });
  let previous: string | undefined;
  signatures.forEach((record, i) => {
    const path = `signatures[${i}]`;
    if (!isRecord(record) || !sameKeys(record, ['keyid', 'sig'])) {
      issues.push({ path, message: 'must be exactly {"keyid", "sig"}' });
      return;
    }
    const { keyid, sig } = record;
    if (typeof keyid !== 'string' || !KEYID.test(keyid))
      issues.push({ path: `${path}.keyid`, message: 'must be 64 lowercase hex characters' });
    if (typeof sig !== 'string' || !SIG.test(sig)) issues.push({ path: `${path}.sig`, message: 'must be 128 lowercase hex characters' });
    if (typeof keyid === 'string') {
      if (previous !== undefined && keyid <= previous) {
        issues.push({ path: `${path}.keyid`, message: keyid === previous ? 'keyid appears twice' : 'signatures must be sorted by keyid' });
      }
      previous = keyid;
    }
  });
  return issues;
}

/** signatures.json for `signatures` (sorted by keyid here). Throws IMAGE_ENCODE_INVALID for malformed records. */
export function encodeSignatures(signatures: readonly ImageSignature[]): Uint8Array {
  const sorted = [...signatures]
    .map((s) => ({ keyid: s.keyid, sig: s.sig }))
    .sort((a, b) => (a.keyid < b.keyid ? -1 : a.keyid > b.keyid ? 1 : 0));
  const issues = signatureIssues(sorted);
  if (issues.length > 0) {
    throw new ImageError('IMAGE_ENCODE_INVALID', `signatures are invalid: ${issues.map((i) => `${i.path}: ${i.message}`).join('; ')}`, {
      details: { issues },
    });
  }
  const bytes = canonicalJson({ payloadType: SIGNATURES_PAYLOAD_TYPE, signatures: sorted });
  if (bytes.byteLength > MAX_SIGNATURES_BYTES) throw new ImageError('IMAGE_ENCODE_INVALID', 'signatures.json would exceed its size limit');
  return bytes;
}

/**
 * Decode signatures.json strictly: bounded size, canonical JSON bytes, exactly
 * {"payloadType", "signatures"} with the fwkit payload type, at most MAX_SIGNATURES records of
 * exactly {"keyid": hex64, "sig": hex128}, sorted by keyid without repeats. Anything else is
 * SIGNATURES_INVALID: a loose parser is a place for a second meaning to hide.
 */
export function decodeSignatures(bytes: Uint8Array): SignaturesDocument {
  if (bytes.byteLength > MAX_SIGNATURES_BYTES) {
    throw new ImageError('IMAGE_ENTRY_TOO_LARGE', `signatures.json is ${bytes.byteLength} bytes; the limit is ${MAX_SIGNATURES_BYTES}`, {
      details: { entry: 'signatures.json', size: bytes.byteLength, limit: MAX_SIGNATURES_BYTES },
    });
  }
  const fail = (issues: { path: string; message: string }[]): ImageError =>
    new ImageError(
      'SIGNATURES_INVALID',
      `signatures.json is invalid: ${issues.map((i) => `${i.path || '(root)'}: ${i.message}`).join('; ')}`,
      {
        details: { issues },
      },
    );
  const parsed = parseCanonicalJson(bytes);
  if (parsed === undefined) throw fail([{ path: '', message: 'not UTF-8 JSON without duplicate keys' }]);
  if (!parsed.canonical) throw fail([{ path: '', message: 'not canonical JSON' }]);
  const { value } = parsed;
  if (!isRecord(value) || !sameKeys(value, ['payloadType', 'signatures'])) {
    throw fail([{ path: '', message: 'must be exactly {"payloadType", "signatures"}' }]);
  }
  const issues: { path: string; message: string }[] = [];
  if (value.payloadType !== SIGNATURES_PAYLOAD_TYPE) issues.push({ path: 'payloadType', message: `must be "${SIGNATURES_PAYLOAD_TYPE}"` });
  const list = value.signatures;
  if (!Array.isArray(list)) throw fail([...issues, { path: 'signatures', message: 'must be an array' }]);
  issues.push(...signatureIssues(list));
  if (issues.length > 0) throw fail(issues);
  const signatures = (list as ImageSignature[]).map((s) => Object.freeze({ keyid: s.keyid, sig: s.sig }));
  return Object.freeze({ payloadType: SIGNATURES_PAYLOAD_TYPE, signatures: Object.freeze(signatures) });
}
