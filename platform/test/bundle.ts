import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build, type Metafile, type Plugin } from 'esbuild';

/**
 * Bundles the platform the way the firmware build does (the contract in platform/README.md):
 * one ESM bundle per domain entry of platform.json, `fwkit:drivers` resolved to a product's
 * drivers, `__FWKIT_BUILD__` defined as a JSON object.
 */
export const PLATFORM_DIR = resolve(dirname(fileURLToPath(import.meta.url)), '..');
export const REPO_DIR = resolve(PLATFORM_DIR, '..');

export const DOMAIN_ENTRIES = {
  supervisor: 'src/supervisor/main.ts',
  core: 'src/core/main.ts',
  protocol: 'src/protocol/main.ts',
} as const;

export interface BuildInfo {
  model: string;
  modelName: string;
  firmware: string;
  platform: string;
  hardwareRevisions: string[];
}

export interface Bundle {
  readonly dir: string;
  readonly info: BuildInfo;
  readonly metafile: Metafile;
  /** Output file of each domain, e.g. `<dir>/core/main.js`. */
  readonly files: Record<keyof typeof DOMAIN_ENTRIES, string>;
  remove(): Promise<void>;
}

export function driversPlugin(driversPath: string): Plugin {
  return {
    name: 'fwkit-drivers',
    setup(b) {
      b.onResolve({ filter: /^fwkit:drivers$/ }, () => ({ path: driversPath }));
    },
  };
}

export async function bundlePlatform(driversPath: string, info: BuildInfo): Promise<Bundle> {
  const dir = await mkdtemp(join(tmpdir(), 'fwkit-platform-'));
  const result = await build({
    absWorkingDir: PLATFORM_DIR,
    // The image layout: each domain's bundle at `<domain>/main.js`.
    entryPoints: Object.entries(DOMAIN_ENTRIES).map(([domain, entry]) => ({ in: entry, out: `${domain}/main` })),
    outdir: dir,
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    metafile: true,
    logLevel: 'silent',
    define: { __FWKIT_BUILD__: JSON.stringify(info) },
    plugins: [driversPlugin(driversPath)],
  });
  return {
    dir,
    info,
    metafile: result.metafile,
    files: {
      supervisor: join(dir, 'supervisor', 'main.js'),
      core: join(dir, 'core', 'main.js'),
      protocol: join(dir, 'protocol', 'main.js'),
    },
    remove: () => rm(dir, { recursive: true, force: true }),
  };
}

/** Inputs of the output bundle of `domain`, as paths relative to the platform folder. */
export function inputsOf(bundle: Bundle, domain: keyof typeof DOMAIN_ENTRIES): string[] {
  const output = Object.entries(bundle.metafile.outputs).find(([path]) => path.endsWith(`/${domain}/main.js`));
  if (output === undefined) throw new Error(`no output for ${domain}`);
  return Object.keys(output[1].inputs);
}
