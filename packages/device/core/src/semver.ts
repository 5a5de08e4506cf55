import { FwkitError } from './errors.js';

/**
 * The part of semantic versioning that fwkit documents use, small enough for the device bundle.
 *
 * Versions: `MAJOR.MINOR.PATCH` with an optional `-prerelease`, as `semver.valid(v) === v` accepted
 * them before (no build metadata: it would make two spellings of one version).
 * Ranges (node-semver's grammar and meaning, without its loose forms):
 *   range      = set *( "||" set )            one set must match
 *   set        = partial " - " partial        hyphen range, inclusive
 *              | comparator *( " " comparator ) every comparator must match; empty = any
 *   comparator = [ "<" | "<=" | ">" | ">=" | "=" | "~" | "^" ] partial
 *   partial    = xr [ "." xr [ "." xr [ "-" prerelease ] ] ]   xr = number | "x" | "X" | "*"
 * Refused (node-semver accepts them): a space between an operator and its version, a "v" prefix,
 * "~>", build metadata in a range, a wildcard before a number ("1.x.3"), tabs, and anything
 * longer than 256 characters. A pre-release version is in a range only when a comparator of the
 * same set names a pre-release of the same MAJOR.MINOR.PATCH (node-semver's rule).
 */

export type SemverErrorCode = 'SEMVER_VERSION_INVALID' | 'SEMVER_RANGE_INVALID';

export class SemverError extends FwkitError<SemverErrorCode> {
  override readonly name = 'SemverError';
}

export type PrereleaseId = string | number;

export interface Version {
  readonly major: number;
  readonly minor: number;
  readonly patch: number;
  /** Numeric identifiers as numbers, the others as strings; empty for a release. */
  readonly prerelease: readonly PrereleaseId[];
  readonly raw: string;
}

/** A range compiled once; `test` allocates nothing for a version it has seen (or a parsed one). */
export interface Range {
  readonly raw: string;
  test(version: Version | string): boolean;
}

const MAX_LENGTH = 256;
const NUM = '(0|[1-9]\\d*)';
const PRE_ID = '(?:0|[1-9]\\d*|\\d*[A-Za-z-][0-9A-Za-z-]*)';
const PRERELEASE = `${PRE_ID}(?:\\.${PRE_ID})*`;
const VERSION_RE = new RegExp(`^${NUM}\\.${NUM}\\.${NUM}(?:-(${PRERELEASE}))?$`);
const XR = '(0|[1-9]\\d*|[xX*])';
const PARTIAL = `${XR}(?:\\.${XR}(?:\\.${XR}(?:-(${PRERELEASE}))?)?)?`;
const COMPARATOR_RE = new RegExp(`^(<=|>=|<|>|=|~|\\^)?${PARTIAL}$`);
const HYPHEN_RE = new RegExp(`^${PARTIAL} - ${PARTIAL}$`);
const NUMERIC_RE = /^\d+$/;

function prereleaseOf(text: string | undefined): PrereleaseId[] {
  if (text === undefined) return [];
  return text.split('.').map((id) => (NUMERIC_RE.test(id) ? Number(id) : id));
}

function unsafe(ids: readonly PrereleaseId[]): boolean {
  return ids.some((id) => typeof id === 'number' && id >= Number.MAX_SAFE_INTEGER);
}

function tryParseVersion(text: string): Version | undefined {
  if (text.length > MAX_LENGTH) return undefined;
  const m = VERSION_RE.exec(text);
  if (m === null) return undefined;
  const [major, minor, patch] = [Number(m[1]), Number(m[2]), Number(m[3])];
  const prerelease = prereleaseOf(m[4]);
  if (major > Number.MAX_SAFE_INTEGER || minor > Number.MAX_SAFE_INTEGER || patch > Number.MAX_SAFE_INTEGER || unsafe(prerelease)) {
    return undefined;
  }
  return Object.freeze({ major, minor, patch, prerelease: Object.freeze(prerelease), raw: text });
}

function shown(text: string): string {
  return JSON.stringify(text.length > 64 ? `${text.slice(0, 64)}…` : text);
}

/** A strict semantic version; throws SemverError (SEMVER_VERSION_INVALID) otherwise. */
export function parseVersion(text: string): Version {
  const version = tryParseVersion(text);
  if (version === undefined) {
    throw new SemverError('SEMVER_VERSION_INVALID', `${shown(text)} is not a semantic version such as 1.2.3`);
  }
  return version;
}

/** Whether `value` is a version string in the grammar above; any other value (not a string too) is not. */
export function isValidVersion(value: unknown): value is string {
  return typeof value === 'string' && tryParseVersion(value) !== undefined;
}

function compareIds(a: PrereleaseId, b: PrereleaseId): number {
  if (a === b) return 0;
  const aNum = typeof a === 'number';
  const bNum = typeof b === 'number';
  if (aNum !== bNum) return aNum ? -1 : 1;
  return a < b ? -1 : 1;
}

function compareParsed(a: Version | Bound, b: Version | Bound): -1 | 0 | 1 {
  if (a.major !== b.major) return a.major < b.major ? -1 : 1;
  if (a.minor !== b.minor) return a.minor < b.minor ? -1 : 1;
  if (a.patch !== b.patch) return a.patch < b.patch ? -1 : 1;
  const ap = a.prerelease;
  const bp = b.prerelease;
  // A release sorts above its pre-releases.
  if (ap.length === 0 || bp.length === 0) return ap.length === bp.length ? 0 : ap.length === 0 ? 1 : -1;
  for (let i = 0; ; i++) {
    const x = ap[i];
    const y = bp[i];
    if (x === undefined || y === undefined) return x === y ? 0 : x === undefined ? -1 : 1;
    const c = compareIds(x, y);
    if (c !== 0) return c < 0 ? -1 : 1;
  }
}

/** SemVer precedence: -1, 0 or 1. Throws SemverError on an invalid version. */
export function compareVersions(a: Version | string, b: Version | string): -1 | 0 | 1 {
  return compareParsed(typeof a === 'string' ? parseVersion(a) : a, typeof b === 'string' ? parseVersion(b) : b);
}

type Op = '<' | '<=' | '>' | '>=' | '=';

/** One comparator after desugaring: `op MAJOR.MINOR.PATCH[-prerelease]`. */
interface Bound {
  readonly op: Op;
  readonly major: number;
  readonly minor: number;
  readonly patch: number;
  readonly prerelease: readonly PrereleaseId[];
}

/** A set the version must satisfy all of; `null` when nothing satisfies it. */
type ComparatorSet = readonly Bound[] | null;

interface Partial {
  readonly major: number | undefined; // undefined: a wildcard (x, X, * or absent)
  readonly minor: number | undefined;
  readonly patch: number | undefined;
  readonly prerelease: readonly PrereleaseId[];
}

const MAX_COMPONENT = Number.MAX_SAFE_INTEGER - 1; // room for the +1 of ^ and ~

function partialOf(M: string | undefined, m: string | undefined, p: string | undefined, pre: string | undefined): Partial | string {
  const num = (x: string | undefined): number | undefined =>
    x === undefined || x === 'x' || x === 'X' || x === '*' ? undefined : Number(x);
  const [major, minor, patch] = [num(M), num(m), num(p)];
  if ((major === undefined && minor !== undefined) || (minor === undefined && patch !== undefined)) {
    return 'a wildcard may not come before a number';
  }
  if ([major, minor, patch].some((n) => n !== undefined && n > MAX_COMPONENT)) return 'a number is too large';
  const prerelease = prereleaseOf(pre);
  if (prerelease.length > 0 && patch === undefined) return 'a pre-release needs MAJOR.MINOR.PATCH';
  if (unsafe(prerelease)) return 'a pre-release number is too large';
  return { major, minor, patch, prerelease };
}

function bound(op: Op, major: number, minor: number, patch: number, prerelease: readonly PrereleaseId[] = []): Bound {
  return { op, major, minor, patch, prerelease };
}

const BELOW = [0] as const; // the `-0` of node-semver: below every pre-release of that version

/** node-semver's desugaring of one comparator; `null` is the empty set, [] matches anything. */
function desugar(op: string | undefined, v: Partial): Bound[] | null {
  const { major: M, minor: m, patch: p, prerelease: pr } = v;
  if (M === undefined) return op === '<' || op === '>' ? null : [];
  if (op === '~') {
    if (m === undefined) return [bound('>=', M, 0, 0), bound('<', M + 1, 0, 0, BELOW)];
    return [bound('>=', M, m, p ?? 0, pr), bound('<', M, m + 1, 0, BELOW)];
  }
  if (op === '^') {
    if (m === undefined) return [bound('>=', M, 0, 0), bound('<', M + 1, 0, 0, BELOW)];
    if (p === undefined) return [bound('>=', M, m, 0), M === 0 ? bound('<', 0, m + 1, 0, BELOW) : bound('<', M + 1, 0, 0, BELOW)];
    const upper = M !== 0 ? bound('<', M + 1, 0, 0, BELOW) : m !== 0 ? bound('<', 0, m + 1, 0, BELOW) : bound('<', 0, 0, p + 1, BELOW);
    return [bound('>=', M, m, p, pr), upper];
  }
  if (p !== undefined && m !== undefined) return [bound(op === undefined ? '=' : (op as Op), M, m, p, pr)];
  // An x-range: 1.x, 1.2, <=1.2, >1 ...
  switch (op) {
    case '>':
      return [m === undefined ? bound('>=', M + 1, 0, 0) : bound('>=', M, m + 1, 0)];
    case '>=':
      return [bound('>=', M, m ?? 0, 0)];
    case '<':
      return [bound('<', M, m ?? 0, 0, BELOW)];
    case '<=':
      return [m === undefined ? bound('<', M + 1, 0, 0, BELOW) : bound('<', M, m + 1, 0, BELOW)];
    default:
      return m === undefined
        ? [bound('>=', M, 0, 0), bound('<', M + 1, 0, 0, BELOW)]
        : [bound('>=', M, m, 0), bound('<', M, m + 1, 0, BELOW)];
  }
}

function hyphen(from: Partial, to: Partial): Bound[] {
  const out: Bound[] = [];
  if (from.major !== undefined) out.push(bound('>=', from.major, from.minor ?? 0, from.patch ?? 0, from.prerelease));
  if (to.major !== undefined) {
    if (to.minor === undefined) out.push(bound('<', to.major + 1, 0, 0, BELOW));
    else if (to.patch === undefined) out.push(bound('<', to.major, to.minor + 1, 0, BELOW));
    else out.push(bound('<=', to.major, to.minor, to.patch, to.prerelease));
  }
  return out;
}

/** `>=0.0.0` means "any" in node-semver (it then lets no pre-release through on its own). */
function isAny(b: Bound): boolean {
  return b.op === '>=' && b.major === 0 && b.minor === 0 && b.patch === 0 && b.prerelease.length === 0;
}

function compileSet(text: string): ComparatorSet | string {
  if (text === '') return [];
  const h = HYPHEN_RE.exec(text);
  let bounds: Bound[] = [];
  if (h !== null) {
    const from = partialOf(h[1], h[2], h[3], h[4]);
    const to = partialOf(h[5], h[6], h[7], h[8]);
    if (typeof from === 'string') return from;
    if (typeof to === 'string') return to;
    bounds = hyphen(from, to);
  } else {
    let empty = false;
    for (const token of text.split(' ')) {
      const c = COMPARATOR_RE.exec(token);
      if (c === null) return `"${token}" is not a comparator such as >=1.2.0, ^1.2 or 1.x`;
      const partial = partialOf(c[2], c[3], c[4], c[5]);
      if (typeof partial === 'string') return partial;
      const more = desugar(c[1], partial);
      if (more === null) empty = true;
      else bounds.push(...more);
    }
    if (empty) return null;
  }
  return Object.freeze(bounds.filter((b) => !isAny(b)).map((b) => Object.freeze({ ...b, prerelease: Object.freeze([...b.prerelease]) })));
}

function satisfiesBound(v: Version, b: Bound): boolean {
  const c = compareParsed(v, b);
  switch (b.op) {
    case '<':
      return c < 0;
    case '<=':
      return c <= 0;
    case '>':
      return c > 0;
    case '>=':
      return c >= 0;
    case '=':
      return c === 0;
  }
}

function testSet(set: readonly Bound[], v: Version): boolean {
  for (const b of set) if (!satisfiesBound(v, b)) return false;
  if (v.prerelease.length === 0) return true;
  // A pre-release is let in only by a comparator naming a pre-release of the same version.
  for (const b of set) {
    if (b.prerelease.length > 0 && b.major === v.major && b.minor === v.minor && b.patch === v.patch) return true;
  }
  return false;
}

const seenVersions = new Map<string, Version | null>();
const SEEN_LIMIT = 4096;

/** Parses each distinct version string once, so a compiled range tests strings without allocating. */
function versionOf(text: string): Version | null {
  let v = seenVersions.get(text);
  if (v === undefined) {
    if (seenVersions.size >= SEEN_LIMIT) seenVersions.clear();
    v = tryParseVersion(text) ?? null;
    seenVersions.set(text, v);
  }
  return v;
}

function tryCompileRange(text: string): Range | string {
  if (text.length > MAX_LENGTH) return `longer than ${MAX_LENGTH} characters`;
  if (/[^\x21-\x7e ]/.test(text)) return 'only printable ASCII and spaces are allowed';
  const sets: (readonly Bound[])[] = [];
  for (const part of text.split('||')) {
    const set = compileSet(part.trim().replace(/ +/g, ' '));
    if (typeof set === 'string') return set;
    if (set !== null) sets.push(set);
  }
  // node-semver: a set that matches anything replaces the whole range (and so refuses pre-releases).
  const any = sets.find((s) => s.length === 0);
  const compiled = Object.freeze(sets.length > 1 && any !== undefined ? [any] : sets);
  const raw = text;
  return Object.freeze({
    raw,
    test(version: Version | string): boolean {
      const v = typeof version === 'string' ? versionOf(version) : version;
      if (v === null) return false;
      for (const set of compiled) if (testSet(set, v)) return true;
      return false;
    },
  });
}

/** `<M.m.p-0`, which desugaring makes of `<M.m.p`: below every pre-release of that version. */
const isBelow = (b: Bound): boolean => b.op === '<' && b.prerelease.length === 1 && b.prerelease[0] === 0;

/** A plain bound as a comparator a person reads (`<2.0.0` for `<2.0.0-0`). */
function boundText(b: Bound): string {
  return `${b.op}${b.major}.${b.minor}.${b.patch}`;
}

/**
 * The AND of ranges, as short as it can be said: `>=2.1.0 <4.0.0` and `>=3.0.0` give
 * `>=3.0.0 <4.0.0`. Each range must be one comparator set of plain bounds (no `||`, no
 * pre-release); otherwise, or when nothing satisfies them all, the ranges are joined as given, so
 * the result never says less than its parts. `*` and empty ranges drop out; none left gives `*`,
 * and one left is returned as written.
 */
export function intersectRanges(ranges: readonly string[]): string {
  const parts = ranges.map((r) => r.trim()).filter((r) => r !== '*' && r !== '');
  if (parts.length === 0) return '*';
  if (parts.length === 1) return parts[0] ?? '*'; // nothing to intersect: the author's words
  const joined = parts.map((r) => (r.includes('||') ? `(${r})` : r)).join(' ');
  let lower: Bound | undefined;
  let upper: Bound | undefined;
  for (const part of parts) {
    const set = part.includes('||') ? null : compileSet(part.replace(/ +/g, ' '));
    if (set === null || typeof set === 'string') return joined;
    for (const b of set) {
      if (b.op === '=' || (b.prerelease.length > 0 && !isBelow(b))) return joined;
      if (b.op === '>=' || b.op === '>') {
        const c = lower === undefined ? 1 : compareParsed(b, lower);
        if (c > 0 || (c === 0 && b.op === '>')) lower = b;
      } else {
        const c = upper === undefined ? -1 : compareParsed(b, upper);
        if (c < 0 || (c === 0 && b.op === '<')) upper = b;
      }
    }
  }
  if (lower !== undefined && upper !== undefined) {
    const c = compareParsed(lower, upper);
    if (c > 0 || (c === 0 && (lower.op === '>' || upper.op === '<'))) return joined; // empty: show why
  }
  const out = [lower, upper].filter((b): b is Bound => b !== undefined).map(boundText);
  return out.length === 0 ? '*' : out.join(' ');
}

/** Compiles a range once; throws SemverError (SEMVER_RANGE_INVALID) outside the grammar above. */
export function parseRange(text: string): Range {
  const range = tryCompileRange(text);
  if (typeof range === 'string') {
    throw new SemverError('SEMVER_RANGE_INVALID', `${shown(text)} is not a version range fwkit accepts: ${range}`);
  }
  return range;
}

/** Whether `value` is a range string in the grammar above; any other value (not a string too) is not. */
export function isValidRange(value: unknown): value is string {
  return typeof value === 'string' && typeof tryCompileRange(value) !== 'string';
}

/** Matches nothing: what a range outside the grammar compiles to (a device refuses, never guesses). */
const NEVER: Range = Object.freeze({ raw: '', test: () => false });

const compiledRanges = new Map<string, Range>();

/**
 * `text` compiled once per process (documents repeat a few ranges many times). A range outside the
 * grammar matches nothing, as node-semver's `satisfies` answers for an invalid range.
 */
export function cachedRange(text: string): Range {
  let r = compiledRanges.get(text);
  if (r === undefined) {
    if (compiledRanges.size >= SEEN_LIMIT) compiledRanges.clear();
    const compiled = tryCompileRange(text);
    r = typeof compiled === 'string' ? NEVER : compiled;
    compiledRanges.set(text, r);
  }
  return r;
}

/** `version` is in `range`; false for an invalid version or range. */
export function satisfies(version: Version | string, range: string): boolean {
  return cachedRange(range).test(version);
}
