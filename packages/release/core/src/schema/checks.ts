import {
  FAIL,
  fields,
  isRecord,
  strictObject as deviceStrictObject,
  string,
  type Check,
  type Infer,
  type Issue,
  type ObjectOf,
  type Path,
  type Rules,
  type Shape,
} from '@fwkit/device-core';

/**
 * What the release-side documents (product, platform, release.json, the ledger) are built of:
 * device-core's schema layer (`schema/check.ts`) and field checks (`schema/fields.ts`, one
 * implementation of each rule a device also checks), plus what only these documents need —
 * defaults, enums, booleans, unions, null and calendar days — kept here so that the device bundle
 * never carries it (docs/decisions.md, 2026-12-06).
 */

export const {
  semverVersion,
  semverRange,
  interfaceName,
  featureName,
  modelId,
  hardwareRevision,
  byteCount,
  imageFormatVersion,
  sha256Hex,
  domainName,
  bootloader,
  grants,
} = fields;
export { uniqueBy, type Bootloader, type Grants } from '@fwkit/device-core';

export {
  array,
  checkDocument,
  describe,
  integer,
  literal,
  optional,
  record,
  refine,
  string,
  type Check,
  type Infer,
} from '@fwkit/device-core';

function problem(issues: Issue[], path: Path, message: string): typeof FAIL {
  issues.push({ path, message });
  return FAIL;
}

export const boolean: Check<boolean> = {
  parse: (value, path, issues) => (typeof value === 'boolean' ? value : problem(issues, path, 'must be true or false')),
  jsonSchema: { type: 'boolean' },
};

/** One of the strings `values`. */
export function enumOf<const T extends readonly [string, ...string[]]>(values: T): Check<T[number]> {
  const allowed = new Set<unknown>(values);
  return {
    parse: (value, path, issues) =>
      allowed.has(value)
        ? (value as T[number])
        : problem(issues, path, `must be one of ${values.map((v) => JSON.stringify(v)).join(', ')}`),
    jsonSchema: { type: 'string', enum: [...values] },
  };
}

/** `check`, or null. */
export function nullable<T>(check: Check<T>): Check<T | null> {
  return {
    parse: (value, path, issues) => (value === null ? null : check.parse(value, path, issues)),
    jsonSchema: { anyOf: [check.jsonSchema, { type: 'null' }] },
  };
}

/** The JSON type of a parsed JSON value, as JSON Schema's `type` names it ("number" for any number). */
function jsonTypeOf(value: unknown): string {
  return value === null ? 'null' : Array.isArray(value) ? 'array' : typeof value;
}

/** The JSON type a check's JSON Schema names ("integer" counted as "number"), if it names one. */
function typeOf(check: Check<unknown>): unknown {
  const type = check.jsonSchema['type'];
  return type === 'integer' ? 'number' : type;
}

/**
 * The first of `alternatives` that the value passes. When it passes none, the one alternative of
 * the value's JSON type reports what is wrong inside it (an audit record with a bad field); else one
 * issue says what each alternative wanted ("must be 1 or 2").
 */
export function union<const C extends readonly [Check<unknown>, ...Check<unknown>[]]>(...alternatives: C): Check<Infer<C[number]>> {
  return {
    parse(value, path, issues) {
      const failed: { readonly alternative: Check<unknown>; readonly issues: Issue[] }[] = [];
      for (const alternative of alternatives) {
        const own: Issue[] = [];
        const parsed = alternative.parse(value, path, own);
        if (parsed !== FAIL) return parsed as Infer<C[number]>;
        failed.push({ alternative, issues: own });
      }
      const type = jsonTypeOf(value);
      const ofType = failed.filter(({ alternative }) => typeOf(alternative) === type);
      const [only] = ofType;
      if (ofType.length === 1 && only !== undefined) {
        issues.push(...only.issues);
        return FAIL;
      }
      const wanted = failed.flatMap((f) => f.issues.filter((issue) => issue.path.length === path.length).map((issue) => issue.message));
      return problem(issues, path, wanted.map((message, i) => (i === 0 ? message : message.replace(/^must be /, ''))).join(' or '));
    },
    jsonSchema: { anyOf: alternatives.map((alternative) => alternative.jsonSchema) },
  };
}

/** A check whose object field may be left out: `strictObject` below fills in `default`. */
export interface Defaulted<T> extends Check<T> {
  readonly default: T;
}

/** `check` for a field that may be left out, meaning `value` (described as the JSON Schema `default`). */
export function withDefault<T>(check: Check<T>, value: T): Defaulted<T> {
  return { ...check, default: value, jsonSchema: { default: value, ...check.jsonSchema } };
}

/**
 * device-core's strictObject, with defaults: a field given `withDefault` may be left out of the
 * input (it is not `required` in the JSON Schema) and is always present in the result, its default
 * parsed by the field's own check (so a default container is a fresh copy, never frozen and shared).
 */
export function strictObject<S extends Shape>(shape: S, rules?: Rules<ObjectOf<S>>): Check<ObjectOf<S>> {
  const object = deviceStrictObject(shape, rules);
  const defaults = Object.entries(shape).flatMap(([key, check]) => ('default' in check ? [[key, check.default] as const] : []));
  if (defaults.length === 0) return object;
  const defaulted = new Set(defaults.map(([key]) => key));
  return {
    parse(value, path, issues) {
      if (!isRecord(value)) return object.parse(value, path, issues);
      // A spread defines own fields (`__proto__` included), as the object check does.
      const filled: Record<string, unknown> = { ...value };
      for (const [key, fallback] of defaults) if (filled[key] === undefined) filled[key] = fallback;
      return object.parse(filled, path, issues);
    },
    jsonSchema: {
      ...object.jsonSchema,
      required: (object.jsonSchema['required'] as readonly string[]).filter((key) => !defaulted.has(key)),
    },
  };
}

/**
 * A calendar day YYYY-MM-DD, years 0000–9999, that exists: 2026-02-29 does not (a leap year is one
 * divisible by 4, a century only when divisible by 400). One pattern, so that editors check what
 * fwkit checks.
 */
const CALENDAR_DAY =
  /^(?:(?:\d\d[2468][048]|\d\d[13579][26]|\d\d0[48]|[02468][048]00|[13579][26]00)-02-29|\d{4}-(?:(?:0[13578]|1[02])-(?:0[1-9]|[12]\d|3[01])|(?:0[469]|11)-(?:0[1-9]|[12]\d|30)|(?:02)-(?:0[1-9]|1\d|2[0-8])))$/;

const day = string({ pattern: CALENDAR_DAY, message: 'must be a calendar day YYYY-MM-DD' });
export const isoDate: Check<string> = { ...day, jsonSchema: { ...day.jsonSchema, format: 'date' } };
