import { execFile } from 'node:child_process';
import { readdir } from 'node:fs/promises';
import { join, relative, resolve } from 'node:path';
import { promisify } from 'node:util';
import { parseArgs } from 'node:util';
import { buildProducts } from '@fwkit/build';
import { isExampleKeyId, loadPemSigner, trustRootFromJSON, type Signer } from '@fwkit/signing';
import { CliError, EXIT, UsageError } from '../errors.js';
import { readJsonFile, type Io } from '../io.js';
import { formatBytes, renderTable } from '../table.js';

/**
 * `fwkit build`: compose platform + product, bundle each security domain, write the SBOM, sign,
 * write the image, and verify it with the device verifier before reporting it.
 */
export async function buildCommand(args: string[], io: Io): Promise<number> {
  const { values } = parseArgs({
    args,
    options: {
      all: { type: 'boolean', default: false },
      product: { type: 'string', multiple: true },
      keys: { type: 'string' },
      key: { type: 'string', multiple: true },
      trust: { type: 'string' },
      out: { type: 'string', default: 'out' },
      repo: { type: 'string', default: '.' },
      json: { type: 'boolean', default: false },
    },
  });
  if (values.all === (values.product !== undefined)) throw new UsageError('build needs either --all or --product <model> (not both)');
  if ((values.keys === undefined) === (values.key === undefined))
    throw new UsageError('build needs --keys <dir> or --key <pem>... with --trust <root.json>');
  const repoRoot = resolve(io.cwd, values.repo);
  const sourceDateEpoch = await resolveEpoch(io, repoRoot);
  const { signers, trustPath } = await loadSigners(io, values);
  const trust = trustRootFromJSON(await readJsonFile(io, trustPath, 'trust root'), new Date(sourceDateEpoch * 1000));

  const results = await buildProducts({
    repoRoot,
    products: values.product,
    outDir: resolve(io.cwd, values.out),
    sourceDateEpoch,
    signers,
    trust,
    onProgress: (model: string, step: string) => io.progress(`${model}: ${step}`),
  });

  if (values.json) {
    io.out(JSON.stringify({ ok: true, sourceDateEpoch, images: results }, null, 2));
    return EXIT.ok;
  }
  io.out(
    renderTable(
      ['MODEL', 'VERSION', 'IMAGE SIZE', 'SHA-256', 'VERIFIED'],
      results.map((r) => [r.model, r.firmware, formatBytes(r.imageBytes), r.imageSha256, r.verified ? 'yes' : 'NO']),
    ),
  );
  const outDir = relative(io.cwd, resolve(io.cwd, values.out)) || '.';
  io.out(`\nImages and SBOMs are in ${outDir}/<model>/ (SOURCE_DATE_EPOCH=${sourceDateEpoch}).`);
  if (signers.some((s) => isExampleKeyId(s.keyid))) io.out('Signed with EXAMPLE keys (keys.example) — not for production.');
  return EXIT.ok;
}

/** SOURCE_DATE_EPOCH when set; otherwise the last commit's time, so a checkout builds the same image twice. */
async function resolveEpoch(io: Io, repoRoot: string): Promise<number> {
  const fromEnv = io.env['SOURCE_DATE_EPOCH'];
  if (fromEnv !== undefined && fromEnv !== '') {
    if (!/^\d{1,12}$/.test(fromEnv)) throw new UsageError(`SOURCE_DATE_EPOCH="${fromEnv}" is not a whole number of seconds`);
    return Number(fromEnv);
  }
  try {
    const { stdout } = await promisify(execFile)('git', ['log', '-1', '--format=%ct'], { cwd: repoRoot });
    const epoch = Number(stdout.trim());
    if (Number.isInteger(epoch) && epoch > 0) return epoch;
  } catch {
    // Not a git checkout: fall through to the coded error below.
  }
  throw new CliError('EPOCH_UNKNOWN', 'set SOURCE_DATE_EPOCH (no git commit to take the build time from)');
}

async function loadSigners(
  io: Io,
  values: { keys?: string; key?: string[]; trust?: string },
): Promise<{ signers: Signer[]; trustPath: string }> {
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
    return { signers: await Promise.all(keyFiles.map((n) => loadPemSigner(join(dir, n)))), trustPath: join(values.keys, 'root.json') };
  }
  if (values.trust === undefined) throw new UsageError('--key needs --trust <root.json>');
  return { signers: await Promise.all((values.key ?? []).map((k) => loadPemSigner(resolve(io.cwd, k)))), trustPath: values.trust };
}
