import { execFileSync } from 'node:child_process';
import { copyFile, cp, link, mkdir, readdir, readlink, symlink } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The repository this package lives in (packages/tools/test-utils/dist → the root). */
export const REPO_ROOT = fileURLToPath(new URL('../../../../', import.meta.url));

/** What `fwkit build` and `fwkit release` read from a checkout, node_modules apart. */
export const CHECKOUT_ENTRIES: readonly string[] = [
  'platform',
  'products',
  'release.json',
  'releases',
  'package-lock.json',
  // The firmware's workspace dependency @fwkit/device-json (its dist/ is what esbuild bundles).
  'packages/device/json',
  'keys.example',
];

export interface CopyCheckoutOptions {
  /** The checkout to copy from; default the repository. */
  readonly from?: string;
  /** Paths relative to `from` to copy; default CHECKOUT_ENTRIES. */
  readonly entries?: readonly string[];
  /** The installed tree the copy gets its own node_modules from; default the repository's. */
  readonly nodeModules?: string;
}

// Tool caches, not installed packages: they change while tests run.
const CACHES = new Set(['.cache', '.vite', '.vite-temp']);

function errnoOf(error: unknown): string | undefined {
  return error instanceof Error ? (error as NodeJS.ErrnoException).code : undefined;
}

/** Hard-link every file under `from` into `to` (a copy across filesystems), symlinks recreated as they are. */
async function linkTree(from: string, to: string, skip: ReadonlySet<string> = new Set()): Promise<void> {
  await mkdir(to, { recursive: true });
  const entries = await readdir(from, { withFileTypes: true });
  await Promise.all(
    entries
      .filter((entry) => !skip.has(entry.name))
      .map(async (entry) => {
        const source = join(from, entry.name);
        const target = join(to, entry.name);
        try {
          if (entry.isDirectory()) await linkTree(source, target);
          // Relative links (the workspace links ../../packages/device/json) then resolve inside the copy.
          else if (entry.isSymbolicLink()) await symlink(await readlink(source), target);
          else if (entry.isFile()) {
            try {
              await link(source, target);
            } catch (error) {
              if (errnoOf(error) !== 'EXDEV') throw error;
              await copyFile(source, target);
            }
          } else throw new Error(`copyCheckout: ${source} is not a file, a directory or a symlink`);
        } catch (error) {
          // Removed while we walked (a package manager or a tool at work): it is not part of the tree.
          if (errnoOf(error) !== 'ENOENT') throw error;
        }
      }),
  );
}

/**
 * A checkout at `to`, made the way a clone and `npm ci` make one: `entries` of `from` copied, and a
 * node_modules of its own in which every file is a hard link to the installed tree's (fast, no
 * extra space) and every symlink is recreated as it is, so that the workspace packages
 * (node_modules/@fwkit/device-json → ../../packages/device/json) resolve inside the copy. A build refuses a
 * symlinked node_modules: its workspace packages would be another tree's.
 *
 * The files under node_modules are shared with the installed tree: replace them, never write or
 * chmod them in place.
 */
export async function copyCheckout(to: string, options: CopyCheckoutOptions = {}): Promise<string> {
  const from = options.from ?? REPO_ROOT;
  await mkdir(to, { recursive: true });
  for (const entry of options.entries ?? CHECKOUT_ENTRIES) {
    await mkdir(dirname(join(to, entry)), { recursive: true });
    await cp(join(from, entry), join(to, entry), { recursive: true, verbatimSymlinks: true });
  }
  await linkTree(options.nodeModules ?? join(REPO_ROOT, 'node_modules'), join(to, 'node_modules'), CACHES);
  return to;
}

/** git with a fixed identity and time, and no user or system configuration: the same commit on any machine. */
export function git(cwd: string, args: readonly string[], date = '2026-01-01T00:00:00Z'): string {
  return execFileSync('git', ['-c', 'user.name=fwkit test', '-c', 'user.email=test@fwkit.invalid', '-c', 'commit.gpgsign=false', ...args], {
    cwd,
    encoding: 'utf8',
    env: {
      ...process.env,
      GIT_CONFIG_GLOBAL: '/dev/null',
      GIT_CONFIG_NOSYSTEM: '1',
      GIT_AUTHOR_DATE: date,
      GIT_COMMITTER_DATE: date,
    },
  });
}

/**
 * Make a copied checkout a git repository with everything committed, as a clone after `npm ci &&
 * npm run build` is: the repository's .gitignore keeps node_modules/ and build output out. Returns
 * the commit. Needs git (`itWithTools('git', …)`).
 */
export async function commitCheckout(root: string): Promise<string> {
  await copyFile(join(REPO_ROOT, '.gitignore'), join(root, '.gitignore'));
  git(root, ['init', '--quiet', '--initial-branch=main']);
  git(root, ['add', '--all']);
  git(root, ['commit', '--quiet', '--message', 'the checkout']);
  return git(root, ['rev-parse', 'HEAD']).trim();
}
