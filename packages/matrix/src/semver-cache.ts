import semver from 'semver';

/**
 * `semver.satisfies` with parsed ranges, parsed versions and answers kept for the life of one
 * matrix computation. semver parses both strings on every call (about 3 µs); a matrix of 1,000
 * models × 200 releases asks the same few thousand questions millions of times.
 * Same answers as `semver.satisfies(version, range)` without options: an invalid version or
 * range satisfies nothing.
 */
export class SemverCache {
  private readonly ranges = new Map<string, semver.Range | null>();
  private readonly versions = new Map<string, semver.SemVer | null>();
  /** range → version → answer: two lookups of strings whose hashes V8 keeps, no key to build. */
  private readonly answers = new Map<string, Map<string, boolean>>();

  satisfies(version: string, range: string): boolean {
    let byVersion = this.answers.get(range);
    if (byVersion === undefined) {
      byVersion = new Map();
      this.answers.set(range, byVersion);
    }
    const known = byVersion.get(version);
    if (known !== undefined) return known;
    const parsedRange = this.range(range);
    const parsedVersion = this.version(version);
    const answer = parsedRange !== null && parsedVersion !== null && parsedRange.test(parsedVersion);
    byVersion.set(version, answer);
    return answer;
  }

  range(range: string): semver.Range | null {
    let parsed = this.ranges.get(range);
    if (parsed === undefined) {
      parsed = semver.validRange(range) === null ? null : new semver.Range(range);
      this.ranges.set(range, parsed);
    }
    return parsed;
  }

  version(version: string): semver.SemVer | null {
    let parsed = this.versions.get(version);
    if (parsed === undefined) {
      parsed = semver.valid(version) === null ? null : new semver.SemVer(version);
      this.versions.set(version, parsed);
    }
    return parsed;
  }
}
