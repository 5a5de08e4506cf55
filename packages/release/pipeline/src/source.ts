import { execFile } from 'node:child_process';
import { realpath } from 'node:fs/promises';
import { basename, dirname, isAbsolute, relative, sep } from 'node:path';
import { promisify } from 'node:util';
import { ReleaseError } from './errors.js';
import { dirtyFiles, parsePorcelain, pathspecsOf, type DirtyFile, type TreeWatch } from './tree.js';

const run = promisify(execFile);

/** The commit a checkout is at, and where the checkout root is below the repository's top. */
export interface GitHead {
  readonly commit: string;
  /** "" at the top, else "sub/dir/": git status names paths from the top. */
  readonly prefix: string;
}

const COMMIT = /^[0-9a-f]{40}(?:[0-9a-f]{24})?$/;

/** Why a checkout has no commit to name; undefined when it has one. */
export type NoHead = { readonly reason: string };

/** HEAD of the git checkout at `root`, or why there is none (not a checkout, no commit yet, no git). */
export async function readGitHead(root: string): Promise<GitHead | NoHead> {
  try {
    const { stdout } = await run('git', ['rev-parse', '--show-prefix', '--verify', '--end-of-options', 'HEAD^{commit}'], { cwd: root });
    const [prefix = '', commit = ''] = stdout.split('\n');
    if (COMMIT.test(commit)) return { commit, prefix };
    return { reason: 'git rev-parse printed no commit' };
  } catch (cause) {
    const stderr = (cause as { stderr?: unknown }).stderr;
    const first = typeof stderr === 'string' ? stderr.trim().split('\n')[0] : undefined;
    return { reason: first !== undefined && first !== '' ? first : (cause as Error).message };
  }
}

/**
 * The watched paths that are not as HEAD has them — modified or staged, deleted, untracked or
 * ignored — from one `git status` over all of them. It takes no optional lock, so it writes
 * nothing in .git either.
 */
export async function readDirtyFiles(root: string, head: GitHead, watch: TreeWatch): Promise<DirtyFile[]> {
  const pathspecs = pathspecsOf(watch);
  if (pathspecs.length === 0) return [];
  const { stdout } = await run(
    'git',
    ['--no-optional-locks', 'status', '--porcelain=v1', '-z', '--ignored=matching', '--untracked-files=all', '--', ...pathspecs],
    { cwd: root, maxBuffer: 64 << 20 },
  );
  return dirtyFiles(parsePorcelain(stdout), watch, head.prefix);
}

/** What a release knows of its sources: the commit, and what was not as committed (only with the override). */
export interface SourceState {
  /** HEAD's commit; null outside a git checkout (only with `allowDirty`). */
  readonly commit: string | null;
  readonly allowDirty: boolean;
  /** Files found not as committed (each check adds its own); empty unless `allowDirty`. */
  readonly dirty: readonly DirtyFile[];
}

/**
 * Refuse, or with `allowDirty` record, a checkout whose release would not be reproducible from
 * its commit. `when` says which check this is, for the message.
 */
export function judgeTree(state: SourceState, found: readonly DirtyFile[], when: string): SourceState {
  if (found.length > 0 && !state.allowDirty) {
    const list = found.map((f) => `  - ${f.path} (${f.state})`).join('\n');
    throw new ReleaseError(
      'RELEASE_TREE_DIRTY',
      `${found.length} file(s) ${when} are not as commit ${state.commit ?? '(none)'} has them, so no commit reproduces this release:\n${list}\n` +
        'commit them (or remove them), or pass --allow-dirty (the ledger records it and these files)',
      { details: { commit: state.commit, files: found } },
    );
  }
  const seen = new Set(state.dirty.map((f) => f.path));
  return { ...state, dirty: [...state.dirty, ...found.filter((f) => !seen.has(f.path))] };
}

/** The source state before any check: HEAD, or a refusal outside a git checkout unless `allowDirty`. */
export async function startSourceState(root: string, allowDirty: boolean): Promise<{ state: SourceState; head: GitHead | undefined }> {
  const head = await readGitHead(root);
  if ('commit' in head) return { state: { commit: head.commit, allowDirty, dirty: [] }, head };
  if (!allowDirty) {
    throw new ReleaseError(
      'RELEASE_NOT_GIT_CHECKOUT',
      `${root} is not a git checkout with a commit (${head.reason}): a release names the commit it was built from; ` +
        'release from a clone, or pass --allow-dirty (the ledger records it)',
      { details: { reason: head.reason } },
    );
  }
  return { state: { commit: null, allowDirty, dirty: [] }, head: undefined };
}

/** Check `watch` against HEAD (nothing to check without a checkout: the override was given). */
export async function checkTree(
  root: string,
  head: GitHead | undefined,
  state: SourceState,
  watch: TreeWatch,
  when: string,
): Promise<SourceState> {
  if (head === undefined) return state;
  return judgeTree(state, await readDirtyFiles(root, head, watch), when);
}

/**
 * The ledger a release appends to must be as committed too: its history is the reviewed one. In
 * this checkout it is one more watched file; elsewhere (`--ledger`, main's ledger for a release
 * from a maintenance branch) it is checked in the git checkout it lives in, and a ledger in no git
 * checkout counts as untracked.
 */
export async function checkLedgerTree(
  root: string,
  head: GitHead | undefined,
  state: SourceState,
  ledgerPath: string,
): Promise<SourceState> {
  const real = await realpath(ledgerPath).catch(() => ledgerPath);
  const rel = relative(root, real);
  if (rel !== '' && rel !== '..' && !rel.startsWith(`..${sep}`) && !isAbsolute(rel)) {
    return checkTree(root, head, state, { files: [rel.split(sep).join('/')], packages: [], globs: [] }, 'that the release reads');
  }
  const dir = dirname(real);
  const theirs = await readGitHead(dir);
  const found: DirtyFile[] =
    'commit' in theirs
      ? (await readDirtyFiles(dir, theirs, { files: [basename(real)], packages: [], globs: [] })).map((f) => ({ ...f, path: real }))
      : [{ path: real, state: 'untracked' }];
  return judgeTree(state, found, 'that the release reads');
}
