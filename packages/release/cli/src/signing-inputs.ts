import { trustRootFromJSON, type TrustRoot } from '@fwkit/device-trust';
import { checkSigners } from '@fwkit/release-build/signers';
import type { Signer } from '@fwkit/release-signing';
import { readJsonFile, type Io } from './io.js';
import { loadSigners, resolveEpoch } from './options.js';

// Apart from options.ts, which the commands that sign nothing load too (matrix, inspect, root).
/**
 * The signers and the trust root read for the build time, every signer checked against it (named
 * by file).
 */
export async function signingKeys(
  io: Io,
  values: Parameters<typeof loadSigners>[1],
  sourceDateEpoch: number,
): Promise<{ signers: Signer[]; trust: TrustRoot; trustPath: string }> {
  const { signers, files, trustPath } = await loadSigners(io, values);
  const trust = trustRootFromJSON(await readJsonFile(io, trustPath, 'trust root'), new Date(sourceDateEpoch * 1000));
  checkSigners(signers, trust, files);
  return { signers, trust, trustPath };
}

/** What a release starts from: the build time and the signing keys, before anything is built. */
export async function signingInputs(
  io: Io,
  values: Parameters<typeof loadSigners>[1],
  repoRoot: string,
): Promise<{ sourceDateEpoch: number; signers: Signer[]; trust: TrustRoot; trustPath: string }> {
  const sourceDateEpoch = await resolveEpoch(io, repoRoot);
  return { sourceDateEpoch, ...(await signingKeys(io, values, sourceDateEpoch)) };
}
