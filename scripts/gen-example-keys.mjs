#!/usr/bin/env node
// Regenerates keys.example/: the EXAMPLE Ed25519 keys (PEM) and the TUF root.json they make.
// These keys are PUBLISHED and worthless as secrets. Their seeds are derived from their names
// (SHA-256 of "fwkit-EXAMPLE-key-<name>") so that re-running this script reproduces the same
// files byte for byte (Ed25519 signatures are deterministic). Real keys: `fwkit keys generate`.
// Run after `npm run build`: node scripts/gen-example-keys.mjs
import { chmod } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { sha256 } from '@fwkit/device-core';
import { writeFileAtomic } from '@fwkit/release-core';
import * as prettier from 'prettier';
import { EXAMPLE_KEYIDS, keyIdOf, publicKeyOf, trustRootFromJSON, tufKeyOf } from '@fwkit/device-trust';
import { createRootMetadata, privateKeyToPem, publicKeyToPem, signerFromPrivateKey } from '@fwkit/release-signing';

const dir = fileURLToPath(new URL('../keys.example/', import.meta.url));
const names = ['root-1', 'targets-1', 'targets-2', 'snapshot-1', 'timestamp-1'];

const keys = {};
for (const name of names) {
  const privateKey = sha256(Buffer.from(`fwkit-EXAMPLE-key-${name}`));
  const publicKey = publicKeyOf(privateKey);
  keys[name] = { privateKey, publicKey, keyid: keyIdOf(tufKeyOf(publicKey)) };
  await writeFileAtomic(`${dir}${name}.key.pem`, privateKeyToPem(privateKey));
  await chmod(`${dir}${name}.key.pem`, 0o600);
  await writeFileAtomic(`${dir}${name}.pub.pem`, publicKeyToPem(publicKey));
  console.error(`wrote keys.example/${name}.{key,pub}.pem  keyid ${keys[name].keyid}`);
}

const expires = new Date('2036-01-01T00:00:00Z');
const root = await createRootMetadata(
  {
    version: 1,
    expires,
    roles: {
      root: { publicKeys: [keys['root-1'].publicKey], threshold: 1 },
      targets: { publicKeys: [keys['targets-1'].publicKey, keys['targets-2'].publicKey], threshold: 2 },
      snapshot: { publicKeys: [keys['snapshot-1'].publicKey], threshold: 1 },
      timestamp: { publicKeys: [keys['timestamp-1'].publicKey], threshold: 1 },
    },
  },
  [signerFromPrivateKey(keys['root-1'].privateKey)],
);
// Check what we wrote verifies as a trust root (at a time just before it expires).
trustRootFromJSON(root, new Date(expires.getTime() - 1000));
// Pretty-printed (the signature covers the canonical JSON of "signed", not these bytes), in the
// repository's prettier style so `npm run format:check` and a re-run agree byte for byte.
const rootPath = `${dir}root.json`;
const options = { ...(await prettier.resolveConfig(rootPath)), filepath: rootPath };
await writeFileAtomic(rootPath, await prettier.format(JSON.stringify(root, null, 2) + '\n', options));
console.error('wrote keys.example/root.json');

const keyids = names.map((n) => keys[n].keyid).sort();
if (keyids.length !== EXAMPLE_KEYIDS.size || keyids.some((k) => !EXAMPLE_KEYIDS.has(k))) {
  console.error('\nEXAMPLE_KEYIDS in packages/device/trust/src/example-keys.ts is out of date; set it to:');
  console.error(keyids.map((k) => `  '${k}',`).join('\n'));
  process.exitCode = 1;
}
