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
 * it; `fwkit ledger migrate` rewrites a schema-1 ledger as schema 2; nothing else writes it. Each image carries enough (requires, sizes, formats, upgrade
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
  sbomSha256: sha256Hex
    .optional()
    .describe('SHA-256 of the SBOM file bytes as embedded in the image (ledger schema 2; absent in releases that predate auditing)'),
  signedBy: z
    .array(sha256Hex)
    .min(1)
    .optional()
    .describe(
      'Keyids of the signatures in the image (ledger schema 2; absent for an image not yet signed and in releases that predate auditing)',
    ),
});
export type LedgerImage = z.infer<typeof ledgerImageSchema>;

/** The ledger's schema version that fwkit writes; 1 is read (and migrated by `fwkit ledger migrate`), never appended to. */
export const LEDGER_SCHEMA_VERSION = 2;

/** The audit value of a release migrated from schema 1: it predates auditing, and nothing is invented for it. */
export const PREDATES_AUDIT = 'predates-audit';

const gitCommit = z.string().regex(/^[0-9a-f]{40}(?:[0-9a-f]{24})?$/, 'a full git commit id (40 or 64 hex digits)');

/** Who made a release from what, recorded per release from ledger schema 2 on. */
export const releaseAuditSchema = z
  .strictObject({
    sourceCommit: gitCommit.nullable().describe('The git commit released from (HEAD); null: no git checkout (only with allowDirty)'),
    fwkit: semverVersion.describe('Version of the toolkit that made the release (the @fwkit/cli package)'),
    node: z
      .string()
      .regex(/^v\d+\.\d+\.\d+$/)
      .describe('Node.js version that ran it (process.version)'),
    signingKeyids: z.array(sha256Hex).min(1).describe('Keyids of the keys that signed every image'),
    demo: z.boolean().describe('A demo release (--demo): it may be signed with the published example keys'),
    allowDirty: z.boolean().describe('Released with --allow-dirty'),
    dirtyFiles: z.array(z.string().min(1)).describe('Files that were not as committed (only with allowDirty)'),
  })
  .superRefine((audit, ctx) => {
    if (!audit.allowDirty && audit.sourceCommit === null) {
      ctx.addIssue({ code: 'custom', path: ['sourceCommit'], message: 'a release without a commit needs allowDirty' });
    }
    if (!audit.allowDirty && audit.dirtyFiles.length > 0) {
      ctx.addIssue({ code: 'custom', path: ['dirtyFiles'], message: 'dirty files are released only with allowDirty' });
    }
  });
export type ReleaseAudit = z.infer<typeof releaseAuditSchema>;

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
    audit: z
      .union([releaseAuditSchema, z.literal(PREDATES_AUDIT)])
      .optional()
      .describe(`Ledger schema 2: who made the release from what, or "${PREDATES_AUDIT}" for a release migrated from schema 1`),
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
    schemaVersion: z.union([z.literal(1), z.literal(LEDGER_SCHEMA_VERSION)]),
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
    for (const problem of auditProblems(ledger)) ctx.addIssue({ code: 'custom', ...problem });
  });
export type Ledger = z.infer<typeof ledgerSchema>;

/**
 * The audit fields by schema version. Schema 1 has none. Schema 2: every release has `audit`,
 * releases migrated from schema 1 (marked PREDATES_AUDIT, with no image audit field) come first,
 * and each image of an audited release has its file digest, SBOM digest and signing keyids.
 */
function auditProblems(ledger: {
  schemaVersion: number;
  releases: readonly Pick<LedgerRelease, 'audit' | 'images'>[];
}): { path: (string | number)[]; message: string }[] {
  const problems: { path: (string | number)[]; message: string }[] = [];
  let audited = false;
  ledger.releases.forEach((release, i) => {
    const at = (...rest: (string | number)[]) => ['releases', i, ...rest];
    if (ledger.schemaVersion === 1) {
      if (release.audit !== undefined || release.images.some((im) => im.sbomSha256 !== undefined || im.signedBy !== undefined)) {
        problems.push({ path: at(), message: 'a schema-1 ledger has no audit fields (fwkit ledger migrate makes it schema 2)' });
      }
      return;
    }
    if (release.audit === undefined) {
      problems.push({
        path: at('audit'),
        message: `every release of a schema-2 ledger has "audit" (or "${PREDATES_AUDIT}" from a migration)`,
      });
    } else if (release.audit === PREDATES_AUDIT) {
      if (audited) problems.push({ path: at('audit'), message: `"${PREDATES_AUDIT}" only before the first audited release` });
      release.images.forEach((im, j) => {
        if (im.sbomSha256 !== undefined || im.signedBy !== undefined) {
          problems.push({ path: at('images', j), message: 'an image of a release that predates auditing has no audit fields' });
        }
      });
    } else {
      audited = true;
      release.images.forEach((im, j) => {
        for (const field of ['fileSha256', 'sbomSha256', 'signedBy'] as const) {
          if (im[field] === undefined)
            problems.push({ path: at('images', j, field), message: `an audited release records each image's ${field}` });
        }
      });
    }
  });
  return problems;
}

export const EMPTY_LEDGER: Ledger = Object.freeze({ schemaVersion: LEDGER_SCHEMA_VERSION, releases: [], support: [] });

/**
 * Schema 1 → 2, pure: the same releases, each marked PREDATES_AUDIT (no value of it is invented),
 * and the support records as they are. A schema-2 ledger is returned as it is.
 */
export function migrateLedger(ledger: Ledger): Ledger {
  if (ledger.schemaVersion === LEDGER_SCHEMA_VERSION) return ledger;
  return ledgerFromJSON(
    { ...ledger, schemaVersion: LEDGER_SCHEMA_VERSION, releases: ledger.releases.map((r) => ({ ...r, audit: PREDATES_AUDIT })) },
    'the ledger migrated to schema 2',
  );
}

export function ledgerFromJSON(value: unknown, what = 'releases/ledger.json'): Ledger {
  return parseDocument(ledgerSchema, value, what);
}
