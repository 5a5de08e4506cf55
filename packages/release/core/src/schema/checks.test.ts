import { describe as suite, expect, it } from 'vitest';
import { SchemaError } from '@fwkit/device-core';
import { documentJsonSchemas } from '../json-schema.js';
import {
  array,
  boolean,
  checkDocument,
  describe,
  enumOf,
  integer,
  isoDate,
  literal,
  nullable,
  optional,
  string,
  strictObject,
  union,
  withDefault,
  type Check,
} from './checks.js';

function issuesOf<T>(check: Check<T>, value: unknown): { path: string; message: string }[] {
  try {
    checkDocument(check, value, 'test');
  } catch (error) {
    expect(error).toBeInstanceOf(SchemaError);
    return [...(error as SchemaError).issues];
  }
  return [];
}

suite('release-side checks', () => {
  suite('withDefault in a strictObject', () => {
    const tags = describe(withDefault(array(string()), []), 'Tags');
    const shape = strictObject({ name: string(), tags, count: withDefault(integer(), 0), note: optional(string()) });

    it('fills a missing (or undefined) field with its default and keeps a given one', () => {
      expect(checkDocument(shape, { name: 'a' }, 'test')).toEqual({ name: 'a', tags: [], count: 0 });
      expect(checkDocument(shape, { name: 'a', tags: undefined, count: 3 }, 'test')).toEqual({ name: 'a', tags: [], count: 3 });
      expect(checkDocument(shape, { name: 'a', tags: ['x'] }, 'test').tags).toEqual(['x']);
    });

    it('checks a given value, and gives every result its own copy of a default container', () => {
      expect(issuesOf(shape, { name: 'a', tags: [1], count: -1 })).toEqual([
        { path: 'tags[0]', message: 'must be a string' },
        { path: 'count', message: 'must be an integer from 0 to 9007199254740991' },
      ]);
      const [one, two] = [checkDocument(shape, { name: 'a' }, 'test'), checkDocument(shape, { name: 'b' }, 'test')];
      expect(one.tags).not.toBe(two.tags);
      expect(Object.isFrozen(one.tags)).toBe(true);
      expect(Object.isFrozen(tags.default)).toBe(false);
    });

    it('stays strict: unknown fields, __proto__ included, and non-objects are refused', () => {
      expect(issuesOf(shape, JSON.parse('{"name":"a","__proto__":{"x":1}}'))).toEqual([{ path: '', message: 'unknown field "__proto__"' }]);
      expect(issuesOf(shape, ['a'])).toEqual([{ path: '', message: 'must be an object' }]);
      expect(issuesOf(shape, {})).toEqual([{ path: 'name', message: 'is required' }]);
    });

    it('is described with its default and description, and not required', () => {
      expect(shape.jsonSchema).toMatchObject({
        required: ['name'],
        properties: { tags: { default: [], description: 'Tags', type: 'array' }, count: { default: 0, type: 'integer' } },
      });
      const platform = documentJsonSchemas()['platform.schema.json'] as { properties: Record<string, Record<string, unknown>> };
      expect(platform.properties['interfaces']).toMatchObject({ default: {}, description: 'Lifecycle of interface versions' });
      expect(platform.properties['base']).toMatchObject({ required: [], properties: { ramBytes: { default: 0 } } });
    });
  });

  it('boolean: true or false, nothing that looks like one', () => {
    expect(checkDocument(boolean, false, 'test')).toBe(false);
    for (const value of ['true', 0, 1, null]) expect(issuesOf(boolean, value)).toEqual([{ path: '', message: 'must be true or false' }]);
    expect(boolean.jsonSchema).toEqual({ type: 'boolean' });
  });

  it('enumOf: one of the strings', () => {
    const status = enumOf(['current', 'removed']);
    expect(checkDocument(status, 'removed', 'test')).toBe('removed');
    for (const value of ['Current', 'toString', 1, null]) {
      expect(issuesOf(status, value)).toEqual([{ path: '', message: 'must be one of "current", "removed"' }]);
    }
    expect(status.jsonSchema).toEqual({ type: 'string', enum: ['current', 'removed'] });
  });

  it('nullable: null or the check', () => {
    const commit = nullable(string({ min: 2 }));
    expect(checkDocument(commit, null, 'test')).toBeNull();
    expect(checkDocument(commit, 'ab', 'test')).toBe('ab');
    expect(issuesOf(commit, 'a')).toEqual([{ path: '', message: 'must be at least 2 characters' }]);
    expect(issuesOf(commit, undefined)).toEqual([{ path: '', message: 'must be a string' }]);
    expect(commit.jsonSchema).toEqual({ anyOf: [{ type: 'string', minLength: 2 }, { type: 'null' }] });
  });

  it('union: the first alternative that passes; else the alternative of the value’s type says why, or one issue names them all', () => {
    const version = union(literal(1), literal(2));
    expect([1, 2].map((v) => checkDocument(version, v, 'test'))).toEqual([1, 2]);
    expect(issuesOf(version, 3)).toEqual([{ path: '', message: 'must be 1 or 2' }]);
    expect(version.jsonSchema).toEqual({ anyOf: [literal(1).jsonSchema, literal(2).jsonSchema] });

    const audit = union(strictObject({ by: string() }), literal('none'));
    expect(checkDocument(audit, { by: 'x' }, 'test')).toEqual({ by: 'x' });
    expect(checkDocument(audit, 'none', 'test')).toBe('none');
    expect(issuesOf(audit, { by: 1 })).toEqual([{ path: 'by', message: 'must be a string' }]);
    expect(issuesOf(audit, 'some')).toEqual([{ path: '', message: 'must be "none"' }]);
    expect(issuesOf(audit, 5)).toEqual([{ path: '', message: 'must be an object or "none"' }]);
    expect(issuesOf(strictObject({ audit }), { audit: { by: 1 } })).toEqual([{ path: 'audit.by', message: 'must be a string' }]);
  });

  it('isoDate: YYYY-MM-DD naming a day the calendar has (leap years by the Gregorian rule)', () => {
    const exists = (y: number, m: number, d: number) => {
      const date = new Date(0);
      date.setUTCFullYear(y, m - 1, d);
      return date.getUTCFullYear() === y && date.getUTCMonth() === m - 1 && date.getUTCDate() === d;
    };
    const pad = (n: number, width: number) => String(n).padStart(width, '0');
    let checked = 0;
    for (const y of [0, 4, 100, 400, 1900, 1970, 2000, 2023, 2024, 2100, 2400, 9996, 9999]) {
      for (let m = 0; m <= 13; m++) {
        for (let d = 0; d <= 32; d++) {
          const day = `${pad(y, 4)}-${pad(m, 2)}-${pad(d, 2)}`;
          expect(issuesOf(isoDate, day).length === 0, day).toBe(m >= 1 && m <= 12 && exists(y, m, d));
          checked++;
        }
      }
    }
    expect(checked).toBe(13 * 14 * 33);
    for (const text of ['2026-3-01', '2026-03-1', '26-03-01', '2026-03-01T00:00:00Z', ' 2026-03-01', '2026/03/01', '+02026-03-01']) {
      expect(issuesOf(isoDate, text)).toEqual([{ path: '', message: 'must be a calendar day YYYY-MM-DD' }]);
    }
    expect(isoDate.jsonSchema).toMatchObject({ type: 'string', format: 'date' });
    const pattern = new RegExp(String(isoDate.jsonSchema['pattern']));
    expect(['2024-02-29', '2000-02-29', '1900-02-29', '2023-02-29'].map((day) => pattern.test(day))).toEqual([true, true, false, false]);
  });
});
