import { mkdir, readdir, readFile, symlink, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { inspectImage } from '@fwkit/release-image';
import { copyCheckout, EPOCH, FIXTURE, signers, trust, useTempDirs } from './fixture.test-support.js';
import { buildProductImage, BuildError } from './index.js';

// Build-time import hygiene (issue 11): real esbuild builds of the fixture checkout, each given one
// import or one way of loading code that platform.json does not allow.

const tempDir = useTempDirs();

interface Violation {
  readonly file: string;
  readonly line: number;
  readonly module?: string;
  readonly rule?: string;
  readonly form?: string;
}

type Imports = { shared?: string[]; domains?: Record<string, { drivers?: boolean; packages?: string[]; builtins?: string[] }> };

const XML_PACKAGES = [
  '@nodable/entities',
  'anynum',
  'fast-xml-builder',
  'fast-xml-parser',
  'is-unsafe',
  'path-expression-matcher',
  'strnum',
  'xml-naming',
];

/** A fixture checkout with `files` written (relative to its root) and platform.json `imports` edited. */
async function checkout(files: Record<string, string>, edit?: (imports: Imports) => void): Promise<string> {
  const root = await copyCheckout(await tempDir('fwkit-hygiene-'));
  for (const [path, text] of Object.entries(files)) {
    await mkdir(dirname(join(root, path)), { recursive: true });
    await writeFile(join(root, path), text);
  }
  if (edit !== undefined) {
    const file = join(root, 'platform/platform.json');
    const doc = JSON.parse(await readFile(file, 'utf8')) as { imports: Imports };
    edit(doc.imports);
    await writeFile(file, JSON.stringify(doc));
  }
  return root;
}

async function build(root: string, model = 'cam-one') {
  const out = await tempDir('fwkit-hygiene-out-');
  return { out, result: await buildProductImage({ repoRoot: root, outDir: out, sourceDateEpoch: EPOCH, keys: { signers, trust }, model }) };
}

/** Builds `root` expecting `code`; nothing is written. Returns the error's domain and violations. */
async function refused(root: string, code: string, model = 'cam-one'): Promise<{ domain: unknown; violations: Violation[] }> {
  const out = await tempDir('fwkit-hygiene-out-');
  const error = await buildProductImage({ repoRoot: root, outDir: out, sourceDateEpoch: EPOCH, keys: { signers, trust }, model }).then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(BuildError);
  expect((error as BuildError).code, (error as Error).message).toBe(code);
  expect(await readdir(out)).toEqual([]);
  const details = (error as BuildError).details ?? {};
  return { domain: details['domain'], violations: details['violations'] as Violation[] };
}

const PROTOCOL = 'platform/src/protocol/main.ts';
/** The fixture's module at `path` with `prefix` in front. */
const fixtureWith = async (prefix: string, path = PROTOCOL) => prefix + (await readFile(join(FIXTURE, path), 'utf8'));
const protocolWith = (prefix: string) => fixtureWith(prefix);

describe('import check: what each domain may import (platform.json imports)', () => {
  it('builds the fixture, with its own folder, the shared modules, and the packages and built-ins granted', async () => {
    const root = await checkout(
      {
        'platform/src/ipc/contract.ts':
          "import { format } from 'node:util';\nexport const kind = (t: string): string => format('ipc:%s', t);\n",
        'platform/src/errors.ts': "export class PlatformError extends Error {\n  override readonly name = 'PlatformError';\n}\n",
        'platform/src/protocol/extra.ts':
          "import { readFileSync } from 'node:fs';\nexport const read = (p: string): string => readFileSync(p, 'utf8');\n",
        [PROTOCOL]: await protocolWith(
          "import { kind } from '../ipc/contract.js';\nimport { PlatformError } from '../errors.js';\nimport { read } from './extra.js';\nimport { readFile } from 'fs/promises';\nexport const used = [kind, PlatformError, read, readFile];\n",
        ),
      },
      (imports) => {
        imports.shared = ['src/ipc/', 'src/errors.ts'];
        imports.domains = { ...imports.domains, protocol: { packages: XML_PACKAGES, builtins: ['node:util', 'node:fs'] } };
      },
    );
    const { result } = await build(root);
    const image = await readFile(result.imagePath);
    const inspected = await inspectImage(Readable.from([image]) as AsyncIterable<Uint8Array>);
    expect(inspected.entries.map((e) => e.name)).toContain('payload/protocol/main.js');
  });

  it('refuses a cross-domain import: protocol importing a file of core, naming file, line, module and rule', async () => {
    const root = await checkout({
      [PROTOCOL]: await protocolWith(
        "import type { Reading } from '../core/describe.js';\nimport { describe } from '../core/describe.js';\nexport { describe };\nexport type { Reading };\n",
      ),
    });
    const { domain, violations } = await refused(root, 'BUILD_IMPORT_FORBIDDEN');
    expect(domain).toBe('protocol');
    // The type-only import (line 1) is erased before resolution; the value import is not.
    expect(violations).toEqual([
      expect.objectContaining({
        file: PROTOCOL,
        line: 2,
        module: '../core/describe.js',
        rule: expect.stringContaining('own folder platform/src/protocol/') as unknown,
      }),
    ]);
  });

  it("refuses a symlink in protocol's folder to a file of core", async () => {
    const root = await checkout({ [PROTOCOL]: await protocolWith("import { describe } from './alias.js';\nexport { describe };\n") });
    await symlink('../core/describe.ts', join(root, 'platform/src/protocol/alias.ts'));
    const { violations } = await refused(root, 'BUILD_IMPORT_FORBIDDEN');
    expect(violations).toEqual([
      expect.objectContaining({
        file: 'platform/src/protocol/alias.ts',
        module: 'platform/src/core/describe.ts',
        rule: expect.stringContaining('is a link to') as unknown,
      }),
    ]);
  });

  it('refuses a shared module the platform does not list', async () => {
    const root = await checkout({
      'platform/src/util.ts': 'export const one = 1;\n',
      [PROTOCOL]: await protocolWith("import { one } from '../util.js';\nexport { one };\n"),
    });
    const { violations } = await refused(root, 'BUILD_IMPORT_FORBIDDEN');
    expect(violations).toEqual([expect.objectContaining({ file: PROTOCOL, line: 1, module: '../util.js' })]);
  });

  it.each([
    ['node:child_process', 'node:child_process'],
    ['child_process', 'node:child_process'],
    ['node:fs/promises', 'node:fs'],
  ])('refuses a built-in the domain is not granted: %s', async (module, granted) => {
    const root = await checkout({ [PROTOCOL]: await protocolWith(`// a comment first\nimport * as m from '${module}';\nexport { m };\n`) });
    const { domain, violations } = await refused(root, 'BUILD_IMPORT_FORBIDDEN');
    expect(domain).toBe('protocol');
    expect(violations).toEqual([
      { file: PROTOCOL, line: 2, column: 19, module, rule: `imports.domains.protocol.builtins does not list ${granted}` },
    ]);
  });

  it('refuses an npm package another domain is granted (core importing fast-xml-parser)', async () => {
    const core = 'platform/src/core/main.ts';
    const root = await checkout({
      [core]: `${await fixtureWith("import { XMLParser } from 'fast-xml-parser';\n", core)}export const parser = XMLParser;\n`,
    });
    const { domain, violations } = await refused(root, 'BUILD_IMPORT_FORBIDDEN');
    expect(domain).toBe('core');
    expect(violations).toEqual([
      expect.objectContaining({
        file: core,
        line: 1,
        module: 'fast-xml-parser',
        rule: 'imports.domains.core.packages does not list fast-xml-parser',
      }),
    ]);
  });

  it("refuses a package that a granted package imports, when the domain's list leaves it out", async () => {
    const root = await checkout({}, (imports) => {
      imports.domains = { ...imports.domains, protocol: { packages: XML_PACKAGES.filter((p) => p !== 'strnum') } };
    });
    const { violations } = await refused(root, 'BUILD_IMPORT_FORBIDDEN');
    expect(violations.length).toBeGreaterThan(0);
    for (const v of violations) {
      expect(v).toMatchObject({ module: 'strnum', rule: 'imports.domains.protocol.packages does not list strnum' });
      expect(v.file).toMatch(/^node_modules\/fast-xml-parser\//);
      expect(v.line).toBeGreaterThan(0);
    }
  });

  it('refuses fwkit:drivers in a domain without drivers true', async () => {
    const root = await checkout({ [PROTOCOL]: await protocolWith("import drivers from 'fwkit:drivers';\nexport { drivers };\n") });
    const { violations } = await refused(root, 'BUILD_IMPORT_FORBIDDEN');
    expect(violations).toEqual([expect.objectContaining({ file: PROTOCOL, line: 1, module: 'fwkit:drivers' })]);
  });

  it.each([
    ["import { spawn } from 'node:child_process';", 'node:child_process', 'imports.domains.core.builtins does not list node:child_process'],
    ["import { XMLParser } from 'fast-xml-parser';", 'fast-xml-parser', 'imports.domains.core.packages does not list fast-xml-parser'],
    [
      "import { handle } from '../../../platform/src/protocol/main.js';",
      '../../../platform/src/protocol/main.js',
      'the drivers may import only',
    ],
    ["import { clamp } from '../../cam-two/src/clamp.js';", '../../cam-two/src/clamp.js', 'the drivers may import only'],
  ])('holds the product drivers to the rules of core: %s', async (line, module, rule) => {
    const drivers = 'products/cam-one/src/drivers.ts';
    const root = await checkout({
      [drivers]: `${line}\nconst drivers = { sensor: 'IMX-ONE', read: (): number => 21 };\nexport default drivers;\nexport const x = [${line.split(' ')[2] ?? ''}];\n`,
    });
    const { domain, violations } = await refused(root, 'BUILD_IMPORT_FORBIDDEN');
    expect(domain).toBe('core');
    expect(violations).toEqual([
      expect.objectContaining({ file: drivers, line: 1, module, rule: expect.stringContaining(rule) as unknown }),
    ]);
  });

  it('lets the drivers import their own product folder (cam-two), and nothing else of another product', async () => {
    const root = await checkout({});
    await build(root, 'cam-two');
  });
});

describe('dynamic-loading check: what the import check cannot see', () => {
  // Each form sits on line 4 of protocol/main.ts, after TypeScript-only syntax that the
  // transform removes, so the reported line is the source's, not the transformed code's.
  const HEADER = 'interface Shape {\n  readonly name: string;\n}\n';
  it.each([
    ['export const load = (name: string): Promise<unknown> => import(name);', 'computed import()'],
    ['export const load = (name: string): Promise<unknown> => import(`./${name}.js`);', 'computed import()'],
    [
      'declare const require: (id: string) => unknown;\nexport const load = (name: string): unknown => require(name);',
      'computed require()',
      5,
    ],
    ['export const load = (name: string): unknown => process.getBuiltinModule(name);', 'process.getBuiltinModule'],
    ["export const load = (): unknown => (process as unknown as { binding(n: string): unknown }).binding('fs');", 'process.binding'],
    [
      "export const load = (): unknown => (globalThis.process as unknown as Record<string, (n: string) => unknown>)['binding']?.('fs');",
      'process.binding',
    ],
    ["import module from 'node:module';\nexport const r = module.createRequire(import.meta.url);", 'createRequire', 5, ['node:module']],
    ["import { createRequire } from 'node:module';\nexport const r = createRequire;", 'createRequire', 4, ['node:module']],
    ['export const run = (code: string): unknown => eval(code);', 'eval'],
    ['export const run = (code: string): unknown => (0, eval)(code);', 'eval'],
    ['export const run = (code: string): unknown => globalThis.eval(code);', 'eval'],
    ['export const make = (code: string): unknown => new Function(code);', 'Function'],
    ['export const make = (code: string): unknown => Function(code);', 'Function'],
  ] as [string, string, number?, string[]?][])('refuses %s', async (code, form, line = 4, builtins = []) => {
    const root = await checkout({ [PROTOCOL]: `${HEADER}${code}\nexport const shape: Shape = { name: 'x' };\n` }, (imports) => {
      imports.domains = { ...imports.domains, protocol: { packages: XML_PACKAGES, builtins } };
    });
    const { domain, violations } = await refused(root, 'BUILD_DYNAMIC_LOADING');
    expect(domain).toBe('protocol');
    expect(violations).toEqual([expect.objectContaining({ file: PROTOCOL, line, form })]);
  });

  it('reads package code too: a computed require() in a granted npm package', async () => {
    const root = await checkout(
      {
        'node_modules/loader-pkg/package.json': JSON.stringify({ name: 'loader-pkg', version: '1.0.0', main: 'index.js' }),
        'node_modules/loader-pkg/index.js':
          "'use strict';\n// loads whatever it is told\nmodule.exports = function load(name) { return require(name); };\n",
        [PROTOCOL]: await protocolWith("import load from 'loader-pkg';\nexport { load };\n"),
      },
      (imports) => {
        imports.domains = { ...imports.domains, protocol: { packages: [...XML_PACKAGES, 'loader-pkg'] } };
      },
    );
    const { violations } = await refused(root, 'BUILD_DYNAMIC_LOADING');
    expect(violations).toEqual([
      expect.objectContaining({ file: 'node_modules/loader-pkg/index.js', line: 3, form: 'computed require()' }),
    ]);
  });

  it('accepts static loading and look-alike names', async () => {
    const root = await checkout({
      'platform/src/protocol/lazy.ts': 'export const lazy = 1;\n',
      [PROTOCOL]: await protocolWith(
        [
          "export const a = (): Promise<unknown> => import('./lazy.js');",
          'export const b = (): Promise<unknown> => import(`./lazy.js`);',
          'export const c = { eval: 1, binding: 2, getBuiltinModule: 3, Function: 4 };',
          'export const d = c.eval + c.binding + c.getBuiltinModule + c.Function;',
          'export const f = (x: { require(id: string): unknown }, id: string): unknown => x.require(id);',
          'export const e = (x: unknown): boolean => x instanceof Function;',
          '',
        ].join('\n'),
      ),
    });
    await build(root);
  });
});
