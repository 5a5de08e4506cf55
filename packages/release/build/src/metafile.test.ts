import type { Metafile } from 'esbuild';
import { describe, expect, it } from 'vitest';
import { entryMetafile } from './metafile.js';

type Imports = Metafile['inputs'][string]['imports'];

function input(...paths: string[]): { bytes: number; imports: Imports } {
  return {
    bytes: 1,
    imports: paths.map((path) => ({ path, kind: 'import-statement' as const, ...(path.startsWith('node:') ? { external: true } : {}) })),
  };
}

const OUTPUT = { bytes: 10, inputs: {}, imports: [], exports: [] };

describe('entryMetafile', () => {
  it('keeps the inputs reachable from the entry (shared ones, cycles and virtual ones too) and its output alone', () => {
    const metafile: Metafile = {
      inputs: {
        '<define:X>': input(),
        'src/shared.ts': input('<define:X>', 'src/util.ts'),
        'src/util.ts': input('src/shared.ts', 'node:fs'),
        'src/a/main.ts': input('src/shared.ts', 'src/a/only-a.ts'),
        'src/a/only-a.ts': input(),
        'src/b/main.ts': input('src/shared.ts', 'src/b/only-b.ts'),
        'src/b/only-b.ts': input('src/b/main.ts'),
      },
      outputs: { 'out/a/main.js': OUTPUT, 'out/b/main.js': { ...OUTPUT, bytes: 20 } },
    };
    const a = entryMetafile(metafile, 'src/a/main.ts', 'out/a/main.js');
    // In the metafile's order, whatever the order of the walk.
    expect(Object.keys(a.inputs)).toEqual(['<define:X>', 'src/shared.ts', 'src/util.ts', 'src/a/main.ts', 'src/a/only-a.ts']);
    expect(a.inputs['src/util.ts']).toBe(metafile.inputs['src/util.ts']);
    expect(a.outputs).toEqual({ 'out/a/main.js': OUTPUT });
    const b = entryMetafile(metafile, 'src/b/main.ts', 'out/b/main.js');
    expect(Object.keys(b.inputs)).toEqual(['<define:X>', 'src/shared.ts', 'src/util.ts', 'src/b/main.ts', 'src/b/only-b.ts']);
  });

  it('gives nothing for an entry the build did not read', () => {
    expect(entryMetafile({ inputs: { 'a.ts': input() }, outputs: {} }, 'b.ts', 'out/b.js')).toEqual({ inputs: {}, outputs: {} });
  });
});
