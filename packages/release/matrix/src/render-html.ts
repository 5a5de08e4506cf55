import { plural } from './reasons.js';
import {
  VERDICT_LABEL,
  VERDICT_MARK,
  VERDICTS_WORST_FIRST,
  candidateImages,
  countsByAge,
  historyProblems,
  gateSummary,
  modelsWorstFirst,
  pastFailuresNote,
  releaseTags,
  releaseTitle,
  releasesNewestFirst,
  supportLine,
} from './render-common.js';
import { reportData, reportDataScript } from './report-data.js';
import { REPORT_SCRIPT } from './report-script.js';
import type { Matrix, MatrixReason } from './types.js';

const ESCAPES: Readonly<Record<string, string>> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

/** Everything interpolated into the page goes through here: model names and reasons come from files. */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ESCAPES[c] ?? c);
}

const STYLE = `
:root { --pass: #c9efc0; --warn: #ffe29a; --fail: #f6b4ae; --retired: #e4e4e4; --nr: #f6f6f6; --ink: #1d1d1f; --line: #c8c8c8; }
* { box-sizing: border-box; }
body { margin: 0; font: 14px/1.4 system-ui, -apple-system, "Segoe UI", Roboto, "DejaVu Sans", sans-serif; color: var(--ink); background: #fff; }
header, .controls, section { padding: 0 20px; }
header { padding-top: 16px; }
h1 { font-size: 20px; margin: 0 0 4px; }
h2 { font-size: 16px; margin: 12px 0 6px; }
p { margin: 4px 0; }
code { font: 12px/1.3 ui-monospace, SFMono-Regular, Menlo, Consolas, "DejaVu Sans Mono", monospace; }
.gate { display: inline-block; padding: 4px 10px; border-radius: 4px; font-weight: 600; border: 2px solid var(--ink); }
.gate.pass { background: var(--pass); } .gate.fail { background: var(--fail); border-style: double; border-width: 4px; }
details { margin: 6px 0; } summary { cursor: pointer; }
table.summary { border-collapse: collapse; margin: 6px 0; }
.summary th, .summary td { border: 1px solid var(--line); padding: 2px 10px; text-align: left; }
.summary td { text-align: right; font-variant-numeric: tabular-nums; }
.controls { display: flex; flex-wrap: wrap; gap: 12px; align-items: center; margin: 10px 0; }
.controls input, .controls select, .controls button { font: inherit; padding: 3px 6px; }
.wrap { overflow: auto; max-height: 80vh; margin: 0 20px 20px; border: 1px solid var(--line); }
#grid { border-collapse: separate; border-spacing: 0; }
#grid th, #grid td { border-right: 1px solid var(--line); border-bottom: 1px solid var(--line); padding: 3px 6px; text-align: left; white-space: nowrap; }
#grid thead th { position: sticky; top: 0; z-index: 2; background: #fafafa; vertical-align: bottom; }
#grid thead th.head { background: #e6f0ff; }
#grid th.model { position: sticky; left: 0; z-index: 1; background: #fafafa; max-width: 600px; overflow: hidden; text-overflow: ellipsis; cursor: pointer; }
#grid thead th.corner { left: 0; z-index: 3; }
#grid small { display: block; font-weight: normal; color: #555; }
#grid th.model small { display: inline; margin-left: 6px; }
#grid th.rel { writing-mode: vertical-rl; font-weight: normal; font-size: 12px; padding: 6px 2px; }
#grid th.rel.tagged { font-weight: 700; }
.h { display: none; }
#grid.with-history .h { display: table-cell; }
.badge { display: inline-block; font-size: 11px; padding: 0 5px; border: 1px solid #2f6fdf; border-radius: 3px; margin-left: 4px; }
#grid td.cell { cursor: pointer; font: 600 12px/1.4 ui-monospace, SFMono-Regular, Menlo, Consolas, "DejaVu Sans Mono", monospace; text-align: center; min-width: 3.6em; }
#grid td.cell small { display: inline; font-weight: normal; margin-left: 4px; }
.pass { background: var(--pass); }
.warn { background: var(--warn); font-style: italic; }
.fail { background: var(--fail) repeating-linear-gradient(135deg, transparent 0 6px, rgba(0, 0, 0, 0.08) 6px 8px); text-decoration: underline; }
.retired { background: var(--retired); color: #555; }
.not-released { background: var(--nr); color: #777; }
td.sum { font-size: 12px; color: #333; }
.selected { outline: 3px solid #1d1d1f; outline-offset: -3px; }
:focus-visible { outline: 3px solid #2f6fdf; outline-offset: -3px; }
#panel { position: fixed; right: 16px; bottom: 16px; width: min(640px, calc(100vw - 32px)); max-height: 60vh; overflow: auto; background: #fff; border: 2px solid var(--ink); border-radius: 6px; padding: 8px 14px 12px; box-shadow: 0 6px 24px rgba(0, 0, 0, 0.25); z-index: 5; }
#panel[hidden] { display: none; }
#panel-close { float: right; font: inherit; }
.reasons { margin: 4px 0 0; padding-left: 18px; }
.reasons li { margin: 3px 0; font-size: 13px; white-space: normal; }
.reasons li.error b { color: #8a1208; } .reasons li.warning b { color: #6b4a00; }
.verdict { display: inline-block; padding: 0 8px; border-radius: 3px; font-weight: 600; }
`;

function reasonItem(reason: MatrixReason): string {
  return `<li class="${reason.severity}"><code>${escapeHtml(reason.code)}</code> ${escapeHtml(reason.message)}</li>`;
}

/** The row of one model: its name and support, the head cell, and its history as counts. */
function modelRow(matrix: Matrix, i: number, head: number | undefined, history: readonly number[]): string {
  const model = matrix.models[i];
  const row = matrix.cells[i] ?? [];
  if (model === undefined) return '';
  const errors = model.reasons.filter((r) => r.severity !== 'info').length;
  const modelNote =
    errors > 0
      ? `<small class="fail">${VERDICT_MARK.fail} ${errors} model ${plural(errors, 'problem')}</small>`
      : model.endedEarly === undefined
        ? ''
        : '<small>ended early</small>';
  const cell = head === undefined ? undefined : row[head];
  const shown = cell?.reasons.length ?? 0;
  const headCell =
    cell === undefined
      ? '<td></td>'
      : `<td class="cell ${cell.verdict}" data-j="0" tabindex="0">${VERDICT_MARK[cell.verdict]}${shown === 0 ? '' : `<small>${shown}</small>`}</td>`;
  const past = historyProblems(matrix, i, history);
  const sum = [past.fail > 0 ? `${VERDICT_MARK.fail} ${past.fail}` : '', past.warn > 0 ? `${VERDICT_MARK.warn} ${past.warn}` : ''].filter(
    (s) => s !== '',
  );
  return (
    `<tr><th scope="row" class="model" tabindex="0">${escapeHtml(model.name)} <code>${escapeHtml(model.id)}</code>` +
    `<small>${escapeHtml(supportLine(model))}</small>${modelNote}</th>${headCell}<td class="sum">${sum.length === 0 ? '-' : sum.join(' · ')}</td></tr>`
  );
}

/**
 * The page a release manager opens every day, one self-contained file (inline CSS and script, no
 * external assets): the gate, summary counts, then one row per model, worst first, with the
 * newest release's verdict (the candidate's) and its history as counts. Older releases appear on
 * "Show history"; a cell's reasons on a click, from the data block (report-data.ts), which holds
 * every reason of every cell. Verdicts read without colour: ASCII marks (ok, warn, FAIL, ret, -)
 * and a hatched, underlined failure.
 */
export function renderMatrixHtml(matrix: Matrix): string {
  const gate = gateSummary(matrix);
  const columns = releasesNewestFirst(matrix);
  const order = modelsWorstFirst(matrix, columns);
  const head = columns[0];
  const headRelease = head === undefined ? undefined : matrix.releases[head];
  const history = columns.slice(1);
  const title = `Compatibility matrix on ${matrix.date}`;
  const n = gate.failures.length;
  const gateLine = gate.pass
    ? `<p class="gate pass">${VERDICT_MARK.pass} Release gate: pass${gate.candidate === undefined ? ' (no candidate: model-level checks only)' : ` — ${escapeHtml(gate.candidate)} may be released`}</p>`
    : `<p class="gate fail">${VERDICT_MARK.fail} Release gate: refused${gate.candidate === undefined ? '' : ` — ${escapeHtml(gate.candidate)}`} (${n} ${plural(n, 'error')})</p>` +
      `<details><summary>The ${n} ${plural(n, 'error')} the gate refuses${gate.hints.length === 0 ? '' : ', and how to retire a model instead'}</summary>` +
      `<ul class="reasons">${gate.failures.map(reasonItem).join('')}</ul>` +
      (gate.hints.length === 0 ? '' : `<ul class="hints">${gate.hints.map((h) => `<li>${escapeHtml(h)}</li>`).join('')}</ul>`) +
      '</details>';
  const past = pastFailuresNote(gate);
  const counts = countsByAge(matrix, columns);
  const headName = headRelease === undefined ? 'newest release' : escapeHtml(releaseTitle(headRelease));
  const summary =
    `<table class="summary"><thead><tr><th scope="col">Verdict</th><th scope="col">${headName}</th><th scope="col">${history.length} older ${plural(history.length, 'release')}</th></tr></thead><tbody>` +
    VERDICTS_WORST_FIRST.map(
      (v) =>
        `<tr><th scope="row"><span class="${v}">${VERDICT_MARK[v]}</span> ${VERDICT_LABEL[v]}</th><td>${counts.head[v]}</td><td>${counts.history[v]}</td></tr>`,
    ).join('') +
    '</tbody></table>';
  const images = candidateImages(matrix);
  const imagesSection =
    images.length === 0 || gate.candidate === undefined
      ? ''
      : `<section><details><summary>Images of ${escapeHtml(gate.candidate)}: identity (SHA-256 of the signed manifest) of ${images.length} ${plural(images.length, 'model')}</summary>` +
        `<table class="summary images"><tbody>${images.map((i) => `<tr><td><code>${escapeHtml(i.model.id)}</code></td><td><code>${escapeHtml(i.manifestSha256)}</code></td></tr>`).join('')}</tbody></table></details></section>`;
  const headHeader =
    headRelease === undefined
      ? '<th scope="col" class="head">-</th>'
      : `<th scope="col" class="head">${escapeHtml(headRelease.firmware)}${releaseTags(headRelease)
          .split(', ')
          .filter((t) => t !== '')
          .map((t) => `<span class="badge">${escapeHtml(t)}</span>`)
          .join('')}` +
        `<small>platform ${escapeHtml(headRelease.platform)} · security ${headRelease.security}</small><small>${escapeHtml(headRelease.date)} · from ${escapeHtml(headRelease.upgradeFrom)}</small></th>`;
  const options = [
    ['', 'any verdict'],
    ['fw', 'fail or warning'],
    ['f', 'fail'],
    ['w', 'warning'],
    ['p', 'pass'],
    ['r', 'retired'],
    ['n', 'not released'],
  ]
    .map(([value, label]) => `<option value="${value ?? ''}">${label ?? ''}</option>`)
    .join('');
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
    `<p>${matrix.models.length} models × ${matrix.releases.length} releases; support judged on <time datetime="${escapeHtml(matrix.date)}">${escapeHtml(matrix.date)}</time>. ` +
      'Rows worst first; click a cell or a model for its reasons.</p>',
    gateLine,
    ...(past === undefined ? [] : [`<p class="past">${escapeHtml(past)}</p>`]),
    summary,
    '</header>',
    imagesSection,
    '<div class="controls" role="search">',
    '<label>Model <input id="filter" type="search" placeholder="name or id" autocomplete="off"></label>',
    `<label>Verdict in ${headRelease === undefined ? 'the newest release' : escapeHtml(headRelease.firmware)} <select id="verdict">${options}</select></label>`,
    `<button id="history" type="button" aria-expanded="false" aria-controls="grid">Show history (${history.length} older ${plural(history.length, 'release')})</button>`,
    `<span id="shown" aria-live="polite">${matrix.models.length} of ${matrix.models.length} models shown</span>`,
    '</div>',
    '<noscript><p>Without JavaScript this page shows the newest release only: reasons and history need it.</p></noscript>',
    '<div class="wrap">',
    '<table id="grid">',
    `<thead><tr><th scope="col" class="model corner">Model</th>${headHeader}<th scope="col">History<small>${VERDICT_MARK.fail} / ${VERDICT_MARK.warn} cells</small></th></tr></thead>`,
    '<tbody>',
    order.map((i) => modelRow(matrix, i, head, history)).join('\n'),
    '</tbody>',
    '</table>',
    '</div>',
    '<aside id="panel" aria-live="polite" hidden><button id="panel-close" type="button">Close</button><div id="panel-body"></div></aside>',
    `<script type="application/json" id="report-data">${reportDataScript(reportData(matrix))}</script>`,
    `<script>${REPORT_SCRIPT}</script>`,
    '</body>',
    '</html>',
    '',
  ].join('\n');
}
