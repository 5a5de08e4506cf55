import { describe, expect, it } from 'vitest';
import { compareVersions, isValidRange, isValidVersion, parseRange, parseVersion } from './semver.js';

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
