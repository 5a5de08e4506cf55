import { pae } from '@fwkit/device-trust';
import { signMessage, type Signer } from './signer.js';
import type { SignatureRecord } from '@fwkit/device-trust';

/** DSSE-style signatures: each signer signs PAE(payloadType, body); one record per keyid, sorted by keyid. */
export async function signEnvelope(payloadType: string, body: Uint8Array, signers: readonly Signer[]): Promise<SignatureRecord[]> {
  return signMessage(pae(payloadType, body), signers);
}
