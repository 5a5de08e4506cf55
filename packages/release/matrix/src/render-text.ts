import {
  VERDICT_MARK as MARK,
  candidateNotes,
  gateSummary,
  pastFailuresNote,
  problemCells,
  releaseTitle,
  supportLine,
} from './render-common.js';
import type { Matrix, MatrixReason } from './types.js';

/** Terminal text from files: control characters would move the cursor or hide text. */
export function plain(text: string): string {
  let out = '';
  for (const ch of text) {
    const code = ch.codePointAt(0) ?? 0;
    // C0 and C1 control characters become a visible "?".
    out += code < 0x20 || (code >= 0x7f && code <= 0x9f) ? '?' : ch;
  }
  return out;
}

function pad(text: string, width: number): string {
  return text.length >= width ? text : text + ' '.repeat(width - text.length);
}

function reasonLine(reason: MatrixReason): string {
  return `  ${pad(reason.severity, 7)} ${reason.code}: ${plain(reason.message)}`;
}

/**
 * A terminal table: one row per model, one column per release in version order (`*` marks the
 * candidate, `+` a stepping stone, `~` a maintenance release of an older line), short verdict
 * marks; then every reason of every failing or warning cell.
 */
export function renderMatrixText(matrix: Matrix): string {
  const gate = gateSummary(matrix);
  const lines: string[] = [];
  lines.push(
    `Compatibility matrix on ${matrix.date}: ${matrix.models.length} models × ${matrix.releases.length} releases` +
      (gate.candidate === undefined ? ' (no candidate)' : `, candidate ${gate.candidate}`),
  );
  lines.push(
    gate.pass
      ? `Release gate: pass${gate.candidate === undefined ? ' (model-level checks only: no candidate)' : ''}`
      : `Release gate: REFUSED (${gate.failures.length} ${gate.failures.length === 1 ? 'error' : 'errors'})`,
  );
  const past = pastFailuresNote(gate);
  if (past !== undefined) lines.push(`  ${past}`);
  for (const hint of gate.hints) lines.push(`  hint: ${plain(hint)}`);
  lines.push('');

  const headers = matrix.releases.map(
    (r) => `${r.firmware}${r.candidate ? '*' : ''}${r.steppingStone ? '+' : ''}${r.maintenance ? '~' : ''}`,
  );
  const modelWidth = Math.max(5, ...matrix.models.map((m) => plain(m.id).length));
  const supportWidth = Math.max(7, ...matrix.models.map((m) => supportLine(m).length));
  const widths = headers.map((h) => Math.max(h.length, 4));
  const row = (first: string, second: string, rest: readonly string[]): string =>
    [pad(first, modelWidth), pad(second, supportWidth), ...rest.map((c, j) => pad(c, widths[j] ?? 4))].join('  ').trimEnd();
  lines.push(row('model', 'support', headers));
  matrix.models.forEach((model, i) => {
    const marks = matrix.releases.map((_, j) => {
      const cell = matrix.cells[i]?.[j];
      return cell === undefined ? '?' : MARK[cell.verdict];
    });
    lines.push(row(plain(model.id), supportLine(model), marks));
  });
  lines.push('');
  lines.push('ok pass · warn warning · FAIL fail · ret retired · - not released · * candidate · + stepping stone · ~ maintenance release');

  const modelNotes = matrix.models.filter((m) => m.reasons.length > 0 || m.endedEarly !== undefined);
  if (modelNotes.length > 0) {
    lines.push('', 'Models:');
    for (const model of modelNotes) {
      if (model.endedEarly !== undefined) {
        const e = model.endedEarly;
        lines.push(
          `${plain(model.id)}: support ends early: last day ${e.lastDay}, retired since ${model.retiredFrom} (recorded ${e.recorded}): ${plain(e.reason)}`,
        );
      }
      for (const reason of model.reasons) lines.push(reasonLine(reason));
    }
  }

  const problems = problemCells(matrix);
  if (problems.length > 0) {
    lines.push('', 'Failing and warning cells:');
    for (const { model, release, cell } of problems) {
      lines.push(`${MARK[cell.verdict]} ${plain(model.id)} × ${releaseTitle(release)}`);
      for (const reason of cell.reasons) lines.push(reasonLine(reason));
    }
  }

  const notes = candidateNotes(matrix);
  if (notes.length > 0) {
    lines.push('', 'Notes on the candidate:');
    for (const { reason } of notes) lines.push(reasonLine(reason));
  }
  return `${lines.join('\n')}\n`;
}
