import { reasonListDecoder } from './report-data.js';

/**
 * The page's script (plain JavaScript: the package is built without DOM types). It reads the data
 * block, filters rows, builds the history columns on the first "Show history" and fills the
 * details panel on a click or Enter. Text from files only ever goes through textContent.
 */
export const REPORT_SCRIPT = `(function () {
'use strict';
var data = JSON.parse(document.getElementById('report-data').textContent);
var list = (${reasonListDecoder.toString()})(data);
var MARK = { p: 'ok', w: 'warn', f: 'FAIL', r: 'ret', n: '-' };
var LABEL = { p: 'pass', w: 'warning', f: 'fail', r: 'retired', n: 'not released' };
var CLASS = { p: 'pass', w: 'warn', f: 'fail', r: 'retired', n: 'not-released' };
var SEVERITY = { error: 'error', warning: 'warning', info: 'note' };
var grid = document.getElementById('grid');
var rows = grid.tBodies[0].rows;
var panel = document.getElementById('panel');
var panelBody = document.getElementById('panel-body');
function el(tag, text, cls) {
  var e = document.createElement(tag);
  if (text !== undefined) e.textContent = text;
  if (cls) e.className = cls;
  return e;
}
function token(t) {
  var star = t.indexOf('*');
  return { v: t.charAt(0), l: parseInt(star < 0 ? t.slice(1) : t.slice(1, star), 36), n: star < 0 ? 1 : parseInt(t.slice(star + 1), 36) };
}
function releaseText(j) {
  var r = data.releases[j];
  return r[0] + (r[1] ? ' (' + r[1] + ')' : '') + ': platform ' + r[2] + ', security ' + r[3] + ', ' + r[4] + ', upgrades from ' + r[5];
}

var filter = document.getElementById('filter');
var verdict = document.getElementById('verdict');
var shown = document.getElementById('shown');
function applyFilter() {
  var text = filter.value.trim().toLowerCase();
  var want = verdict.value;
  var n = 0;
  for (var k = 0; k < rows.length; k++) {
    var m = data.models[k];
    var ok = (text === '' || m[0].toLowerCase().indexOf(text) >= 0 || m[1].toLowerCase().indexOf(text) >= 0) &&
      (want === '' || want.indexOf(m[5].charAt(0)) >= 0);
    rows[k].hidden = !ok;
    if (ok) n++;
  }
  shown.textContent = n + ' of ' + rows.length + ' models shown';
}
filter.addEventListener('input', applyFilter);
verdict.addEventListener('change', applyFilter);

var history = document.getElementById('history');
var built = false;
function buildHistory() {
  var head = grid.tHead.rows[0];
  for (var j = 1; j < data.releases.length; j++) {
    var th = el('th', data.releases[j][0], 'h rel' + (data.releases[j][1] ? ' tagged' : ''));
    th.scope = 'col';
    th.title = releaseText(j);
    head.appendChild(th);
  }
  for (var k = 0; k < rows.length; k++) {
    var runs = data.models[k][6];
    if (runs === '') continue;
    var at = 1;
    var parts = runs.split(' ');
    for (var p = 0; p < parts.length; p++) {
      var r = token(parts[p]);
      var td = el('td', MARK[r.v], 'h cell ' + CLASS[r.v]);
      td.colSpan = r.n;
      td.tabIndex = 0;
      td.setAttribute('data-j', at);
      td.setAttribute('data-n', r.n);
      td.setAttribute('data-t', parts[p]);
      rows[k].appendChild(td);
      at += r.n;
    }
  }
  built = true;
}
history.addEventListener('click', function () {
  if (!built) buildHistory();
  var open = grid.classList.toggle('with-history');
  history.setAttribute('aria-expanded', open ? 'true' : 'false');
  history.textContent = (open ? 'Hide history' : 'Show history') + ' (' + (data.releases.length - 1) + ' older releases)';
});

function showCell(k, td) {
  var m = data.models[k];
  var j = Number(td.getAttribute('data-j'));
  var t = token(td.getAttribute('data-t') || m[5]);
  var n = Number(td.getAttribute('data-n') || '1');
  panelBody.textContent = '';
  panelBody.appendChild(el('h2', m[1] + ' (' + m[0] + ')'));
  panelBody.appendChild(el('p', n === 1 ? releaseText(j) :
    n + ' releases, ' + data.releases[j + n - 1][0] + ' to ' + data.releases[j][0] + ', with the same verdict and reasons'));
  panelBody.appendChild(el('p', MARK[t.v] + ' ' + LABEL[t.v], 'verdict ' + CLASS[t.v]));
  reasonList(list(t.l), 'No reasons.');
}
function showModel(k) {
  var m = data.models[k];
  panelBody.textContent = '';
  panelBody.appendChild(el('h2', m[1] + ' (' + m[0] + ')'));
  panelBody.appendChild(el('p', m[2]));
  if (m[4]) panelBody.appendChild(el('p', m[4]));
  reasonList(list(m[3]), 'No model-level reasons.');
}
function reasonList(reasons, none) {
  if (reasons.length === 0) { panelBody.appendChild(el('p', none)); return; }
  var ul = el('ul', undefined, 'reasons');
  for (var i = 0; i < reasons.length; i++) {
    var li = el('li', undefined, reasons[i].severity);
    li.appendChild(el('b', '[' + SEVERITY[reasons[i].severity] + '] '));
    li.appendChild(el('code', reasons[i].code));
    li.appendChild(document.createTextNode(' ' + reasons[i].message));
    ul.appendChild(li);
  }
  panelBody.appendChild(ul);
}
function open(target) {
  var cell = target.closest('td.cell, th.model');
  if (!cell || !grid.contains(cell)) return false;
  var k = cell.parentNode.sectionRowIndex;
  if (cell.tagName === 'TH') showModel(k); else showCell(k, cell);
  var selected = grid.querySelector('.selected');
  if (selected) selected.classList.remove('selected');
  cell.classList.add('selected');
  panel.hidden = false;
  return true;
}
grid.tBodies[0].addEventListener('click', function (e) { open(e.target); });
grid.tBodies[0].addEventListener('keydown', function (e) {
  if ((e.key === 'Enter' || e.key === ' ') && open(e.target)) e.preventDefault();
});
document.getElementById('panel-close').addEventListener('click', function () { panel.hidden = true; });
document.addEventListener('keydown', function (e) { if (e.key === 'Escape') panel.hidden = true; });
applyFilter();
})();
`;
