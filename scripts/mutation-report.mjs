// @ts-check
// The mutation-testing figures of the device packages, from Stryker's JSON reports (the committed
// incremental files test/mutation/<package>.json, which hold every mutant's last outcome).
//
//   node scripts/mutation-report.mjs              print the table and every survivor
//   node scripts/mutation-report.mjs --write      also write them into docs/testing.md
//   node scripts/mutation-report.mjs --check pkg  exit 1 if pkg has a survivor that
//                                                 test/mutation/equivalent.json does not explain,
//                                                 or scores under its threshold
//
// The score leaves out the message-only mutants (scripts/stryker-message-ignorer.mjs, status
// Ignored): (killed + timeout) / (killed + timeout + survived + no coverage). Survivors listed in
// equivalent.json still count against the score: they are explained, not excused.
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { MUTATION_PACKAGES } from './mutation-packages.mjs';

const root = fileURLToPath(new URL('..', import.meta.url));
const DOC = `${root}docs/testing.md`;
const BEGIN = '<!-- mutation-report:begin (node scripts/mutation-report.mjs --write) -->';
const END = '<!-- mutation-report:end -->';

/**
 * @typedef {{ package: string, file: string, mutator: string, original: string, replacement: string, code?: string, reason: string }} Equivalent
 * @typedef {{ file: string, line: number, column: number, mutator: string, original: string, replacement: string, code: string, status: string, reason?: string }} Survivor
 */

/** @type {Equivalent[]} */
const equivalents = JSON.parse(readFileSync(`${root}test/mutation/equivalent.json`, 'utf8')).survivors;

/** Whether an explanation is the one of this survivor (the same edit of the same code). */
const explains = (/** @type {Equivalent} */ e, /** @type {Survivor} */ s) =>
  e.file === s.file &&
  e.mutator === s.mutator &&
  e.original === s.original &&
  e.replacement === s.replacement &&
  (e.code === undefined || e.code === s.code);

/** @param {Survivor} s */
const explain = (s) => equivalents.find((e) => explains(e, s))?.reason;

const oneLine = (/** @type {string} */ text) => text.replace(/\s+/g, ' ').trim();

/** A mutate glob as a regular expression (`**`, `*` and literal text are all the globs use). */
const globRe = (/** @type {string} */ glob) =>
  new RegExp(
    `^${glob
      .replace(/[.+?^${}()|[\]\\]/g, '\\$&')
      .replace(/\*\*\//g, '\0')
      .replace(/\*/g, '[^/]*')
      .replaceAll('\0', '(?:.*/)?')}$`,
  );

/** @param {string} name */
function summarize(name) {
  const pkg = MUTATION_PACKAGES[name];
  const include = (pkg?.mutate ?? []).filter((g) => !g.startsWith('!')).map(globRe);
  const exclude = (pkg?.mutate ?? []).filter((g) => g.startsWith('!')).map((g) => globRe(g.slice(1)));
  const mutated = (/** @type {string} */ file) => include.some((re) => re.test(file)) && !exclude.some((re) => re.test(file));
  const path = `${root}test/mutation/${name}.json`;
  if (!existsSync(path)) return undefined;
  /** @type {{ files: Record<string, { source: string, mutants: any[] }> }} */
  const report = JSON.parse(readFileSync(path, 'utf8'));
  const counts = { total: 0, ignored: 0, notRun: 0, killed: 0, timeout: 0, survived: 0, noCoverage: 0, errors: 0 };
  /** @type {Survivor[]} */
  const survivors = [];
  for (const [file, { source, mutants }] of Object.entries(report.files)) {
    if (!mutated(file)) continue; // a file the package no longer mutates
    const lines = source.split('\n');
    for (const m of mutants) {
      counts.total++;
      switch (m.status) {
        case 'Ignored':
          // Message-only (our ignorer), or not run at all (a measuring run with --ignoreStatic).
          if (String(m.statusReason).startsWith('message-only')) counts.ignored++;
          else counts.notRun++;
          break;
        case 'Killed':
          counts.killed++;
          break;
        case 'Timeout':
          counts.timeout++;
          break;
        case 'Survived':
        case 'NoCoverage': {
          if (m.status === 'Survived') counts.survived++;
          else counts.noCoverage++;
          const { start, end } = m.location;
          const text = lines.slice(start.line - 1, end.line).join('\n');
          const original = oneLine(text.slice(start.column - 1, text.length - (lines[end.line - 1].length - (end.column - 1))));
          /** @type {Survivor} */
          const s = {
            file,
            line: start.line,
            column: start.column,
            mutator: m.mutatorName,
            original,
            replacement: oneLine(m.replacement ?? ''),
            code: oneLine(lines[start.line - 1] ?? ''),
            status: m.status,
          };
          const reason = explain(s);
          survivors.push(reason === undefined ? s : { ...s, reason });
          break;
        }
        default:
          counts.errors++;
      }
    }
  }
  const detected = counts.killed + counts.timeout;
  const valid = detected + counts.survived + counts.noCoverage;
  const score = valid === 0 ? 100 : (100 * detected) / valid;
  survivors.sort((a, b) => a.file.localeCompare(b.file) || a.line - b.line || a.column - b.column);
  return { name, counts, score, survivors };
}

const code = (/** @type {string} */ s) => `\`${s.replace(/`/g, "'").replace(/\|/g, '\\|').slice(0, 90)}\``;

function render() {
  const out = [BEGIN, ''];
  out.push(
    '| Package | Mutated | Score (non-message) | Mutants | Message-only (ignored) | Not run (static) | Killed | Timeout | Survived | No coverage | Gate |',
  );
  out.push('| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- |');
  /** @type {ReturnType<typeof summarize>[]} */
  const all = [];
  for (const [name, pkg] of Object.entries(MUTATION_PACKAGES)) {
    const s = summarize(name);
    all.push(s);
    const mutated = pkg.mutate
      .filter((g) => !g.startsWith('!'))
      .map((g) => g.replace('packages/device/', ''))
      .join(', ');
    if (s === undefined) {
      out.push(`| ${name} | ${mutated} | not run yet | | | | | | | | ${pkg.gate ? 'CI' : 'no'} |`);
      continue;
    }
    const c = s.counts;
    out.push(
      `| ${name} | ${mutated} | ${s.score.toFixed(2)}%${c.notRun > 0 ? ' (of the mutants run)' : ''} | ${c.total} | ${c.ignored} | ${c.notRun} | ${c.killed} | ${c.timeout} | ${c.survived} | ${c.noCoverage} | ${pkg.gate ? `CI, break ${pkg.break}%` : `no (floor ${pkg.break}%)`} |`,
    );
  }
  for (const s of all) {
    if (s === undefined || s.survivors.length === 0) continue;
    out.push('', `### ${s.name}: ${s.survivors.length} remaining`, '');
    out.push('| Where | Mutant | Why it survives |', '| --- | --- | --- |');
    for (const v of s.survivors) {
      const where = `${v.file.replace('packages/device/', '')}:${v.line}`;
      const why =
        v.reason ?? (v.status === 'NoCoverage' ? '**not covered** — no test reaches it yet' : '**not explained** — a test is missing');
      out.push(`| ${where} | ${v.mutator}: ${code(v.original)} → ${code(v.replacement)} | ${why.replace(/\|/g, '\\|')} |`);
    }
  }
  out.push('', END);
  return { text: out.join('\n'), all };
}

const args = process.argv.slice(2);
const { text, all } = render();
if (args[0] === '--check') {
  let failed = false;
  for (const name of args.slice(1)) {
    const s = all.find((x) => x?.name === name);
    const pkg = MUTATION_PACKAGES[name];
    if (s === undefined || pkg === undefined) {
      console.error(`mutation-report: no report of "${name}"`);
      failed = true;
      continue;
    }
    const unexplained = s.survivors.filter((v) => v.reason === undefined);
    // An explanation no survivor needs any more (the mutant is gone or killed) is stale: drop it.
    const stale = equivalents.filter((e) => e.package === name && !s.survivors.some((v) => explains(e, v)));
    for (const e of stale)
      console.error(
        `mutation-report: stale entry in test/mutation/equivalent.json: ${e.file} ${e.mutator}: ${e.original} → ${e.replacement}`,
      );
    for (const v of unexplained) console.error(`  ${v.file}:${v.line} ${v.mutator}: ${v.original} → ${v.replacement} (${v.status})`);
    if (unexplained.length > 0) {
      console.error(`mutation-report: ${name} has ${unexplained.length} survivor(s) that test/mutation/equivalent.json does not explain`);
      failed = true;
    }
    if (s.counts.notRun > 0) {
      console.error(`mutation-report: ${name} has ${s.counts.notRun} mutant(s) that were not run (a --ignoreStatic run); run it --full`);
      failed = true;
    }
    if (s.score < pkg.break) {
      console.error(`mutation-report: ${name} scores ${s.score.toFixed(2)}%, under its threshold of ${pkg.break}%`);
      failed = true;
    }
    console.error(`mutation-report: ${name} ${s.score.toFixed(2)}% (${s.counts.total} mutants, ${s.survivors.length} remaining)`);
  }
  process.exit(failed ? 1 : 0);
}
console.log(text);
if (args.includes('--write')) {
  const doc = readFileSync(DOC, 'utf8');
  const start = doc.indexOf(BEGIN);
  const stop = doc.indexOf(END);
  if (start < 0 || stop < start) throw new Error(`docs/testing.md has no ${BEGIN} … ${END} section`);
  writeFileSync(DOC, doc.slice(0, start) + text + doc.slice(stop + END.length));
  console.error('mutation-report: docs/testing.md updated');
}
