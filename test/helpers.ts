import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { chmod, lstat, mkdtemp, readdir, readFile, readlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type DeviceIdentity } from '@fwkit/device-core';
import { fieldDevicesOf, productManifestFromJSON } from '@fwkit/release-core';
import { copyCheckout as copyCheckoutTree, haveTools, OS_ISOLATION } from '@fwkit/test-utils';

export const REPO = fileURLToPath(new URL('..', import.meta.url));
export const CLI = fileURLToPath(new URL('../packages/release/cli/dist/bin.js', import.meta.url));

export interface RunResult {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

export interface FwkitOptions {
  readonly cwd?: string;
  readonly env?: Record<string, string>;
  /**
   * Run the CLI with these directories read-only: each is bind-mounted read-only onto itself in a
   * private mount namespace (`unshare -m`), so nothing outside the child sees it. Needs root.
   */
  readonly readOnly?: readonly string[];
  /** Run the CLI as the unprivileged user nobody (uid/gid 65534), for whom file modes count. Needs root. */
  readonly asNobody?: boolean;
}

/** Root can make device nodes, mount namespaces and switch to nobody; permission tests skip without it. */
export const NOBODY = 65534;

/**
 * `device boot` isolates the firmware's domains where the machine can (root, namespaces, setpriv,
 * bubblewrap; CI requires it); elsewhere the boots run in the development mode, so that the
 * installer's tests still run there.
 */
export const BOOT_FLAGS: readonly string[] = haveTools(OS_ISOLATION, 'device boots run without OS isolation (--no-isolation)')
  ? []
  : ['--no-isolation'];

/** Runs the real `fwkit` CLI in a child process. */
export function fwkit(args: readonly string[], options: FwkitOptions = {}): Promise<RunResult> {
  const readOnly = options.readOnly ?? [];
  // sh -c '<mounts> && exec node CLI args...': $1.. are the read-only dirs, the command follows "--".
  const mounts = readOnly.map((_, i) => `mount --bind "$${i + 1}" "$${i + 1}" && mount -o remount,bind,ro "$${i + 1}"`).join(' && ');
  const [file, argv] =
    readOnly.length === 0
      ? [process.execPath, [CLI, ...args]]
      : [
          'unshare',
          [
            '-m',
            'sh',
            '-c',
            `${mounts} && shift ${readOnly.length + 1} && exec "$@"`,
            'sh',
            ...readOnly,
            '--',
            process.execPath,
            CLI,
            ...args,
          ],
        ];
  return new Promise((resolve) => {
    execFile(
      file,
      argv,
      {
        cwd: options.cwd ?? REPO,
        env: { ...process.env, CI: 'true', ...options.env },
        maxBuffer: 64 << 20,
        ...(options.asNobody === true ? { uid: NOBODY, gid: NOBODY } : {}),
      },
      (error, stdout, stderr) => {
        const code = error === null ? 0 : typeof error.code === 'number' ? error.code : -1;
        resolve({ code, stdout, stderr });
      },
    );
  });
}

/**
 * Runs the CLI with a `bytes`-sized tmpfs mounted on `dir` in a private mount namespace (a full
 * disk: ENOSPC). The tmpfs vanishes with the child, so what the CLI left on it is listed inside
 * the namespace afterwards: `leftovers` (paths relative to `dir`). Needs root.
 */
export function fwkitOnSmallDisk(
  dir: string,
  bytes: number,
  args: readonly string[],
  options: Pick<FwkitOptions, 'cwd' | 'env'> = {},
): Promise<RunResult & { leftovers: string[] }> {
  // $1 is the directory, "$@" after "--" the command; the listing follows a marker on stderr.
  const script = `d="$1"; mount -t tmpfs -o size=${bytes} fwkit-full "$d" || exit 99; shift 2; "$@"; rc=$?; echo --leftovers-- >&2; (cd "$d" && find . -mindepth 1) >&2; exit $rc`;
  return new Promise((resolve) => {
    execFile(
      'unshare',
      ['-m', 'sh', '-c', script, 'sh', dir, '--', process.execPath, CLI, ...args],
      { cwd: options.cwd ?? REPO, env: { ...process.env, CI: 'true', ...options.env }, maxBuffer: 64 << 20 },
      (error, stdout, all) => {
        const code = error === null ? 0 : typeof error.code === 'number' ? error.code : -1;
        const [stderr = '', listing] = all.split('--leftovers--\n');
        // No marker: the mount or the shell failed, so nothing was listed — never report "no leftovers" then.
        const leftovers = listing === undefined ? ['(not listed)'] : listing.split('\n').filter((l) => l !== '');
        resolve({ code, stdout, stderr, leftovers });
      },
    );
  });
}

/**
 * A device.json for a model's hardware revision as the field has it (its first bootloader), built
 * by core's `fieldDevicesOf` from the repository's product.json, with an installed firmware.
 */
export async function fieldDevice(
  repoRoot: string,
  model: string,
  revision: string | undefined,
  installed: { firmware: string; security: number },
): Promise<DeviceIdentity> {
  const path = join(repoRoot, 'products', model, 'product.json');
  const product = productManifestFromJSON(JSON.parse(await readFile(path, 'utf8')), path);
  const [device] = fieldDevicesOf(product, revision ?? product.hardware[0]?.revision);
  if (device === undefined) throw new Error(`${model} has no hardware revision ${revision ?? '(first)'}`);
  return { ...device, installed };
}

/**
 * A copy of the checkout in a new temporary directory (see @fwkit/test-utils copyCheckout: a
 * node_modules of its own), readable by everyone so that a test can run the CLI as nobody. The
 * caller removes it.
 */
export async function copyCheckout(prefix: string): Promise<string> {
  const root = await copyCheckoutTree(await mkdtemp(join(tmpdir(), prefix)));
  await chmodTree(root, 0o755, 0o644);
  return root;
}

/**
 * chmod every directory under `dir` (and `dir`) to `dirMode` and every file to `fileMode`; not
 * under `dir`/node_modules, whose files are the repository's (hard links), readable already.
 */
export async function chmodTree(dir: string, dirMode: number, fileMode: number): Promise<void> {
  await chmod(dir, dirMode);
  const own = join(dir, 'node_modules');
  for (const entry of await readdir(dir, { recursive: true, withFileTypes: true })) {
    const path = join(entry.parentPath, entry.name);
    if (path === own || path.startsWith(`${own}/`)) continue;
    if (entry.isDirectory()) await chmod(path, dirMode);
    else if (entry.isFile()) await chmod(path, fileMode);
  }
}

/**
 * Every entry under `dir` (hidden temporary files too) with its type, mode and content digest:
 * two equal snapshots mean nothing was written, moved or left behind. {} when `dir` is missing.
 */
export async function snapshot(dir: string): Promise<Record<string, string>> {
  let entries;
  try {
    entries = await readdir(dir, { recursive: true, withFileTypes: true });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return {};
    throw error;
  }
  const out: Record<string, string> = {};
  for (const entry of entries) {
    const path = join(entry.parentPath, entry.name);
    if (path.includes(join(dir, 'node_modules'))) continue;
    const stats = await lstat(path);
    const mode = (stats.mode & 0o7777).toString(8);
    const key = path.slice(dir.length + 1);
    if (stats.isFile())
      out[key] = `file ${mode} ${createHash('sha256')
        .update(await readFile(path))
        .digest('hex')}`;
    else if (stats.isSymbolicLink()) out[key] = `link ${await readlink(path)}`;
    else if (stats.isDirectory()) out[key] = `dir ${mode}`;
    else out[key] = `special ${mode} ${stats.rdev}`;
  }
  return out;
}

/** Rewrite a JSON document of a copied checkout in place (two-space layout, as the repository's). */
export async function editJson(path: string, edit: (doc: Record<string, unknown>) => void): Promise<void> {
  const doc = JSON.parse(await readFile(path, 'utf8')) as Record<string, unknown>;
  edit(doc);
  await writeFile(path, `${JSON.stringify(doc, null, 2)}\n`);
}

/**
 * The platform drops the sensor interface version that legacy-fixed-1080 rev A provides
 * (sensor.parallel 1.2.0): the feature requires 1.3 and later, and platform.json marks "<1.3.0"
 * removed `since` that platform version. The model's image no longer fits its rev A hardware.
 */
export async function dropParallel12(root: string, since: string): Promise<void> {
  await editJson(join(root, 'platform', 'platform.json'), (doc) => {
    const platform = doc as { features: Record<string, { interfaces: Record<string, string> }>; interfaces: Record<string, unknown[]> };
    const feature = platform.features['sensor-parallel'];
    if (feature === undefined) throw new Error('platform.json has no sensor-parallel feature');
    feature.interfaces['sensor.parallel'] = '>=1.3.0 <2.0.0';
    platform.interfaces['sensor.parallel'] = [
      { versions: '>=1.3.0 <2.0.0', status: 'deprecated', since, note: 'Kept only for models released before 2020' },
      { versions: '<1.3.0', status: 'removed', since },
    ];
  });
}

/** Running (not zombie) processes whose command line mentions `marker`: a firmware's processes, found without its help. */
export async function processesOf(marker: string): Promise<number[]> {
  const found: number[] = [];
  for (const pid of (await readdir('/proc')).filter((name) => /^\d+$/.test(name))) {
    try {
      const cmdline = await readFile(`/proc/${pid}/cmdline`, 'utf8');
      const stat = await readFile(`/proc/${pid}/stat`, 'utf8');
      const state = stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3);
      if (cmdline.includes(marker) && state !== 'Z') found.push(Number(pid));
    } catch {
      // exited while listed
    }
  }
  return found;
}
