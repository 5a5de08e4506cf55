import { describe, expect, it } from 'vitest';
import { mutateJson } from './json-mutate.js';
import { utf8, type MutationContext } from './mutate.js';
import { Rng } from './rng.js';

const context = (seed: number): MutationContext => ({ rng: new Rng(seed), corpus: [], dictionary: [], maxBytes: 48 * 1024, shape: 'json' });

describe('JSON-aware mutation', () => {
  // CI once aborted: a mutation nested a value 10,000 deep, the input stayed in the corpus, and
  // indenting it again asked V8 for a string of hundreds of megabytes in the fuzz worker.
  it('leaves a document deeper than any reader accepts to the byte mutators', () => {
    const deep = utf8(`{"a":${'['.repeat(10_000)}1${']'.repeat(10_000)}}`);
    for (let seed = 1; seed <= 50; seed++) expect(mutateJson(deep, context(seed))).toBeUndefined();
  });

  it('still changes documents of ordinary depth', () => {
    const doc = utf8(JSON.stringify({ schemaVersion: 1, models: [{ id: 'cam-a', hw: ['1.0.0'] }] }));
    const outputs = new Set<string>();
    for (let seed = 1; seed <= 50; seed++) {
      const out = mutateJson(doc, context(seed));
      if (out !== undefined) outputs.add(Buffer.from(out).toString('hex'));
    }
    expect(outputs.size).toBeGreaterThan(10);
  });
});
