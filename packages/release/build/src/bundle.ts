import { realpath } from 'node:fs/promises';
import { builtinModules } from 'node:module';
import { join, relative, sep } from 'node:path';
import { build, type BuildFailure, type BuildOptions, type Message, type Metafile, type Plugin } from 'esbuild';
import { isVirtualInput } from '@fwkit/release-sbom/attribute';
import type { PlatformImports } from '@fwkit/release-core';
import { BuildError } from './errors.js';
import {
  importForbiddenError,
  importRulesOf,
  importRulesPlugin,
  importViolations,
  metafileImportViolations,
  symlinkViolations,
  type ImportViolation,
} from './imports.js';
import { checkInsideCheckout, checkoutOf, isWithin, outsideError, outsideOf, type Checkout, type OutsideSource } from './inside.js';
import { LAYOUT } from './layout.js';
import { checkDynamicLoading, type LoadingFinding, type LoadingMemo } from './loading.js';

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
      b.onResolve({ filter: /^fwkit:drivers$/ }, async () => {
        const outside = await outsideOf(checkout, driversPath);
        return outside === undefined ? { path: driversPath } : outsideMessage(outside);
      });
    },
  };
}

/**
 * One name per module, independent of where the checkout is: a module whose real path is inside
 * the checkout is named by it (a workspace package reached through node_modules is not bundled
 * twice); one whose real path leaves the checkout (a symlinked node_modules or package) is refused.
 * Together with `preserveSymlinks`, no metafile path and no path comment in the output leaves the
 * checkout root.
 */
function checkoutPathsPlugin(checkout: Checkout): Plugin {
  const rootDir = checkout.root;
  return {
    name: 'fwkit-checkout-paths',
    setup(b) {
      // Only bare specifiers (packages): a relative import resolves next to its importer, whose
      // name this plugin has already fixed, so it needs no second look (and resolving every
      // import twice in JS would cost more than the bundling itself).
      b.onResolve({ filter: /^[^./]/ }, async (args) => {
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
          const real = await realpath(path);
          if (!isWithin(rootDir, real)) {
            const outside = await outsideOf(checkout, path);
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
  let memo = loadingMemos.get(checkout);
  if (memo === undefined) loadingMemos.set(checkout, (memo = new Map<string, Promise<LoadingFinding[]>>()));
  return memo;
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

/**
 * Bundle one security domain into a single ESM file with esbuild. Output depends only on the
 * checkout's content: paths are relative to `rootDir`, no source maps, no tsconfig lookup.
 */
export async function bundleDomain(options: {
  readonly rootDir: string;
  readonly domain: string;
  /** Entry relative to the checkout root. */
  readonly entry: string;
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
}): Promise<DomainBundle> {
  const { rootDir, domain } = options;
  const path = `${domain}/main.js`;
  const checkout = options.checkout ?? (await checkoutOf(rootDir));
  const rules = importRulesOf({
    imports: options.imports,
    domain,
    platformDir: LAYOUT.platformDir,
    entry: options.entry,
    productDir: options.productDir,
    productsDir: LAYOUT.productsDir,
  });
  const settings = {
    absWorkingDir: rootDir,
    entryPoints: [join(rootDir, options.entry)],
    // Names the output in the metafile; nothing is written (write: false).
    outfile: join(rootDir, 'out', '.bundle', path),
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
    plugins: [driversPlugin(checkout, join(rootDir, options.drivers)), checkoutPathsPlugin(checkout)],
  } satisfies BuildOptions;
  /**
   * The refused imports with their lines: the same bundle again, with the import rules checked at
   * each import (before any other plugin resolves it). Only a bundle that failed pays for this.
   */
  const locateRefusedImports = async (): Promise<ImportViolation[]> => {
    try {
      await build({ ...settings, plugins: [importRulesPlugin(rootDir, rules), ...settings.plugins] });
      return [];
    } catch (cause) {
      const errors = (cause as Partial<BuildFailure>).errors;
      return Array.isArray(errors) ? importViolations(errors) : [];
    }
  };
  let result;
  try {
    result = await build(settings);
  } catch (cause) {
    const failure = cause as Partial<BuildFailure>;
    const outside = Array.isArray(failure.errors) ? outsideDetails(failure.errors) : [];
    if (outside.length > 0) throw outsideError(outside, `a source of domain "${domain}"`);
    // A refused import may also be one esbuild cannot resolve: the rules speak first.
    const forbidden = await locateRefusedImports();
    if (forbidden.length > 0) throw importForbiddenError(domain, forbidden);
    const errors = Array.isArray(failure.errors) ? messages(failure.errors) : [{ text: String(cause) }];
    throw new BuildError(
      'BUILD_BUNDLE_FAILED',
      `esbuild failed for domain "${domain}":\n${errors.map((e) => `  - ${e.file === undefined ? '' : `${e.file}:${String(e.line)}: `}${e.text}`).join('\n')}`,
      { cause, details: { domain, errors } },
    );
  }
  const refused = metafileImportViolations(rootDir, rules, result.metafile);
  if (refused.length > 0) {
    const located = await locateRefusedImports();
    throw importForbiddenError(domain, located.length > 0 ? located : refused);
  }
  const [output, ...extra] = result.outputFiles;
  if (output === undefined || extra.length > 0) {
    throw new BuildError(
      'BUILD_BUNDLE_FAILED',
      `esbuild produced ${result.outputFiles.length} files for domain "${domain}", expected one`,
      {
        details: { domain, outputs: result.outputFiles.map((f) => relative(rootDir, f.path)) },
      },
    );
  }
  // Every module esbuild read, whichever way it was reached (a relative import, a symlinked
  // folder, an absolute path): the plugins see only some of them, the metafile lists them all.
  const files = Object.keys(result.metafile.inputs).filter((input) => !isVirtualInput(input));
  await checkInsideCheckout(checkout, files, `a source of domain "${domain}"`);
  // Every module's real path is known by now (the containment check resolved them).
  const realpaths = new Map(
    await Promise.all(
      files.map(async (file) => {
        const named = join(checkout.root, file);
        const real = await (checkout.realpaths.get(named) ?? realpath(named));
        return [file, relative(checkout.root, real).split(sep).join('/')] as const;
      }),
    ),
  );
  const linked = symlinkViolations(rules, realpaths);
  if (linked.length > 0) throw importForbiddenError(domain, linked);
  await checkDynamicLoading(rootDir, files, domain, TSCONFIG, loadingMemoOf(checkout));
  const external = runtimeImports(result.metafile);
  if (external.length > 0) {
    throw new BuildError(
      'BUILD_BUNDLE_FAILED',
      `domain "${domain}" imports at run time what the image does not contain: ${external.join(', ')}`,
      {
        details: { domain, imports: external },
      },
    );
  }
  return { domain, path, bytes: output.contents, metafile: result.metafile };
}
