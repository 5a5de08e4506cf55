import { lstat, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { INPUT_LIMITS, InputError, readInputFile } from '@fwkit/device-core';
import { ensureDirectory, OutputError, outputErrorOf, writeFileAtomic } from '@fwkit/release-core/fs';
import { generateKeyPair, isExampleKeyId, SigningError, keyIdOf, tufKeyOf } from '@fwkit/device-trust';
import { isEncryptedPrivateKeyPem, privateKeyFromPem, privateKeyToPem, publicKeyFromPem, publicKeyToPem } from './pem.js';
import { signerFromPrivateKey, type Signer } from './signer.js';

// I/O adapters over the pure key functions: reading a PEM key file into a Signer and writing a
// new key pair to disk. An HSM or KMS adapter would implement `Signer` the same way.

function isErrno(error: unknown, code: string): boolean {
  return error instanceof Error && (error as NodeJS.ErrnoException).code === code;
}

/**
 * Where the passphrase of an encrypted key comes from, asked only when a key is encrypted (an
 * environment variable, a file descriptor, a prompt). The caller owns the bytes (and zeroes them).
 */
export type PassphraseSource = () => Promise<Uint8Array | undefined>;

export interface LoadKeyOptions {
  readonly passphrase?: PassphraseSource;
}

/** Group and other permission bits: a private key must have none (`chmod 600`). */
const GROUP_OTHER = 0o077;

function keyReadError(cause: unknown, path: string): unknown {
  if (cause instanceof InputError && cause.code === 'INPUT_NOT_FOUND') {
    return new SigningError('KEY_NOT_FOUND', `key file not found: ${path}`, { cause });
  }
  if (cause instanceof InputError && cause.code === 'INPUT_UNREADABLE') {
    return new SigningError('KEY_UNREADABLE', `cannot read key file: ${path}`, { cause, details: { ...cause.details } });
  }
  return cause;
}

/**
 * A Signer from a PKCS#8 Ed25519 PEM file, plain or encrypted (the passphrase from `options`).
 * A file that group or others may access is refused (KEY_PERMISSIONS) before any passphrase is
 * asked for — except the published example keys (keys.example/, by keyid), which a git checkout
 * leaves 0644 and which are public anyway: callers print their warning. Errors name the file,
 * never its contents or the passphrase.
 */
export async function loadPemSigner(path: string, options: LoadKeyOptions = {}): Promise<Signer> {
  let pem: string;
  let mode = 0;
  try {
    // A regular file of at most 16 KiB (an Ed25519 PEM is 119 bytes): never a FIFO or a device.
    const bytes = await readInputFile(path, 'private key file', INPUT_LIMITS.privateKey, (stats) => {
      mode = stats.mode & 0o777;
    });
    pem = bytes.toString('utf8');
    bytes.fill(0);
  } catch (cause) {
    throw keyReadError(cause, path);
  }
  const tooOpen = (mode & GROUP_OTHER) !== 0;
  const encrypted = isEncryptedPrivateKeyPem(pem);
  const permissionError = (): SigningError =>
    new SigningError(
      'KEY_PERMISSIONS',
      `private key file ${path} may be read by group or others (mode 0${mode.toString(8)}): run chmod 600 ${path}`,
      { details: { path, mode: `0${mode.toString(8)}` } },
    );
  if (tooOpen && encrypted) throw permissionError();

  // Asked for only when needed; the source's own errors (an unreadable fd) pass through.
  const passphrase = encrypted ? await options.passphrase?.() : undefined;
  let seed: Uint8Array;
  try {
    seed = privateKeyFromPem(pem, passphrase);
  } catch (cause) {
    if (cause instanceof SigningError && cause.code !== 'KEY_INVALID') {
      throw new SigningError(cause.code, `${path}: ${cause.message}`, { cause, details: { path } });
    }
    throw new SigningError('KEY_INVALID', `${path} is not an Ed25519 PKCS#8 private key PEM`, { cause });
  }
  const signer = signerFromPrivateKey(seed);
  seed.fill(0);
  if (tooOpen && !isExampleKeyId(signer.keyid)) throw permissionError();
  return signer;
}

/**
 * Write `data` to `path` atomically and only if `path` does not exist yet: core's writer with
 * `replace: false` creates the temporary file with `mode` (a private key is never briefly
 * world-readable) and links it into place — link(2) fails with EEXIST instead of replacing.
 */
async function writeNewFileAtomic(path: string, data: string, mode: number): Promise<void> {
  try {
    await writeFileAtomic(path, data, { mode, replace: false });
  } catch (cause) {
    if (cause instanceof OutputError && (cause.code === 'OUTPUT_EXISTS' || cause.code === 'OUTPUT_NOT_REGULAR')) {
      throw new SigningError('KEY_EXISTS', `refusing to overwrite ${path}`, { cause });
    }
    throw cause;
  }
}

async function exists(path: string): Promise<boolean> {
  try {
    await lstat(path);
    return true;
  } catch (cause) {
    if (isErrno(cause, 'ENOENT')) return false;
    throw outputErrorOf(cause, path, 'write');
  }
}

const KEY_NAME = /^[A-Za-z0-9][A-Za-z0-9_.-]*$/;

/**
 * A new Ed25519 key pair in `dir`: `<name>.key.pem` (PKCS#8, mode 0600) and `<name>.pub.pem`
 * (SPKI). Refuses to overwrite either file (KEY_EXISTS): losing a signing key is not undoable.
 */
export async function generateKeyFiles(
  dir: string,
  name: string,
): Promise<{ keyid: string; privateKeyPath: string; publicKeyPath: string }> {
  if (!KEY_NAME.test(name)) throw new SigningError('KEY_NAME_INVALID', `key name must match ${KEY_NAME.source}`);
  const privateKeyPath = join(dir, `${name}.key.pem`);
  const publicKeyPath = join(dir, `${name}.pub.pem`);
  for (const path of [privateKeyPath, publicKeyPath]) {
    if (await exists(path)) throw new SigningError('KEY_EXISTS', `refusing to overwrite ${path}`);
  }
  await ensureDirectory(dir, 0o700);
  const { privateKey, publicKey } = generateKeyPair();
  const privatePem = privateKeyToPem(privateKey);
  privateKey.fill(0);
  await writeNewFileAtomic(privateKeyPath, privatePem, 0o600);
  try {
    await writeNewFileAtomic(publicKeyPath, publicKeyToPem(publicKey), 0o644);
  } catch (error) {
    // Do not leave half a key pair behind: the private key without its public key is useless.
    await rm(privateKeyPath, { force: true });
    throw error;
  }
  return { keyid: keyIdOf(tufKeyOf(publicKey)), privateKeyPath, publicKeyPath };
}

/** The Ed25519 public key in an SPKI PEM file (`<name>.pub.pem`): KEY_NOT_FOUND, KEY_UNREADABLE, KEY_INVALID. */
export async function loadPublicKeyFile(path: string): Promise<Uint8Array> {
  let pem: string;
  try {
    pem = (await readInputFile(path, 'public key file', INPUT_LIMITS.publicKey)).toString('utf8');
  } catch (cause) {
    throw keyReadError(cause, path);
  }
  try {
    return publicKeyFromPem(pem);
  } catch (cause) {
    const hint =
      isEncryptedPrivateKeyPem(pem) || /-----BEGIN PRIVATE KEY-----/.test(pem) ? ' (it is a private key: give the .pub.pem)' : '';
    throw new SigningError('KEY_INVALID', `${path} is not an Ed25519 public key PEM${hint}`, { cause, details: { path } });
  }
}
