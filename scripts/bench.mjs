#!/usr/bin/env node
// Benchmarks for issue 7, part B. Every figure is measured on whole processes against a baseline
// measured in the same run on the same bytes, the two commands alternating (a busy moment on the
// machine hits both), median of BENCH_RUNS (5), page cache warm (each input read once before).
// The matrix is the one absolute figure (the issue gives it as one). Tests never assert timings.
// `fwkit` is measured as it ships: the bundled CLI package, packed and installed offline into a
// temporary directory (docs/decisions.md); the checkout's unbundled CLI is reported beside it,
// with no target.
//
//   npm run bench                                   every group (builds first)
//   node scripts/bench.mjs --only <group>           one group: verify, install, startup, build, matrix, report
//   node scripts/bench.mjs --write docs/benchmarks.md   also rewrite the figures section of that page
//
// Environment: BENCH_RUNS (5), BENCH_VERIFY_MIB (sizes of the verify payloads, "256,1024"),
// BENCH_INSTALL_MIB (the payload of the install group's image, 1024).
// A line whose tool is missing prints SKIPPED and why; no figure is ever made up.
import { readFile, writeFile } from 'node:fs/promises';
import { cpus, loadavg, totalmem } from 'node:os';
import { benchBuild, benchStartup } from './bench/cli.mjs';
import { notes, rows, runs, work } from './bench/harness.mjs';
import { benchInstall } from './bench/install.mjs';
import { benchMatrixGroup, benchReport } from './bench/matrix.mjs';
import { benchVerify } from './bench/verify.mjs';

const GROUPS = ['verify', 'install', 'startup', 'build', 'matrix', 'report'];

function argValue(flag) {
  const at = process.argv.indexOf(flag);
  if (at === -1) return undefined;
  const value = process.argv[at + 1];
  if (value === undefined || value.startsWith('--')) throw new Error(`${flag} needs a value`);
  return value;
}
const only = argValue('--only');
const writeTo = argValue('--write');
if (only !== undefined && !GROUPS.includes(only)) throw new Error(`--only ${only}: not one of ${GROUPS.join(', ')}`);
const wanted = (group) => only === undefined || only === group;

const node = process.version;
const machine = `${cpus().length} cores (${cpus()[0]?.model.trim() ?? 'unknown CPU'}), ${Math.round(totalmem() / 1024 ** 3)} GiB`;
// The load average says how shared the machine was: figures from a busy run are ratios of slowed commands.
const load = () =>
  loadavg()
    .map((x) => x.toFixed(1))
    .join(' / ');
const loadAtStart = load();
console.log(`fwkit benchmarks — Node ${node}, ${machine}; load average ${loadAtStart} (1/5/15 min); temp dir ${work}`);
if (wanted('verify')) await benchVerify();
if (wanted('install')) await benchInstall();
if (wanted('startup')) await benchStartup();
if (wanted('build')) await benchBuild();
if (wanted('matrix')) await benchMatrixGroup();
if (wanted('report')) await benchReport();

const header = ['figure', 'measured', 'baseline (same run)', 'ratio', 'target (issues 7, 9, 10)', 'result'];
const table = [
  `| ${header.join(' | ')} |`,
  `| ${header.map(() => '---').join(' | ')} |`,
  ...rows.map((r) => `| ${[r.figure, r.measured, r.baseline || '—', r.ratio || '—', r.target || '—', r.result || '—'].join(' | ')} |`),
].join('\n');
const loadAtEnd = load();
console.log(`\n${table}\n`);
console.log(`Load average (1/5/15 min): ${loadAtStart} at the start, ${loadAtEnd} at the end.`);
for (const note of notes) console.log(note);

if (writeTo !== undefined) await writeFigures(writeTo);

/**
 * Rewrites the part of the page between the bench markers: the command, the date, Node and the
 * machine, the table and the notes. The rest of the page (intro, history) is left as it is.
 */
async function writeFigures(page) {
  const START = '<!-- bench:figures:start -->';
  const END = '<!-- bench:figures:end -->';
  const text = await readFile(page, 'utf8');
  const from = text.indexOf(START);
  const to = text.indexOf(END);
  if (from === -1 || to < from) throw new Error(`${page} has no ${START} … ${END} section`);
  const args = process.argv.slice(2).join(' ');
  const section = [
    START,
    '',
    `## Latest run: ${new Date().toISOString().slice(0, 16).replace('T', ' ')} UTC`,
    '',
    `Command: \`npm run bench -- ${args}\` (= \`npm run build && node scripts/bench.mjs ${args}\`); Node ${node}, ${machine}. ` +
      `Whole processes, each figure against its baseline from the same run, the commands alternating, median of ${runs}, page cache warm` +
      `${only === undefined ? '' : `; only the ${only} group`}. Load average (1/5/15 min) ${loadAtStart} at the start and ` +
      `${loadAtEnd} at the end (above ${cpus().length}, other work shared the machine's ${cpus().length} cores).`,
    '',
    table,
    '',
    ...notes.map((n) => `- ${n}`),
    ...(notes.length > 0 ? [''] : []),
    END,
  ].join('\n');
  const next = `${text.slice(0, from)}${section}${text.slice(to + END.length)}`;
  const prettier = await import('prettier');
  const options = (await prettier.resolveConfig(page)) ?? {};
  await writeFile(page, await prettier.format(next, { ...options, filepath: page }));
  console.log(`wrote the figures to ${page}`);
}
