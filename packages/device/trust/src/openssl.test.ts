import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { toHex } from '@fwkit/device-core';
import { describeWithTools } from '@fwkit/test-utils';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { generateKeyPair, signEd25519, verifyEd25519 } from './index.js';
import { privateKeyFromPem, privateKeyToPem, publicKeyFromPem, publicKeyToPem } from '@fwkit/release-signing';

// Real `openssl` child processes: fwkit's keys and signatures must be plain Ed25519 that any
// standard tool reads and checks, not something only fwkit understands.
const run = promisify(execFile);
const openssl = (args: string[]) => run('openssl', args);

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'fwkit-openssl-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

const message = new TextEncoder().encode('fwkit firmware manifest bytes\n');

describeWithTools('openssl', 'openssl interoperability', () => {
  it('openssl reads the PKCS#8 private key PEM and derives the same SPKI public key PEM', async () => {
    const { privateKey, publicKey } = generateKeyPair();
    await writeFile(join(dir, 'a.key.pem'), privateKeyToPem(privateKey), { mode: 0o600 });
    const { stdout } = await openssl(['pkey', '-in', join(dir, 'a.key.pem'), '-pubout']);
    expect(stdout).toBe(publicKeyToPem(publicKey));
    // And openssl re-emits the private key byte-identically.
    const { stdout: again } = await openssl(['pkey', '-in', join(dir, 'a.key.pem')]);
    expect(again).toBe(privateKeyToPem(privateKey));
  });

  it('a signature made by fwkit verifies with openssl pkeyutl', async () => {
    const { privateKey, publicKey } = generateKeyPair();
    await writeFile(join(dir, 'b.pub.pem'), publicKeyToPem(publicKey));
    await writeFile(join(dir, 'b.msg'), message);
    await writeFile(join(dir, 'b.sig'), signEd25519(privateKey, message));
    const verify = ['pkeyutl', '-verify', '-rawin', '-pubin', '-inkey', join(dir, 'b.pub.pem'), '-sigfile', join(dir, 'b.sig')];
    const { stdout } = await openssl([...verify, '-in', join(dir, 'b.msg')]);
    expect(stdout).toContain('Signature Verified Successfully');

    // The check is real: openssl refuses the same signature over other bytes.
    await writeFile(join(dir, 'b.other'), new TextEncoder().encode('fwkit firmware manifest bytes!'));
    await expect(openssl([...verify, '-in', join(dir, 'b.other')])).rejects.toThrow();
  });

  it('a key generated and a signature made by openssl verify in fwkit, and fwkit signs identically', async () => {
    await openssl(['genpkey', '-algorithm', 'ed25519', '-out', join(dir, 'c.key.pem')]);
    await writeFile(join(dir, 'c.msg'), message);
    await openssl(['pkeyutl', '-sign', '-rawin', '-inkey', join(dir, 'c.key.pem'), '-in', join(dir, 'c.msg'), '-out', join(dir, 'c.sig')]);
    const { stdout: pubPem } = await openssl(['pkey', '-in', join(dir, 'c.key.pem'), '-pubout']);

    const publicKey = publicKeyFromPem(pubPem);
    const sig = new Uint8Array(await readFile(join(dir, 'c.sig')));
    expect(sig).toHaveLength(64);
    expect(verifyEd25519(publicKey, message, sig)).toBe(true);
    expect(verifyEd25519(publicKey, new TextEncoder().encode('other'), sig)).toBe(false);

    // fwkit reads openssl's private key, and (Ed25519 being deterministic) produces the same signature.
    const privateKey = privateKeyFromPem(await readFile(join(dir, 'c.key.pem'), 'utf8'));
    expect(toHex(signEd25519(privateKey, message))).toBe(toHex(sig));
  });
});
