import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { generateKeyFiles } from '@fwkit/release-signing';
import { EXIT, UsageError } from '../errors.js';
import type { Io } from '../io.js';

/**
 * `fwkit keys generate`: a new Ed25519 key pair as PEM (PKCS#8 private, SPKI public), readable by
 * openssl, in `--out <dir>` (default `keys/`, made with mode 0700; `.gitignore` covers `*.key.pem`).
 */
export async function keysCommand(args: string[], io: Io): Promise<number> {
  const [sub, ...rest] = args;
  if (sub !== 'generate') throw new UsageError('keys: the only subcommand is "generate"');
  const { values } = parseArgs({
    args: rest,
    options: { name: { type: 'string' }, out: { type: 'string', default: 'keys' }, json: { type: 'boolean', default: false } },
  });
  if (values.name === undefined || !/^[A-Za-z0-9][A-Za-z0-9_.-]*$/.test(values.name)) {
    throw new UsageError('keys generate needs --name <name> (letters, digits, "-", "_", ".")');
  }
  const made = await generateKeyFiles(resolve(io.cwd, values.out), values.name);
  if (values.json) io.out(JSON.stringify({ ok: true, code: null, message: `generated key ${made.keyid}`, ...made }));
  else io.out(`keyid ${made.keyid}\nprivate key ${made.privateKeyPath} (mode 0600 — keep it offline)\npublic key ${made.publicKeyPath}`);
  return EXIT.ok;
}
