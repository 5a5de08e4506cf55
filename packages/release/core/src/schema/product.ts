import { z } from 'zod';
import { addDays, isDayText } from '../days.js';
import { parseDocument } from './zod-bridge.js';
import {
  bootloaderSchema,
  byteCount,
  featureName,
  hardwareRevision,
  interfaceName,
  isoDate,
  modelId,
  semverRange,
  semverVersion,
  uniqueBy,
} from './common.js';

/** One hardware revision of a model: what it provides and which bootloaders are in the field. */
export const hardwareRevisionSchema = z.strictObject({
  revision: hardwareRevision,
  interfaces: z.record(interfaceName, semverVersion).describe('Interfaces this revision provides, with the version each implements'),
  flashPartitionBytes: byteCount.describe('Size of one firmware slot (A or B) in bytes'),
  ramBytes: byteCount.describe('RAM available to the platform in bytes'),
  bootloaders: z
    .array(bootloaderSchema)
    .min(1)
    .describe('Every bootloader version in the field on this revision, with the image formats it verifies'),
});
export type HardwareRevision = z.infer<typeof hardwareRevisionSchema>;

/**
 * Ending support before the published date is a dated, reasoned decision on record, never a
 * silent edit of `endOfSupport` (customers were promised that date).
 */
export const earlyEndSchema = z.strictObject({
  lastDay: isoDate.describe(
    'Last day the model is still supported, inclusive (YYYY-MM-DD): a release dated on it still serves the model, which is retired from the next day',
  ),
  recorded: isoDate.describe('Date the decision was taken and published (YYYY-MM-DD)'),
  reason: z.string().min(20).describe('Why support ends early, as told to customers'),
});
export type EarlyEnd = z.infer<typeof earlyEndSchema>;

export const lifecycleSchema = z
  .strictObject({
    released: isoDate.describe('Date the model was first shipped (YYYY-MM-DD)'),
    endOfSupport: isoDate.describe('Last day of the published support period, inclusive (YYYY-MM-DD); never shortened'),
    endedEarly: earlyEndSchema.optional().describe('A recorded decision to end support before endOfSupport'),
  })
  .superRefine((lifecycle, ctx) => {
    const early = lifecycle.endedEarly;
    if (early === undefined) return;
    if (early.lastDay >= lifecycle.endOfSupport) {
      ctx.addIssue({
        code: 'custom',
        path: ['endedEarly', 'lastDay'],
        message: 'must be before endOfSupport (otherwise it is not an early end)',
      });
    }
    // Retiring a model from the day the decision is recorded is allowed (lastDay = recorded - 1): that
    // is how a release on that day drops it. Any earlier would retire it before anyone decided so.
    if (isDayText(early.lastDay) && isDayText(early.recorded) && addDays(early.lastDay, 1) < early.recorded) {
      ctx.addIssue({
        code: 'custom',
        path: ['endedEarly', 'lastDay'],
        message: `support cannot end before the decision was recorded: the model is retired from the day after lastDay, so lastDay is at the earliest the day before recorded (${addDays(early.recorded, -1)})`,
      });
    }
  });
export type Lifecycle = z.infer<typeof lifecycleSchema>;

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
export const productManifestSchema = z
  .strictObject({
    $schema: z.string().optional(),
    schemaVersion: z.literal(1),
    id: modelId.describe('Model id, stable forever: images and devices name it'),
    name: z.string().min(1),
    features: z.array(featureName).describe('Platform features this model enables'),
    platform: semverRange.describe('Platform versions this model accepts'),
    drivers: z
      .string()
      .regex(/^(?!\/)(?!.*(?:^|\/)\.\.?(?:\/|$))[A-Za-z0-9._/-]+\.ts$/, 'must be a relative path to a .ts file inside the product folder')
      .describe('Entry of the model-specific driver code, relative to the product folder'),
    license: z
      .string()
      .min(1)
      .optional()
      .describe("Licence of the driver code (SPDX identifier or expression); the SBOM uses the platform package's when absent"),
    lifecycle: lifecycleSchema,
    hardware: z.array(hardwareRevisionSchema).min(1),
  })
  .superRefine((product, ctx) => {
    for (const dup of uniqueBy(product.hardware, (h) => h.revision)) {
      ctx.addIssue({ code: 'custom', path: ['hardware'], message: `hardware revision "${dup}" is listed twice` });
    }
    for (const dup of uniqueBy(product.features, (f) => f)) {
      ctx.addIssue({ code: 'custom', path: ['features'], message: `feature "${dup}" is listed twice` });
    }
    if (product.lifecycle.endOfSupport <= product.lifecycle.released) {
      ctx.addIssue({ code: 'custom', path: ['lifecycle', 'endOfSupport'], message: 'must be after the release date' });
    }
  });

export type ProductManifest = z.infer<typeof productManifestSchema>;

export function productManifestFromJSON(value: unknown, what = 'product.json'): ProductManifest {
  return parseDocument(productManifestSchema, value, what);
}
