import semver from 'semver';
import { describe, expect, it } from 'vitest';
import { compareVersions, intersectRanges, isValidRange, isValidVersion, parseRange, parseVersion } from './semver.js';

// The limits of the device's semver subset, each at, under and over its edge (hostile input: a
// length bound, and numbers that stay exact).

const MAX = Number.MAX_SAFE_INTEGER; // 9007199254740991

describe('version limits', () => {
  it('takes a version of 256 characters and refuses 257', () => {
    const at = `1.0.0-${'a'.repeat(250)}`;
    expect(at).toHaveLength(256);
    expect(isValidVersion(at)).toBe(true);
    expect(isValidVersion(`1.0.0-${'a'.repeat(249)}`)).toBe(true);
    expect(isValidVersion(`${at}a`)).toBe(false);
  });

  it('takes MAJOR, MINOR and PATCH up to the largest safe integer, each, and refuses one more', () => {
    for (const version of [`${MAX}.0.0`, `0.${MAX}.0`, `0.0.${MAX}`]) expect(isValidVersion(version)).toBe(true);
    for (const version of [`${MAX + 1}.0.0`, `0.${MAX + 1}.0`, `0.0.${MAX + 1}`]) expect(isValidVersion(version)).toBe(false);
    expect(parseVersion(`${MAX}.0.0`).major).toBe(MAX);
  });

  it('takes a numeric pre-release identifier below the largest safe integer only', () => {
    expect(isValidVersion(`1.0.0-${MAX - 1}`)).toBe(true);
    expect(isValidVersion(`1.0.0-${MAX}`)).toBe(false);
    expect(isValidVersion(`1.0.0-rc.${MAX}`)).toBe(false);
    expect(parseVersion(`1.0.0-${MAX - 1}`).prerelease).toEqual([MAX - 1]);
  });

  it('is a version string only when it is a string', () => {
    expect(isValidVersion({ toString: () => '1.2.3' })).toBe(false);
    expect(isValidVersion(123)).toBe(false);
  });
});

describe('range limits', () => {
  it('takes a range of 256 characters and refuses 257', () => {
    const at = `>=1.0.0${' '.repeat(249)}`;
    expect(at).toHaveLength(256);
    expect(isValidRange(at)).toBe(true);
    expect(isValidRange(`${at} `)).toBe(false);
  });

  it('takes numbers up to one under the largest safe integer in a range (room for the +1 of ^ and ~)', () => {
    expect(isValidRange(`^${MAX - 1}.0.0`)).toBe(true);
    expect(isValidRange(`^${MAX}.0.0`)).toBe(false);
    expect(parseRange(`~${MAX - 1}.0.0`).test(`${MAX - 1}.0.5`)).toBe(true);
  });
});

describe('precedence', () => {
  it('orders each component, and a release above its pre-releases', () => {
    const ordered = [
      '1.0.0-alpha',
      '1.0.0-alpha.1',
      '1.0.0-alpha.beta',
      '1.0.0-beta',
      '1.0.0-beta.2',
      '1.0.0-beta.11',
      '1.0.0-rc.1',
      '1.0.0',
      '1.0.1',
      '1.1.0',
      '2.0.0',
    ];
    for (let i = 0; i < ordered.length; i++) {
      for (let j = 0; j < ordered.length; j++) {
        const a = ordered[i] ?? '';
        const b = ordered[j] ?? '';
        expect([a, b, compareVersions(a, b)]).toEqual([a, b, Math.sign(i - j)]);
      }
    }
  });
});

describe('edges the generated ranges rarely reach', () => {
  /** Our answer and node-semver's for each version, side by side. */
  const answers = (range: string, versions: string[]): [string, boolean, boolean][] =>
    versions.map((v) => [v, parseRange(range).test(v), semver.satisfies(v, range)]);
  const agree = (range: string, versions: string[]): void => {
    for (const [v, ours, theirs] of answers(range, versions)) expect([range, v, ours]).toEqual([range, v, theirs]);
  };

  it('answers >, ^0.0.p and >=0.0.p as node-semver does, at and next to each bound', () => {
    agree('>1.2.3', ['1.2.2', '1.2.3', '1.2.4', '1.2.4-rc.1']);
    agree('^0.0.3', ['0.0.2', '0.0.3', '0.0.4', '0.1.0']);
    agree('^0.2.3', ['0.2.2', '0.2.3', '0.2.9', '0.3.0']);
    agree('>=0.0.1', ['0.0.0', '0.0.1', '0.0.2-rc']);
    agree('>=0.0.0-alpha', ['0.0.0-alpha', '0.0.0-beta', '0.0.0', '0.0.1-rc']);
    agree('>=1.0.0-alpha || >=0.0.0', ['1.0.0-beta', '1.0.0', '0.5.0']);
    agree('>=1.0.0  <2.0.0', ['0.9.9', '1.0.0', '1.9.9', '2.0.0']);
    agree('* - 2.0.0', ['0.0.0', '2.0.0', '2.0.1']);
    agree('^0.2', ['0.1.9', '0.2.0', '0.2.9', '0.3.0']);
    agree('^1.2', ['1.1.9', '1.2.0', '1.9.9', '2.0.0']);
    agree('^0.0', ['0.0.0', '0.0.5', '0.1.0']);
  });

  it('refuses a wildcard before a number in a comparator', () => {
    for (const r of ['x.1', '*.1.2', '1.x.2', '>=X.0']) expect([r, isValidRange(r)]).toEqual([r, false]);
    expect(isValidRange('1.2.x')).toBe(true);
  });

  it('orders numeric pre-release identifiers as numbers, and digits-then-letters as text', () => {
    const ordered = ['1.0.0-2', '1.0.0-9', '1.0.0-10', '1.0.0-10a', '1.0.0-1a', '1.0.0-9a'];
    for (let i = 0; i + 1 < ordered.length; i++) {
      const [a = '', b = ''] = [ordered[i], ordered[i + 1]];
      expect([a, b, compareVersions(a, b)]).toEqual([a, b, semver.compare(a, b)]);
      expect(compareVersions(a, b)).toBe(-1);
    }
    expect(parseVersion('1.0.0-10a').prerelease).toEqual(['10a']);
    expect(parseVersion('1.0.0-10').prerelease).toEqual([10]);
  });

  it('compares and tests parsed versions as well as strings', () => {
    const [a, b] = [parseVersion('1.2.3'), parseVersion('1.3.0')];
    expect(compareVersions(a, b)).toBe(-1);
    expect(compareVersions(b, a)).toBe(1);
    expect(compareVersions('1.2.3', a)).toBe(0);
    expect(parseRange('>=1.0.0 <2.0.0').test(a)).toBe(true);
    expect(parseRange('>=1.0.0 <2.0.0').test(parseVersion('2.0.0'))).toBe(false);
  });

  it('refuses a range number of the largest safe integer, also in a pre-release', () => {
    for (const r of [`>=${MAX}.0.0`, `<=0.${MAX}.0`, `0.0.${MAX}`, `>=1.0.0-${MAX}`, `1.0.0 - 2.0.0-${MAX}`]) {
      expect([r, isValidRange(r)]).toEqual([r, false]);
    }
    expect(isValidRange(`>=1.0.0-${MAX - 1}`)).toBe(true);
    expect(isValidRange(`>=${MAX - 1}.0.0`)).toBe(true);
  });

  it('refuses a wildcard before a number on either side of a hyphen range', () => {
    for (const r of ['1.x.3 - 2.0.0', '1.0.0 - 1.x.3', '* - 1.x.3']) expect([r, isValidRange(r)]).toEqual([r, false]);
    expect(isValidRange('1.x - 2.0.0')).toBe(true);
  });

  it('refuses characters outside printable ASCII even where trimming would remove them', () => {
    for (const r of ['>=1.0.0\u00a0', '\u00a0>=1.0.0', '\t>=1.0.0', '>=1.0.0\n', '>=1.0.0 ||\u2003<0.1.0']) {
      expect([r, isValidRange(r)]).toEqual([r, false]);
    }
    expect(isValidRange(' >=1.0.0 ')).toBe(true);
  });

  it('is a range string only when it is a string', () => {
    expect(isValidRange({ toString: () => '>=1.0.0' })).toBe(false);
    expect(isValidRange(['>=1.0.0'])).toBe(false);
    expect(isValidRange('>=1.0.0')).toBe(true);
  });

  it('names its errors SemverError', () => {
    expect(() => parseVersion('1')).toThrow(expect.objectContaining({ name: 'SemverError', code: 'SEMVER_VERSION_INVALID' }));
  });
});

describe('intersectRanges at its edges', () => {
  it('keeps the tighter bound whatever the order, an exclusive one over an inclusive one at the same version', () => {
    expect(intersectRanges(['>=1.0.0', '>1.0.0'])).toBe('>1.0.0');
    expect(intersectRanges(['>1.0.0', '>=1.0.0'])).toBe('>1.0.0');
    expect(intersectRanges(['>=1.0.0', '>=1.0.0'])).toBe('>=1.0.0');
    expect(intersectRanges(['<2.0.0', '<=2.0.0'])).toBe('<2.0.0');
    expect(intersectRanges(['<=2.0.0', '<2.0.0'])).toBe('<2.0.0');
    expect(intersectRanges(['<=2.0.0', '<=2.0.0'])).toBe('<=2.0.0');
    expect(intersectRanges(['>=1.0.0', '* - 2.0.0'])).toBe('>=1.0.0 <=2.0.0');
    expect(intersectRanges(['<=2.0.0', '>=1.0.0'])).toBe('>=1.0.0 <=2.0.0');
  });

  it('keeps an inclusive lower bound over a looser exclusive one, and the reverse for upper bounds', () => {
    expect(intersectRanges(['>=2.0.0', '>1.0.0'])).toBe('>=2.0.0');
    expect(intersectRanges(['^1.2', '<1.5.0'])).toBe('>=1.2.0 <1.5.0');
    expect(intersectRanges(['<=1.0.0', '<2.0.0'])).toBe('<=1.0.0');
  });

  it('shows the parts as written, not the bounds read from them, when nothing is left between the bounds', () => {
    expect(intersectRanges(['^2.0.0', '<1.5.0'])).toBe('^2.0.0 <1.5.0');
    expect(intersectRanges(['>1.2.3', '<=1.2.3 >=1.0.0'])).toBe('>1.2.3 <=1.2.3 >=1.0.0');
    expect(intersectRanges(['>=1.2.3 >=1.0.0', '<1.2.3'])).toBe('>=1.2.3 >=1.0.0 <1.2.3');
    expect(intersectRanges(['>=1.2.3 >=1.0.0', '<=1.2.3'])).toBe('>=1.2.3 <=1.2.3');
    expect(intersectRanges(['^1.0.0', '<=1.5.0 >=0.5.0'])).toBe('>=1.0.0 <=1.5.0');
  });

  it('shows the ranges as given when nothing is left between the bounds, and only then', () => {
    expect(intersectRanges(['>1.0.0', '<=1.0.0'])).toBe('>1.0.0 <=1.0.0');
    expect(intersectRanges(['>=1.0.0', '<1.0.0'])).toBe('>=1.0.0 <1.0.0');
    expect(intersectRanges(['>=2.0.0', '<=1.0.0'])).toBe('>=2.0.0 <=1.0.0');
    expect(intersectRanges(['>=1.0.0', '<=1.0.0'])).toBe('>=1.0.0 <=1.0.0');
    expect(intersectRanges(['>=1.0.0', '<=1.0.1'])).toBe('>=1.0.0 <=1.0.1');
  });

  it('gives a lone bound, or * when the parts hold no bound at all', () => {
    expect(intersectRanges(['>=1.0.0', '>=0.5.0'])).toBe('>=1.0.0');
    expect(intersectRanges(['<2.0.0', '<3.0.0'])).toBe('<2.0.0');
    expect(intersectRanges(['>=0.0.0', '>=0.0.0'])).toBe('*');
    expect(intersectRanges([' * ', ' '])).toBe('*');
    expect(intersectRanges([' ^1.2.0 ', '*'])).toBe('^1.2.0');
    expect(intersectRanges(['>=1.0.0', '<2.0.0  >=1.5.0'])).toBe('>=1.5.0 <2.0.0');
  });

  it('keeps every pre-release bound as written, other than the -0 that desugaring adds', () => {
    expect(intersectRanges(['>=1.0.0', '<2.0.0-beta'])).toBe('>=1.0.0 <2.0.0-beta');
    expect(intersectRanges(['>=1.0.0-0', '<2.0.0'])).toBe('>=1.0.0-0 <2.0.0');
    expect(intersectRanges(['>=1.0.0', '<2.0.0-0.1'])).toBe('>=1.0.0 <2.0.0-0.1');
    expect(intersectRanges(['>=1.0.0', '<2.0.0-1'])).toBe('>=1.0.0 <2.0.0-1');
    expect(intersectRanges(['>=1.0.0', '<2.0.0'])).toBe('>=1.0.0 <2.0.0');
  });

  it('leaves a part it cannot read as given', () => {
    expect(intersectRanges(['>=1.0.0', '>= 2.0.0'])).toBe('>=1.0.0 >= 2.0.0');
  });
});
