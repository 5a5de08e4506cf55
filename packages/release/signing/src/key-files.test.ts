import { generateKeyPairSync } from 'node:crypto';
import { chmod, mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { toHex } from '@fwkit/device-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateKeyFiles, loadPemSigner, loadPublicKeyFile, publicKeyFromPem } from './index.js';
import { isExampleKeyId, keyIdOf, tufKeyOf, verifyEd25519 } from '@fwkit/device-trust';

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

describe('loadPemSigner: encrypted keys and file modes', () => {
  const passphrase = 'correct horse battery staple';
  const encryptedPem = (): { pem: string; keyid: string } => {
    const { privateKey, publicKey } = generateKeyPairSync('ed25519');
    const pem = privateKey.export({ type: 'pkcs8', format: 'pem', cipher: 'aes-256-cbc', passphrase }).toString();
    const raw = new Uint8Array(publicKey.export({ type: 'spki', format: 'der' }).subarray(12));
    return { pem, keyid: keyIdOf(tufKeyOf(raw)) };
  };

  it('reads an encrypted key, asking its passphrase source only then', async () => {
    const { pem, keyid } = encryptedPem();
    const path = join(dir, 'enc.key.pem');
    await writeFile(path, pem, { mode: 0o600 });
    let asked = 0;
    const source = () => {
      asked += 1;
      return Promise.resolve(new TextEncoder().encode(passphrase));
    };
    expect((await loadPemSigner(path, { passphrase: source })).keyid).toBe(keyid);
    expect(asked).toBe(1);
    const plain = await generateKeyFiles(dir, 'plain-asks-nothing');
    await loadPemSigner(plain.privateKeyPath, { passphrase: source });
    expect(asked).toBe(1);
  });

  it('refuses an encrypted key without a passphrase, or with a wrong one, naming the file and not the passphrase', async () => {
    const path = join(dir, 'enc2.key.pem');
    await writeFile(path, encryptedPem().pem, { mode: 0o600 });
    await expect(loadPemSigner(path)).rejects.toMatchObject({ code: 'KEY_PASSPHRASE_REQUIRED' });
    const error: unknown = await loadPemSigner(path, { passphrase: () => Promise.resolve(new TextEncoder().encode('hunter2')) }).catch(
      (e: unknown) => e,
    );
    expect(error).toMatchObject({ code: 'KEY_PASSPHRASE_WRONG' });
    expect((error as Error).message).toContain(path);
    expect(JSON.stringify({ m: (error as Error).message, d: (error as { details?: unknown }).details })).not.toContain('hunter2');
  });

  it('refuses a private key file that group or others may read (KEY_PERMISSIONS), telling how to fix it', async () => {
    const made = await generateKeyFiles(dir, 'loose');
    for (const mode of [0o640, 0o604, 0o644, 0o660, 0o601]) {
      await chmod(made.privateKeyPath, mode);
      const error: unknown = await loadPemSigner(made.privateKeyPath).catch((e: unknown) => e);
      expect(error).toMatchObject({ code: 'KEY_PERMISSIONS' });
      expect((error as Error).message).toContain(made.privateKeyPath);
      expect((error as Error).message).toContain('chmod 600');
    }
    await chmod(made.privateKeyPath, 0o400);
    expect((await loadPemSigner(made.privateKeyPath)).keyid).toBe(made.keyid);
  });

  it('refuses a loose encrypted key before asking for its passphrase', async () => {
    const path = join(dir, 'enc-loose.key.pem');
    await writeFile(path, encryptedPem().pem, { mode: 0o644 });
    await chmod(path, 0o644);
    let asked = false;
    const source = () => {
      asked = true;
      return Promise.resolve(new TextEncoder().encode(passphrase));
    };
    await expect(loadPemSigner(path, { passphrase: source })).rejects.toMatchObject({ code: 'KEY_PERMISSIONS' });
    expect(asked).toBe(false);
  });

  it('accepts the published example keys at the mode a git checkout gives them (0644): they are public, known by keyid', async () => {
    const example = join(dir, 'example-copy.key.pem');
    await writeFile(example, await readFile(new URL('../../../../keys.example/targets-1.key.pem', import.meta.url)));
    await chmod(example, 0o644);
    expect(isExampleKeyId((await loadPemSigner(example)).keyid)).toBe(true);
  });
});

describe('loadPublicKeyFile', () => {
  it('reads a public key and says so when given the private key instead', async () => {
    const made = await generateKeyFiles(dir, 'pub');
    expect(keyIdOf(tufKeyOf(await loadPublicKeyFile(made.publicKeyPath)))).toBe(made.keyid);
    const error: unknown = await loadPublicKeyFile(made.privateKeyPath).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'KEY_INVALID' });
    expect((error as Error).message).toMatch(/private key: give the \.pub\.pem/);
    await expect(loadPublicKeyFile(join(dir, 'nope.pub.pem'))).rejects.toMatchObject({ code: 'KEY_NOT_FOUND' });
  });
});
