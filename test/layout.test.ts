// The layout rule (docs/decisions.md, "What moved where, and why"): packages/device/* is what a
// camera runs, packages/release/* what the release machine runs, packages/tools/* development aids.
// Release code may import device code, never the reverse; tsconfig references mirror dependencies.
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join, relative, resolve, sep } from 'node:path';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';
import { REPO } from './helpers.js';

interface Workspace {
  /** Relative to the repository, e.g. packages/device/core. */
  readonly dir: string;
  readonly group: 'device' | 'release' | 'tools';
  readonly name: string;
  readonly dependencies: Readonly<Record<string, string>>;
}

const GROUPS = ['device', 'release', 'tools'] as const;

function workspaces(): Workspace[] {
  return GROUPS.flatMap((group) =>
    readdirSync(join(REPO, 'packages', group), { withFileTypes: true })
      .filter((entry) => entry.isDirectory() && existsSync(join(REPO, 'packages', group, entry.name, 'package.json')))
      .map((entry) => {
        const dir = `packages/${group}/${entry.name}`;
        const manifest = JSON.parse(readFileSync(join(REPO, dir, 'package.json'), 'utf8')) as {
          name: string;
          dependencies?: Record<string, string>;
        };
        return { dir, group, name: manifest.name, dependencies: manifest.dependencies ?? {} };
      }),
  );
}

const isTestFile = (path: string): boolean => /\.(test|test-support)\.ts$/.test(path);

/** The shipped sources of a package: src/**\/*.ts without tests and their helpers. */
function sourcesOf(dir: string): string[] {
  const root = join(REPO, dir, 'src');
  return readdirSync(root, { recursive: true, encoding: 'utf8' })
    .filter((path) => path.endsWith('.ts') && !isTestFile(path))
    .map((path) => join(root, path));
}

/** Every module a file names: imports, re-exports, import types and import() with a literal. */
function specifiersOf(file: string): string[] {
  const source = ts.createSourceFile(file, readFileSync(file, 'utf8'), ts.ScriptTarget.Latest, true);
  const found: string[] = [];
  const visit = (node: ts.Node): void => {
    if ((ts.isImportDeclaration(node) || ts.isExportDeclaration(node)) && node.moduleSpecifier !== undefined) {
      if (ts.isStringLiteral(node.moduleSpecifier)) found.push(node.moduleSpecifier.text);
    } else if (ts.isCallExpression(node) && node.expression.kind === ts.SyntaxKind.ImportKeyword) {
      const [first] = node.arguments;
      if (first !== undefined && ts.isStringLiteralLike(first)) found.push(first.text);
    } else if (ts.isImportTypeNode(node) && ts.isLiteralTypeNode(node.argument) && ts.isStringLiteral(node.argument.literal)) {
      found.push(node.argument.literal.text);
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  return found;
}

/** The package a bare specifier names (`@fwkit/device-core/x` → `@fwkit/device-core`). */
function packageOf(specifier: string): string {
  const parts = specifier.split('/');
  return specifier.startsWith('@') ? parts.slice(0, 2).join('/') : (parts[0] ?? specifier);
}

const all = workspaces();
const byName = new Map(all.map((workspace) => [workspace.name, workspace]));

describe('package layout', () => {
  it('the folder list shows the device, release and tools parts', () => {
    expect(readdirSync(join(REPO, 'packages')).sort()).toEqual([...GROUPS]);
    for (const group of GROUPS) expect(all.some((workspace) => workspace.group === group)).toBe(true);
    // Package names say which part they belong to (the CLI keeps its name and the `fwkit` bin).
    for (const workspace of all.filter((w) => w.group !== 'tools' && w.name !== '@fwkit/cli')) {
      expect(workspace.name, workspace.dir).toMatch(new RegExp(`^@fwkit/${workspace.group}-`));
    }
  });

  it('device packages import no release or tools package, directly or through a relative path', () => {
    const offences: string[] = [];
    for (const workspace of all.filter((w) => w.group === 'device')) {
      const root = resolve(REPO, workspace.dir);
      for (const file of sourcesOf(workspace.dir)) {
        for (const specifier of specifiersOf(file)) {
          const where = `${relative(REPO, file)} → ${specifier}`;
          if (specifier.startsWith('.')) {
            const target = resolve(file, '..', specifier);
            if (!target.startsWith(root + sep)) offences.push(`${where} (leaves its package)`);
            continue;
          }
          const used = byName.get(packageOf(specifier));
          if (used !== undefined && used.group !== 'device') offences.push(`${where} (${used.dir})`);
        }
      }
    }
    expect(offences).toEqual([]);
  });

  it('device packages depend on no release or tools package, nor on one that does', () => {
    const offences: string[] = [];
    for (const workspace of all.filter((w) => w.group === 'device')) {
      // Through another package's index: every workspace package reachable from its dependencies.
      const seen = new Set<string>();
      const stack = Object.keys(workspace.dependencies);
      while (stack.length > 0) {
        const name = stack.pop();
        if (name === undefined || seen.has(name)) continue;
        seen.add(name);
        const used = byName.get(name);
        if (used === undefined) continue;
        if (used.group !== 'device') offences.push(`${workspace.name} → ${name} (${used.dir})`);
        stack.push(...Object.keys(used.dependencies));
      }
    }
    expect(offences).toEqual([]);
  });

  it('every workspace package a package imports is a dependency in its package.json', () => {
    const missing: string[] = [];
    for (const workspace of all) {
      for (const file of sourcesOf(workspace.dir)) {
        for (const specifier of specifiersOf(file)) {
          if (specifier.startsWith('.')) continue;
          const name = packageOf(specifier);
          if (name !== workspace.name && byName.has(name) && workspace.dependencies[name] === undefined) {
            missing.push(`${relative(REPO, file)} → ${name}`);
          }
        }
      }
    }
    expect(missing).toEqual([]);
  });

  it('tsconfig references match the workspace dependencies in package.json', () => {
    for (const workspace of all) {
      const tsconfig = JSON.parse(readFileSync(join(REPO, workspace.dir, 'tsconfig.json'), 'utf8')) as {
        references?: { path: string }[];
      };
      const referenced = (tsconfig.references ?? [])
        .map((reference) => relative(REPO, resolve(REPO, workspace.dir, reference.path)))
        .sort();
      const declared = Object.keys(workspace.dependencies)
        .flatMap((name) => {
          const used = byName.get(name);
          return used === undefined ? [] : [used.dir];
        })
        .sort();
      expect(referenced, workspace.dir).toEqual(declared);
    }
  });

  it('the root tsconfig.json and package.json workspaces list every package', () => {
    const root = JSON.parse(readFileSync(join(REPO, 'tsconfig.json'), 'utf8')) as { references: { path: string }[] };
    const manifest = JSON.parse(readFileSync(join(REPO, 'package.json'), 'utf8')) as { workspaces: string[] };
    const dirs = all.map((workspace) => workspace.dir).sort();
    expect(root.references.map((reference) => reference.path).sort()).toEqual(dirs);
    expect(manifest.workspaces.filter((path) => path.startsWith('packages/')).sort()).toEqual(dirs);
  });
});
