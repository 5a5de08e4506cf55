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
