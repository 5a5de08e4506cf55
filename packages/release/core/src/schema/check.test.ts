import { describe, expect, it } from 'vitest';
import {
  SchemaError,
  array,
  checkDocument,
  integer,
  literal,
  looseObject,
  optional,
  record,
  refine,
  strictObject,
  string,
  type Check,
} from '@fwkit/device-core';

const point = strictObject(
  {
    kind: literal('point'),
    name: string({ min: 1, max: 4, pattern: /^[a-z]+$/, message: 'must be lowercase letters' }),
    x: integer(0, 10),
    tags: optional(array(string(), 1)),
    extra: optional(record(string({ pattern: /^x-/, message: 'must start with "x-"' }), integer())),
  },
  (p, report) => {
    if (p.name === 'zero' && p.x !== 0) report(['x'], 'must be 0 for "zero"');
  },
);

function issuesOf<T>(check: Check<T>, value: unknown): { path: string; message: string }[] {
  try {
    checkDocument(check, value, 'test');
  } catch (error) {
    expect(error).toBeInstanceOf(SchemaError);
    expect((error as SchemaError).code).toBe('SCHEMA_INVALID');
    return [...(error as SchemaError).issues];
  }
  return [];
}

describe('the device schema layer', () => {
  it('parses into a frozen copy and leaves the input alone', () => {
    const input = { kind: 'point', name: 'ab', x: 3, tags: ['t'] };
    const parsed = checkDocument(point, input, 'test');
    expect(parsed).toEqual(input);
    expect(parsed).not.toBe(input);
    expect(Object.isFrozen(parsed.tags)).toBe(true);
    expect(Object.isFrozen(input.tags)).toBe(false);
  });

  it('reports every problem at once, each with its path', () => {
    const issues = issuesOf(point, { kind: 'line', name: 'ABCDE', x: 1.5, tags: [], extra: { y: 1, 'x-a': -1 }, more: 1, other: 2 });
    expect(issues.map((i) => i.path)).toEqual(['kind', 'name', 'name', 'x', 'tags', 'extra.y', 'extra.x-a', '']);
    expect(issues.map((i) => i.message)).toEqual([
      'must be "point"',
      'must be at most 4 characters',
      'must be lowercase letters',
      'must be an integer',
      'must have at least 1 item',
      'must start with "x-"',
      'must be an integer from 0 to 9007199254740991',
      'unknown fields "more", "other"',
    ]);
    expect(issuesOf(point, { kind: 'point', name: 'a', tags: ['a', 1] }).map((i) => i.path)).toEqual(['x', 'tags[1]']);
    for (const value of [null, [], 'point', 1]) expect(issuesOf(point, value)).toEqual([{ path: '', message: 'must be an object' }]);
  });

  it('runs cross-field rules only once every field passed', () => {
    expect(issuesOf(point, { kind: 'point', name: 'zero', x: 1 })).toEqual([{ path: 'x', message: 'must be 0 for "zero"' }]);
    expect(issuesOf(point, { kind: 'point', name: 'zero', x: 1, tags: [] }).map((i) => i.path)).toEqual(['tags']);
    const even = refine(integer(), (n) => n % 2 === 0, 'must be even');
    expect(issuesOf(even, 'two')).toEqual([{ path: '', message: 'must be an integer' }]);
    expect(issuesOf(even, 3)).toEqual([{ path: '', message: 'must be even' }]);
  });

  it('keeps unknown fields of a loose object as own fields, __proto__ included', () => {
    const loose = looseObject({ a: integer() });
    const input = JSON.parse('{"a":1,"__proto__":{"polluted":true},"later":[1]}') as unknown;
    const parsed = checkDocument(loose, input, 'test');
    expect(Object.keys(parsed)).toEqual(['a', '__proto__', 'later']);
    expect(Object.getPrototypeOf(parsed)).toBe(Object.prototype);
    expect((parsed as Record<string, unknown>)['polluted']).toBeUndefined();
  });

  it('describes itself as JSON Schema', () => {
    expect(point.jsonSchema).toMatchObject({
      type: 'object',
      required: ['kind', 'name', 'x'],
      additionalProperties: false,
      properties: { name: { type: 'string', minLength: 1, maxLength: 4, pattern: '^[a-z]+$' }, x: { minimum: 0, maximum: 10 } },
    });
  });
});
