import type { FuzzTarget } from '../engine/target.js';
import { deviceTarget, ledgerTarget, platformTarget, productTarget, releaseTarget, trustRootTarget } from './documents.js';
import { manifestTarget, signaturesTarget, tarTarget, verifySignedTarget, verifyTarget } from './image.js';
import { ipcTarget } from './ipc.js';

/** Every parser of untrusted bytes, by name (the order `npm run fuzz` runs them in). */
export const TARGETS: Readonly<Record<string, () => FuzzTarget | Promise<FuzzTarget>>> = {
  'tar-reader': () => tarTarget,
  'verify-image': () => verifyTarget,
  'verify-signed': () => verifySignedTarget,
  manifest: () => manifestTarget,
  signatures: () => signaturesTarget,
  'trust-root': () => trustRootTarget,
  'device-json': () => deviceTarget,
  ledger: () => ledgerTarget,
  'release-json': () => releaseTarget,
  'product-json': () => productTarget,
  'platform-json': () => platformTarget,
  'ipc-line': ipcTarget,
};

export async function loadTarget(name: string): Promise<FuzzTarget> {
  const make = TARGETS[name];
  if (make === undefined) throw new Error(`unknown fuzz target "${name}"; known: ${Object.keys(TARGETS).join(', ')}`);
  return make();
}
