import { SchemaError, type SchemaIssue } from '../errors.js';
import { deepFreeze, formatPath } from './validate.js';

/**
 * A small schema layer for the documents a device reads (device.json, the image manifest), and
 * under the release-side ones (@fwkit/release-core). zod costs ~450 KB in a bundle; this costs a
 * few KB (docs/decisions.md, device documents). Each validator parses a value into a fresh
 * container, reports every problem with its path, and describes itself as JSON Schema for
 * editors, so the rule and its JSON Schema have one source.
 */

export type Path = readonly (string | number)[];
/** A problem at `path` (a list, formatted as `hardware[1].ramBytes` only when reported). */
export interface Issue {
  readonly path: Path;
  readonly message: string;
}
export type JsonSchema = Readonly<Record<string, unknown>>;

/** Returned by `parse` after it pushed at least one issue. */
export const FAIL: unique symbol = Symbol('invalid');
export type Fail = typeof FAIL;

export interface Check<T> {
  /** `value` as a T (objects and arrays copied), or FAIL after pushing every problem onto `issues`. */
  readonly parse: (value: unknown, path: Path, issues: Issue[]) => T | Fail;
  readonly jsonSchema: JsonSchema;
  /** Set by `optional()`: an object may leave the field out. */
  readonly optional?: true;
}

export type Infer<C> = C extends Check<infer T> ? T : never;

function problem(issues: Issue[], path: Path, message: string): Fail {
  issues.push({ path, message });
  return FAIL;
}

/** A JSON object: not null, not an array. */
export const isRecord = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/** An own property named by data, even `__proto__`. */
function define(target: object, key: string, value: unknown): void {
  Object.defineProperty(target, key, { value, enumerable: true, writable: true, configurable: true });
}

export interface StringRules {
  readonly min?: number;
  readonly max?: number;
  readonly pattern?: RegExp;
  /** Why a string that misses `pattern` is wrong, e.g. 'must be kebab-case'. */
  readonly message?: string;
}

/** A string, with an optional length range and pattern; each rule it breaks is one issue. */
export function string(rules: StringRules = {}): Check<string> {
  const { min, max, pattern, message } = rules;
  return {
    parse(value, path, issues) {
      if (typeof value !== 'string') return problem(issues, path, 'must be a string');
      const before = issues.length;
      if (min !== undefined && value.length < min) problem(issues, path, `must be at least ${min} characters`);
      if (max !== undefined && value.length > max) problem(issues, path, `must be at most ${max} characters`);
      if (pattern !== undefined && !pattern.test(value)) problem(issues, path, message ?? `must match ${String(pattern)}`);
      return issues.length === before ? value : FAIL;
    },
    jsonSchema: {
      type: 'string',
      ...(min === undefined ? {} : { minLength: min }),
      ...(max === undefined ? {} : { maxLength: max }),
      ...(pattern === undefined ? {} : { pattern: pattern.source }),
    },
  };
}

/** A safe integer from `min` (default 0) to `max` (default Number.MAX_SAFE_INTEGER). */
export function integer(min = 0, max = Number.MAX_SAFE_INTEGER): Check<number> {
  return {
    parse: (value, path, issues) =>
      !Number.isSafeInteger(value)
        ? problem(issues, path, 'must be an integer')
        : (value as number) < min || (value as number) > max
          ? problem(issues, path, `must be an integer from ${min} to ${max}`)
          : (value as number),
    jsonSchema: { type: 'integer', minimum: min, maximum: max },
  };
}

/** Exactly `expected`. */
export function literal<const T extends string | number>(expected: T): Check<T> {
  return {
    parse: (value, path, issues) => (value === expected ? expected : problem(issues, path, `must be ${JSON.stringify(expected)}`)),
    jsonSchema: { type: typeof expected === 'number' ? 'number' : 'string', const: expected },
  };
}

/** A rule on top of `base`, checked only once `base` passed (so `test` sees a T). */
export function refine<T>(base: Check<T>, test: (value: T) => boolean, message: string): Check<T> {
  return {
    parse(value, path, issues) {
      const parsed = base.parse(value, path, issues);
      return parsed === FAIL || test(parsed) ? parsed : problem(issues, path, message);
    },
    jsonSchema: base.jsonSchema,
  };
}

export function array<T>(item: Check<T>, minItems = 0): Check<T[]> {
  return {
    parse(value, path, issues) {
      if (!Array.isArray(value)) return problem(issues, path, 'must be an array');
      const before = issues.length;
      if (value.length < minItems) problem(issues, path, `must have at least ${minItems} item${minItems === 1 ? '' : 's'}`);
      const out: T[] = [];
      value.forEach((element: unknown, i) => {
        const parsed = item.parse(element, [...path, i], issues);
        if (parsed !== FAIL) out.push(parsed);
      });
      return issues.length === before ? out : FAIL;
    },
    jsonSchema: { ...(minItems > 0 ? { minItems } : {}), type: 'array', items: item.jsonSchema },
  };
}

/** An object used as a map: every key passes `key`, every value passes `value`. */
export function record<V>(key: Check<string>, value: Check<V>): Check<Record<string, V>> {
  return {
    parse(input, path, issues) {
      if (!isRecord(input)) return problem(issues, path, 'must be an object');
      const before = issues.length;
      const out: Record<string, V> = {};
      for (const [k, v] of Object.entries(input)) {
        const at = [...path, k];
        const parsedKey = key.parse(k, at, issues);
        const parsed = value.parse(v, at, issues);
        if (parsedKey !== FAIL && parsed !== FAIL) define(out, k, parsed);
      }
      return issues.length === before ? out : FAIL;
    },
    jsonSchema: { type: 'object', propertyNames: key.jsonSchema, additionalProperties: value.jsonSchema },
  };
}

/** A field an object may leave out. */
export function optional<T>(check: Check<T>): Check<T | undefined> & { readonly optional: true } {
  return { ...check, optional: true };
}

/** `check` with a description for editors (no effect on validation). */
export function describe<C extends Check<unknown>>(check: C, description: string): C {
  return { ...check, jsonSchema: { ...check.jsonSchema, description } };
}

export type Shape = Readonly<Record<string, Check<unknown>>>;
type OptionalKeys<S extends Shape> = { [K in keyof S]: S[K] extends { readonly optional: true } ? K : never }[keyof S];
type Flat<T> = { [K in keyof T]: T[K] };
export type ObjectOf<S extends Shape> = Flat<
  { [K in Exclude<keyof S, OptionalKeys<S>>]: Infer<S[K]> } & { [K in OptionalKeys<S>]?: Exclude<Infer<S[K]>, undefined> }
>;

/** Cross-field rules of an object: `report` an issue at a path inside it. */
export type Rules<T> = (value: T, report: (path: Path, message: string) => void) => void;

/**
 * An object with exactly the fields of `shape`: a device must not ignore what it does not
 * understand. `rules` are cross-field rules; they run only when every field passed, so they see
 * typed values.
 */
export function strictObject<S extends Shape>(shape: S, rules?: Rules<ObjectOf<S>>): Check<ObjectOf<S>> {
  return objectOf(shape, false, rules);
}

/** An object with the fields of `shape` whose unknown fields are kept as they are (a newer producer's signed fields survive a round trip). */
export function looseObject<S extends Shape>(
  shape: S,
  rules?: Rules<ObjectOf<S> & Record<string, unknown>>,
): Check<ObjectOf<S> & Record<string, unknown>> {
  return objectOf(shape, true, rules);
}

function objectOf<S extends Shape, T extends ObjectOf<S>>(shape: S, keep: boolean, rules?: Rules<T>): Check<T> {
  return {
    parse(input, path, issues) {
      if (!isRecord(input)) return problem(issues, path, 'must be an object');
      const before = issues.length;
      const out: Record<string, unknown> = {};
      for (const [k, check] of Object.entries(shape)) {
        if (!Object.hasOwn(input, k) || input[k] === undefined) {
          if (check.optional !== true) problem(issues, [...path, k], 'is required');
          continue;
        }
        const parsed = check.parse(input[k], [...path, k], issues);
        if (parsed !== FAIL) define(out, k, parsed);
      }
      const unknown = Object.keys(input).filter((k) => !Object.hasOwn(shape, k));
      if (keep) for (const k of unknown) define(out, k, input[k]);
      else if (unknown.length > 0)
        problem(issues, path, `unknown field${unknown.length === 1 ? '' : 's'} ${unknown.map((k) => JSON.stringify(k)).join(', ')}`);
      if (issues.length === before) rules?.(out as T, (at, message) => problem(issues, [...path, ...at], message));
      return issues.length === before ? (out as T) : FAIL;
    },
    jsonSchema: {
      type: 'object',
      properties: Object.fromEntries(Object.entries(shape).map(([k, check]) => [k, check.jsonSchema])),
      required: Object.keys(shape).filter((k) => shape[k]?.optional !== true),
      additionalProperties: keep ? {} : false,
    },
  };
}

/** Validate once at the boundary: every problem reported with its path (SCHEMA_INVALID), the result frozen. */
export function checkDocument<T>(check: Check<T>, value: unknown, what: string): T {
  const issues: Issue[] = [];
  const parsed = check.parse(value, [], issues);
  if (parsed === FAIL) {
    const reported = issues.map((issue): SchemaIssue => ({ path: formatPath(issue.path), message: issue.message }));
    throw new SchemaError('SCHEMA_INVALID', what, reported);
  }
  return deepFreeze(parsed);
}
