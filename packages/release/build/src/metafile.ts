import type { Metafile } from 'esbuild';

/**
 * One entry's part of the metafile of a build of several entries: the inputs reachable from
 * `entry` through the imports esbuild resolved — the modules a build of that entry alone reads,
 * virtual ones (`<define:…>`) included — and the entry's output. Pure.
 */
export function entryMetafile(metafile: Metafile, entry: string, output: string): Metafile {
  const reached = new Set<string>();
  const pending = [entry];
  for (let path = pending.pop(); path !== undefined; path = pending.pop()) {
    const input = metafile.inputs[path];
    if (input === undefined || reached.has(path)) continue;
    reached.add(path);
    for (const imported of input.imports) pending.push(imported.path);
  }
  const out = metafile.outputs[output];
  return {
    inputs: Object.fromEntries(Object.entries(metafile.inputs).filter(([path]) => reached.has(path))),
    outputs: out === undefined ? {} : { [output]: out },
  };
}
