import { dirname, join } from 'node:path';
import { INPUT_LIMITS, InputError, parseJsonBytes, readInputFile } from '@fwkit/device-core';
import {
  LineOrder,
  lineOf,
  lineOrderMessage,
  ledgerFromJSON,
  LEDGER_SCHEMA_VERSION,
  migrateLedger,
  ensureDirectory,
  stageFile,
  type Ledger,
  type StagedFile,
  type LedgerRelease,
  type SupportRecord,
} from '@fwkit/release-core';
import { ReleaseError } from './errors.js';
import { formatJson } from './json.js';

/** Where the ledger lives in a checkout: reviewed and committed like code. */
export const LEDGER_PATH = 'releases/ledger.json';
/** `$schema` of a ledger fwkit creates, relative to LEDGER_PATH. */
export const LEDGER_SCHEMA_REF = '../schemas/ledger.schema.json';

const EMPTY_LEDGER_HINT = `: {"$schema": "${LEDGER_SCHEMA_REF}", "schemaVersion": ${LEDGER_SCHEMA_VERSION}, "releases": [], "support": []}`;

/** The ledger and the exact text it was read from. */
export interface LedgerFile {
  readonly path: string;
  readonly ledger: Ledger;
  readonly text: string;
}

/**
 * Read and validate releases/ledger.json with core's input reader (a regular file of at most
 * INPUT_LIMITS.ledger bytes, strict JSON: a duplicate "releases" key is refused, not collapsed to
 * its last value). A missing file is LEDGER_NOT_FOUND, never the empty ledger: the only way to
 * start one is to commit the empty ledger (README, docs/decisions.md). `ledgerPath`: another
 * checkout's ledger (`--ledger`: a maintenance branch releases into main's, docs/decisions.md
 * "The version model").
 */
export async function readLedgerFile(repoRoot: string, ledgerPath?: string): Promise<LedgerFile> {
  const path = ledgerPath ?? join(repoRoot, LEDGER_PATH);
  let bytes: Buffer;
  try {
    bytes = await readInputFile(path, LEDGER_PATH, INPUT_LIMITS.ledger);
  } catch (cause) {
    if (cause instanceof InputError && cause.code === 'INPUT_NOT_FOUND') {
      throw new ReleaseError(
        'LEDGER_NOT_FOUND',
        `${LEDGER_PATH} not found in ${repoRoot}; a missing ledger is not an empty one. A new repository commits the empty ledger ${EMPTY_LEDGER_HINT}`,
        { cause, details: { path: LEDGER_PATH } },
      );
    }
    throw cause;
  }
  const value = parseJsonBytes(bytes, LEDGER_PATH);
  // parseJsonBytes checked the bytes are UTF-8, so this text is exact (RELEASE_LEDGER_CHANGED compares it).
  return { path, ledger: ledgerFromJSON(value, LEDGER_PATH), text: bytes.toString('utf8') };
}

/**
 * A release appends only to a ledger of the current schema: an older one is migrated first, by
 * `fwkit ledger migrate`, in a change of its own that is reviewed and committed.
 */
export function checkLedgerCurrent(ledger: Ledger): void {
  if (ledger.schemaVersion === LEDGER_SCHEMA_VERSION) return;
  throw new ReleaseError(
    'LEDGER_SCHEMA_OUTDATED',
    `${LEDGER_PATH} is schema ${ledger.schemaVersion}; a release appends to schema ${LEDGER_SCHEMA_VERSION}: run \`fwkit ledger migrate\` and commit the result`,
    { details: { schemaVersion: ledger.schemaVersion, current: LEDGER_SCHEMA_VERSION } },
  );
}

export interface LedgerMigration {
  readonly path: string;
  readonly from: number;
  readonly to: number;
  /** Releases marked as predating the audit fields. */
  readonly releases: number;
  /** False when the ledger already was of the current schema (nothing written). */
  readonly written: boolean;
}

/**
 * `fwkit ledger migrate`: rewrite the ledger in the current schema (core's `migrateLedger`, which
 * invents no old value), atomically, in Prettier's layout. A current ledger is left untouched.
 */
export async function migrateLedgerFile(repoRoot: string, ledgerPath?: string): Promise<LedgerMigration> {
  const file = await readLedgerFile(repoRoot, ledgerPath);
  const from = file.ledger.schemaVersion;
  const to = LEDGER_SCHEMA_VERSION;
  if (from === to) return { path: file.path, from, to, releases: 0, written: false };
  const next = migrateLedger(file.ledger);
  const staged = await stagePlannedLedger(file, next);
  await staged.commit();
  return { path: file.path, from, to, releases: next.releases.length, written: true };
}

/** The validated ledger of a checkout, or the one at `ledgerPath` (LEDGER_NOT_FOUND when it does not exist). */
export async function loadLedger(repoRoot: string, ledgerPath?: string): Promise<Ledger> {
  return (await readLedgerFile(repoRoot, ledgerPath)).ledger;
}

/**
 * The ledger's order for one more release: refuse a firmware version that is in the ledger already
 * (RELEASE_EXISTS) or does not follow the line order (RELEASE_VERSION_NOT_NEWER: above the last
 * release of its line; a new line above every line).
 */
export function checkLedgerOrder(ledger: Ledger, firmware: string, order = new LineOrder(ledger.releases)): void {
  const problem = order.problem(firmware);
  if (problem === undefined) return;
  if (problem.kind === 'exists') {
    throw new ReleaseError('RELEASE_EXISTS', `firmware ${firmware} is already released (${LEDGER_PATH}); bump release.json`, {
      details: { firmware },
    });
  }
  const against = problem.kind === 'not-newer-in-line' ? { last: problem.last } : { newest: problem.newest };
  throw new ReleaseError('RELEASE_VERSION_NOT_NEWER', lineOrderMessage(problem), { details: { firmware, line: problem.line, ...against } });
}

/**
 * The candidate's version: the ledger's order (`checkLedgerOrder`), and its line. A release below
 * the newest line is a maintenance release, and release.json must say so (`maintenanceLine`): a
 * mistyped version is not taken for one, and a stale copy of the ledger (no newer line in it) is
 * not taken for main's (docs/decisions.md, "The version model").
 */
export function checkCandidateVersion(ledger: Ledger, firmware: string, maintenanceLine?: string): void {
  const order = new LineOrder(ledger.releases);
  checkLedgerOrder(ledger, firmware, order);
  const line = lineOf(firmware);
  const newest = order.newest === undefined ? undefined : lineOf(order.newest);
  const maintenance = order.isMaintenance(firmware);
  if (maintenanceLine !== undefined && maintenanceLine !== line) {
    throw new ReleaseError(
      'RELEASE_LINE_MISMATCH',
      `release.json names maintenance line ${maintenanceLine}, but firmware ${firmware} is on line ${line}`,
      { details: { firmware, line, maintenanceLine } },
    );
  }
  if (maintenance && maintenanceLine === undefined) {
    throw new ReleaseError(
      'RELEASE_VERSION_NOT_NEWER',
      `firmware ${firmware} is on line ${line}, below line ${newest ?? '?'}, the newest in ${LEDGER_PATH}: a release of an older ` +
        `line is a maintenance release; if that is what you mean, say so in release.json ("maintenanceLine": "${line}")`,
      { details: { firmware, line, newest: newest ?? null } },
    );
  }
  if (!maintenance && maintenanceLine !== undefined) {
    throw new ReleaseError(
      'RELEASE_LINE_NOT_MAINTENANCE',
      `release.json names maintenance line ${line}, but this ledger has no newer line. Either it is a stale copy: release from the ` +
        `maintenance branch with --ledger <path to main's ${LEDGER_PATH}>, so that one ledger holds every line; or ${line} is the ` +
        'newest line: remove "maintenanceLine" from release.json',
      { details: { firmware, line } },
    );
  }
}

/** The ledger with one more release and its support records, validated like a ledger read from disk. Pure. */
export function appendRelease(ledger: Ledger, release: LedgerRelease, support: readonly SupportRecord[]): Ledger {
  checkLedgerOrder(ledger, release.firmware);
  return appendChecked(ledger, release, support);
}

/** `appendRelease` for a candidate whose version the caller has already checked (the release plan does, once). */
export function appendChecked(ledger: Ledger, release: LedgerRelease, support: readonly SupportRecord[]): Ledger {
  return ledgerFromJSON(
    {
      $schema: ledger.$schema ?? LEDGER_SCHEMA_REF,
      schemaVersion: ledger.schemaVersion,
      releases: [...ledger.releases, release],
      support: [...ledger.support, ...support],
    },
    `${LEDGER_PATH} after appending ${release.firmware}`,
  );
}

/** The ledger as written to disk (Prettier's layout, so a formatted checkout stays formatted). */
export function formatLedger(ledger: Ledger): string {
  return formatJson(ledger);
}

export interface AppendOptions {
  readonly repoRoot: string;
  readonly release: LedgerRelease;
  readonly support: readonly SupportRecord[];
  /**
   * The ledger text the release was planned against (`LedgerFile.text`). When the file no longer
   * holds it, nothing is written (RELEASE_LEDGER_CHANGED).
   */
  readonly basis?: string;
}

/**
 * Append a release to releases/ledger.json: earlier entries are kept as they are, in order; the
 * new file replaces the old one whole (temporary file + rename) or not at all.
 */
export async function appendToLedger(options: AppendOptions): Promise<Ledger> {
  const { ledger, file } = await stageLedgerAppend(options);
  await file.commit();
  return ledger;
}

/**
 * The appended ledger written to a temporary file beside releases/ledger.json, not yet in place:
 * a ledger that cannot be written (a read-only mount, a full disk) fails here, before a release
 * moves any image. `file.commit()` is the release's commit point; `file.abort()` drops it.
 */
export async function stageLedgerAppend(options: AppendOptions): Promise<{ ledger: Ledger; file: StagedFile }> {
  const current = await readLedgerFile(options.repoRoot);
  if (options.basis !== undefined) refuseIfChanged(current.text, options.basis);
  const next = appendRelease(current.ledger, options.release, options.support);
  return { ledger: next, file: await stageLedger(current.path, next) };
}

function refuseIfChanged(text: string, basis: string): void {
  if (text !== basis) {
    throw new ReleaseError('RELEASE_LEDGER_CHANGED', `${LEDGER_PATH} changed while the release ran; nothing was written, run it again`, {
      details: { path: LEDGER_PATH },
    });
  }
}

async function stageLedger(path: string, next: Ledger): Promise<StagedFile> {
  const bytes = new TextEncoder().encode(formatLedger(next));
  await ensureDirectory(dirname(path));
  return stageFile(path, (put) => put(bytes));
}

/**
 * The ledger a release planned (`next`, already appended and validated) written to a temporary
 * file beside the one it was planned against, not yet in place. The file's bytes are read once
 * more, only to compare them with `basis.text`: a ledger that changed since the release loaded
 * it is RELEASE_LEDGER_CHANGED, and nothing is written. It is not parsed again.
 */
export async function stagePlannedLedger(basis: LedgerFile, next: Ledger): Promise<StagedFile> {
  let text: string;
  try {
    text = (await readInputFile(basis.path, LEDGER_PATH, INPUT_LIMITS.ledger)).toString('utf8');
  } catch (cause) {
    // Removed meanwhile: changed too.
    if (!(cause instanceof InputError && cause.code === 'INPUT_NOT_FOUND')) throw cause;
    text = '';
  }
  refuseIfChanged(text, basis.text);
  return stageLedger(basis.path, next);
}
