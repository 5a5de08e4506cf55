import { cellRuns, modelsWorstFirst, releaseTags, releasesNewestFirst, supportLine } from './render-common.js';
import type { Matrix, MatrixCell, MatrixReason, MatrixSeverity, Verdict } from './types.js';

/**
 * The HTML report's data block: every cell's reasons, stored once. 1,000 models × 200 releases
 * hold about 120,000 reason references but fewer than 10,000 distinct reasons, whose messages
 * share most of their words; and a row's history is mostly runs of equal cells. So:
 * - `words`: every word (with its trailing space) of every distinct message, the most frequent first;
 * - `reasons`: one string per distinct reason, "<severity letter><code index> <word index>…";
 * - `lists`: one string per distinct reason list, "<reason index> …" (list 0 is the empty one);
 * - a cell is "<verdict letter><list index>", a run of n equal cells "<cell>*<n>";
 * indexes in base 36. `models` is in the page's row order, `releases` in its column order.
 */
export interface ReportData {
  readonly v: 1;
  readonly codes: readonly string[];
  readonly words: readonly string[];
  readonly reasons: readonly string[];
  readonly lists: readonly string[];
  /** [firmware, tags, platform, security, date, upgradeFrom], newest first. */
  readonly releases: readonly (readonly [string, string, string, number, string, string])[];
  /** [id, name, support line, model reasons list, early end, head cell, history runs], worst first. */
  readonly models: readonly (readonly [string, string, string, number, string, string, string])[];
}

export const VERDICT_LETTER: Readonly<Record<Verdict, string>> = { pass: 'p', warn: 'w', fail: 'f', retired: 'r', 'not-released': 'n' };
const SEVERITY_LETTER: Readonly<Record<MatrixSeverity, string>> = { error: 'e', warning: 'w', info: 'i' };

export function earlyEndText(early: NonNullable<Matrix['models'][number]['endedEarly']>, endOfSupport: string): string {
  return `ended early: last day ${early.lastDay} (recorded ${early.recorded}; published end ${endOfSupport}): ${early.reason}`;
}

const NOT_RELEASED: MatrixCell = { model: '', firmware: '', verdict: 'not-released', reasons: [] };

/** Builds the data block of a matrix: rows worst first, columns newest first. Pure. */
export function reportData(matrix: Matrix): ReportData {
  const columns = releasesNewestFirst(matrix);
  const order = modelsWorstFirst(matrix, columns);
  const reasonKey = (r: MatrixReason): string => `${r.code}\u0000${r.severity}\u0000${r.message}`;

  // Distinct reasons (cells that share a cause mostly share the object too).
  const distinct: MatrixReason[] = [];
  const indexOfKey = new Map<string, number>();
  const byObject = new Map<MatrixReason, number>();
  const reasonIndex = (r: MatrixReason): number => {
    let at = byObject.get(r);
    if (at === undefined) {
      const key = reasonKey(r);
      at = indexOfKey.get(key);
      if (at === undefined) {
        at = distinct.length;
        distinct.push(r);
        indexOfKey.set(key, at);
      }
      byObject.set(r, at);
    }
    return at;
  };
  const lists = new Map<string, number>([['', 0]]);
  const listOf = (reasons: readonly MatrixReason[]): number => {
    const key = reasons.map((r) => reasonIndex(r).toString(36)).join(' ');
    let at = lists.get(key);
    if (at === undefined) {
      at = lists.size;
      lists.set(key, at);
    }
    return at;
  };
  const token = (cell: MatrixCell): string => `${VERDICT_LETTER[cell.verdict]}${listOf(cell.reasons).toString(36)}`;

  const models = order.map((i) => {
    const model = matrix.models[i];
    if (model === undefined) throw new RangeError(`no model ${i}`);
    const head = matrix.cells[i]?.[columns[0] ?? -1] ?? NOT_RELEASED;
    const history = cellRuns(matrix, i, columns, 1)
      .map((run) => `${token(run.cell)}${run.length > 1 ? `*${run.length.toString(36)}` : ''}`)
      .join(' ');
    const early = model.endedEarly === undefined ? '' : earlyEndText(model.endedEarly, model.endOfSupport);
    return [model.id, model.name, supportLine(model), listOf(model.reasons), early, token(head), history] as const;
  });

  const reasons = distinct;
  const splitWords = (message: string): string[] => message.split(/(?<= )/);
  const counts = new Map<string, number>();
  for (const r of reasons) for (const w of splitWords(r.message)) counts.set(w, (counts.get(w) ?? 0) + 1);
  const words = [...counts.keys()].sort((a, b) => (counts.get(b) ?? 0) - (counts.get(a) ?? 0));
  const wordIndex = new Map(words.map((w, k) => [w, k.toString(36)]));
  const codes = [...new Set(reasons.map((r) => r.code))];
  const codeIndex = new Map(codes.map((c, k) => [c, k.toString(36)]));
  return {
    v: 1,
    codes,
    words,
    reasons: reasons.map((r) =>
      [`${SEVERITY_LETTER[r.severity]}${codeIndex.get(r.code) ?? ''}`, ...splitWords(r.message).map((w) => wordIndex.get(w) ?? '')].join(
        ' ',
      ),
    ),
    lists: [...lists.keys()],
    releases: columns.map((j) => {
      const r = matrix.releases[j];
      if (r === undefined) throw new RangeError(`no release ${j}`);
      return [r.firmware, releaseTags(r), r.platform, r.security, r.date, r.upgradeFrom] as const;
    }),
    models,
  };
}

/**
 * The data block as JavaScript inside the page: `<`, `>`, `&` and the line separators escaped
 * (they only occur inside strings), so no text from a file can end the script element or open a
 * comment in it.
 */
export function reportDataScript(data: ReportData): string {
  return JSON.stringify(data).replace(/[<>&\u2028\u2029]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

export interface ReportReason {
  readonly code: string;
  readonly severity: MatrixSeverity;
  readonly message: string;
}

/**
 * The one decoder of reason lists: the page runs this function's own source text, and
 * `readMatrixReport` calls it. Self-contained on purpose (no imports, no helpers, no named inner
 * functions, which a bundler keeping names would wrap in a helper the page does not have).
 */
export function reasonListDecoder(data: Pick<ReportData, 'codes' | 'words' | 'reasons' | 'lists'>): (list: number) => ReportReason[] {
  const severities: Record<string, MatrixSeverity> = { e: 'error', w: 'warning', i: 'info' };
  const decoded: (ReportReason | undefined)[] = [];
  return (list) => {
    const out: ReportReason[] = [];
    const text = data.lists[list] ?? '';
    if (text === '') return out;
    for (const item of text.split(' ')) {
      const index = parseInt(item, 36);
      let known = decoded[index];
      if (known === undefined) {
        const parts = (data.reasons[index] ?? '').split(' ');
        const head = parts[0] ?? '';
        let message = '';
        for (let k = 1; k < parts.length; k += 1) message += data.words[parseInt(parts[k] ?? '', 36)] ?? '';
        known = { code: data.codes[parseInt(head.slice(1), 36)] ?? '', severity: severities[head.charAt(0)] ?? 'info', message };
        decoded[index] = known;
      }
      out.push(known);
    }
    return out;
  };
}

export interface ReportCell {
  readonly verdict: Verdict;
  readonly reasons: readonly ReportReason[];
}

/** What a report page holds, decoded: for tests and tools that read a report back. */
export interface MatrixReport {
  /** Newest first, as the page's columns. */
  readonly releases: readonly { readonly firmware: string; readonly tags: string }[];
  /** Worst first, as the page's rows; `cells` in column order (runs expanded). */
  readonly models: readonly {
    readonly id: string;
    readonly name: string;
    readonly support: string;
    readonly reasons: readonly ReportReason[];
    readonly cells: readonly ReportCell[];
  }[];
}

const VERDICT_OF: Readonly<Record<string, Verdict>> = { p: 'pass', w: 'warn', f: 'fail', r: 'retired', n: 'not-released' };

/** Decodes the data block of a page that `renderMatrixHtml` wrote. */
export function readMatrixReport(html: string): MatrixReport {
  const open = '<script type="application/json" id="report-data">';
  const from = html.indexOf(open);
  const to = html.indexOf('</script>', from);
  if (from === -1 || to === -1) throw new Error('not a matrix report: no data block');
  const data = JSON.parse(html.slice(from + open.length, to)) as ReportData;
  const list = reasonListDecoder(data);
  const cell = (token: string): ReportCell => ({
    verdict: VERDICT_OF[token.charAt(0)] ?? 'not-released',
    reasons: list(parseInt(token.slice(1), 36)),
  });
  return {
    releases: data.releases.map(([firmware, tags]) => ({ firmware, tags })),
    models: data.models.map(([id, name, support, reasons, , head, history]) => {
      const cells = [cell(head)];
      for (const run of history === '' ? [] : history.split(' ')) {
        const [token = '', times = '1'] = run.split('*');
        const c = cell(token);
        for (let n = parseInt(times, 36); n > 0; n -= 1) cells.push(c);
      }
      return { id, name, support, reasons: list(reasons), cells };
    }),
  };
}
