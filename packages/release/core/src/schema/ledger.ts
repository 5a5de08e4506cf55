import { imageRequires } from '@fwkit/device-core';
import { LineOrder, lineOrderMessage } from '../lines.js';
import {
  array,
  boolean,
  byteCount,
  checkDocument,
  describe,
  enumOf,
  hardwareRevision,
  imageFormatVersion,
  integer,
  isoDate,
  literal,
  modelId,
  nullable,
  optional,
  semverRange,
  semverVersion,
  sha256Hex,
  strictObject,
  string,
  union,
  uniqueBy,
  withDefault,
  type Infer,
} from './checks.js';

/**
 * The release ledger (`releases/ledger.json`): what is in the field. `fwkit release` appends to
 * it; `fwkit ledger migrate` rewrites a schema-1 ledger as schema 2; nothing else writes it. Each image carries enough (requires, sizes, formats, upgrade
 * range) to recompute any past matrix cell without the old sources.
 */
export const ledgerImageSchema = strictObject({
  model: modelId,
  hardwareRevisions: array(hardwareRevision, 1),
  manifestSha256: describe(
    sha256Hex,
    "The image's identity: SHA-256 of its signed manifest.json bytes (signatures.json may vary; this does not)",
  ),
  fileSha256: describe(
    optional(sha256Hex),
    'SHA-256 of the image file as released: one copy of the image, NOT its identity (absent for an image not yet signed)',
  ),
  bytes: describe(byteCount, 'Size of the image file (of the image without signatures when not yet signed)'),
  formatVersion: imageFormatVersion,
  requires: imageRequires,
  sbomSha256: describe(
    optional(sha256Hex),
    'SHA-256 of the SBOM file bytes as embedded in the image (ledger schema 2; absent in releases that predate auditing)',
  ),
  signedBy: describe(
    optional(array(sha256Hex, 1)),
    'Keyids of the signatures in the image (ledger schema 2; absent for an image not yet signed and in releases that predate auditing)',
  ),
});
export type LedgerImage = Infer<typeof ledgerImageSchema>;

/** The ledger's schema version that fwkit writes; 1 is read (and migrated by `fwkit ledger migrate`), never appended to. */
export const LEDGER_SCHEMA_VERSION = 2;

/** The audit value of a release migrated from schema 1: it predates auditing, and nothing is invented for it. */
export const PREDATES_AUDIT = 'predates-audit';

const gitCommit = string({ pattern: /^[0-9a-f]{40}(?:[0-9a-f]{24})?$/, message: 'a full git commit id (40 or 64 hex digits)' });

/** Who made a release from what, recorded per release from ledger schema 2 on. */
export const releaseAuditSchema = strictObject(
  {
    sourceCommit: describe(nullable(gitCommit), 'The git commit released from (HEAD); null: no git checkout (only with allowDirty)'),
    fwkit: describe(semverVersion, 'Version of the toolkit that made the release (the @fwkit/cli package)'),
    node: describe(string({ pattern: /^v\d+\.\d+\.\d+$/ }), 'Node.js version that ran it (process.version)'),
    signingKeyids: describe(array(sha256Hex, 1), 'Keyids of the keys that signed every image'),
    demo: describe(boolean, 'A demo release (--demo): it may be signed with the published example keys'),
    allowDirty: describe(boolean, 'Released with --allow-dirty'),
    dirtyFiles: describe(array(string({ min: 1 })), 'Files that were not as committed (only with allowDirty)'),
  },
  (audit, report) => {
    if (!audit.allowDirty && audit.sourceCommit === null) report(['sourceCommit'], 'a release without a commit needs allowDirty');
    if (!audit.allowDirty && audit.dirtyFiles.length > 0) report(['dirtyFiles'], 'dirty files are released only with allowDirty');
  },
);
export type ReleaseAudit = Infer<typeof releaseAuditSchema>;

export const ledgerReleaseSchema = strictObject(
  {
    firmware: semverVersion,
    platform: semverVersion,
    security: integer(),
    date: describe(isoDate, 'Release date (the day of its SOURCE_DATE_EPOCH)'),
    sourceDateEpoch: integer(),
    upgradeFrom: describe(semverRange, 'Installed firmware versions that may upgrade to this release directly'),
    installerFormats: describe(array(imageFormatVersion, 1), "Image formats this release's installer verifies"),
    steppingStone: describe(withDefault(boolean, false), 'Released to open an upgrade path'),
    images: array(ledgerImageSchema, 1),
    audit: describe(
      optional(union(releaseAuditSchema, literal(PREDATES_AUDIT))),
      `Ledger schema 2: who made the release from what, or "${PREDATES_AUDIT}" for a release migrated from schema 1`,
    ),
  },
  (release, report) => {
    for (const dup of uniqueBy(release.images, (i) => i.model)) report(['images'], `model "${dup}" has two images in one release`);
  },
);
export type LedgerRelease = Infer<typeof ledgerReleaseSchema>;

/** A published support promise, or a recorded early end. Append-only: the history of what customers were told. */
export const supportRecordSchema = strictObject({
  model: modelId,
  lastDay: describe(isoDate, 'Last day of support as published by this record'),
  published: describe(isoDate, 'Date the record was published (the release date that carried it)'),
  kind: enumOf(['published', 'ended-early']),
  reason: optional(string()),
});
export type SupportRecord = Infer<typeof supportRecordSchema>;

export const ledgerSchema = strictObject(
  {
    $schema: optional(string()),
    schemaVersion: union(literal(1), literal(LEDGER_SCHEMA_VERSION)),
    releases: array(ledgerReleaseSchema),
    support: array(supportRecordSchema),
  },
  (ledger, report) => {
    for (const dup of uniqueBy(ledger.releases, (r) => r.firmware)) report(['releases'], `firmware ${dup} is released twice`);
    const order = new LineOrder();
    ledger.releases.forEach((release, i) => {
      const problem = order.problem(release.firmware);
      // A duplicate is reported above.
      if (problem !== undefined && problem.kind !== 'exists') report(['releases', i, 'firmware'], lineOrderMessage(problem));
      order.add(release.firmware);
    });
    for (const problem of auditProblems(ledger)) report(problem.path, problem.message);
  },
);
export type Ledger = Infer<typeof ledgerSchema>;

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
  return checkDocument(ledgerSchema, value, what);
}
