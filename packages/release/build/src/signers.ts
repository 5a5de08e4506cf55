import { bytesEqual, toHex } from '@fwkit/device-core';
import type { TrustRoot } from '@fwkit/device-trust';
import { BuildError } from './errors.js';

/** What the check needs of a signer: its keyid and public key (never its private key). */
export interface SignerKey {
  readonly keyid: string;
  readonly publicKey: Uint8Array;
}

/**
 * Before anything is built: every signer must be a key of the trust root's `targets` role (same
 * keyid, same public key), and the distinct public keys must meet the role's threshold. Without
 * this, a wrong key was found only by the self-verification after bundling and signing.
 * `sources` names where each signer came from (a key file), in the same order, for the message.
 */
export function checkSigners(signers: readonly SignerKey[], trust: TrustRoot, sources: readonly string[] = []): void {
  const role = trust.role('targets');
  const named = (signer: SignerKey, index: number) => {
    const source = sources[index];
    return source === undefined ? `keyid ${signer.keyid}` : `${source} (keyid ${signer.keyid})`;
  };
  const untrusted = signers.flatMap((signer, index) => {
    const trusted = role.keys.get(signer.keyid);
    return trusted !== undefined && bytesEqual(trusted, signer.publicKey) ? [] : [{ signer, index }];
  });
  if (untrusted.length > 0) {
    throw new BuildError(
      'BUILD_SIGNER_UNTRUSTED',
      `not a targets key of the trust root (version ${trust.version}): ${untrusted.map((u) => named(u.signer, u.index)).join(', ')}; nothing was built`,
      {
        details: {
          keys: untrusted.map((u) => ({ keyid: u.signer.keyid, ...(sources[u.index] === undefined ? {} : { source: sources[u.index] }) })),
        },
      },
    );
  }
  // Distinct public keys, as the verifier counts them: one key under two keyids counts once.
  const distinct = new Set(signers.map((s) => toHex(s.publicKey))).size;
  if (distinct < role.threshold) {
    throw new BuildError(
      'BUILD_SIGNERS_BELOW_THRESHOLD',
      `${distinct} distinct targets key(s) given, the trust root needs ${role.threshold}: ${signers.map(named).join(', ')}; nothing was built`,
      { details: { keyids: signers.map((s) => s.keyid), threshold: role.threshold, distinct } },
    );
  }
}
