import { builtinModules } from 'node:module';
import { dirname, isAbsolute, posix, relative, sep } from 'node:path';
import type { Message, Metafile, Plugin } from 'esbuild';
import { isVirtualInput } from '@fwkit/release-sbom/attribute';
import type { PlatformImports } from '@fwkit/release-core';
import { BuildError } from './errors.js';

// Build-time import hygiene (issue 11): every import of a domain bundle, checked against the
// allow-lists of platform.json `imports`. Hygiene, not the boundary: the operating system isolates
// the domains at run time. The rules are pure (paths and names only); a build's metafile feeds them (and, to
// locate a refused import, a plugin).

/** What one domain's bundle may import; every path is relative to the checkout root, with `/`. */
export interface ImportRules {
  readonly domain: string;
  /** The platform folder (`platform`): nothing outside the domain's own folder and the shared modules. */
  readonly platformDir: string;
  /** The folder of the domain's entry (`platform/src/core`): its own files. */
  readonly ownDir: string;
  /** Shared platform modules: a file (any extension), or a folder when it ends in `/`. */
  readonly shared: readonly string[];
  /** Whether the domain may import `fwkit:drivers`. */
  readonly drivers: boolean;
  /** The folder of the product being built (`products/ptz-4k`): the drivers' own files. */
  readonly productDir: string;
  /** Every product folder's parent (`products`): no package reaches into it. */
  readonly productsDir: string;
  readonly packages: ReadonlySet<string>;
  /** Built-in module names without `node:`; `fs` also allows `fs/promises`. */
  readonly builtins: ReadonlySet<string>;
}

/** One refused import: where it is written, what it names and the rule it breaks. */
export interface ImportViolation {
  readonly file: string;
  readonly line: number;
  readonly column: number;
  readonly module: string;
  readonly rule: string;
}

/** Module id under which platform code imports the product's drivers. */
export const DRIVERS_MODULE = 'fwkit:drivers';
const BUILTINS = new Set(builtinModules);
const SCRIPT_EXTENSION = /\.(?:[cm]?[jt]s|[jt]sx|json)$/;

function within(path: string, dir: string): boolean {
  return path === dir || path.startsWith(`${dir}/`);
}

/** The rules of one domain, from platform.json's `imports` and the domain's entry. */
export function importRulesOf(options: {
  /** platform.json `imports`; absent, a domain may import only its own folder. */
  readonly imports: PlatformImports | undefined;
  readonly domain: string;
  readonly platformDir: string;
  /** The domain's entry, relative to the checkout root. */
  readonly entry: string;
  readonly productDir: string;
  readonly productsDir: string;
}): ImportRules {
  const { shared, domains } = options.imports ?? { shared: [], domains: {} };
  const own = Object.hasOwn(domains, options.domain) ? domains[options.domain] : undefined;
  return {
    domain: options.domain,
    platformDir: options.platformDir,
    ownDir: dirname(options.entry),
    shared: shared.map((p) => `${options.platformDir}/${p}`),
    drivers: own?.drivers ?? false,
    productDir: options.productDir,
    productsDir: options.productsDir,
    packages: new Set(own?.packages ?? []),
    builtins: new Set((own?.builtins ?? []).map((b) => b.slice('node:'.length))),
  };
}

function isShared(rules: ImportRules, target: string): boolean {
  const stem = target.replace(SCRIPT_EXTENSION, '');
  return rules.shared.some((entry) =>
    entry.endsWith('/') ? within(target, entry.slice(0, -1)) : stem === entry.replace(SCRIPT_EXTENSION, ''),
  );
}

/** `@scope/name/sub` → `@scope/name`; `name/sub` → `name`. */
function packageName(specifier: string): string {
  const parts = specifier.split('/');
  return (specifier.startsWith('@') ? parts.slice(0, 2) : parts.slice(0, 1)).join('/');
}

/**
 * The rule an import breaks, or undefined when the domain may make it. `importer` and `target`
 * (the module a relative or absolute specifier names, before extension lookup) are relative to
 * the checkout root; `target` is undefined for a bare specifier.
 */
export function brokenImportRule(rules: ImportRules, specifier: string, importer: string, target: string | undefined): string | undefined {
  const d = `imports.domains.${rules.domain}`;
  if (specifier === DRIVERS_MODULE) {
    return rules.drivers ? undefined : `only a domain with ${d}.drivers true may import the product drivers`;
  }
  const builtin = specifier.startsWith('node:') ? specifier.slice('node:'.length) : BUILTINS.has(specifier) ? specifier : undefined;
  if (builtin !== undefined) {
    const top = builtin.split('/')[0] ?? builtin;
    return rules.builtins.has(builtin) || rules.builtins.has(top) ? undefined : `${d}.builtins does not list node:${top}`;
  }
  const fromPlatform = within(importer, rules.platformDir);
  const fromDrivers = within(importer, rules.productDir);
  if (target === undefined) {
    // A `#name` import is mapped by the importer's package.json: a package's own affair, but
    // platform and product code name their modules by path.
    if (specifier.startsWith('#')) {
      return fromPlatform || fromDrivers
        ? 'platform and product code import by path or package name, not through a # import map'
        : undefined;
    }
    const name = packageName(specifier);
    return rules.packages.has(name) ? undefined : `${d}.packages does not list ${name}`;
  }
  // Outside the checkout: refused by the containment check, with its own code (BUILD_SOURCE_OUTSIDE_REPO).
  if (target === '..' || target.startsWith('../')) return undefined;
  if (fromPlatform) {
    if (within(target, rules.ownDir) || isShared(rules, target)) return undefined;
    return `domain ${rules.domain} may import only its own folder ${rules.ownDir}/, the shared modules of imports.shared and, by name, its packages and built-ins`;
  }
  if (fromDrivers) {
    if (within(target, rules.productDir) || isShared(rules, target)) return undefined;
    return `the drivers may import only their product folder ${rules.productDir}/, the shared modules of imports.shared and, by name, the packages and built-ins of ${d}`;
  }
  // Inside a package: its own files. Platform and product source are reached through their rules only.
  if (within(target, rules.platformDir) || within(target, rules.productsDir)) {
    return `a package may not reach platform or product source (${target})`;
  }
  return undefined;
}

function checkoutRelative(rootDir: string, path: string): string {
  return relative(rootDir, path).split(sep).join('/');
}

/**
 * Imports are judged by the paths they name, and esbuild keeps those names (preserveSymlinks). A
 * platform or product module whose real path is elsewhere in the checkout — a symlink from one
 * domain's folder into another's — is held to the rule an import of its real path would break.
 * `realpaths` gives each bundled module's real path relative to the checkout root.
 */
export function symlinkViolations(rules: ImportRules, realpaths: ReadonlyMap<string, string>): ImportViolation[] {
  const out: ImportViolation[] = [];
  for (const [named, real] of realpaths) {
    if (real === named || real.startsWith('../')) continue;
    if (!within(named, rules.platformDir) && !within(named, rules.productDir)) continue;
    const rule = brokenImportRule(rules, `./${real}`, named, real);
    if (rule !== undefined) out.push({ file: named, line: 0, column: 0, module: real, rule: `${named} is a link to ${real}: ${rule}` });
  }
  return out;
}

const IMPORT_DETAIL = 'fwkitImport';

/**
 * Relative imports joined so far, by importer and specifier (text only, so the same in any
 * checkout): every domain of every product checks most of the same imports, the joins cost
 * ~10 ms of a build. Bounded, for a process that builds many checkouts.
 */
const joinedTargets = new Map<string, string>();
const MAX_JOINED_TARGETS = 50_000;

/**
 * The module a relative or absolute specifier written in `importer` names, relative to the
 * checkout root like `importer`; undefined for a bare specifier. A relative one is joined as text:
 * `path.relative` would resolve both paths again for each of the thousands of imports a build
 * checks (~14 ms of the example's). Beyond the root, the two could differ in how many `../` they
 * show; every such target is outside the checkout either way (refused by the containment check).
 */
function targetOf(rootDir: string, specifier: string, importer: string): string | undefined {
  if (isAbsolute(specifier)) return checkoutRelative(rootDir, specifier);
  if (!specifier.startsWith('.')) return undefined;
  const key = `${importer}\n${specifier}`;
  let target = joinedTargets.get(key);
  if (target === undefined) {
    // In path.relative's form: no trailing `/` (`./dir/`), and the root itself as ''.
    const joined = posix.join(posix.dirname(importer), specifier).replace(/(.)\/$/, '$1');
    target = joined === '.' ? '' : joined;
    if (joinedTargets.size >= MAX_JOINED_TARGETS) joinedTargets.clear();
    joinedTargets.set(key, target);
  }
  return target;
}

/** The rule an import of `specifier`, written in `importer` (checkout-relative), breaks. */
function brokenImport(rootDir: string, rules: ImportRules, specifier: string, importer: string): string | undefined {
  return brokenImportRule(rules, specifier, importer, targetOf(rootDir, specifier, importer));
}

/**
 * Checks every import esbuild resolves for one domain; a refused import fails the build at its
 * line. It costs a round trip to this process per import, so a build checks its metafile instead
 * (`metafileImportViolations`) and bundles with this plugin only to say where a refused import is.
 */
export function importRulesPlugin(rootDir: string, rules: ImportRules): Plugin {
  return {
    name: 'fwkit-import-rules',
    setup(b) {
      b.onResolve({ filter: /.*/ }, (args) => {
        if (args.kind === 'entry-point') return undefined;
        const rule = brokenImport(rootDir, rules, args.path, checkoutRelative(rootDir, args.importer));
        if (rule === undefined) return undefined;
        const module = args.path;
        return { errors: [{ text: `import of ${module} refused: ${rule}`, detail: { [IMPORT_DETAIL]: { module, rule } } }] };
      });
    },
  };
}

/**
 * The refused imports of a bundle, from its metafile: every import esbuild resolved, as written
 * (`original`) and by the module that wrote it (named as esbuild named it, so relative to the
 * checkout root). The metafile keeps no line: each is reported at line 0.
 */
export function metafileImportViolations(rootDir: string, rules: ImportRules, metafile: Metafile): ImportViolation[] {
  const out: ImportViolation[] = [];
  for (const [importer, input] of Object.entries(metafile.inputs)) {
    if (isVirtualInput(importer)) continue;
    for (const imported of input.imports) {
      if (isVirtualInput(imported.path)) continue;
      const module = imported.original ?? imported.path;
      const rule = brokenImport(rootDir, rules, module, importer);
      if (rule !== undefined) out.push({ file: importer, line: 0, column: 0, module, rule });
    }
  }
  return out;
}

/** The import violations among esbuild's errors (the plugin's, with esbuild's location of each import). */
export function importViolations(errors: readonly Message[]): ImportViolation[] {
  return errors.flatMap((e) => {
    const detail: unknown = e.detail;
    if (typeof detail !== 'object' || detail === null || !(IMPORT_DETAIL in detail)) return [];
    const { module, rule } = (detail as Record<typeof IMPORT_DETAIL, { module: string; rule: string }>)[IMPORT_DETAIL];
    const at = e.location;
    return [{ file: at?.file ?? '', line: at?.line ?? 0, column: at?.column ?? 0, module, rule }];
  });
}

export function importForbiddenError(domain: string, violations: readonly ImportViolation[]): BuildError {
  return new BuildError(
    'BUILD_IMPORT_FORBIDDEN',
    `domain "${domain}" imports what platform.json does not allow it:\n${violations.map((v) => `  - ${v.file}:${String(v.line)}: ${v.module}: ${v.rule}`).join('\n')}`,
    { details: { domain, violations } },
  );
}
