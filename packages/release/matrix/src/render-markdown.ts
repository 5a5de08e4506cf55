import { plural } from './reasons.js';
import {
  VERDICT_LABEL,
  VERDICTS_WORST_FIRST,
  candidateImages,
  candidateNotes,
  cellRuns,
  countsByAge,
  gateSummary,
  historyProblems,
  modelsWorstFirst,
  pastFailuresNote,
  releaseTags,
  releaseTitle,
  releasesNewestFirst,
  supportLine,
} from './render-common.js';
import type { Matrix, MatrixCell, MatrixModel, MatrixReason, Verdict } from './types.js';

/** Emoji GitHub draws as images, each beside a word (retired has none: the word reads in every font). */
export const MARKDOWN_MARK: Readonly<Record<Verdict, string>> = {
  pass: '✅',
  warn: '⚠️',
  fail: '❌',
  retired: '',
  'not-released': '—',
};

function verdictText(verdict: Verdict): string {
  return `${MARKDOWN_MARK[verdict]} ${VERDICT_LABEL[verdict]}`.trim();
}

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

function modelTitle(model: MatrixModel): string {
  return `${markdownText(model.name)} (\`${model.id}\`)`;
}

function isProblem(cell: MatrixCell | undefined): boolean {
  return cell !== undefined && (cell.verdict === 'fail' || cell.verdict === 'warn');
}

/**
 * For release notes and PR comments, summary first, as the HTML page: the gate, verdict counts of
 * the newest release (the candidate) and of the older ones, the models failing or warning in the
 * newest release (worst first) with every reason, model-level notes; then, collapsed, every
 * model's row and the failing and warning cells of older releases (neighbouring cells with the
 * same reasons as one section).
 */
export function renderMatrixMarkdown(matrix: Matrix): string {
  const gate = gateSummary(matrix);
  const columns = releasesNewestFirst(matrix);
  const order = modelsWorstFirst(matrix, columns);
  const head = columns[0];
  const headRelease = head === undefined ? undefined : matrix.releases[head];
  const history = columns.slice(1);
  const headTitle = headRelease === undefined ? 'newest release' : releaseTitle(headRelease);
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
  if (gate.hints.length > 0) {
    // One per failing model: collapsed, so that the summary stays first.
    const n = gate.hints.length;
    out.push(
      '',
      `<details><summary>💡 How to retire ${n === 1 ? 'the failing model' : `the ${n} failing models`} in this release instead</summary>`,
      '',
    );
    out.push(...gate.hints.map((h) => `- 💡 ${markdownText(h)}`), '', '</details>');
  }
  out.push(
    '',
    `${matrix.models.length} ${plural(matrix.models.length, 'model')} × ${matrix.releases.length} ${plural(matrix.releases.length, 'release')}, newest first.`,
    '',
  );

  const counts = countsByAge(matrix, columns);
  out.push(`| Verdict | ${headTitle} | ${history.length} older ${plural(history.length, 'release')} |`, '| --- | --: | --: |');
  for (const v of VERDICTS_WORST_FIRST) out.push(`| ${verdictText(v)} | ${counts.head[v]} | ${counts.history[v]} |`);
  out.push('');
  if (columns.length > 0) {
    out.push(`<details><summary>The ${columns.length} ${plural(columns.length, 'release')}, newest first</summary>`, '');
    out.push('| Release | Date | Platform | Security | Upgrades from |', '| --- | --- | --- | --: | --- |');
    for (const j of columns) {
      const r = matrix.releases[j];
      if (r === undefined) continue;
      const tags = releaseTags(r);
      out.push(
        `| ${r.firmware}${tags === '' ? '' : ` (${tags})`} | ${r.date} | ${r.platform} | ${r.security} | ${markdownText(r.upgradeFrom)} |`,
      );
    }
    out.push('', '</details>', '');
  }

  const row = (i: number): string => {
    const model = matrix.models[i];
    if (model === undefined) return '';
    const cell = head === undefined ? undefined : matrix.cells[i]?.[head];
    const p = historyProblems(matrix, i, history);
    const older = [p.fail > 0 ? `❌ ${p.fail}` : '', p.warn > 0 ? `⚠️ ${p.warn}` : ''].filter((x) => x !== '').join(' · ') || '—';
    return `| ${modelTitle(model)} | ${supportLine(model)} | ${cell === undefined ? '?' : verdictText(cell.verdict)} | ${older} |`;
  };
  const tableHead = [`| Model | Support | ${headTitle} | Older: fail · warning |`, '| --- | --- | --- | --- |'];
  const problems = order.filter((i) => isProblem(head === undefined ? undefined : matrix.cells[i]?.[head]));
  if (headRelease !== undefined && head !== undefined && problems.length > 0) {
    out.push(`### Failing and warning in ${headTitle}`, '', ...tableHead, ...problems.map(row), '');
    for (const i of problems) {
      const model = matrix.models[i];
      const cell = matrix.cells[i]?.[head];
      if (model === undefined || cell === undefined) continue;
      out.push(`### ${MARKDOWN_MARK[cell.verdict]} ${modelTitle(model)} × ${headTitle}`, '');
      for (const reason of cell.reasons) out.push(reasonItem(reason));
      out.push('');
    }
  }

  const modelNotes = order.flatMap((i) => {
    const m = matrix.models[i];
    return m !== undefined && (m.reasons.length > 0 || m.endedEarly !== undefined) ? [m] : [];
  });
  if (modelNotes.length > 0) {
    out.push('### Models', '');
    for (const model of modelNotes) {
      if (model.endedEarly !== undefined) {
        const e = model.endedEarly;
        out.push(
          `- \`${model.id}\` support ends early: last day ${e.lastDay}, retired since ${model.retiredFrom} (recorded ${e.recorded}): ${markdownText(e.reason)}`,
        );
      }
      for (const reason of model.reasons) out.push(reasonItem(reason));
    }
    out.push('');
  }

  out.push(
    `<details><summary>All ${matrix.models.length} models in ${headTitle}, worst first</summary>`,
    '',
    ...tableHead,
    ...order.map(row),
    '',
    '</details>',
    '',
  );

  const pastCells = counts.history.fail + counts.history.warn;
  if (pastCells > 0) {
    out.push(
      `<details><summary>History: ${counts.history.fail} failing and ${counts.history.warn} warning ${plural(pastCells, 'cell')} in ${history.length} older ${plural(history.length, 'release')}</summary>`,
      '',
    );
    for (const i of order) {
      const model = matrix.models[i];
      if (model === undefined) continue;
      for (const run of cellRuns(matrix, i, columns, 1)) {
        if (!isProblem(run.cell)) continue;
        const newest = matrix.releases[columns[run.start] ?? -1];
        const oldest = matrix.releases[columns[run.start + run.length - 1] ?? -1];
        if (newest === undefined || oldest === undefined) continue;
        const where = run.length === 1 ? releaseTitle(newest) : `${oldest.firmware} to ${newest.firmware} (${run.length} releases)`;
        out.push(`#### ${MARKDOWN_MARK[run.cell.verdict]} ${modelTitle(model)} × ${where}`, '');
        for (const reason of run.cell.reasons) out.push(reasonItem(reason));
        out.push('');
      }
    }
    out.push('</details>', '');
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
