// @ts-check
// Test names before and after a change, for an issue's closing note: a compact list from vitest's
// JSON reporter, and a comparison of two lists that follows test files through git renames.
//
//   npx vitest run --reporter=json --outputFile=report.json      (in the checkout of each commit)
//   node scripts/test-list.mjs normalize report.json list.json [--root <checkout>]
//        one {file, fullName, status} per test, file relative to the checkout (default: cwd),
//        sorted by file then name
//   node scripts/test-list.mjs compare before.json after.json --from <commit> --to <commit> [--json]
//        kept: same file, same name; moved: same name in the file git renamed it to, or, when the
//        name is nowhere else, in another file; unmatched: the rest of each side. Which unmatched
//        test was renamed and which was removed is for a reader of git history to say.
import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { relative, resolve } from 'node:path';
import { parseArgs } from 'node:util';

/** @typedef {{ file: string, fullName: string, status: string }} TestEntry */

/** @param {string} path @returns {any} */
const readJson = (path) => JSON.parse(readFileSync(path, 'utf8'));

const byFileThenName = (/** @type {TestEntry} */ a, /** @type {TestEntry} */ b) =>
  a.file < b.file ? -1 : a.file > b.file ? 1 : a.fullName < b.fullName ? -1 : a.fullName > b.fullName ? 1 : 0;

/**
 * vitest's JSON report (Jest's shape) → one entry per test.
 * @param {any} report
 * @param {string} root the checkout the report's absolute file names lie in
 * @returns {TestEntry[]}
 */
function normalize(report, root) {
  /** @type {TestEntry[]} */
  const entries = [];
  for (const file of report.testResults) {
    const path = relative(root, file.name).split('\\').join('/');
    if (path.startsWith('..')) throw new Error(`${file.name} is outside ${root}; pass --root`);
    for (const test of file.assertionResults) entries.push({ file: path, fullName: test.fullName, status: test.status });
  }
  return entries.sort(byFileThenName);
}

/**
 * Where each test file of `from` is at `to`, following git's renames commit by commit (a file
 * renamed twice ends at its last name). A file absent from the map kept its path.
 * @param {string} from
 * @param {string} to
 * @returns {Map<string, string>}
 */
function testFileRenames(from, to) {
  const log = execFileSync(
    'git',
    ['log', '--topo-order', '--reverse', '-M', '--diff-filter=R', '--name-status', '--format=', `${from}..${to}`, '--', '*.test.ts'],
    { encoding: 'utf8' },
  );
  /** @type {Map<string, string>} old path → current path */
  const current = new Map();
  for (const line of log.split('\n')) {
    const [status, oldPath, newPath] = line.split('\t');
    if (!status?.startsWith('R') || oldPath === undefined || newPath === undefined) continue;
    let moved = false;
    for (const [origin, path] of current) {
      if (path === oldPath) {
        current.set(origin, newPath);
        moved = true;
      }
    }
    if (!moved) current.set(oldPath, newPath);
  }
  return current;
}

const key = (/** @type {string} */ file, /** @type {string} */ name) => `${file}\u0000${name}`;

/**
 * @param {TestEntry[]} before
 * @param {TestEntry[]} after
 * @param {Map<string, string>} renames
 */
function compare(before, after, renames) {
  /** @type {Map<string, TestEntry[]>} unclaimed after-tests by file and name (a name may repeat) */
  const byKey = new Map();
  /** @type {Map<string, TestEntry[]>} unclaimed after-tests by name alone */
  const byName = new Map();
  for (const test of after) {
    byKey.set(key(test.file, test.fullName), [...(byKey.get(key(test.file, test.fullName)) ?? []), test]);
    byName.set(test.fullName, [...(byName.get(test.fullName) ?? []), test]);
  }
  /** @type {Set<TestEntry>} */
  const claimed = new Set();
  /** @param {TestEntry[] | undefined} candidates */
  const claimFirst = (candidates) => {
    const found = candidates?.find((t) => !claimed.has(t));
    if (found) claimed.add(found);
    return found;
  };

  /** @type {{ kept: TestEntry[], moved: { before: TestEntry, after: TestEntry, byRename: boolean }[], unmatched: (TestEntry & { expectedFile: string })[] }} */
  const result = { kept: [], moved: [], unmatched: [] };
  // Two passes: every exact or renamed-file match first, so that a search by name alone never
  // takes a test another before-test matches exactly.
  /** @type {TestEntry[]} */
  const rest = [];
  for (const test of before) {
    const expectedFile = renames.get(test.file) ?? test.file;
    const found = claimFirst(byKey.get(key(expectedFile, test.fullName)));
    if (!found) rest.push(test);
    else if (expectedFile === test.file) result.kept.push(test);
    else result.moved.push({ before: test, after: found, byRename: true });
  }
  for (const test of rest) {
    const expectedFile = renames.get(test.file) ?? test.file;
    const elsewhere = byName.get(test.fullName)?.filter((t) => !claimed.has(t)) ?? [];
    const only = elsewhere.length === 1 ? claimFirst(elsewhere) : undefined;
    if (only) result.moved.push({ before: test, after: only, byRename: false });
    else result.unmatched.push({ ...test, expectedFile });
  }
  return { ...result, added: after.filter((t) => !claimed.has(t)) };
}

/** @param {string} text */
const cell = (text) => text.replaceAll('|', '\\|').replaceAll('\n', ' ');

const { positionals, values } = parseArgs({
  allowPositionals: true,
  options: { root: { type: 'string' }, from: { type: 'string' }, to: { type: 'string' }, json: { type: 'boolean' } },
});
const [command, first, second] = positionals;

if (command === 'normalize' && first !== undefined && second !== undefined) {
  const entries = normalize(readJson(first), resolve(values.root ?? process.cwd()));
  // One test a line: small diffs when a list is made again.
  writeFileSync(second, `[\n${entries.map((e) => JSON.stringify(e)).join(',\n')}\n]\n`);
  console.error(`${second}: ${entries.length} tests`);
} else if (command === 'compare' && first !== undefined && second !== undefined && values.from && values.to) {
  const before = /** @type {TestEntry[]} */ (readJson(first));
  const after = /** @type {TestEntry[]} */ (readJson(second));
  const result = compare(before, after, testFileRenames(values.from, values.to));
  if (values.json) {
    console.log(JSON.stringify(result, null, 2));
  } else {
    const movedByRename = result.moved.filter((m) => m.byRename).length;
    console.log(`before ${before.length}, after ${after.length}`);
    console.log(
      `kept ${result.kept.length}, moved ${result.moved.length} (${movedByRename} with a renamed file, ${result.moved.length - movedByRename} to another file)`,
    );
    console.log(`unmatched before ${result.unmatched.length}, unmatched after ${result.added.length}`);
    console.log('\n## moved to another file than its own\n');
    for (const m of result.moved.filter((x) => !x.byRename))
      console.log(`| ${cell(m.before.fullName)} | ${m.before.file} | ${m.after.file} |`);
    console.log('\n## unmatched before (renamed or removed)\n');
    for (const t of result.unmatched) console.log(`| ${t.file} | ${cell(t.fullName)} | ${t.expectedFile} |`);
    console.log('\n## unmatched after (renamed or new)\n');
    for (const t of result.added) console.log(`| ${t.file} | ${cell(t.fullName)} | ${t.status} |`);
  }
} else {
  console.error('usage: test-list.mjs normalize <vitest-report.json> <out.json> [--root <checkout>]');
  console.error('       test-list.mjs compare <before.json> <after.json> --from <commit> --to <commit> [--json]');
  process.exit(2);
}
