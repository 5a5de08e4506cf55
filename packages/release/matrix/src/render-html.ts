import {
  VERDICT_LABEL,
  candidateImages,
  candidateNotes,
  gateSummary,
  pastFailuresNote,
  supportLine,
  verdictCounts,
} from './render-common.js';
import type { Matrix, MatrixCell, MatrixModel, MatrixReason, MatrixRelease, Verdict } from './types.js';

const ESCAPES: Readonly<Record<string, string>> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

/** Everything interpolated into the page goes through here: model names and reasons come from files. */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ESCAPES[c] ?? c);
}

const MARK: Readonly<Record<Verdict, string>> = { pass: '✓', warn: '!', fail: '✗', retired: '⏹', 'not-released': '—' };

const STYLE = `
:root { --pass: #c9efc0; --warn: #ffe29a; --fail: #f6b4ae; --retired: #d9d9d9; --nr: #f3f3f3; --ink: #1d1d1f; --line: #c8c8c8; }
* { box-sizing: border-box; }
body { margin: 0; font: 14px/1.4 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; color: var(--ink); background: #fff; }
header { padding: 16px 20px 8px; }
h1 { font-size: 20px; margin: 0 0 4px; }
h2 { font-size: 16px; margin: 20px 0 8px; }
p { margin: 4px 0; }
code { font: 12px/1.3 ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; }
.gate { display: inline-block; padding: 4px 10px; border-radius: 4px; font-weight: 600; }
.gate.pass { background: var(--pass); } .gate.fail { background: var(--fail); }
.legend span { display: inline-block; padding: 1px 8px; margin-right: 6px; border-radius: 3px; }
.wrap { overflow: auto; max-height: 85vh; margin: 8px 20px 20px; border: 1px solid var(--line); }
table.matrix { border-collapse: separate; border-spacing: 0; }
.matrix th, .matrix td { border-right: 1px solid var(--line); border-bottom: 1px solid var(--line); padding: 4px 6px; vertical-align: top; text-align: left; }
.matrix thead th { position: sticky; top: 0; z-index: 2; background: #fafafa; min-width: 110px; }
.matrix thead th.candidate { background: #e6f0ff; }
.matrix th.model { position: sticky; left: 0; z-index: 1; background: #fafafa; min-width: 220px; max-width: 320px; }
.matrix thead th.corner { left: 0; z-index: 3; }
.matrix small { display: block; font-weight: normal; color: #555; }
.badge { display: inline-block; font-size: 11px; padding: 0 5px; border-radius: 3px; background: #2f6fdf; color: #fff; margin-left: 4px; }
.badge.stone { background: #7a5cc2; }
.cell { min-width: 110px; max-width: 360px; }
.cell.pass, .legend .pass { background: var(--pass); }
.cell.warn, .legend .warn { background: var(--warn); }
.cell.fail, .legend .fail { background: var(--fail); }
.cell.retired, .legend .retired { background: var(--retired); color: #555; }
.cell.not-released, .legend .not-released { background: var(--nr); color: #888; }
.mark { font-weight: 600; }
.cell ul, .reasons { margin: 4px 0 0; padding-left: 16px; }
.cell li, .reasons li { margin: 2px 0; font-size: 12px; }
.cell details summary { cursor: pointer; font-size: 12px; color: #444; }
.status { font-size: 12px; }
.status.retired { color: #666; } .status.upcoming { color: #666; }
.model-reasons { color: #8a1208; }
section { margin: 0 20px 20px; }
`;

function reasonItem(reason: MatrixReason): string {
  return `<li class="${reason.severity}"><code>${escapeHtml(reason.code)}</code> ${escapeHtml(reason.message)}</li>`;
}

function releaseHeader(release: MatrixRelease): string {
  const badges =
    (release.candidate ? '<span class="badge">candidate</span>' : '') +
    (release.steppingStone ? '<span class="badge stone">stepping stone</span>' : '') +
    (release.maintenance ? `<span class="badge">maintenance ${escapeHtml(release.line)}</span>` : '');
  return (
    `<th scope="col" class="release${release.candidate ? ' candidate' : ''}">${escapeHtml(release.firmware)}${badges}` +
    `<small>platform ${escapeHtml(release.platform)} · security ${release.security}</small>` +
    `<small>${escapeHtml(release.date)} · from ${escapeHtml(release.upgradeFrom)}</small></th>`
  );
}

function modelHeader(model: MatrixModel): string {
  const early =
    model.endedEarly === undefined
      ? ''
      : `<small>ended early: last day ${escapeHtml(model.endedEarly.lastDay)} (recorded ${escapeHtml(model.endedEarly.recorded)}; published end ${escapeHtml(model.endOfSupport)}): ${escapeHtml(model.endedEarly.reason)}</small>`;
  const reasons = model.reasons.length === 0 ? '' : `<ul class="reasons model-reasons">${model.reasons.map(reasonItem).join('')}</ul>`;
  return (
    `<th scope="row" class="model">${escapeHtml(model.name)} <small><code>${escapeHtml(model.id)}</code></small>` +
    `<small class="status ${model.status}">${escapeHtml(supportLine(model))}</small>${early}${reasons}</th>`
  );
}

function cellHtml(cell: MatrixCell | undefined): string {
  if (cell === undefined) return '<td class="cell"></td>';
  const label = `<span class="mark">${MARK[cell.verdict]} ${VERDICT_LABEL[cell.verdict]}</span>`;
  const shown = cell.reasons.filter((r) => r.severity !== 'info');
  const infos = cell.reasons.filter((r) => r.severity === 'info');
  const list = shown.length === 0 ? '' : `<ul>${shown.map(reasonItem).join('')}</ul>`;
  // Routes and end-of-support notes are worth a click, not the grid's space.
  const more =
    infos.length === 0
      ? ''
      : `<details><summary>${infos.length} note${infos.length === 1 ? '' : 's'}</summary><ul>${infos.map(reasonItem).join('')}</ul></details>`;
  return `<td class="cell ${cell.verdict}" title="${escapeHtml(`${cell.model} × ${cell.firmware}: ${VERDICT_LABEL[cell.verdict]}`)}">${label}${list}${more}</td>`;
}

/**
 * One self-contained page (inline CSS, no scripts, no external assets): a coloured grid with every
 * cell's reasons, model rows with support status and last day, release columns with platform,
 * security version, date, upgrade range, and the candidate and stepping-stone markers.
 */
export function renderMatrixHtml(matrix: Matrix): string {
  const gate = gateSummary(matrix);
  const counts = verdictCounts(matrix);
  const title = `Compatibility matrix on ${matrix.date}`;
  const gateLine = gate.pass
    ? `<p class="gate pass">Release gate: pass${gate.candidate === undefined ? ' (no candidate: model-level checks only)' : ` — ${escapeHtml(gate.candidate)} may be released`}</p>`
    : `<p class="gate fail">Release gate: refused${gate.candidate === undefined ? '' : ` — ${escapeHtml(gate.candidate)}`} (${gate.failures.length} error${gate.failures.length === 1 ? '' : 's'})</p>` +
      `<ul class="reasons">${gate.failures.map(reasonItem).join('')}</ul>` +
      (gate.hints.length === 0 ? '' : `<ul class="hints">${gate.hints.map((h) => `<li>${escapeHtml(h)}</li>`).join('')}</ul>`);
  const past = pastFailuresNote(gate);
  const pastLine = past === undefined ? '' : `<p class="gate past">${escapeHtml(past)}</p>`;
  const legend =
    '<p class="legend">' +
    (['pass', 'warn', 'fail', 'retired', 'not-released'] as const)
      .map((v) => `<span class="${v}">${MARK[v]} ${VERDICT_LABEL[v]}: ${counts[v]}</span>`)
      .join('') +
    '</p>';
  const rows = matrix.models
    .map((model, i) => `<tr>${modelHeader(model)}${matrix.releases.map((_, j) => cellHtml(matrix.cells[i]?.[j])).join('')}</tr>`)
    .join('\n');
  const notes = candidateNotes(matrix);
  const notesSection =
    notes.length === 0 || gate.candidate === undefined
      ? ''
      : `<section><h2>Upgrading to ${escapeHtml(gate.candidate)}</h2><ul class="reasons">${notes.map((n) => reasonItem(n.reason)).join('')}</ul></section>`;
  const images = candidateImages(matrix);
  const imagesSection =
    images.length === 0 || gate.candidate === undefined
      ? ''
      : `<section><h2>Images of ${escapeHtml(gate.candidate)}</h2><table class="images"><thead><tr><th scope="col">Model</th><th scope="col">Identity (SHA-256 of the signed manifest)</th></tr></thead><tbody>` +
        images
          .map((i) => `<tr><td><code>${escapeHtml(i.model.id)}</code></td><td><code>${escapeHtml(i.manifestSha256)}</code></td></tr>`)
          .join('') +
        '</tbody></table></section>';
  return [
    '<!doctype html>',
    '<html lang="en">',
    '<head>',
    '<meta charset="utf-8">',
    '<meta name="viewport" content="width=device-width, initial-scale=1">',
    `<title>${escapeHtml(title)}</title>`,
    `<style>${STYLE}</style>`,
    '</head>',
    '<body>',
    '<header>',
    `<h1>${escapeHtml(title)}</h1>`,
    `<p>${matrix.models.length} models × ${matrix.releases.length} releases; support judged on <time datetime="${escapeHtml(matrix.date)}">${escapeHtml(matrix.date)}</time>.</p>`,
    gateLine,
    ...(pastLine === '' ? [] : [pastLine]),
    legend,
    '</header>',
    '<div class="wrap">',
    '<table class="matrix">',
    `<thead><tr><th scope="col" class="model corner">Model</th>${matrix.releases.map(releaseHeader).join('')}</tr></thead>`,
    '<tbody>',
    rows,
    '</tbody>',
    '</table>',
    '</div>',
    imagesSection,
    notesSection,
    '</body>',
    '</html>',
    '',
  ].join('\n');
}
