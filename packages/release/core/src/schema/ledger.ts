import { z } from 'zod';
import {
  byteCount,
  hardwareRevision,
  imageFormatVersion,
  isoDate,
  modelId,
  semverRange,
  semverVersion,
  sha256Hex,
  uniqueBy,
} from './common.js';
import { imageRequires, isValidVersion } from '@fwkit/device-core';
import { LineOrder, lineOrderMessage } from '../lines.js';
import { zodOf, parseDocument } from './zod-bridge.js';

/**
 * The release ledger (`releases/ledger.json`): what is in the field. `fwkit release` appends to
 * it and nothing else writes it. Each image carries enough (requires, sizes, formats, upgrade
 * range) to recompute any past matrix cell without the old sources.
 */
export const ledgerImageSchema = z.strictObject({
  model: modelId,
  hardwareRevisions: z.array(hardwareRevision).min(1),
  manifestSha256: sha256Hex.describe(
    "The image's identity: SHA-256 of its signed manifest.json bytes (signatures.json may vary; this does not)",
  ),
  fileSha256: sha256Hex
    .optional()
    .describe('SHA-256 of the image file as released: one copy of the image, NOT its identity (absent for an image not yet signed)'),
  bytes: byteCount.describe('Size of the image file (of the image without signatures when not yet signed)'),
  formatVersion: imageFormatVersion,
  requires: zodOf(imageRequires),
});
export type LedgerImage = z.infer<typeof ledgerImageSchema>;

export const ledgerReleaseSchema = z
  .strictObject({
    firmware: semverVersion,
    platform: semverVersion,
    security: z.number().int().nonnegative(),
    date: isoDate.describe('Release date (the day of its SOURCE_DATE_EPOCH)'),
    sourceDateEpoch: z.number().int().nonnegative(),
    upgradeFrom: semverRange.describe('Installed firmware versions that may upgrade to this release directly'),
    installerFormats: z.array(imageFormatVersion).min(1).describe("Image formats this release's installer verifies"),
    steppingStone: z.boolean().default(false).describe('Released to open an upgrade path'),
    images: z.array(ledgerImageSchema).min(1),
  })
  .superRefine((release, ctx) => {
    for (const dup of uniqueBy(release.images, (i) => i.model)) {
      ctx.addIssue({ code: 'custom', path: ['images'], message: `model "${dup}" has two images in one release` });
    }
  });
export type LedgerRelease = z.infer<typeof ledgerReleaseSchema>;

/** A published support promise, or a recorded early end. Append-only: the history of what customers were told. */
export const supportRecordSchema = z.strictObject({
  model: modelId,
  lastDay: isoDate.describe('Last day of support as published by this record'),
  published: isoDate.describe('Date the record was published (the release date that carried it)'),
  kind: z.enum(['published', 'ended-early']),
  reason: z.string().optional(),
});
export type SupportRecord = z.infer<typeof supportRecordSchema>;

export const ledgerSchema = z
  .strictObject({
    $schema: z.string().optional(),
    schemaVersion: z.literal(1),
    releases: z.array(ledgerReleaseSchema),
    support: z.array(supportRecordSchema),
  })
  .superRefine((ledger, ctx) => {
    for (const dup of uniqueBy(ledger.releases, (r) => r.firmware)) {
      ctx.addIssue({ code: 'custom', path: ['releases'], message: `firmware ${dup} is released twice` });
    }
    const order = new LineOrder();
    ledger.releases.forEach((release, i) => {
      // The field checks do not stop this refinement, so an invalid version is skipped here (it has its own issue).
      if (!isValidVersion(release.firmware)) return;
      const problem = order.problem(release.firmware);
      // A duplicate is reported above.
      if (problem !== undefined && problem.kind !== 'exists') {
        ctx.addIssue({ code: 'custom', path: ['releases', i, 'firmware'], message: lineOrderMessage(problem) });
      }
      order.add(release.firmware);
    });
  });
export type Ledger = z.infer<typeof ledgerSchema>;

export const EMPTY_LEDGER: Ledger = Object.freeze({ schemaVersion: 1 as const, releases: [], support: [] });

export function ledgerFromJSON(value: unknown, what = 'releases/ledger.json'): Ledger {
  return parseDocument(ledgerSchema, value, what);
}
