import { describe, expect, it } from 'vitest';
import { isCi, progressMode, stepLabeller, terminalLine } from './progress.js';

describe('progress', () => {
  it('takes CI=false, CI=0 and an empty CI for "not CI"; any other value is CI', () => {
    for (const value of [undefined, '', '0', 'false', 'FALSE', ' false ']) expect(isCi({ CI: value }), String(value)).toBe(false);
    for (const value of ['true', '1', 'yes', 'github']) expect(isCi({ CI: value }), value).toBe(true);
  });

  it('renders on a terminal only outside CI (and not on a dumb terminal); plain lines anywhere else', () => {
    expect(progressMode(true, {})).toBe('terminal');
    expect(progressMode(true, { CI: 'false' })).toBe('terminal');
    expect(progressMode(true, { CI: 'true' })).toBe('lines');
    expect(progressMode(true, { TERM: 'dumb' })).toBe('lines');
    expect(progressMode(false, {})).toBe('lines');
  });

  it('numbers products in the order given, or as they first report when the total is unknown', () => {
    const known = stepLabeller(['a', 'b', 'c']);
    expect([known('b', 'load'), known('a', 'sign'), known('release', 'publish')]).toEqual([
      '[2/3] b: load',
      '[1/3] a: sign',
      'release: publish',
    ]);
    const open = stepLabeller(undefined);
    expect([open('x', 'load'), open('y', 'load'), open('x', 'sign')]).toEqual(['[1] x: load', '[2] y: load', '[1] x: sign']);
  });

  it('rewrites the terminal line in place with both timings, cut to the width so that it never wraps', () => {
    expect(terminalLine('[3/12] cam-x: sign', 1234, 8400, 100)).toBe('\r\u001b[K[3/12] cam-x: sign … 1.2 s (8.4 s in all)');
    const cut = terminalLine(`[1/1] ${'x'.repeat(200)}`, 0, 0, 40);
    expect(cut.length - '\r\u001b[K'.length).toBeLessThan(40);
    expect(cut).toContain('… 0.0 s');
    expect(terminalLine('a', 0, 0, 0)).toBe(terminalLine('a', 0, 0, 80));
  });
});
