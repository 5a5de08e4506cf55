import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { candidateRelease, LAYOUT, ledgerImageOfPlan, loadWorkspace, planProductImages } from '@fwkit/release-build';
import { isIsoDay } from '@fwkit/device-core';
import { platformManifestFromJSON, writeFileAtomic, type Ledger, type LedgerRelease, type PlatformManifest } from '@fwkit/release-core';
import {
  computeMatrix,
  gateFailures,
  gateHints,
  matrixToJSON,
  renderMatrixHtml,
  renderMatrixMarkdown,
  renderMatrixText,
  type Matrix,
  type MatrixReason,
} from '@fwkit/release-matrix';
import { gateRelease, loadLedger, loadProducts, releaseDateOf, scopeRelease, viewDateOf, ReleaseGateError } from '@fwkit/release-pipeline';
import { CliError, EXIT, UsageError } from '../errors.js';
import { readJsonFile, type Io } from '../io.js';
import { resolveEpoch } from '../options.js';
import { stepLabeller } from '../progress.js';

const FORMATS = ['text', 'json', 'markdown', 'html'] as const;
type Format = (typeof FORMATS)[number];

function isFormat(value: string): value is Format {
  return (FORMATS as readonly string[]).includes(value);
}

/** What was computed: the matrix, the gate's reasons, and which columns it has. */
interface Computed {
  readonly date: string;
  readonly matrix: Matrix;
  readonly failures: readonly MatrixReason[];
  /** The release the gate judged: the candidate, or the last ledger release shown. */
  readonly release: string | null;
  readonly candidate: LedgerRelease | null;
  readonly note: string | undefined;
}

/**
 * `fwkit matrix`: models × releases (the ledger's, plus the candidate computed from the sources)
 * with a verdict and every reason per cell. `--check` is the release gate for CI: exit 1 with the
 * gate's coded reasons when it fails. There is no flag to skip it.
 */
export async function matrixCommand(args: string[], io: Io): Promise<number> {
  const { values } = parseArgs({
    args,
    options: {
      release: { type: 'string' },
      date: { type: 'string' },
      format: { type: 'string' },
      output: { type: 'string' },
      check: { type: 'boolean', default: false },
      repo: { type: 'string', default: '.' },
      ledger: { type: 'string' },
      json: { type: 'boolean', default: false },
    },
  });
  const format = values.format ?? (values.json ? 'json' : 'text');
  if (!isFormat(format)) throw new UsageError(`--format must be one of ${FORMATS.join(', ')}, not "${format}"`);
  if (values.json && format !== 'json') throw new UsageError('--json is --format json; do not combine it with another format');
  if (values.date !== undefined && !isIsoDay(values.date))
    throw new UsageError(`--date "${values.date}" is not a calendar day written YYYY-MM-DD`);
  const repoRoot = resolve(io.cwd, values.repo);
  const ledgerPath = values.ledger === undefined ? undefined : resolve(io.cwd, values.ledger);

  const computed =
    values.release === undefined
      ? await fromSources(io, repoRoot, values.date, ledgerPath)
      : await fromLedger(io, repoRoot, values.release, values.date, ledgerPath);
  const failed = values.check && computed.failures.length > 0;
  const gateMessage = `${computed.failures.length} gate failure(s) for ${computed.release ?? 'no release'} on ${computed.date}`;

  let rendered: string;
  switch (format) {
    case 'text':
      rendered = renderMatrixText(computed.matrix);
      break;
    case 'markdown':
      rendered = renderMatrixMarkdown(computed.matrix);
      break;
    case 'html':
      rendered = renderMatrixHtml(computed.matrix);
      break;
    case 'json':
      // The matrix document (schemaVersion, date, gate, summary, models, releases, cells) in the CLI's envelope.
      rendered = JSON.stringify(
        {
          ok: !failed,
          code: failed ? 'RELEASE_GATE_FAILED' : null,
          message:
            computed.failures.length === 0 ? `the gate passes for ${computed.release ?? 'no release'} on ${computed.date}` : gateMessage,
          ...matrixToJSON(computed.matrix),
          candidateRelease: computed.candidate,
        },
        null,
        2,
      );
      break;
  }
  if (values.output === undefined) {
    io.out(rendered);
  } else {
    // Whole or not at all: a page half written is worse than the old one.
    await writeFileAtomic(resolve(io.cwd, values.output), rendered.endsWith('\n') ? rendered : `${rendered}\n`);
    io.progress(`wrote ${values.output}`);
  }
  if (computed.note !== undefined) io.err(`fwkit: note: ${computed.note}`);
  if (!failed) return EXIT.ok;
  const lines = [...computed.failures.map((r) => `  - ${r.code}: ${r.message}`), ...gateHints(computed.matrix).map((h) => `  hint: ${h}`)];
  const error = new ReleaseGateError(`${gateMessage}:\n${lines.join('\n')}`, {
    reasons: computed.failures,
    matrix: computed.matrix,
    candidate: computed.candidate ?? undefined,
    release: computed.release,
    date: computed.date,
  });
  if (format === 'json' && values.output === undefined) {
    // The JSON document above already carries ok:false and the reasons; one document on stdout.
    io.err(`fwkit: ${error.code}: ${error.message}`);
    return EXIT.failed;
  }
  throw error;
}

/** The ledger's releases plus the candidate from the sources (release.json, platform, products). */
async function fromSources(io: Io, repoRoot: string, dateOption: string | undefined, ledgerPath: string | undefined): Promise<Computed> {
  const workspace = await loadWorkspace(repoRoot);
  const [ledger, products] = await Promise.all([loadLedger(workspace.rootDir, ledgerPath), loadProducts(workspace.rootDir)]);
  const sourceDateEpoch = await resolveEpoch(io, repoRoot);
  // An explicit --date is taken as it is (a candidate before the last release is refused, as by
  // `fwkit release`); the default never lies before the last release.
  const view = dateOption === undefined ? viewDateOf(ledger, releaseDateOf(sourceDateEpoch)) : { date: dateOption, moved: false };
  const date = view.date;
  const moved = view.moved
    ? `support judged on ${date}, the date of the last release, not on ${releaseDateOf(sourceDateEpoch)} (SOURCE_DATE_EPOCH or the last commit), which lies before it; a release needs --date ${date} or later`
    : undefined;
  const firmware = workspace.release.firmware;
  if (ledger.releases.some((r) => r.firmware === firmware)) {
    // release.json still names a released version: show and gate what is in the field.
    const matrix = computeMatrix({ products, platform: workspace.platform, ledger, date });
    return {
      date,
      matrix,
      failures: gateFailures(matrix),
      release: ledger.releases.at(-1)?.firmware ?? null,
      candidate: null,
      note: [`release.json names ${firmware}, which is already in the ledger: no candidate (bump release.json for the next release)`, moved]
        .filter((n) => n !== undefined)
        .join('; '),
    };
  }
  // The models `fwkit release` would build, its version and date checks included (one rule: scopeRelease).
  const { maintenanceLine } = workspace.release;
  const scope = scopeRelease({ ledger, products, firmware, date, ...(maintenanceLine === undefined ? {} : { maintenanceLine }) });
  const models = scope.supported.map((p) => p.id);
  const label = stepLabeller(models);
  const planned = await planProductImages({
    repoRoot: workspace.rootDir,
    workspace,
    sourceDateEpoch,
    products: models,
    onProgress: (model: string, step: string) => {
      io.progress(label(model, step));
    },
  });
  const candidate = candidateRelease({ workspace, sourceDateEpoch, date, images: planned.map(ledgerImageOfPlan) });
  const plan = gateRelease({ candidate, ledger, products, platform: workspace.platform, date });
  return { date, matrix: plan.matrix, failures: plan.failures, release: candidate.firmware, candidate, note: moved };
}

/** The matrix up to a released version, from the ledger alone (no sources are bundled). */
async function fromLedger(
  io: Io,
  repoRoot: string,
  firmware: string,
  dateOption: string | undefined,
  ledgerPath: string | undefined,
): Promise<Computed> {
  const [full, products, platformJson] = await Promise.all([
    loadLedger(repoRoot, ledgerPath),
    loadProducts(repoRoot),
    readJsonFile(io, resolve(repoRoot, LAYOUT.platformManifest), 'platform manifest'),
  ]);
  const platform: PlatformManifest = platformManifestFromJSON(platformJson, LAYOUT.platformManifest);
  const index = full.releases.findIndex((r) => r.firmware === firmware);
  const release = full.releases[index];
  if (release === undefined) {
    throw new CliError(
      'RELEASE_UNKNOWN',
      `firmware ${firmware} is not in the ledger (released: ${full.releases.map((r) => r.firmware).join(', ') || 'none'})`,
      {
        details: { firmware },
      },
    );
  }
  // What was known when it went out: its releases and the support records published by then.
  const ledger: Ledger = {
    ...full,
    releases: full.releases.slice(0, index + 1),
    support: full.support.filter((s) => s.published <= release.date),
  };
  const date = dateOption ?? release.date;
  const matrix = computeMatrix({ products, platform, ledger, date });
  return { date, matrix, failures: gateFailures(matrix), release: firmware, candidate: null, note: undefined };
}
