import { readdir } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { MAX_SOURCE_DATE_EPOCH, parseSourceDateEpoch } from '@fwkit/device-core';
import { loadPemSigner, type Signer } from '@fwkit/release-signing';
import { CliError, UsageError } from './errors.js';
import type { Io } from './io.js';
import { passphraseSource } from './passphrase.js';

/**
 * SOURCE_DATE_EPOCH when set (core's parser: decimal seconds, 0 to MAX_SOURCE_DATE_EPOCH; set but
 * empty is an error, not "unset"); otherwise the last commit's time, so a checkout builds the same
 * image twice. A bad value is a coded error (EPOCH_INVALID, exit 1): it comes from the environment
 * a build system set, not from the command line (docs/decisions.md).
 */
export async function resolveEpoch(io: Io, repoRoot: string): Promise<number> {
  const fromEnv = io.env['SOURCE_DATE_EPOCH'];
  if (fromEnv !== undefined) {
    const epoch = parseSourceDateEpoch(fromEnv);
    if (epoch === undefined) {
      throw new CliError(
        'EPOCH_INVALID',
        `SOURCE_DATE_EPOCH=${JSON.stringify(fromEnv.slice(0, 40))} is not whole seconds since 1970 written in decimal digits (0 to ${MAX_SOURCE_DATE_EPOCH})`,
        { details: { limit: MAX_SOURCE_DATE_EPOCH } },
      );
    }
    return epoch;
  }
  try {
    // Loaded only here: a build with SOURCE_DATE_EPOCH set (every CI build) never starts a process.
    const { execFile } = await import('node:child_process');
    const { stdout } = await promisify(execFile)('git', ['log', '-1', '--format=%ct'], { cwd: repoRoot });
    const epoch = Number(stdout.trim());
    if (Number.isInteger(epoch) && epoch > 0) return epoch;
  } catch {
    // Not a git checkout: fall through to the coded error below.
  }
  throw new CliError('EPOCH_UNKNOWN', 'set SOURCE_DATE_EPOCH (no git commit to take the build time from)');
}

/**
 * Signers from `--keys <dir>` (every targets-*.key.pem, trust root <dir>/root.json) or `--key <pem>... --trust <root.json>`,
 * with the key file of each (`files`, in the same order, as given: for messages).
 * Encrypted keys take their passphrase from `--passphrase-fd` or FWKIT_KEY_PASSPHRASE (passphrase.ts).
 */
export async function loadSigners(
  io: Io,
  values: { keys?: string | undefined; key?: string[] | undefined; trust?: string | undefined; 'passphrase-fd'?: string | undefined },
): Promise<{ signers: Signer[]; files: string[]; trustPath: string }> {
  let paths: string[];
  let files: string[];
  let trustPath: string;
  if (values.keys !== undefined) {
    const dir = resolve(io.cwd, values.keys);
    let names: string[];
    try {
      names = await readdir(dir);
    } catch (cause) {
      throw new CliError('KEYS_NOT_FOUND', `cannot read key directory ${values.keys}`, { cause });
    }
    const keyFiles = names.filter((n) => /^targets-.*\.key\.pem$/.test(n)).sort();
    if (keyFiles.length === 0) throw new CliError('KEYS_NOT_FOUND', `no targets-*.key.pem in ${values.keys}`);
    paths = keyFiles.map((n) => join(dir, n));
    files = keyFiles.map((n) => join(values.keys ?? '', n));
    trustPath = join(values.keys, 'root.json');
  } else {
    if (values.trust === undefined) throw new UsageError('--key needs --trust <root.json>');
    files = values.key ?? [];
    paths = files.map((k) => resolve(io.cwd, k));
    trustPath = values.trust;
  }
  const source = passphraseSource(io, values['passphrase-fd']);
  try {
    // One at a time: the first encrypted key reads the passphrase, the others reuse it.
    const signers: Signer[] = [];
    for (const path of paths) signers.push(await loadPemSigner(path, { passphrase: source.passphrase }));
    return { signers, files, trustPath };
  } finally {
    await source.forget();
  }
}

// `--now` is parsed the same way by fwkit-device: one implementation, on the device side.
export { nowOption } from '@fwkit/device-verify/report';
