// Pure: which paths of a checkout a release depends on, and which of them git reports as not
// being the commit's. The git calls are in source.ts.

/**
 * What must be exactly as committed. `files` are named one by one (any state but "as committed"
 * is dirty, ignored included); `packages` are workspace packages whose build output (`dist/`,
 * ignored by git) is bundled: their tracked files must be as committed and they may hold no
 * untracked file, their ignored files (the build output itself) aside; `globs` catch files that
 * are gone from the working tree (`*` is one path segment).
 */
export interface TreeWatch {
  readonly files: readonly string[];
  readonly packages: readonly string[];
  readonly globs: readonly string[];
}

export type DirtyState = 'modified' | 'added' | 'deleted' | 'renamed' | 'untracked' | 'ignored';

/** A watched path that is not as committed, as git reports it (checkout-relative). */
export interface DirtyFile {
  readonly path: string;
  readonly state: DirtyState;
}

/**
 * The documents a release reads and its gate judges on: release.json, the platform's documents,
 * package-lock.json (which pins every npm package bundled from node_modules/), every product.json
 * (and one deleted from the working tree), the ledger (the history must be the reviewed one) and
 * the trust root when it lies in the checkout.
 */
export function documentsWatch(documents: readonly string[], productsDir: string): TreeWatch {
  return { files: [...new Set(documents)].sort(), packages: [], globs: [`${productsDir}/*/product.json`] };
}

const DIST = /^(.+?)\/dist\//;

/**
 * The modules esbuild bundled (from the metafiles). Those under node_modules/ are npm packages,
 * which git never tracks: package-lock.json pins each (name, version, integrity) and is a
 * document, so it stands for them. A module in a workspace package's `dist/` is build output of
 * that package's tracked sources, so the package directory is watched instead.
 */
export function bundleInputsWatch(bundled: readonly string[]): TreeWatch {
  const files = new Set<string>();
  const packages = new Set<string>();
  for (const path of bundled) {
    if (path.startsWith('node_modules/') || path.includes('/node_modules/')) continue;
    const dist = DIST.exec(path)?.[1];
    if (dist === undefined) files.add(path);
    else packages.add(dist);
  }
  return { files: [...files].sort(), packages: [...packages].sort(), globs: [] };
}

export function mergeWatches(...watches: readonly TreeWatch[]): TreeWatch {
  const all = (pick: (w: TreeWatch) => readonly string[]) => [...new Set(watches.flatMap(pick))].sort();
  return { files: all((w) => w.files), packages: all((w) => w.packages), globs: all((w) => w.globs) };
}

/** git pathspecs for a watch: literal paths (no glob surprise in a file name), and the globs. */
export function pathspecsOf(watch: TreeWatch): string[] {
  return [
    ...watch.files.map((f) => `:(literal)${f}`),
    ...watch.packages.map((p) => `:(literal)${p}`),
    ...watch.globs.map((g) => `:(glob)${g}`),
  ];
}

/** One entry of `git status --porcelain=v1 -z`: its XY code, its path and, for a rename or copy, where from. */
export interface StatusEntry {
  readonly code: string;
  readonly path: string;
  readonly from?: string;
}

/** Parse `git status --porcelain=v1 -z` output (NUL-terminated; a rename or copy is followed by its source path). */
export function parsePorcelain(output: string): StatusEntry[] {
  const fields = output.split('\0');
  const entries: StatusEntry[] = [];
  for (let i = 0; i < fields.length; i++) {
    const field = fields[i] ?? '';
    if (field === '') continue;
    const code = field.slice(0, 2);
    const path = field.slice(3);
    if (code.includes('R') || code.includes('C')) {
      entries.push({ code, path, from: fields[i + 1] ?? '' });
      i++;
    } else entries.push({ code, path });
  }
  return entries;
}

function stateOf(code: string): DirtyState {
  if (code === '??') return 'untracked';
  if (code === '!!') return 'ignored';
  if (code.includes('D')) return 'deleted';
  if (code.includes('R') || code.includes('C')) return 'renamed';
  if (code.includes('A')) return 'added';
  return 'modified';
}

function globRegExp(glob: string): RegExp {
  const escaped = glob.split('*').map((part) => part.replace(/[.+?^${}()|[\]\\]/g, '\\$&'));
  return new RegExp(`^${escaped.join('[^/]*')}$`);
}

const under = (dir: string, path: string) => path === dir || path.startsWith(`${dir}/`);

/**
 * The watched paths that `entries` (git status, paths relative to the repository's top, which is
 * `prefix` above the checkout root) show not to be as committed, sorted. git lists some ignored
 * folders whatever the pathspecs, so every entry is matched against the watch again here.
 */
export function dirtyFiles(entries: readonly StatusEntry[], watch: TreeWatch, prefix = ''): DirtyFile[] {
  const files = new Set(watch.files);
  const globs = watch.globs.map(globRegExp);
  const inPackage = (path: string) => watch.packages.some((dir) => under(dir, path));
  const named = (path: string) => files.has(path) || globs.some((g) => g.test(path));
  const dirty = new Map<string, DirtyState>();
  for (const entry of entries) {
    if (!entry.path.startsWith(prefix)) continue;
    const path = entry.path.slice(prefix.length);
    const state = stateOf(entry.code);
    if (state === 'ignored') {
      // An ignored folder ("dist/") holds every named file below it; a package's build output is not named.
      const folder = path.endsWith('/') ? path.slice(0, -1) : undefined;
      const hits = folder === undefined ? (named(path) ? [path] : []) : watch.files.filter((f) => under(folder, f));
      for (const hit of hits) dirty.set(hit, state);
      continue;
    }
    const from = entry.from === undefined ? undefined : entry.from.slice(prefix.length);
    if (named(path) || inPackage(path) || (from !== undefined && (named(from) || inPackage(from)))) dirty.set(path, state);
  }
  return [...dirty].map(([path, state]) => ({ path, state })).sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
}
