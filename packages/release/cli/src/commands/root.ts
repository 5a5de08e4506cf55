import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { INPUT_LIMITS, parseIsoInstant, readJsonInputFile } from '@fwkit/device-core';
import { isExampleKeyId, readRootMetadata, ROLE_NAMES, SigningError, type RoleName, type RootMetadata } from '@fwkit/device-trust';
import { writeFileAtomic } from '@fwkit/release-core';
import {
  loadPemSigner,
  loadPublicKeyFile,
  rootSignatureStatus,
  signRootMetadata,
  tufDate,
  unsignedRootMetadata,
  type RootMetadataDocument,
  type RootSignatureStatus,
} from '@fwkit/release-signing';
import { EXIT, UsageError } from '../errors.js';
import type { Io } from '../io.js';
import { nowOption } from '../options.js';
import { passphraseSource } from '../passphrase.js';
import { renderTable } from '../table.js';

// `fwkit root`: make, sign and show TUF 1.0 root metadata (root.json), the trust root devices are
// provisioned with. `init` writes it unsigned, each root key holder `sign`s it in turn with their
// own key, and it counts once the root role's threshold is met. Root rotation (a later issue) will
// be `root rotate <old root.json>`, and `root sign --previous <old root.json>` will sign a new
// version with the old root keys as well.

const SUBCOMMANDS = 'init, sign, show';

export async function rootCommand(args: string[], io: Io): Promise<number> {
  const [sub, ...rest] = args;
  switch (sub) {
    case 'init':
      return rootInit(rest, io);
    case 'sign':
      return rootSign(rest, io);
    case 'show':
      return rootShow(rest, io);
    default:
      throw new UsageError(`root: the subcommands are ${SUBCOMMANDS}`);
  }
}

const POSITIVE = /^[1-9][0-9]{0,15}$/;

/** A whole number from the command line; 0 is passed on (the root's own rules refuse it with a code). */
function countOption(value: string, name: string): number {
  if (!/^[0-9]{1,16}$/.test(value)) throw new UsageError(`${name} "${value}" is not a whole number`);
  return Number(value);
}

async function rootInit(args: string[], io: Io): Promise<number> {
  const roleOptions = Object.fromEntries(
    ROLE_NAMES.flatMap((name) => [
      [name, { type: 'string', multiple: true }],
      [`${name}-threshold`, { type: 'string' }],
    ]),
  ) as Record<RoleName | `${RoleName}-threshold`, { type: 'string'; multiple?: true }>;
  const { values } = parseArgs({
    args,
    options: {
      ...roleOptions,
      out: { type: 'string' },
      expires: { type: 'string' },
      version: { type: 'string', default: '1' },
      'consistent-snapshot': { type: 'boolean', default: false },
      json: { type: 'boolean', default: false },
    },
  });
  const v = values as Record<string, string | string[] | boolean | undefined>;
  if (values.out === undefined) throw new UsageError('root init needs --out <root.json>');
  if (values.expires === undefined) throw new UsageError('root init needs --expires <date-time, e.g. 2027-12-31T00:00:00Z>');
  const expires = parseIsoInstant(values.expires);
  if (expires === undefined || expires.getUTCMilliseconds() !== 0) {
    throw new UsageError(`--expires "${values.expires}" is not a date-time in whole seconds with its offset, e.g. 2027-12-31T00:00:00Z`);
  }
  if (!POSITIVE.test(values.version)) throw new UsageError(`--version "${values.version}" is not a positive whole number`);

  const roles = {} as Record<RoleName, { publicKeys: Uint8Array[]; threshold: number }>;
  const filesOf = (name: RoleName): string[] => (v[name] as string[] | undefined) ?? [];
  for (const name of ROLE_NAMES) {
    const files = filesOf(name);
    if (files.length === 0) throw new UsageError(`root init needs --${name} <public key .pub.pem> (one per key; repeat it)`);
    const given = v[`${name}-threshold`] as string | undefined;
    // Several keys and no threshold would silently mean 1 of n: say it.
    if (given === undefined && files.length > 1) {
      throw new UsageError(`--${name}-threshold is needed: role ${name} has ${files.length} keys`);
    }
    const threshold = given === undefined ? 1 : countOption(given, `--${name}-threshold`);
    const publicKeys: Uint8Array[] = [];
    for (const file of files) publicKeys.push(await loadPublicKeyFile(resolve(io.cwd, file)));
    roles[name] = { publicKeys, threshold };
  }

  let doc: RootMetadataDocument;
  try {
    doc = unsignedRootMetadata(
      { version: Number(values.version), expires, consistentSnapshot: values['consistent-snapshot'], roles },
      new Date(),
    );
  } catch (error) {
    // The rule says "keys 1 and 3 of role targets"; a person wants the files.
    const details =
      error instanceof SigningError ? (error.details as { role?: RoleName; index?: number; earlier?: number } | undefined) : undefined;
    if (details?.role === undefined || details.index === undefined) throw error;
    const files = filesOf(details.role);
    const named = [details.earlier, details.index].flatMap((i) => (i === undefined ? [] : [files[i] ?? '?']));
    throw new SigningError((error as SigningError).code, `${(error as Error).message}: ${named.join(', ')}`, { cause: error, details });
  }
  const root = readRootMetadata(doc);
  const out = resolve(io.cwd, values.out);
  // Never over an existing root.json: it may hold signatures collected from several people.
  await writeFileAtomic(out, rootJsonText(doc), { replace: false });
  for (const note of sharedRootKeys(root)) io.err(`fwkit: note: ${note}`);
  return report(io, values.out, root, new Date(), values.json, `wrote ${values.out} (unsigned)`);
}

async function rootSign(args: string[], io: Io): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: {
      key: { type: 'string', multiple: true },
      'passphrase-fd': { type: 'string' },
      json: { type: 'boolean', default: false },
    },
  });
  const [file, ...extra] = positionals;
  if (file === undefined || extra.length > 0) throw new UsageError('root sign needs one <root.json>');
  const keys = values.key ?? [];
  // One key per call: each holder signs with their own key, on their own machine.
  if (keys.length !== 1) throw new UsageError('root sign needs exactly one --key <private key .key.pem>');
  const path = resolve(io.cwd, file);
  const root = await readRoot(path);
  const source = passphraseSource(io, values['passphrase-fd']);
  let signer;
  try {
    signer = await loadPemSigner(resolve(io.cwd, keys[0] ?? ''), { passphrase: source.passphrase });
  } finally {
    await source.forget();
  }
  const signed = readRootMetadata(await signRootMetadata(root, signer));
  await writeFileAtomic(path, rootJsonText(signed.metadata as RootMetadataDocument));
  if (isExampleKeyId(signer.keyid)) io.err('fwkit: signed with an EXAMPLE key (keys.example) — not for production.');
  return report(io, file, signed, new Date(), values.json, `signed ${file} with key ${signer.keyid}`);
}

async function rootShow(args: string[], io: Io): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: { now: { type: 'string' }, json: { type: 'boolean', default: false } },
  });
  const [file, ...extra] = positionals;
  if (file === undefined || extra.length > 0) throw new UsageError('root show needs one <root.json>');
  const now = nowOption(values.now);
  return report(io, file, await readRoot(resolve(io.cwd, file)), now, values.json, undefined);
}

async function readRoot(path: string): Promise<RootMetadata> {
  return readRootMetadata(await readJsonInputFile(path, 'trust root', INPUT_LIMITS.trustRoot));
}

/** root.json as fwkit writes it: two-space JSON (signatures cover the canonical JSON of `signed`, not these bytes). */
function rootJsonText(doc: RootMetadataDocument): string {
  return `${JSON.stringify({ signed: doc.signed, signatures: doc.signatures }, null, 2)}\n`;
}

/** A root key that also serves an online role is no longer an offline key: TUF allows it, fwkit says so. */
function sharedRootKeys(root: RootMetadata): string[] {
  const rootKeys = [...(root.roles.get('root')?.keys.keys() ?? [])];
  return ROLE_NAMES.filter((name) => name !== 'root').flatMap((name) =>
    rootKeys
      .filter((keyid) => root.roles.get(name)?.keys.has(keyid) === true)
      .map((keyid) => `root key ${keyid} also serves the ${name} role; keep root keys offline and for root.json only`),
  );
}

function verdict(status: RootSignatureStatus): string {
  const counted = `${status.valid} of ${status.threshold} needed root signature(s)`;
  if (status.thresholdMet) return `${counted}: threshold met — this root counts`;
  const missing = status.threshold - status.valid;
  return `${counted}: threshold NOT met — ${missing} more needed; devices and fwkit refuse this root until then`;
}

/** What `root init`, `root sign` and `root show` print: the roles, their keys and the root signatures. */
function report(io: Io, file: string, root: RootMetadata, now: Date, json: boolean, done: string | undefined): number {
  const status = rootSignatureStatus(root);
  const expires = tufDate(root.expires);
  const expired = now.getTime() >= root.expires.getTime();
  const keyStatus = new Map(status.keys.map((k) => [k.keyid, k.status]));
  const example = ROLE_NAMES.some((name) => [...(root.roles.get(name)?.keys.keys() ?? [])].some(isExampleKeyId));
  if (json) {
    io.out(
      JSON.stringify(
        {
          ok: true,
          code: null,
          message: `${done ?? file}: ${verdict(status)}`,
          file,
          version: root.version,
          specVersion: root.specVersion,
          expires,
          expired,
          consistentSnapshot: root.consistentSnapshot,
          roles: Object.fromEntries(
            ROLE_NAMES.map((name) => {
              const role = root.roles.get(name);
              return [name, { threshold: role?.threshold, keyids: [...(role?.keys.keys() ?? [])] }];
            }),
          ),
          signatures: status,
          exampleKeys: example,
        },
        null,
        2,
      ),
    );
    return EXIT.ok;
  }
  if (done !== undefined) io.err(`fwkit: ${done}`);
  io.out(
    `${file}: TUF root metadata version ${root.version} (spec ${root.specVersion}), expires ${expires}${expired ? ' — EXPIRED' : ''}, consistent_snapshot ${String(root.consistentSnapshot)}`,
  );
  io.out('');
  const rows = ROLE_NAMES.flatMap((name) => {
    const role = root.roles.get(name);
    const keyids = [...(role?.keys.keys() ?? [])];
    return keyids.map((keyid, i) => [
      i === 0 ? name : '',
      i === 0 ? `${role?.threshold ?? 0} of ${keyids.length}` : '',
      `${keyid}${isExampleKeyId(keyid) ? ' (EXAMPLE)' : ''}`,
      name === 'root' ? (keyStatus.get(keyid) ?? 'missing') : '',
    ]);
  });
  io.out(renderTable(['ROLE', 'THRESHOLD', 'KEYID', 'ROOT SIGNATURE'], rows));
  io.out('');
  io.out(`Root signatures: ${verdict(status)}.`);
  if (status.ignored.length > 0) io.out(`Ignored: ${status.ignored.length} signature(s) not by a root key.`);
  if (expired) io.out(`This root expired at ${expires}: devices and fwkit refuse it.`);
  if (example) io.out('Uses EXAMPLE keys (keys.example) — not for production.');
  return EXIT.ok;
}
