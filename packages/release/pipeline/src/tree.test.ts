import { describe, expect, it } from 'vitest';
import { bundleInputsWatch, dirtyFiles, documentsWatch, mergeWatches, parsePorcelain, pathspecsOf } from './tree.js';

const bundled = [
  'node_modules/fast-xml-parser/src/fxp.js',
  'packages/device/json/dist/index.js',
  'packages/device/json/dist/parse.js',
  'platform/src/core/main.ts',
  'products/ptz-4k/src/drivers.ts',
];
const watch = mergeWatches(
  documentsWatch(['release.json', 'releases/ledger.json', 'products/ptz-4k/product.json', 'package-lock.json'], 'products'),
  bundleInputsWatch(bundled),
);

describe('what a release watches', () => {
  it('names bundled modules one by one, a workspace package for its dist/ output, and trusts the lockfile for node_modules', () => {
    expect(bundleInputsWatch(bundled)).toEqual({
      files: ['platform/src/core/main.ts', 'products/ptz-4k/src/drivers.ts'],
      packages: ['packages/device/json'],
      globs: [],
    });
    expect(pathspecsOf(watch)).toContain(':(literal)platform/src/core/main.ts');
    expect(pathspecsOf(watch)).toContain(':(glob)products/*/product.json');
  });
});

describe('git status, read', () => {
  it('parses -z output, renames with their source', () => {
    expect(parsePorcelain(' M a.ts\0R  b.ts\0old b.ts\0?? c.ts\0!! dist/\0')).toEqual([
      { code: ' M', path: 'a.ts' },
      { code: 'R ', path: 'b.ts', from: 'old b.ts' },
      { code: '??', path: 'c.ts' },
      { code: '!!', path: 'dist/' },
    ]);
  });

  it('reports every watched path not as committed, in any state, and nothing else', () => {
    const status = [
      ' M products/ptz-4k/src/drivers.ts', // worktree
      'M  release.json', // index
      ' D products/dome-2/product.json', // gone from the working tree
      '?? packages/device/json/src/new.ts', // untracked, in a bundled workspace package
      '!! packages/device/json/dist/', // its build output: fine
      '!! node_modules/', // git lists ignored folders whatever the pathspecs
      '?? products/ptz-4k/README.draft.md', // not watched
      '!! platform/src/', // an ignored folder holding a bundled module
    ].join('\0');
    expect(dirtyFiles(parsePorcelain(status), watch)).toEqual([
      { path: 'packages/device/json/src/new.ts', state: 'untracked' },
      { path: 'platform/src/core/main.ts', state: 'ignored' },
      { path: 'products/dome-2/product.json', state: 'deleted' },
      { path: 'products/ptz-4k/src/drivers.ts', state: 'modified' },
      { path: 'release.json', state: 'modified' },
    ]);
  });

  it('names paths from the checkout root when it lies below the top of the repository', () => {
    const status = [' M fw/release.json', ' M release.json', '!! fw/releases/ledger.json'].join('\0');
    expect(dirtyFiles(parsePorcelain(status), watch, 'fw/')).toEqual([
      { path: 'release.json', state: 'modified' },
      { path: 'releases/ledger.json', state: 'ignored' },
    ]);
  });
});
