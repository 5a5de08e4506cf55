import { describe, expect, it } from 'vitest';
import { mayLoad, scanModule } from './loading.js';

// The syntax pass on its own, module by module (hygiene.test.ts runs it inside real builds).

const TS = { compilerOptions: { verbatimModuleSyntax: true } };

describe('scanModule', () => {
  it('finds each form at its line, in JavaScript as written', async () => {
    const code = [
      "'use strict';",
      'const a = require(name);',
      'const b = import(name);',
      'const c = process.getBuiltinModule(name);',
      "const d = globalThis.process['binding']('fs');",
      'const e = process.dlopen;',
      'const f = require("node:module").createRequire(url);',
      'const g = (0, eval)(code);',
      'const h = new globalThis.Function(code);',
      'const i = ev\\u0061l(code);',
      'const { createRequire } = m;',
    ].join('\n');
    expect((await scanModule(code, '.js', TS)).map((f) => [f.line, f.form])).toEqual([
      [2, 'computed require()'],
      [3, 'computed import()'],
      [4, 'process.getBuiltinModule'],
      [5, 'process.binding'],
      [6, 'process.dlopen'],
      [7, 'createRequire'],
      [8, 'eval'],
      [9, 'Function'],
      [10, 'eval'],
      [11, 'createRequire'],
    ]);
  });

  it('maps TypeScript findings back to their source lines through the transform', async () => {
    const code = [
      'enum Mode {',
      '  A,',
      '  B,',
      '}',
      'interface Big {',
      '  readonly a: string;',
      '}',
      'export class K {',
      '  constructor(readonly mode: Mode) {}',
      '  run(x: Big): unknown {',
      '    return eval(x.a);',
      '  }',
      '}',
      'export const load = (n: string): Promise<unknown> => import(n);',
    ].join('\n');
    expect((await scanModule(code, '.ts', TS)).map((f) => [f.line, f.form])).toEqual([
      [11, 'eval'],
      [14, 'computed import()'],
    ]);
  });

  it('accepts static specifiers and look-alike names, and skips parsing modules that cannot match', async () => {
    const code = "import('./a.js'); require('node:fs'); import(`./b.js`); x.eval(); o.binding(); f instanceof Function; const eval2 = 1;";
    expect(await scanModule(code, '.js', TS)).toEqual([]);
    expect(mayLoad('export const a = process.env.HOME;\nimport x from "y";')).toBe(false);
    expect(mayLoad('const s = "\\u0041"; ev\\u{61}l(s);')).toBe(true);
    expect(mayLoad('import /* c */ (x)')).toBe(true);
  });

  it('does not take comments that name a form for code, and still finds the code beside them', async () => {
    const comments = [
      '// These require the /u flag; see eval() and new Function() in the docs.',
      "/** @type {import('./expression.js').default[]} */",
      'export const list = [];',
      '/*! legal: process.binding is not used */',
    ];
    expect(mayLoad(comments.join('\n'))).toBe(true);
    expect(await scanModule(comments.join('\n'), '.js', TS)).toEqual([]);
    const withCode = [...comments, 'export const load = (name) => import(name); // import(name)'].join('\n');
    expect((await scanModule(withCode, '.js', TS)).map((f) => [f.line, f.form])).toEqual([[5, 'computed import()']]);
  });
});
