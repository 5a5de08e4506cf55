import { extname, join } from 'node:path';
import type { Node } from 'acorn';
import { INPUT_LIMITS, readInputFileSync, sha256Hex } from '@fwkit/device-core';
import { BuildError } from './errors.js';
import { esbuild } from './esbuild.js';

// The second half of the import hygiene (issue 11): esbuild reports only the imports it can
// resolve, so a computed import() or require(), or a way around the module system, would pass the
// import check unseen. This pass reads the syntax of every bundled module and refuses them.

/** The ways of loading code that the import check cannot see. */
export type LoadingForm =
  | 'computed import()'
  | 'computed require()'
  | 'process.getBuiltinModule'
  | 'process.binding'
  | 'process._linkedBinding'
  | 'process.dlopen'
  | 'createRequire'
  | 'eval'
  | 'Function';

export interface LoadingFinding {
  /** 1-based line and 0-based column in the module's source as written. */
  readonly line: number;
  readonly column: number;
  readonly form: LoadingForm;
}

export interface LoadingViolation extends LoadingFinding {
  /** Relative to the checkout root. */
  readonly file: string;
}

type AnyNode = Node & Record<string, unknown>;

const PROCESS_MEMBERS: ReadonlySet<string> = new Set(['getBuiltinModule', 'binding', '_linkedBinding', 'dlopen']);
const GLOBAL_OBJECTS: ReadonlySet<string> = new Set(['globalThis', 'global', 'self', 'window']);

function isNode(value: unknown): value is AnyNode {
  return typeof value === 'object' && value !== null && typeof (value as { type?: unknown }).type === 'string';
}

function isStaticString(node: unknown): boolean {
  if (!isNode(node)) return false;
  if (node.type === 'Literal') return typeof node['value'] === 'string';
  return node.type === 'TemplateLiteral' && Array.isArray(node['expressions']) && node['expressions'].length === 0;
}

/** `a.b` or `a['b']` → 'b'; anything else computed → undefined. */
function memberName(node: AnyNode): string | undefined {
  const property = node['property'];
  if (!isNode(property)) return undefined;
  if (node['computed'] !== true) return property.type === 'Identifier' ? (property['name'] as string) : undefined;
  return property.type === 'Literal' && typeof property['value'] === 'string' ? property['value'] : undefined;
}

function identifierName(node: unknown): string | undefined {
  return isNode(node) && node.type === 'Identifier' ? (node['name'] as string) : undefined;
}

/** `process`, `globalThis.process`, `global['process']` … */
function isProcess(node: unknown): boolean {
  if (identifierName(node) === 'process') return true;
  return (
    isNode(node) &&
    node.type === 'MemberExpression' &&
    memberName(node) === 'process' &&
    GLOBAL_OBJECTS.has(identifierName(node['object']) ?? '')
  );
}

/** `Function` or `globalThis.Function` … */
function isGlobal(node: unknown, name: string): boolean {
  if (identifierName(node) === name) return true;
  return (
    isNode(node) &&
    node.type === 'MemberExpression' &&
    memberName(node) === name &&
    GLOBAL_OBJECTS.has(identifierName(node['object']) ?? '')
  );
}

/** An identifier in a position where it names no variable: a property key or a non-computed member. */
function isPropertyName(node: AnyNode, parent: AnyNode | undefined): boolean {
  if (parent === undefined) return false;
  if (parent.type === 'MemberExpression') return parent['property'] === node && parent['computed'] !== true;
  if (parent.type === 'Property' || parent.type === 'MethodDefinition' || parent.type === 'PropertyDefinition') {
    return parent['key'] === node && parent['computed'] !== true;
  }
  return parent.type === 'LabeledStatement' || parent.type === 'BreakStatement' || parent.type === 'ContinueStatement';
}

/** The dynamic-loading forms in a parsed program (ESTree, with locations), in source order. */
export function findDynamicLoading(program: Node): LoadingFinding[] {
  const found: { node: Node; form: LoadingForm }[] = [];
  const visit = (node: AnyNode, parent: AnyNode | undefined): void => {
    switch (node.type) {
      case 'ImportExpression':
        if (!isStaticString(node['source'])) found.push({ node, form: 'computed import()' });
        break;
      case 'CallExpression':
      case 'NewExpression': {
        const callee = node['callee'];
        const args = node['arguments'] as unknown[];
        const isRequire =
          identifierName(callee) === 'require' ||
          (isNode(callee) &&
            callee.type === 'MemberExpression' &&
            identifierName(callee['object']) === 'module' &&
            memberName(callee) === 'require');
        if (node.type === 'CallExpression' && isRequire && !isStaticString(args[0])) found.push({ node, form: 'computed require()' });
        if (isGlobal(callee, 'Function')) found.push({ node, form: 'Function' });
        break;
      }
      case 'MemberExpression': {
        const name = memberName(node);
        if (name !== undefined && PROCESS_MEMBERS.has(name) && isProcess(node['object'])) {
          found.push({ node, form: `process.${name}` as LoadingForm });
        } else if (name === 'createRequire') {
          found.push({ node, form: 'createRequire' });
        } else if (name === 'eval' && GLOBAL_OBJECTS.has(identifierName(node['object']) ?? '')) {
          found.push({ node, form: 'eval' });
        }
        break;
      }
      case 'ImportSpecifier':
        if (identifierName(node['imported']) === 'createRequire') found.push({ node, form: 'createRequire' });
        break;
      case 'Property':
        // const { createRequire } = module
        if (parent?.type === 'ObjectPattern' && node['computed'] !== true && identifierName(node['key']) === 'createRequire') {
          found.push({ node, form: 'createRequire' });
        }
        break;
      case 'Identifier':
        // Direct or indirect: `eval(x)`, `(0, eval)(x)`, `const e = eval`.
        if (node['name'] === 'eval' && !isPropertyName(node, parent)) found.push({ node, form: 'eval' });
        break;
    }
    for (const key of Object.keys(node)) {
      if (key === 'loc' || key === 'type') continue;
      const value = node[key];
      if (Array.isArray(value)) {
        for (const item of value) if (isNode(item)) visit(item, node);
      } else if (isNode(value)) {
        visit(value, node);
      }
    }
  };
  visit(program as AnyNode, undefined);
  return found.map(({ node, form }) => ({ line: node.loc?.start.line ?? 0, column: node.loc?.start.column ?? 0, form }));
}

/** acorn, loaded on first use: most builds have no module that needs parsing. */
let acorn: Promise<typeof import('acorn')> | undefined;

async function parseProgram(code: string): Promise<Node> {
  const { parse } = await (acorn ??= import('acorn'));
  const options = { ecmaVersion: 'latest', locations: true, allowHashBang: true } as const;
  try {
    return parse(code, { ...options, sourceType: 'module' });
  } catch {
    // A CommonJS file may do what a module may not (a top-level return, `with` …).
    return parse(code, { ...options, sourceType: 'script', allowReturnOutsideFunction: true });
  }
}

const BASE64 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';

/** Source-map line of a generated position (1-based line, 0-based column): the last mapping at or before it. */
export function originalLine(mappings: string, line: number, column: number): number {
  let sourceLine = 0;
  let best: number | undefined;
  const lines = mappings.split(';');
  for (let l = 0; l < lines.length && l < line; l++) {
    let generatedColumn = 0;
    for (const segment of (lines[l] ?? '').split(',')) {
      if (segment === '') continue;
      const values: number[] = [];
      let value = 0;
      let shift = 0;
      for (const char of segment) {
        const digit = BASE64.indexOf(char);
        value += (digit & 31) << shift;
        if ((digit & 32) !== 0) {
          shift += 5;
          continue;
        }
        values.push((value & 1) === 1 ? -(value >>> 1) : value >>> 1);
        value = 0;
        shift = 0;
      }
      generatedColumn += values[0] ?? 0;
      sourceLine += values[2] ?? 0;
      // Every mapping before the position's line, and those on it up to its column.
      if (l < line - 1 || generatedColumn <= column || best === undefined) best = sourceLine;
    }
  }
  return (best ?? 0) + 1;
}

const TS_LOADERS: Readonly<Record<string, 'ts' | 'tsx' | 'jsx'>> = {
  '.ts': 'ts',
  '.mts': 'ts',
  '.cts': 'ts',
  '.tsx': 'tsx',
  '.jsx': 'jsx',
};
const JS_EXTENSIONS: ReadonlySet<string> = new Set(['.js', '.mjs', '.cjs']);

/**
 * A module whose text (its `\u` escapes decoded) matches none of these cannot hold a finding: every
 * form needs one of these names as written (`process.binding` needs `binding`; an identifier may
 * spell one with escapes, `ev\u0061l`, hence the decoding; a keyword cannot be escaped), or
 * `import` followed by `(` or a comment. Most modules do not match, and parsing cold is what costs
 * (acorn on the ~360 KB of the example's modules takes ~300 ms in a fresh process).
 */
const MAY_LOAD = /\b(?:require|eval|Function|getBuiltinModule|binding|_linkedBinding|dlopen|createRequire)\b|\bimport\s*[(/]/;
const ESCAPE = /\\u\{([0-9a-fA-F]{1,6})\}|\\u([0-9a-fA-F]{4})/g;

/** Whether a module may hold a dynamic-loading form (false: it cannot, and is not parsed). */
export function mayLoad(code: string): boolean {
  const text = code.includes('\\u')
    ? code.replace(ESCAPE, (escape, long: string | undefined, short: string | undefined) => {
        const point = parseInt(long ?? short ?? '', 16);
        return point <= 0x10ffff ? String.fromCodePoint(point) : escape;
      })
    : code;
  return MAY_LOAD.test(text);
}

/**
 * The dynamic-loading forms of one module's source. A module that may hold one goes through esbuild
 * first (the same settings as the bundle; TypeScript's types stripped), which drops its comments:
 * comments name these forms far more often than code uses them ("these require the /u flag",
 * `@type {import('./x.js')}`), and parsing is what costs (acorn validates every regular expression
 * literal; three such modules of the example took ~200 ms in a fresh process). The output is tested
 * again and parsed only if it still matches; each finding is mapped back to its line with the
 * source map.
 */
export async function scanModule(code: string, extension: string, tsconfigRaw: object): Promise<LoadingFinding[]> {
  if (!mayLoad(code)) return [];
  const loader = TS_LOADERS[extension] ?? 'js';
  // Every module scanned was bundled, so esbuild has read it once already.
  const js = await esbuild.transform(code, {
    loader,
    sourcemap: 'external',
    sourcesContent: false,
    minifyWhitespace: true,
    legalComments: 'none',
    tsconfigRaw,
    logLevel: 'silent',
  });
  if (!mayLoad(js.code)) return [];
  const mappings = (JSON.parse(js.map) as { mappings: string }).mappings;
  return findDynamicLoading(await parseProgram(js.code)).map((f) => ({ ...f, line: originalLine(mappings, f.line, f.column) }));
}

/** Findings per module, for the bundles of one build (its modules do not change while it runs). */
export type LoadingMemo = Map<string, Promise<LoadingFinding[]>>;

/**
 * Scan every bundled module (checkout-relative paths; data and style files are skipped) and fail
 * with BUILD_DYNAMIC_LOADING naming each file, line and form. `memo` is shared by the bundles of
 * one build: the domains and products share most modules, each is read and parsed once.
 * `digests`, when given, receives the SHA-256 of each file read (the SBOM's, by path).
 */
export async function checkDynamicLoading(
  rootDir: string,
  files: readonly string[],
  domain: string,
  tsconfigRaw: object,
  memo: LoadingMemo = new Map(),
  digests?: Map<string, string>,
): Promise<void> {
  const violations = (
    await Promise.all(
      files.map(async (file): Promise<LoadingViolation[]> => {
        const extension = extname(file);
        if (!JS_EXTENSIONS.has(extension) && TS_LOADERS[extension] === undefined) return [];
        let findings = memo.get(file);
        if (findings === undefined) {
          // Read synchronously (core's reader): dozens of small files, where each thread-pool round trip costs more than the read.
          findings = Promise.resolve().then(() => {
            const bytes = readInputFileSync(join(rootDir, file), file, INPUT_LIMITS.bundledSource);
            // The SBOM hashes every bundled file: from these bytes, so that each is read once per build.
            if (digests !== undefined && !digests.has(file)) digests.set(file, sha256Hex(bytes));
            return scanModule(bytes.toString('utf8'), extension, tsconfigRaw);
          });
          memo.set(file, findings);
          findings.catch(() => undefined); // awaited below, by each bundle that holds the module
        }
        let list: LoadingFinding[];
        try {
          list = await findings;
        } catch (cause) {
          throw new BuildError('BUILD_BUNDLE_FAILED', `cannot read the syntax of ${file} (domain "${domain}") to check how it loads code`, {
            cause,
            details: { domain, file },
          });
        }
        return list.map((f) => ({ file, ...f }));
      }),
    )
  ).flat();
  if (violations.length === 0) return;
  throw new BuildError(
    'BUILD_DYNAMIC_LOADING',
    `domain "${domain}" loads code in a way the import check cannot see:\n${violations.map((v) => `  - ${v.file}:${String(v.line)}: ${v.form}`).join('\n')}`,
    { details: { domain, violations } },
  );
}
