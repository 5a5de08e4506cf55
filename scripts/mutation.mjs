// @ts-check
// `npm run mutation [-- [--full] [package …]]`: mutation testing of the device packages
// (docs/testing.md). Each package runs in its own Stryker run, in order, against its break
// threshold (scripts/mutation-packages.mjs), and then every survivor must be explained in
// test/mutation/equivalent.json (scripts/mutation-report.mjs --check). Without a package named,
// the packages CI gates run. Incremental by default: Stryker re-tests only the mutants whose code
// or covering tests changed since test/mutation/<package>.json (committed: commit it after a
// run); --full re-tests every mutant (the bench). StrykerJS 10 needs Node >= 22: on an older Node this re-runs itself
// on the Node 24 of .ci/lts-node (installed outside the project).
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { MUTATION_PACKAGES } from './mutation-packages.mjs';

const root = fileURLToPath(new URL('..', import.meta.url));
const args = process.argv.slice(2);
const full = args.includes('--full');
const names = args.filter((a) => !a.startsWith('--'));
for (const name of names) {
  if (!(name in MUTATION_PACKAGES)) {
    console.error(`mutation: no device package "${name}" (one of: ${Object.keys(MUTATION_PACKAGES).join(', ')})`);
    process.exit(2);
  }
}
const unknown = args.filter((a) => a.startsWith('--') && a !== '--full');
if (unknown.length > 0) {
  console.error(`mutation: unknown option ${unknown.join(' ')}; usage: npm run mutation -- [--full] [package …]`);
  process.exit(2);
}

const major = Number(process.versions.node.split('.')[0]);
if (major < 22) {
  const lts = spawnSync('bash', ['.ci/lts-node', '24'], { cwd: root, encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] });
  if (lts.status !== 0) process.exit(lts.status ?? 1);
  const bin = lts.stdout.trim();
  console.error(`mutation: Node ${process.versions.node} is too old for StrykerJS 10; running on ${bin}/node`);
  const again = spawnSync(`${bin}/node`, [fileURLToPath(import.meta.url), ...args], {
    cwd: root,
    stdio: 'inherit',
    env: { ...process.env, PATH: `${bin}:${process.env.PATH ?? ''}` },
  });
  process.exit(again.status ?? 1);
}

const stryker = fileURLToPath(new URL('../node_modules/@stryker-mutator/core/bin/stryker.js', import.meta.url));
const failed = [];
const gated = Object.entries(MUTATION_PACKAGES)
  .filter(([, pkg]) => pkg.gate)
  .map(([name]) => name);
for (const name of names.length > 0 ? names : gated) {
  console.error(`\nmutation: ${name}${full ? ' (full)' : ''}`);
  const run = spawnSync(process.execPath, [stryker, 'run', 'stryker.config.mjs', ...(full ? ['--force'] : [])], {
    cwd: root,
    stdio: 'inherit',
    env: { ...process.env, FWKIT_MUTATION_PACKAGE: name },
  });
  const check = spawnSync(process.execPath, ['scripts/mutation-report.mjs', '--check', name], { cwd: root, stdio: 'inherit' });
  if (run.status !== 0 || check.status !== 0) failed.push(name);
}
if (failed.length > 0) {
  console.error(`mutation: below the threshold or failed: ${failed.join(', ')}`);
  process.exit(1);
}
