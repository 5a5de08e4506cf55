import { addDays } from '../days.js';
import {
  array,
  bootloader,
  byteCount,
  checkDocument,
  describe,
  featureName,
  hardwareRevision,
  interfaceName,
  isoDate,
  literal,
  modelId,
  optional,
  record,
  semverRange,
  semverVersion,
  strictObject,
  string,
  uniqueBy,
  type Infer,
} from './checks.js';

/** One hardware revision of a model: what it provides and which bootloaders are in the field. */
export const hardwareRevisionSchema = strictObject({
  revision: hardwareRevision,
  interfaces: describe(record(interfaceName, semverVersion), 'Interfaces this revision provides, with the version each implements'),
  flashPartitionBytes: describe(byteCount, 'Size of one firmware slot (A or B) in bytes'),
  ramBytes: describe(byteCount, 'RAM available to the platform in bytes'),
  bootloaders: describe(array(bootloader, 1), 'Every bootloader version in the field on this revision, with the image formats it verifies'),
});
export type HardwareRevision = Infer<typeof hardwareRevisionSchema>;

/**
 * Ending support before the published date is a dated, reasoned decision on record, never a
 * silent edit of `endOfSupport` (customers were promised that date).
 */
export const earlyEndSchema = strictObject({
  lastDay: describe(
    isoDate,
    'Last day the model is still supported, inclusive (YYYY-MM-DD): a release dated on it still serves the model, which is retired from the next day',
  ),
  recorded: describe(isoDate, 'Date the decision was taken and published (YYYY-MM-DD)'),
  reason: describe(string({ min: 20 }), 'Why support ends early, as told to customers'),
});
export type EarlyEnd = Infer<typeof earlyEndSchema>;

export const lifecycleSchema = strictObject(
  {
    released: describe(isoDate, 'Date the model was first shipped (YYYY-MM-DD)'),
    endOfSupport: describe(isoDate, 'Last day of the published support period, inclusive (YYYY-MM-DD); never shortened'),
    endedEarly: describe(optional(earlyEndSchema), 'A recorded decision to end support before endOfSupport'),
  },
  (lifecycle, report) => {
    const early = lifecycle.endedEarly;
    if (early === undefined) return;
    if (early.lastDay >= lifecycle.endOfSupport) {
      report(['endedEarly', 'lastDay'], 'must be before endOfSupport (otherwise it is not an early end)');
    }
    // Retiring a model from the day the decision is recorded is allowed (lastDay = recorded - 1): that
    // is how a release on that day drops it. Any earlier would retire it before anyone decided so.
    if (addDays(early.lastDay, 1) < early.recorded) {
      report(
        ['endedEarly', 'lastDay'],
        `support cannot end before the decision was recorded: the model is retired from the day after lastDay, so lastDay is at the earliest the day before recorded (${addDays(early.recorded, -1)})`,
      );
    }
  },
);
export type Lifecycle = Infer<typeof lifecycleSchema>;

/**
 * The last day a model is supported, inclusive: the early end when one is recorded, else the
 * published date. A release dated on that day still serves the model.
 */
export function lastDayOfSupport(lifecycle: Lifecycle): string {
  return lifecycle.endedEarly?.lastDay ?? lifecycle.endOfSupport;
}

/** The first day a model is retired: the day after its last day of support ("retired since"). */
export function retiredFrom(lifecycle: Lifecycle): string {
  return addDays(lastDayOfSupport(lifecycle), 1);
}

export type SupportStatus = 'upcoming' | 'supported' | 'retired';

/**
 * Support status on `date` (YYYY-MM-DD), never the wall clock: upcoming before `released`,
 * supported from `released` through the last day of support (both inclusive), retired from the day
 * after. The one rule for the build, the release, the gate and the matrix.
 */
export function supportStatusOn(lifecycle: Lifecycle, date: string): SupportStatus {
  if (date < lifecycle.released) return 'upcoming';
  return date <= lastDayOfSupport(lifecycle) ? 'supported' : 'retired';
}
export const productManifestSchema = strictObject(
  {
    $schema: optional(string()),
    schemaVersion: literal(1),
    id: describe(modelId, 'Model id, stable forever: images and devices name it'),
    name: string({ min: 1 }),
    features: describe(array(featureName), 'Platform features this model enables'),
    platform: describe(semverRange, 'Platform versions this model accepts'),
    drivers: describe(
      string({
        pattern: /^(?!\/)(?!.*(?:^|\/)\.\.?(?:\/|$))[A-Za-z0-9._/-]+\.ts$/,
        message: 'must be a relative path to a .ts file inside the product folder',
      }),
      'Entry of the model-specific driver code, relative to the product folder',
    ),
    license: describe(
      optional(string({ min: 1 })),
      "Licence of the driver code (SPDX identifier or expression); the SBOM uses the platform package's when absent",
    ),
    lifecycle: lifecycleSchema,
    hardware: array(hardwareRevisionSchema, 1),
  },
  (product, report) => {
    for (const dup of uniqueBy(product.hardware, (h) => h.revision)) report(['hardware'], `hardware revision "${dup}" is listed twice`);
    for (const dup of uniqueBy(product.features, (f) => f)) report(['features'], `feature "${dup}" is listed twice`);
    if (product.lifecycle.endOfSupport <= product.lifecycle.released)
      report(['lifecycle', 'endOfSupport'], 'must be after the release date');
  },
);

export type ProductManifest = Infer<typeof productManifestSchema>;

export function productManifestFromJSON(value: unknown, what = 'product.json'): ProductManifest {
  return checkDocument(productManifestSchema, value, what);
}
