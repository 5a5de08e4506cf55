import { canonicalJson, sha256Hex, toHex } from '@fwkit/device-core';
import { assertValidPublicKey } from './ed25519.js';

/** A TUF public key object. Root metadata may carry extra fields; they are part of the keyid. */
export interface TufKey {
  readonly keytype: 'ed25519';
  readonly scheme: 'ed25519';
  readonly keyval: { readonly public: string };
}

export function tufKeyOf(publicKey: Uint8Array): TufKey {
  assertValidPublicKey(publicKey);
  return Object.freeze({ keytype: 'ed25519', scheme: 'ed25519', keyval: Object.freeze({ public: toHex(publicKey) }) });
}

/** TUF keyid: SHA-256 (hex) of the canonical JSON of the whole key object, extra fields included. */
export function keyIdOf(key: TufKey | object): string {
  return sha256Hex(canonicalJson(key));
}
