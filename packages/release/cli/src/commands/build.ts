import { relative, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { buildProducts } from '@fwkit/release-build/build';
import { defaultCacheDir } from '@fwkit/release-build/cache';
import { loadBuildScopeCached } from '@fwkit/release-build/scope-cache';
import { dayOfEpoch } from '@fwkit/release-core/days';
import { isExampleKeyId } from '@fwkit/device-trust';
import { EXIT, UsageError } from '../errors.js';
import { interruptibly, type Io } from '../io.js';
import { resolveEpoch } from '../options.js';
import { signingKeys } from '../signing-inputs.js';
import { stepLabeller } from '../progress.js';
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
      'passphrase-fd': { type: 'string' },
      out: { type: 'string', default: 'out' },
      repo: { type: 'string', default: '.' },
      json: { type: 'boolean', default: false },
      'no-cache': { type: 'boolean', default: false },
    },
  });
  if (values.all === (values.product !== undefined)) throw new UsageError('build needs either --all or --product <model> (not both)');
  if ((values.keys === undefined) === (values.key === undefined))
    throw new UsageError('build needs --keys <dir> or --key <pem>... with --trust <root.json>');
  const signal = await io.interruptible?.();
  const repoRoot = resolve(io.cwd, values.repo);
  const sourceDateEpoch = await resolveEpoch(io, repoRoot);
  const cacheDir = values['no-cache'] ? undefined : defaultCacheDir(repoRoot, io.env);
  // The key files and the trust root, read once. With the cache they are read first: they are part
  // of every cache key, and nothing (not the build's scope, cached on the way) is written before
  // they are good. Without it the build reads them once esbuild has its request; their errors
  // still come first, whatever else fails.
  let reading: ReturnType<typeof signingKeys> | undefined;
  const keys = () => (reading ??= signingKeys(io, values, sourceDateEpoch));
  if (cacheDir !== undefined) await keys();

  // Retired models are skipped by --all and refused by name (BUILD_MODEL_RETIRED), judged on the build's day.
  const scope = await loadBuildScopeCached(repoRoot, values.product, dayOfEpoch(sourceDateEpoch), cacheDir).catch(
    async (error: unknown) => {
      await keys();
      throw error;
    },
  );
  for (const s of scope.skipped)
    io.err(`fwkit: note: ${s.model} skipped: retired since ${s.retiredFrom} (last day of support ${s.lastDay})`);

  const label = stepLabeller(scope.models);
  const results = await interruptibly(signal, async () => {
    // Every model retired: nothing to build (an empty list would mean "all" to buildProducts), but the keys must still be good.
    if (scope.models.length === 0) {
      await keys();
      return [];
    }
    return buildProducts({
      repoRoot,
      products: scope.models,
      productManifests: scope.products,
      cacheDir,
      env: io.env,
      outDir: resolve(io.cwd, values.out),
      sourceDateEpoch,
      keys,
      onProgress: (model: string, step: string) => {
        io.progress(label(model, step));
      },
      ...(signal === undefined ? {} : { signal }),
    });
  });

  if (values.json) {
    const message = `built ${results.length} image(s) (SOURCE_DATE_EPOCH=${sourceDateEpoch})`;
    io.out(JSON.stringify({ ok: true, code: null, message, sourceDateEpoch, images: results, skipped: scope.skipped }, null, 2));
    return EXIT.ok;
  }
  io.out(
    renderTable(
      ['MODEL', 'VERSION', 'IMAGE SIZE', 'IDENTITY', 'VERIFIED'],
      results.map((r) => [r.model, r.firmware, formatBytes(r.imageBytes), r.manifestSha256, r.verified ? 'yes' : 'NO']),
    ),
  );
  const outDir = relative(io.cwd, resolve(io.cwd, values.out)) || '.';
  io.out(`\nImages and SBOMs are in ${outDir}/<model>/ (SOURCE_DATE_EPOCH=${sourceDateEpoch}).`);
  io.out('IDENTITY is the SHA-256 of the signed manifest (the file digest changes with signatures.json; see --json).');
  if ((await keys()).signers.some((s) => isExampleKeyId(s.keyid))) io.out('Signed with EXAMPLE keys (keys.example) — not for production.');
  return EXIT.ok;
}
