import { mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { toHex } from '@fwkit/device-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateKeyFiles, loadPemSigner, publicKeyFromPem } from './index.js';
import { keyIdOf, tufKeyOf, verifyEd25519 } from '@fwkit/device-trust';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'fwkit-keys-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('generateKeyFiles', () => {
  it('writes a PKCS#8 private key (mode 0600) and an SPKI public key that belong together', async () => {
    const out = join(dir, 'new', 'nested');
    const made = await generateKeyFiles(out, 'targets-1');
    expect(made.privateKeyPath).toBe(join(out, 'targets-1.key.pem'));
    expect(made.publicKeyPath).toBe(join(out, 'targets-1.pub.pem'));
    expect((await stat(made.privateKeyPath)).mode & 0o777).toBe(0o600);
    expect((await readdir(out)).sort()).toEqual(['targets-1.key.pem', 'targets-1.pub.pem']); // no temp files left

    const publicKey = publicKeyFromPem(await readFile(made.publicKeyPath, 'utf8'));
    expect(made.keyid).toBe(keyIdOf(tufKeyOf(publicKey)));
    const signer = await loadPemSigner(made.privateKeyPath);
    expect(signer.keyid).toBe(made.keyid);
    const msg = new TextEncoder().encode('m');
    expect(verifyEd25519(publicKey, msg, await signer.sign(msg))).toBe(true);
  });

  it('makes a different key each time', async () => {
    const a = await generateKeyFiles(dir, 'a');
    const b = await generateKeyFiles(dir, 'b');
    expect(a.keyid).not.toBe(b.keyid);
  });

  it('refuses to overwrite an existing private or public key file (KEY_EXISTS)', async () => {
    const made = await generateKeyFiles(dir, 'once');
    const before = await readFile(made.privateKeyPath, 'utf8');
    await expect(generateKeyFiles(dir, 'once')).rejects.toMatchObject({ code: 'KEY_EXISTS' });
    expect(await readFile(made.privateKeyPath, 'utf8')).toBe(before);

    await writeFile(join(dir, 'half.pub.pem'), 'someone else’s public key');
    await expect(generateKeyFiles(dir, 'half')).rejects.toMatchObject({ code: 'KEY_EXISTS' });
    expect((await readdir(dir)).filter((n) => n.startsWith('half'))).toEqual(['half.pub.pem']);
  });

  it('refuses names that are not plain file names', async () => {
    for (const name of ['../escape', 'a/b', '', '.hidden', '-flag']) {
      await expect(generateKeyFiles(dir, name)).rejects.toMatchObject({ code: 'KEY_NAME_INVALID' });
    }
  });
});

describe('loadPemSigner', () => {
  it('reports a missing file as KEY_NOT_FOUND', async () => {
    await expect(loadPemSigner(join(dir, 'missing.key.pem'))).rejects.toMatchObject({ code: 'KEY_NOT_FOUND' });
  });

  it('reports a file that is not a private key as KEY_INVALID, without quoting it', async () => {
    const made = await generateKeyFiles(dir, 'pub-only');
    const pem = await readFile(made.publicKeyPath, 'utf8');
    const error: unknown = await loadPemSigner(made.publicKeyPath).catch((e: unknown) => e);
    expect(error).toMatchObject({ name: 'SigningError', code: 'KEY_INVALID' });
    expect((error as Error).message).not.toContain(pem.split('\n')[1]);
  });

  it('loads a key whose signer reports the right public key', async () => {
    const made = await generateKeyFiles(dir, 'load');
    const signer = await loadPemSigner(made.privateKeyPath);
    expect(toHex(signer.publicKey)).toBe(toHex(publicKeyFromPem(await readFile(made.publicKeyPath, 'utf8'))));
  });
});
