import {
  candidateImages,
  candidateNotes,
  gateSummary,
  pastFailuresNote,
  problemCells,
  releaseTitle,
  supportLine,
} from './render-common.js';
import type { Matrix, MatrixReason, Verdict } from './types.js';

export const MARKDOWN_MARK: Readonly<Record<Verdict, string>> = {
  pass: '✅',
  warn: '⚠️',
  fail: '❌',
  retired: '⏹',
  'not-released': '—',
};

const SEVERITY_MARK: Readonly<Record<MatrixReason['severity'], string>> = { error: '❌', warning: '⚠️', info: 'ℹ️' };

/**
 * Text from files (model names, reasons) as inline Markdown that renders as itself: no links, no
 * HTML, no emphasis, no table breaks. Line breaks become spaces (a reason is one list item).
 */
export function markdownText(text: string): string {
  return text.replace(/[\r\n]+/g, ' ').replace(/[\\`*_[\]<>|~&!#]/g, '\\$&');
}

function reasonItem(reason: MatrixReason): string {
  return `- ${SEVERITY_MARK[reason.severity]} \`${reason.code}\` ${markdownText(reason.message)}`;
}

/**
 * For release notes and PR comments: a GitHub-flavoured table (✅ ⚠️ ❌ ⏹ —), then a section for
 * every failing or warning cell with every reason, model-level problems and upgrade notes.
 */
export function renderMatrixMarkdown(matrix: Matrix): string {
  const gate = gateSummary(matrix);
  const out: string[] = [];
  out.push(`## Compatibility matrix on ${matrix.date}`, '');
  if (gate.candidate === undefined) {
    out.push(gate.pass ? '**Release gate: ✅ pass** (no candidate: model-level checks only)' : '**Release gate: ❌ refused**');
  } else {
    out.push(
      gate.pass
        ? `**Release gate: ✅ ${gate.candidate} may be released**`
        : `**Release gate: ❌ ${gate.candidate} refused** (${gate.failures.length} ${gate.failures.length === 1 ? 'error' : 'errors'})`,
    );
  }
  const past = pastFailuresNote(gate);
  if (past !== undefined) out.push('', `_${markdownText(past)}_`);
  if (gate.hints.length > 0) out.push('', ...gate.hints.map((h) => `- 💡 ${markdownText(h)}`));
  out.push('');
  const headers = matrix.releases.map(
    (r) =>
      (r.candidate ? `**${r.firmware}** (candidate)` : r.steppingStone ? `${r.firmware} (stepping stone)` : r.firmware) +
      (r.maintenance ? ` (maintenance ${r.line})` : ''),
  );
  out.push(`| Model | Support | ${headers.join(' | ')} |`);
  out.push(`| --- | --- | ${matrix.releases.map(() => ':-:').join(' | ')} |`);
  matrix.models.forEach((model, i) => {
    const marks = matrix.releases.map((_, j) => {
      const cell = matrix.cells[i]?.[j];
      return cell === undefined ? '?' : MARKDOWN_MARK[cell.verdict];
    });
    out.push(`| ${markdownText(model.name)} (\`${model.id}\`) | ${supportLine(model)} | ${marks.join(' | ')} |`);
  });
  out.push('', '✅ pass · ⚠️ warning · ❌ fail · ⏹ retired · — not released', '');

  const modelNotes = matrix.models.filter((m) => m.reasons.length > 0 || m.endedEarly !== undefined);
  if (modelNotes.length > 0) {
    out.push('### Models', '');
    for (const model of modelNotes) {
      if (model.endedEarly !== undefined) {
        const e = model.endedEarly;
        out.push(
          `- ⏹ \`${model.id}\` support ends early: last day ${e.lastDay}, retired since ${model.retiredFrom} (recorded ${e.recorded}): ${markdownText(e.reason)}`,
        );
      }
      for (const reason of model.reasons) out.push(reasonItem(reason));
    }
    out.push('');
  }

  for (const { model, release, cell } of problemCells(matrix)) {
    out.push(`### ${MARKDOWN_MARK[cell.verdict]} ${markdownText(model.name)} (\`${model.id}\`) × ${releaseTitle(release)}`, '');
    for (const reason of cell.reasons) out.push(reasonItem(reason));
    out.push('');
  }

  const images = candidateImages(matrix);
  if (images.length > 0 && gate.candidate !== undefined) {
    // An image is named by its manifest digest: signatures.json may vary between copies of one image.
    out.push(`### Images of ${gate.candidate}`, '', '| Model | Identity (SHA-256 of the signed manifest) |', '| --- | --- |');
    for (const { model, manifestSha256 } of images) out.push(`| \`${model.id}\` | \`${manifestSha256}\` |`);
    out.push('');
  }

  const notes = candidateNotes(matrix);
  if (notes.length > 0 && gate.candidate !== undefined) {
    out.push(`### Upgrading to ${gate.candidate}`, '');
    for (const { reason } of notes) out.push(reasonItem(reason));
    out.push('');
  }
  return `${out.join('\n').trimEnd()}\n`;
}
