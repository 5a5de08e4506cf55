import { readdir, realpath } from 'node:fs/promises';
import { builtinModules } from 'node:module';
import { join, relative } from 'node:path';
import type { BuildFailure, BuildOptions, Message, Metafile, OutputFile, Plugin } from 'esbuild';
import { isVirtualInput } from '@fwkit/release-sbom/attribute';
import type { PlatformImports } from '@fwkit/release-core';
import { BuildError } from './errors.js';
import { onePer } from './common.js';
import { esbuild } from './esbuild.js';
import {
  importForbiddenError,
  importRulesOf,
  importRulesPlugin,
  importViolations,
  metafileImportViolations,
  symlinkViolations,
  type ImportRules,
  type ImportViolation,
} from './imports.js';
import { realPathsInside, checkoutOf, isWithin, outsideError, outsideOf, realpathIn, type Checkout, type OutsideSource } from './inside.js';
import { LAYOUT } from './layout.js';
import { checkDynamicLoading, type LoadingFinding, type LoadingMemo } from './loading.js';
import { entryMetafile } from './metafile.js';

export { DRIVERS_MODULE } from './imports.js';

/** The build-time constants the platform reads as `__FWKIT_BUILD__`. */
export interface BuildInfo {
  readonly model: string;
  readonly modelName: string;
  readonly firmware: string;
  readonly platform: string;
  readonly hardwareRevisions: readonly string[];
}

export interface DomainBundle {
  readonly domain: string;
  /** Payload path in the image: `<domain>/main.js`. */
  readonly path: string;
  readonly bytes: Uint8Array;
  readonly metafile: Metafile;
}

/**
 * TypeScript settings for every module, fixed here. Left to itself, esbuild takes them from the
 * nearest tsconfig.json above each module — a folder outside the checkout included — so the
 * output would depend on where the checkout sits. (esbuild also skips that lookup for modules a
 * plugin resolves, which `checkoutPathsPlugin` does; `tsconfigRaw` makes the settings explicit
 * rather than an accident of that.) They match what tsc does with tsconfig.base.json
 * (verbatimModuleSyntax; define semantics for class fields, the default for its ES2022 target).
 */
const TSCONFIG = { compilerOptions: { verbatimModuleSyntax: true, useDefineForClassFields: true } } as const;

const RESOLVING = Symbol.for('fwkit.build.resolving');

/** Marks a plugin error as a source outside the checkout, so that it surfaces with its own code. */
interface OutsideDetail {
  readonly fwkitOutside: OutsideSource;
}

function outsideMessage(outside: OutsideSource) {
  const detail: OutsideDetail = { fwkitOutside: outside };
  return { errors: [{ text: `${outside.path} resolves outside the checkout, to ${outside.resolved}`, detail }] };
}

function outsideDetails(errors: readonly Message[]): OutsideSource[] {
  return errors.flatMap((e) => {
    const detail: unknown = e.detail;
    if (typeof detail !== 'object' || detail === null || !('fwkitOutside' in detail)) return [];
    return [(detail as OutsideDetail).fwkitOutside];
  });
}

/** `fwkit:drivers` → the product's driver entry file, refused before it is read when it resolves outside the checkout. */
function driversPlugin(checkout: Checkout, driversPath: string): Plugin {
  return {
    name: 'fwkit-drivers',
    setup(b) {
      b.onResolve({ filter: /^fwkit:drivers$/ }, () => {
        const outside = outsideOf(checkout, driversPath);
        return outside === undefined ? { path: driversPath } : outsideMessage(outside);
      });
    },
  };
}

/**
 * The packages in the checkout's node_modules/ that are symbolic links (workspace packages, an
 * `npm link`), by name: the only bare imports whose modules esbuild would name by the link.
 */
async function linkedPackages(rootDir: string): Promise<string[]> {
  const modules = join(rootDir, 'node_modules');
  const entries = await readdir(modules, { withFileTypes: true }).catch(() => []);
  const names: string[] = [];
  for (const entry of entries) {
    if (entry.isSymbolicLink()) names.push(entry.name);
    else if (entry.isDirectory() && entry.name.startsWith('@')) {
      for (const scoped of await readdir(join(modules, entry.name), { withFileTypes: true }).catch(() => [])) {
        if (scoped.isSymbolicLink()) names.push(`${entry.name}/${scoped.name}`);
      }
    }
  }
  return names.sort();
}

/** The linked packages of one build's checkout (one per build). */
const linkedMemos = new WeakMap<Checkout, Promise<string[]>>();

function linkedPackagesOf(checkout: Checkout): Promise<string[]> {
  return onePer(linkedMemos, checkout, () => linkedPackages(checkout.root));
}

/**
 * One name per module, independent of where the checkout is: a module of a linked package (see
 * `linkedPackages`) whose real path is inside the checkout is named by it (a workspace package
 * reached through node_modules is not bundled twice, and is named as the SBOM names it); one whose
 * real path leaves the checkout is refused. Every other module keeps the name esbuild gives it
 * (`preserveSymlinks`); the containment check refuses afterwards any whose real path leaves the
 * checkout. Together, no metafile path and no path comment in the output leaves the checkout root.
 */
function checkoutPathsPlugin(checkout: Checkout, linked: readonly string[]): Plugin {
  const rootDir = checkout.root;
  const escaped = linked.map((name) => name.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'));
  return {
    name: 'fwkit-checkout-paths',
    setup(b) {
      // Only the linked packages' bare specifiers: a relative import resolves next to its
      // importer, whose name is already fixed, and every other package is a real folder. Each
      // call is a round trip to this process that esbuild waits for: for every bare import it
      // cost the example's build as much time again as the bundling.
      if (escaped.length === 0) return;
      b.onResolve({ filter: new RegExp(`^(?:${escaped.join('|')})(?:/|$)`) }, async (args) => {
        if ((args.pluginData as Record<symbol, unknown> | undefined)?.[RESOLVING] === true) return undefined;
        const result = await b.resolve(args.path, {
          kind: args.kind,
          importer: args.importer,
          namespace: args.namespace,
          resolveDir: args.resolveDir,
          with: args.with,
          pluginData: { [RESOLVING]: true },
        });
        if (result.errors.length > 0) return { errors: result.errors, warnings: result.warnings };
        let path = result.path;
        if (!result.external && result.namespace === 'file' && path !== '') {
          const real = realpathIn(checkout, path) ?? (await realpath(path));
          if (!isWithin(rootDir, real)) {
            const outside = outsideOf(checkout, path);
            if (outside !== undefined) return outsideMessage(outside);
          }
          path = real;
        }
        return {
          path,
          external: result.external,
          namespace: result.namespace,
          sideEffects: result.sideEffects,
          suffix: result.suffix,
          pluginData: result.pluginData as unknown,
          warnings: result.warnings,
        };
      });
    },
  };
}

/** The dynamic-loading findings of one build's modules, by its checkout (one per build). */
const loadingMemos = new WeakMap<Checkout, LoadingMemo>();

function loadingMemoOf(checkout: Checkout): LoadingMemo {
  return onePer(loadingMemos, checkout, () => new Map<string, Promise<LoadingFinding[]>>());
}

/**
 * The SHA-256 of each bundled source the dynamic-loading check read, by checkout-relative path,
 * per checkout (one per build): the SBOM's file digests start from it (prepare.ts), so that each
 * file is read once per build.
 */
const sourceDigests = new WeakMap<Checkout, Map<string, string>>();

export function sourceDigestsOf(checkout: Checkout): Map<string, string> {
  return onePer(sourceDigests, checkout, () => new Map<string, string>());
}

const BUILTINS = new Set(builtinModules);

/** Imports left for run time must be Node built-ins: the image carries no node_modules. */
function runtimeImports(metafile: Metafile): string[] {
  const out = new Set<string>();
  for (const module of Object.values(metafile.inputs)) {
    for (const imported of module.imports) {
      if (imported.external !== true || imported.path.startsWith('<define:')) continue;
      const name = imported.path.startsWith('node:') ? imported.path.slice(5) : imported.path;
      if (!BUILTINS.has(name) && !BUILTINS.has(name.split('/')[0] ?? name)) out.add(imported.path);
    }
  }
  return [...out].sort();
}

function messages(list: readonly Message[]): { text: string; file?: string; line?: number }[] {
  return list.map((m) => (m.location === null ? { text: m.text } : { text: m.text, file: m.location.file, line: m.location.line }));
}

/** What bundling a product's domains needs. */
export interface BundleOptions {
  readonly rootDir: string;
  /** Driver entry relative to the checkout root. */
  readonly drivers: string;
  /** The product's folder relative to the checkout root (`products/<model>`): the drivers' own files. */
  readonly productDir: string;
  /** platform.json `imports`: what each domain may import (checked at every import, with its line). */
  readonly imports: PlatformImports | undefined;
  readonly buildInfo: BuildInfo;
  /** esbuild's target: the firmware runtime's major line (`runtimeTarget`), e.g. `node24`. */
  readonly target: string;
  /** The checkout of `rootDir`, shared by the bundles of one build (it remembers real paths). */
  readonly checkout?: Checkout;
  /**
   * Called once esbuild has been asked to bundle (not on the retries that locate a failure):
   * work that can overlap bundling starts then, so that it does not hold up esbuild's start.
   */
  readonly onRequested?: () => void;
}

/** One security domain and its entry, relative to the checkout root. */
export interface DomainEntry {
  readonly domain: string;
  readonly entry: string;
}

/** Where the outputs are named (in the metafile); nothing is written there (write: false). */
const OUT_DIR = ['out', '.bundle'] as const;

function outputOf(domain: string): string {
  return `${domain}/main`;
}

/** esbuild's settings for the given domains of one product: the same for one domain or several. */
async function esbuildSettings(options: BundleOptions, checkout: Checkout, entries: readonly DomainEntry[]) {
  const { rootDir } = options;
  const linked = await linkedPackagesOf(checkout);
  return {
    absWorkingDir: rootDir,
    entryPoints: entries.map((e) => ({ in: join(rootDir, e.entry), out: outputOf(e.domain) })),
    outdir: join(rootDir, ...OUT_DIR),
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: options.target,
    write: false,
    metafile: true,
    sourcemap: false,
    minify: false,
    legalComments: 'eof',
    charset: 'utf8',
    logLevel: 'silent',
    preserveSymlinks: true,
    tsconfigRaw: TSCONFIG,
    define: { __FWKIT_BUILD__: JSON.stringify(options.buildInfo) },
    plugins: [driversPlugin(checkout, join(rootDir, options.drivers)), checkoutPathsPlugin(checkout, linked)],
  } satisfies BuildOptions;
}

function rulesOf(options: BundleOptions, entry: DomainEntry): ImportRules {
  return importRulesOf({
    imports: options.imports,
    domain: entry.domain,
    platformDir: LAYOUT.platformDir,
    entry: entry.entry,
    productDir: options.productDir,
    productsDir: LAYOUT.productsDir,
  });
}

/**
 * The refused imports of one domain with their lines: its bundle again, alone, with the import
 * rules checked at each import (before any other plugin resolves it). Only a failure pays for this.
 */
async function locateRefusedImports(options: BundleOptions, checkout: Checkout, entry: DomainEntry): Promise<ImportViolation[]> {
  const settings = await esbuildSettings(options, checkout, [entry]);
  try {
    await esbuild.build({ ...settings, plugins: [importRulesPlugin(options.rootDir, rulesOf(options, entry)), ...settings.plugins] });
    return [];
  } catch (cause) {
    const errors = (cause as Partial<BuildFailure>).errors;
    return Array.isArray(errors) ? importViolations(errors) : [];
  }
}

/** A failed esbuild build of one domain, as the coded error it stands for. */
async function bundleFailure(cause: unknown, options: BundleOptions, checkout: Checkout, entry: DomainEntry): Promise<Error> {
  const { domain } = entry;
  const failure = cause as Partial<BuildFailure>;
  const outside = Array.isArray(failure.errors) ? outsideDetails(failure.errors) : [];
  if (outside.length > 0) return outsideError(outside, `a source of domain "${domain}"`);
  // A refused import may also be one esbuild cannot resolve: the rules speak first.
  const forbidden = await locateRefusedImports(options, checkout, entry);
  if (forbidden.length > 0) return importForbiddenError(domain, forbidden);
  const errors = Array.isArray(failure.errors) ? messages(failure.errors) : [{ text: String(cause) }];
  return new BuildError(
    'BUILD_BUNDLE_FAILED',
    `esbuild failed for domain "${domain}":\n${errors.map((e) => `  - ${e.file === undefined ? '' : `${e.file}:${String(e.line)}: `}${e.text}`).join('\n')}`,
    { cause, details: { domain, errors } },
  );
}

/** One domain's output and part of the metafile, checked: its imports, sources, links and loading. */
async function checkedBundle(
  options: BundleOptions,
  checkout: Checkout,
  entry: DomainEntry,
  result: { readonly outputFiles: readonly OutputFile[]; readonly metafile: Metafile },
): Promise<DomainBundle> {
  const { rootDir } = options;
  const { domain } = entry;
  const output = result.outputFiles.find((f) => f.path === join(rootDir, ...OUT_DIR, `${outputOf(domain)}.js`));
  if (output === undefined) {
    throw new BuildError('BUILD_BUNDLE_FAILED', `esbuild produced no output for domain "${domain}"`, {
      details: { domain, outputs: result.outputFiles.map((f) => relative(rootDir, f.path)) },
    });
  }
  const metafile = entryMetafile(result.metafile, entry.entry, [...OUT_DIR, `${outputOf(domain)}.js`].join('/'));
  const rules = rulesOf(options, entry);
  const refused = metafileImportViolations(rootDir, rules, metafile);
  if (refused.length > 0) {
    const located = await locateRefusedImports(options, checkout, entry);
    throw importForbiddenError(domain, located.length > 0 ? located : refused);
  }
  // Every module esbuild read, whichever way it was reached (a relative import, a symlinked
  // folder, an absolute path): the plugins see only some of them, the metafile lists them all.
  const files = Object.keys(metafile.inputs).filter((input) => !isVirtualInput(input));
  const realpaths = realPathsInside(checkout, files, `a source of domain "${domain}"`);
  const linked = symlinkViolations(rules, realpaths);
  if (linked.length > 0) throw importForbiddenError(domain, linked);
  await checkDynamicLoading(rootDir, files, domain, TSCONFIG, loadingMemoOf(checkout), sourceDigestsOf(checkout));
  const external = runtimeImports(metafile);
  if (external.length > 0) {
    throw new BuildError(
      'BUILD_BUNDLE_FAILED',
      `domain "${domain}" imports at run time what the image does not contain: ${external.join(', ')}`,
      {
        details: { domain, imports: external },
      },
    );
  }
  return { domain, path: `${outputOf(domain)}.js`, bytes: output.contents, metafile };
}

/**
 * Bundle the security domains of one product, each into a single ESM file, with one esbuild build:
 * the modules they share are read and parsed once, and each output is the one a build of its
 * domain alone makes. Each domain is checked on its own part of the metafile. When the build
 * fails, each domain is bundled alone, so that the failure is reported as its domain's. Output
 * depends only on the checkout's content: paths relative to `rootDir`, no source maps, no
 * tsconfig lookup. The bundles come back in the order of `domains`.
 */
export async function bundleDomains(options: BundleOptions & { readonly domains: readonly DomainEntry[] }): Promise<DomainBundle[]> {
  const checkout = options.checkout ?? (await checkoutOf(options.rootDir));
  const { domains } = options;
  let result;
  try {
    const building = esbuild.build(await esbuildSettings(options, checkout, domains));
    options.onRequested?.();
    result = await building;
  } catch (cause) {
    const [first, ...others] = domains;
    if (first === undefined) throw cause;
    if (others.length > 0)
      await Promise.all(domains.map((entry) => bundleDomains({ ...options, checkout, domains: [entry], onRequested: undefined })));
    throw await bundleFailure(cause, options, checkout, first);
  }
  return Promise.all(domains.map((entry) => checkedBundle(options, checkout, entry, result)));
}

/** Bundle one security domain (see `bundleDomains`). */
export async function bundleDomain(options: BundleOptions & DomainEntry): Promise<DomainBundle> {
  const [bundle] = await bundleDomains({ ...options, domains: [{ domain: options.domain, entry: options.entry }] });
  if (bundle === undefined) throw new Error('internal: bundleDomains returned no bundle for one domain');
  return bundle;
}
