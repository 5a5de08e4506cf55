import { toHex } from '@fwkit/device-core';
import { publicKeyOf, SIGNATURE_LENGTH, signEd25519, verifyEd25519, SigningError, keyIdOf, tufKeyOf } from '@fwkit/device-trust';
import type { SignatureRecord } from '@fwkit/device-trust';

/**
 * Something that signs bytes with one Ed25519 key. A PEM file is one adapter
 * (`loadPemSigner`); an HSM, a KMS or an offline ceremony would be others.
 */
export interface Signer {
  readonly keyid: string;
  readonly publicKey: Uint8Array;
  sign(message: Uint8Array): Promise<Uint8Array>;
}

/**
 * A signer holding the seed in a closure: no property, `JSON.stringify` or `util.inspect`
 * reaches the private key, so a logged signer cannot leak it.
 */
export function signerFromPrivateKey(privateKey: Uint8Array): Signer {
  const seed = Uint8Array.from(privateKey);
  // From the copy the signer keeps: device-trust makes its OpenSSL key once per seed array.
  const publicKey = publicKeyOf(seed);
  const keyid = keyIdOf(tufKeyOf(publicKey));
  return Object.freeze({
    keyid,
    publicKey,
    // An executor, so a bad argument becomes a rejected promise rather than a synchronous throw.
    sign: (message: Uint8Array): Promise<Uint8Array> =>
      new Promise((resolve) => {
        resolve(signEd25519(seed, message));
      }),
  });
}

/**
 * Sign `message` once per distinct signer (by keyid), sorted by keyid. Each signature is checked
 * against the signer's own public key before it is used, so a signer wired to the wrong key
 * fails here, at signing time, rather than on every device in the field.
 */
export async function signMessage(message: Uint8Array, signers: readonly Signer[]): Promise<SignatureRecord[]> {
  const byKeyId = new Map<string, Signer>();
  for (const signer of signers) {
    const seen = byKeyId.get(signer.keyid);
    if (seen !== undefined && toHex(seen.publicKey) !== toHex(signer.publicKey)) {
      throw new SigningError('SIGNER_INVALID', `two signers claim keyid ${signer.keyid} with different public keys`);
    }
    byKeyId.set(signer.keyid, signer);
  }
  const records: SignatureRecord[] = [];
  // One at a time: a hardware token usually cannot sign concurrently.
  for (const [keyid, signer] of byKeyId) {
    const sig = await signer.sign(message);
    if (!(sig instanceof Uint8Array) || sig.byteLength !== SIGNATURE_LENGTH || !verifyEd25519(signer.publicKey, message, sig)) {
      throw new SigningError('SIGNER_INVALID', `signer ${keyid} returned a signature that does not verify with its public key`);
    }
    records.push({ keyid, sig: toHex(sig) });
  }
  return records.sort((a, b) => (a.keyid < b.keyid ? -1 : a.keyid > b.keyid ? 1 : 0));
}
