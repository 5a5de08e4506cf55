import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { canonicalJson, isRecord, sha256Hex } from '@fwkit/device-core';
import { writeFileAtomic } from '@fwkit/release-core/fs';
import { evict, inputDigests, isStringList, seal, toolkitCode, unseal } from './cache.js';
import { listProducts, productDir } from './layout.js';
import type { BuildScope, SkippedModel } from './scope.js';

/**
 * The build's scope through the build cache. Which models a build makes is a function of the
 * models asked for, the build's day, the toolkit's code and the bytes of each product.json: a
 * record keyed by the first three holds the scope and the SHA-256 of each product.json, and is used
 * while those bytes are the same. A build served from the cache thus never loads the release-side
 * schemas; anything else computes the scope with `loadBuildScope` and records it. A refusal
 * (`BUILD_MODEL_RETIRED`) is never recorded.
 */

/** Bumped when the record's layout or the key's parts change. */
const SCOPE_FORMAT = 'fwkit-build-scope-1';
const SCOPE_SUFFIX = '.scope';

interface ScopeRecord {
  readonly format: string;
  readonly key: string;
  /** Checkout-relative path of each product.json → SHA-256 of its bytes. */
  readonly files: Readonly<Record<string, string>>;
  readonly scope: BuildScope;
}

function isSkipped(value: unknown): value is SkippedModel {
  if (!isRecord(value)) return false;
  const { model, status, lastDay, retiredFrom } = value;
  return typeof model === 'string' && status === 'retired' && typeof lastDay === 'string' && typeof retiredFrom === 'string';
}

/** The record in a record file, or undefined when it is damaged, of another format or for another key. */
function decodeScopeRecord(bytes: Buffer, key: string): ScopeRecord | undefined {
  const body = unseal(bytes);
  if (body === undefined) return undefined;
  let record: unknown;
  try {
    record = JSON.parse(body.toString('utf8'));
  } catch {
    return undefined;
  }
  if (!isRecord(record) || record['format'] !== SCOPE_FORMAT || record['key'] !== key) return undefined;
  const { files, scope } = record;
  if (!isRecord(files) || !isRecord(scope)) return undefined;
  const { models, skipped } = scope;
  if (!isStringList(models) || !Array.isArray(skipped) || !skipped.every(isSkipped)) return undefined;
  return { format: SCOPE_FORMAT, key, files: files as Record<string, string>, scope: Object.freeze({ models, skipped }) };
}

/**
 * `loadBuildScope` through the cache in `cacheDir`: the recorded scope when every product.json is
 * byte for byte the one it was computed from, else a fresh scope, recorded. Without a cache folder
 * (`--no-cache`) the scope is computed. The cache only saves time: a record that cannot be read or
 * written changes nothing.
 */
export async function loadBuildScopeCached(
  repoRoot: string,
  requested: readonly string[] | undefined,
  date: string,
  cacheDir: string | undefined,
): Promise<BuildScope> {
  const compute = async () => (await import('./scope.js')).loadBuildScope(repoRoot, requested, date);
  if (cacheDir === undefined) return compute();
  const explicit = requested !== undefined && requested.length > 0;
  const models = explicit ? [...new Set(requested)] : await listProducts(repoRoot);
  const key = sha256Hex(canonicalJson({ format: SCOPE_FORMAT, toolkit: toolkitCode(), models, explicit, date }));
  const path = join(cacheDir, `${key}${SCOPE_SUFFIX}`);
  const digests = inputDigests(repoRoot);
  const manifests = models.map((model) => `${productDir(model)}/product.json`);
  const current = await Promise.all(manifests.map(async (manifest) => [manifest, await digests.file(manifest)] as const));

  const recorded = decodeScopeRecord(await readFile(path).catch(() => Buffer.alloc(0)), key);
  const same = (files: Readonly<Record<string, string>>) =>
    Object.keys(files).length === current.length &&
    current.every(([manifest, digest]) => digest !== undefined && files[manifest] === digest);
  if (recorded !== undefined && same(recorded.files)) return recorded.scope;

  const scope = await compute();
  const files: Record<string, string> = {};
  for (const [manifest, digest] of current) if (digest !== undefined) files[manifest] = digest;
  // A product.json that cannot be read has no digest: the build reports it, nothing is recorded.
  if (Object.keys(files).length === current.length) {
    // The scope alone: the manifests are what the digests stand for.
    const record: ScopeRecord = { format: SCOPE_FORMAT, key, files, scope: { models: scope.models, skipped: scope.skipped } };
    try {
      await writeFileAtomic(path, seal(Buffer.from(JSON.stringify(record), 'utf8')));
      await evict(cacheDir, SCOPE_SUFFIX);
    } catch {
      // The next build computes its scope again.
    }
  }
  return scope;
}
