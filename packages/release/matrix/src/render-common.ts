import { gateFailures, gateHints } from './gate.js';
import type { Matrix, MatrixCell, MatrixModel, MatrixReason, MatrixRelease, Verdict } from './types.js';

export const VERDICTS: readonly Verdict[] = ['pass', 'warn', 'fail', 'retired', 'not-released'];

export const VERDICT_LABEL: Readonly<Record<Verdict, string>> = {
  pass: 'pass',
  warn: 'warning',
  fail: 'fail',
  retired: 'retired',
  'not-released': 'not released',
};

/**
 * Short marks in plain ASCII, for the terminal and the HTML page: every font has them, and a
 * verdict reads without colour.
 */
export const VERDICT_MARK: Readonly<Record<Verdict, string>> = {
  pass: 'ok',
  warn: 'warn',
  fail: 'FAIL',
  retired: 'ret',
  'not-released': '-',
};

/** Summaries list verdicts worst first. */
export const VERDICTS_WORST_FIRST: readonly Verdict[] = ['fail', 'warn', 'pass', 'retired', 'not-released'];

/** Worst first: the order rows and summaries go in. */
const VERDICT_RANK: Readonly<Record<Verdict, number>> = { fail: 0, warn: 1, pass: 2, retired: 3, 'not-released': 4 };

/**
 * The columns of a report, newest first: the candidate (the release a manager decides on, even
 * when it is a maintenance release of an older line), then every other release by descending
 * version. Indexes into `matrix.releases`; the first is the head column, the rest is history.
 */
export function releasesNewestFirst(matrix: Matrix): number[] {
  const order = matrix.releases.map((_, j) => j).reverse();
  const candidate = order.findIndex((j) => matrix.releases[j]?.candidate === true);
  if (candidate > 0) order.unshift(...order.splice(candidate, 1));
  return order;
}

/** A model-level error ranks as a failing cell, a warning as a warning; otherwise the cell alone counts. */
function modelRank(model: MatrixModel): number {
  if (model.reasons.some((r) => r.severity === 'error')) return VERDICT_RANK.fail;
  return model.reasons.some((r) => r.severity === 'warning') ? VERDICT_RANK.warn : Infinity;
}

/**
 * Model indexes worst first: by the verdict in the head column (a model-level error counts as a
 * failure there), then by the worst failure or warning in history, then by name and id.
 */
export function modelsWorstFirst(matrix: Matrix, columns: readonly number[] = releasesNewestFirst(matrix)): number[] {
  const head = columns[0];
  const keys = matrix.models.map((model, i) => {
    const row = matrix.cells[i] ?? [];
    const now = head === undefined ? 'not-released' : (row[head]?.verdict ?? 'not-released');
    let history = 2;
    for (const j of columns.slice(1)) history = Math.min(history, VERDICT_RANK[row[j]?.verdict ?? 'pass']);
    return { i, now: Math.min(VERDICT_RANK[now], modelRank(model)), history, name: model.name, id: model.id };
  });
  const text = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);
  keys.sort((a, b) => a.now - b.now || a.history - b.history || text(a.name, b.name) || text(a.id, b.id));
  return keys.map((k) => k.i);
}

/** A run of neighbouring cells of one row with the same verdict and the same reasons: history is mostly runs. */
export interface CellRun {
  /** Position of its first cell in `columns`. */
  readonly start: number;
  readonly length: number;
  readonly cell: MatrixCell;
}

function sameReasons(a: MatrixCell, b: MatrixCell): boolean {
  if (a.verdict !== b.verdict || a.reasons.length !== b.reasons.length) return false;
  return a.reasons.every((r, k) => {
    const s = b.reasons[k];
    return s === r || (s !== undefined && s.code === r.code && s.severity === r.severity && s.message === r.message);
  });
}

/** The cells of row `i` at `columns[from…]`, as runs. */
export function cellRuns(matrix: Matrix, i: number, columns: readonly number[], from = 0): CellRun[] {
  const row = matrix.cells[i] ?? [];
  const runs: { start: number; length: number; cell: MatrixCell }[] = [];
  for (let k = from; k < columns.length; k += 1) {
    const cell = row[columns[k] ?? -1];
    if (cell === undefined) continue;
    const last = runs[runs.length - 1];
    if (last !== undefined && last.start + last.length === k && sameReasons(last.cell, cell)) last.length += 1;
    else runs.push({ start: k, length: 1, cell });
  }
  return runs;
}

/** A cell worth reading: failing or warning, with where it sits. */
export interface ProblemCell {
  readonly model: MatrixModel;
  readonly release: MatrixRelease;
  readonly cell: MatrixCell;
}

/** Failing and warning cells, row by row (model order), then column by column. */
export function problemCells(matrix: Matrix): ProblemCell[] {
  const out: ProblemCell[] = [];
  matrix.models.forEach((model, i) => {
    matrix.releases.forEach((release, j) => {
      const cell = matrix.cells[i]?.[j];
      if (cell !== undefined && (cell.verdict === 'fail' || cell.verdict === 'warn')) out.push({ model, release, cell });
    });
  });
  return out;
}

export function candidateOf(matrix: Matrix): { index: number; release: MatrixRelease } | undefined {
  const index = matrix.releases.findIndex((r) => r.candidate);
  const release = matrix.releases[index];
  return release === undefined ? undefined : { index, release };
}

/** Info reasons of passing candidate cells (upgrade routes): what release notes should tell. */
export function candidateNotes(matrix: Matrix): { model: MatrixModel; reason: MatrixReason }[] {
  const candidate = candidateOf(matrix);
  if (candidate === undefined) return [];
  const out: { model: MatrixModel; reason: MatrixReason }[] = [];
  matrix.models.forEach((model, i) => {
    const cell = matrix.cells[i]?.[candidate.index];
    if (cell === undefined || cell.verdict !== 'pass') return;
    for (const reason of cell.reasons) if (reason.severity === 'info') out.push({ model, reason });
  });
  return out;
}

/** The images of the candidate release, by model, with their identity (the manifest digest): what release notes list. */
export function candidateImages(matrix: Matrix): { model: MatrixModel; manifestSha256: string }[] {
  const candidate = candidateOf(matrix);
  if (candidate === undefined) return [];
  return matrix.models.flatMap((model, i) => {
    const digest = matrix.cells[i]?.[candidate.index]?.manifestSha256;
    return digest === undefined ? [] : [{ model, manifestSha256: digest }];
  });
}

export interface GateSummary {
  readonly pass: boolean;
  readonly failures: readonly MatrixReason[];
  /** What to do besides fixing the failing cells (retiring a model in this release: gateHints). */
  readonly hints: readonly string[];
  /** Failing cells of past releases: shown, never gated (no release can change them). */
  readonly pastFailingCells: number;
  readonly candidate?: string;
}

export function gateSummary(matrix: Matrix): GateSummary {
  const failures = gateFailures(matrix);
  const candidate = candidateOf(matrix)?.release.firmware;
  let pastFailingCells = 0;
  for (const row of matrix.cells)
    row.forEach((cell, j) => (pastFailingCells += cell.verdict === 'fail' && matrix.releases[j]?.candidate !== true ? 1 : 0));
  return {
    pass: failures.length === 0,
    failures,
    hints: gateHints(matrix),
    pastFailingCells,
    ...(candidate === undefined ? {} : { candidate }),
  };
}

/**
 * Said beside the gate's verdict whenever a past release has a failing cell, so that the verdict
 * never seems to contradict a cell shown with it: the gate judges the candidate, not history.
 */
export function pastFailuresNote(gate: GateSummary): string | undefined {
  const n = gate.pastFailingCells;
  if (n === 0) return undefined;
  return `${n} failing ${n === 1 ? 'cell' : 'cells'} of past releases: history, shown but not gated (no release can change ${n === 1 ? 'it' : 'them'})`;
}

export function verdictCounts(matrix: Matrix): Record<Verdict, number> {
  const counts: Record<Verdict, number> = { pass: 0, warn: 0, fail: 0, retired: 0, 'not-released': 0 };
  for (const row of matrix.cells) for (const cell of row) counts[cell.verdict] += 1;
  return counts;
}

/** Verdict counts of the head column and of the history columns (see releasesNewestFirst). */
export function countsByAge(
  matrix: Matrix,
  columns: readonly number[],
): { head: Record<Verdict, number>; history: Record<Verdict, number> } {
  const zero = (): Record<Verdict, number> => ({ pass: 0, warn: 0, fail: 0, retired: 0, 'not-released': 0 });
  const head = zero();
  const history = zero();
  for (const row of matrix.cells) {
    columns.forEach((j, k) => {
      const cell = row[j];
      if (cell !== undefined) (k === 0 ? head : history)[cell.verdict] += 1;
    });
  }
  return { head, history };
}

/** How many of row i's history cells fail and warn. */
export function historyProblems(matrix: Matrix, i: number, history: readonly number[]): { fail: number; warn: number } {
  const row = matrix.cells[i] ?? [];
  let fail = 0;
  let warn = 0;
  for (const j of history) {
    const v = row[j]?.verdict;
    if (v === 'fail') fail += 1;
    else if (v === 'warn') warn += 1;
  }
  return { fail, warn };
}

/** "candidate", "stepping stone", "maintenance 1.4": what sets a release apart, for headers and panels. */
export function releaseTags(release: MatrixRelease): string {
  return [
    release.candidate ? 'candidate' : '',
    release.steppingStone ? 'stepping stone' : '',
    release.maintenance ? `maintenance ${release.line}` : '',
  ]
    .filter((t) => t !== '')
    .join(', ');
}

export function releaseTitle(release: MatrixRelease): string {
  return `${release.firmware}${release.candidate ? ' (candidate)' : ''}${release.maintenance ? ` (maintenance, line ${release.line})` : ''}`;
}

export function supportLine(model: MatrixModel): string {
  switch (model.status) {
    case 'upcoming':
      return `upcoming (released ${model.released})`;
    case 'retired':
      return `retired since ${model.retiredFrom}`;
    case 'supported':
      return model.lastDay === '' ? 'supported' : `supported until ${model.lastDay}`;
  }
}
