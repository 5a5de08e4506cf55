import { isFwkitError } from '@fwkit/device-core';
import { lastDayOfSupport, retiredFrom, supportStatusOn, type ProductManifest } from '@fwkit/release-core';
import { BuildError } from './errors.js';
import { listProducts, loadProduct } from './load.js';

/** A model `build --all` leaves out because it is retired on the build's day. */
export interface SkippedModel {
  readonly model: string;
  readonly status: 'retired';
  /** Its last day of support (inclusive). */
  readonly lastDay: string;
  /** The day after: the first day it is retired. */
  readonly retiredFrom: string;
}

export interface BuildScope {
  /** The models to build, in the order asked (or of products/). */
  readonly models: readonly string[];
  readonly skipped: readonly SkippedModel[];
  /**
   * The product manifests that loaded, when the scope was computed from them (not when it came
   * from the build cache's record): a build then need not read them again.
   */
  readonly products?: readonly ProductManifest[];
}

/**
 * Pure: which models a build on `date` (the UTC day of SOURCE_DATE_EPOCH) builds. `--all` (no
 * models named) builds every product except those retired that day (`supportStatusOn`, the rule of
 * the release and the matrix): a retired model need not fit today's platform, and ending support
 * must not break the build. A retired model named explicitly is refused (`BUILD_MODEL_RETIRED`):
 * its devices get no new image. Upcoming models are built, for testing before their release.
 * `products` holds the manifests that loaded; a model without one is left to the build to report.
 */
export function scopeBuild(models: readonly string[], products: readonly ProductManifest[], explicit: boolean, date: string): BuildScope {
  const byId = new Map(products.map((p) => [p.id, p]));
  const skipped: SkippedModel[] = [];
  for (const model of models) {
    const lifecycle = byId.get(model)?.lifecycle;
    if (lifecycle === undefined || supportStatusOn(lifecycle, date) !== 'retired') continue;
    skipped.push({ model, status: 'retired', lastDay: lastDayOfSupport(lifecycle), retiredFrom: retiredFrom(lifecycle) });
  }
  if (explicit && skipped.length > 0) {
    const list = skipped.map((s) => `${s.model} (retired since ${s.retiredFrom}, last day of support ${s.lastDay})`).join(', ');
    throw new BuildError(
      'BUILD_MODEL_RETIRED',
      `${list}: support has ended on ${date}, the build's day (SOURCE_DATE_EPOCH); a retired model gets no new image, and build --all skips it`,
      { details: { date, retired: skipped.map((s) => ({ ...s })) } },
    );
  }
  const out = new Set(skipped.map((s) => s.model));
  return Object.freeze({ models: models.filter((m) => !out.has(m)), skipped });
}

/** `scopeBuild` on the checkout: the models named (or every product), with each product.json that loads. */
export async function loadBuildScope(rootDir: string, requested: readonly string[] | undefined, date: string): Promise<BuildScope> {
  const models = requested !== undefined && requested.length > 0 ? [...new Set(requested)] : await listProducts(rootDir);
  const loaded = await Promise.all(
    models.map((model) =>
      loadProduct(rootDir, model).catch((error: unknown) => {
        // A product that does not load is built anyway, so that the build reports it with its code.
        if (isFwkitError(error)) return undefined;
        throw error;
      }),
    ),
  );
  const products = loaded.filter((p) => p !== undefined);
  return Object.freeze({ ...scopeBuild(models, products, requested !== undefined && requested.length > 0, date), products });
}
