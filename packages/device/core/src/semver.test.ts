import fc from 'fast-check';
import semver from 'semver';
import { describe, expect, it } from 'vitest';
import {
  compareVersions,
  intersectRanges,
  isValidRange,
  isValidVersion,
  parseRange,
  parseVersion,
  satisfies,
  SemverError,
} from './semver.js';

// Small numbers, so that generated versions land on the boundaries of generated ranges.
const num = fc.integer({ min: 0, max: 3 });
const preId = fc.oneof(fc.constantFrom('alpha', 'beta', 'rc', 'x-1', '0a'), fc.integer({ min: 0, max: 2 }).map(String));
const prerelease = fc.array(preId, { minLength: 1, maxLength: 3 }).map((ids) => ids.join('.'));
const version = fc
  .tuple(num, num, num, fc.option(prerelease, { freq: 3 }))
  .map(([M, m, p, pre]) => `${M}.${m}.${p}${pre === null ? '' : `-${pre}`}`);

const xr = fc.oneof({ weight: 4, arbitrary: num.map(String) }, { weight: 1, arbitrary: fc.constantFrom('x', 'X', '*') });
const isX = (s: string): boolean => s === 'x' || s === 'X' || s === '*';
const partial = fc
  .tuple(xr, fc.option(xr, { freq: 5 }), fc.option(xr, { freq: 4 }), fc.option(prerelease, { freq: 4 }))
  .map(([M, m, p, pre]) => {
    // Only the grammar: no number after a wildcard, a pre-release only after three numbers.
    if (m === null || isX(M)) return M;
    if (p === null || isX(m)) return `${M}.${m}`;
    return `${M}.${m}.${p}${pre === null || isX(p) ? '' : `-${pre}`}`;
  });
const comparator = fc.tuple(fc.constantFrom('', '<', '<=', '>', '>=', '=', '~', '^'), partial).map(([op, v]) => op + v);
const set = fc.oneof(
  { weight: 4, arbitrary: fc.array(comparator, { minLength: 1, maxLength: 3 }).map((cs) => cs.join(' ')) },
  { weight: 1, arbitrary: fc.tuple(partial, partial).map(([a, b]) => `${a} - ${b}`) },
  { weight: 1, arbitrary: fc.constant('') },
);
const range = fc
  .tuple(fc.array(set, { minLength: 1, maxLength: 3 }), fc.constantFrom('||', ' || ', '  ||  '))
  .map(([sets, sep]) => sets.join(sep));

describe('semver subset', () => {
  it('accepts exactly the versions semver accepts as written (strict: no "v", no spaces, no build metadata)', () => {
    fc.assert(
      fc.property(version, (v) => {
        expect(isValidVersion(v)).toBe(true);
        expect(semver.valid(v)).toBe(v);
      }),
    );
    const text = fc.string({ unit: fc.constantFrom(...Array.from('0123.-+xab ')), maxLength: 14 });
    fc.assert(
      fc.property(text, (s) => {
        expect(isValidVersion(s)).toBe(semver.valid(s) === s);
      }),
    );
  });

  it('orders versions as semver does (pre-releases below their release)', () => {
    fc.assert(
      fc.property(version, version, (a, b) => {
        expect(compareVersions(a, b)).toBe(semver.compare(a, b));
      }),
    );
  });

  it('answers every range of its grammar as semver.satisfies does', () => {
    fc.assert(
      fc.property(range, fc.array(version, { minLength: 1, maxLength: 8 }), (r, versions) => {
        expect(semver.validRange(r)).not.toBeNull();
        const compiled = parseRange(r);
        for (const v of versions) expect([r, v, compiled.test(v)]).toEqual([r, v, semver.satisfies(v, r)]);
      }),
      { numRuns: 2000 },
    );
  });

  it('accepts nothing that semver refuses, and agrees on what it accepts', () => {
    const text = fc.string({ unit: fc.constantFrom(...Array.from('0123.x*^~<>=|- ')), maxLength: 16 });
    fc.assert(
      fc.property(text, version, (r, v) => {
        if (!isValidRange(r)) return;
        expect(semver.validRange(r)).not.toBeNull();
        expect(parseRange(r).test(v)).toBe(semver.satisfies(v, r));
      }),
      { numRuns: 2000 },
    );
  });

  it('keeps node-semver corner cases: a pre-release needs a comparator of its own version', () => {
    expect(satisfies('1.3.0-rc.1', '>=1.0.0')).toBe(false);
    expect(satisfies('1.3.0-rc.1', '>=1.3.0-rc.0')).toBe(true);
    expect(satisfies('1.0.0-rc.1', '*')).toBe(false);
    expect(satisfies('1.0.0-rc.1', '* || 1.0.0-rc.1')).toBe(false); // "*" absorbs the other sets
    expect(satisfies('2.0.0', '^1.2.0')).toBe(false);
    expect(satisfies('0.2.9', '^0.2.3')).toBe(true);
    expect(satisfies('0.3.0', '^0.2.3')).toBe(false);
    expect(satisfies('1.1.5', '>=1.2.0 <2.0.0 || 1.1.5')).toBe(true);
  });

  it('refuses what it does not support with a coded error, though semver would read it', () => {
    for (const r of ['>= 1.2.3', 'v1.2.3', '~>1.2', '1.2.3+build', '1.x.3', '>=1.2.3\t<2', '1.2.x-rc', 'x'.repeat(300)]) {
      expect([r, isValidRange(r)]).toEqual([r, false]);
      expect(() => parseRange(r)).toThrow(SemverError);
      try {
        parseRange(r);
      } catch (e) {
        expect((e as SemverError).code).toBe('SEMVER_RANGE_INVALID');
      }
    }
    expect(() => parseVersion('1.2')).toThrow(expect.objectContaining({ code: 'SEMVER_VERSION_INVALID' }) as Error);
    expect(() => parseVersion('01.2.3')).toThrow(expect.objectContaining({ code: 'SEMVER_VERSION_INVALID' }) as Error);
    expect(isValidVersion('v1.2.3')).toBe(false);
    expect(isValidVersion('1.2.3+build.5')).toBe(false);
  });

  it('tests an invalid version string as outside every range, without throwing (and satisfies() an invalid range)', () => {
    expect(parseRange('*').test('not-a-version')).toBe(false);
    expect(satisfies('1.2', '>=1.0.0')).toBe(false);
    // An invalid range holds nothing (node-semver's answer), so a device refuses rather than guesses.
    expect(satisfies('1.2.0', '>= 1.0.0')).toBe(false);
  });
});

describe('intersectRanges', () => {
  it('says the AND of plain ranges with one lower and one upper bound', () => {
    expect(intersectRanges(['>=2.1.0 <4.0.0', '>=3.0.0'])).toBe('>=3.0.0 <4.0.0');
    expect(intersectRanges(['^1.2.0', '>1.4.0', '<=1.9.0'])).toBe('>1.4.0 <=1.9.0');
    expect(intersectRanges(['1.x', '<1.5'])).toBe('>=1.0.0 <1.5.0');
    expect(intersectRanges(['*', '', '>=2.0.0'])).toBe('>=2.0.0');
    expect(intersectRanges(['*'])).toBe('*');
    expect(intersectRanges(['^1.2.0', '*'])).toBe('^1.2.0'); // one range: as its author wrote it
  });

  it('keeps the ranges as given when it cannot say them shorter: ||, exact versions, pre-releases, nothing left', () => {
    expect(intersectRanges(['>=1.0.0', '1.2.0 || 2.0.0'])).toBe('>=1.0.0 (1.2.0 || 2.0.0)');
    expect(intersectRanges(['>=1.0.0', '1.2.0'])).toBe('>=1.0.0 1.2.0');
    expect(intersectRanges(['>=1.0.0-rc.1', '<2.0.0'])).toBe('>=1.0.0-rc.1 <2.0.0');
    expect(intersectRanges(['>=3.0.0', '<3.0.0'])).toBe('>=3.0.0 <3.0.0');
  });

  it('matches exactly the versions every part matches (semver.satisfies of each part)', () => {
    const plain = fc
      .tuple(fc.constantFrom('', '<', '<=', '>', '>=', '~', '^'), fc.tuple(num, num, num))
      .map(([op, [a, b, c]]) => `${op}${a}.${b}.${c}`);
    const part = fc.oneof(
      plain,
      fc.tuple(plain, plain).map(([a, b]) => `${a} ${b}`),
      fc.constantFrom('*', '1.x', '<2', '>=1.1'),
    );
    fc.assert(
      fc.property(fc.array(part, { minLength: 1, maxLength: 4 }), fc.array(version, { minLength: 1, maxLength: 8 }), (parts, versions) => {
        const joined = intersectRanges(parts);
        expect(semver.validRange(joined)).not.toBeNull();
        for (const v of versions) expect(semver.satisfies(v, joined)).toBe(parts.every((p) => semver.satisfies(v, p)));
      }),
    );
  });
});
