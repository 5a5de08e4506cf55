import { describe, expect, it } from 'vitest';
import { narrowToEmitted } from './narrow-schema.js';

const object = (properties: Record<string, unknown>) => ({ type: 'object', additionalProperties: false, properties });

describe('narrowToEmitted', () => {
  it('refuses the properties not kept, leaves the schema it was given alone, and drops definitions nothing uses any more', () => {
    const schema = {
      ...object({ a: { $ref: '#/definitions/thing' }, b: { $ref: '#/definitions/other' } }),
      definitions: { thing: object({ x: { type: 'string' }, y: { $ref: '#/definitions/deep' } }), other: { type: 'number' }, deep: {} },
    };
    const before = structuredClone(schema);
    expect(narrowToEmitted(schema, { '#': ['a'], '#/definitions/thing': ['x'] })).toEqual({
      ...object({ a: { $ref: '#/definitions/thing' }, b: false }),
      definitions: { thing: object({ x: { type: 'string' }, y: false }) },
    });
    expect(schema).toEqual(before);
  });

  it('narrows an object reached through allOf, anyOf, items, or a oneOf whose branches have different types', () => {
    const schema = {
      type: 'object',
      properties: {
        all: { allOf: [{ $ref: '#/definitions/thing' }] },
        any: { anyOf: [{ $ref: '#/definitions/thing' }, { type: 'null' }] },
        list: { type: 'array', items: { $ref: '#/definitions/thing' } },
        either: { oneOf: [{ type: 'object', properties: { t: { $ref: '#/definitions/thing' } } }, { type: 'array' }] },
      },
      definitions: { thing: object({ x: {}, y: {} }) },
    };
    const narrowed = narrowToEmitted(schema, { '#/definitions/thing': ['x'] }) as { definitions: Record<string, unknown> };
    expect(narrowed.definitions['thing']).toEqual(object({ x: {}, y: false }));
  });

  it('refuses to narrow where refusing more could accept more: under not, if, or a oneOf whose branches could both match', () => {
    const definitions = { thing: object({ x: {}, y: {} }) };
    const keep = { '#/definitions/thing': ['x'] };
    const under = (wrapper: Record<string, unknown>) => ({ type: 'object', properties: { p: wrapper }, definitions });
    const thing = { $ref: '#/definitions/thing' };
    expect(() => narrowToEmitted(under({ not: thing }), keep)).toThrow(/could loosen/);
    expect(() => narrowToEmitted(under({ if: thing, then: {} }), keep)).toThrow(/could loosen/);
    expect(() => narrowToEmitted(under({ oneOf: [thing, { type: 'object' }] }), keep)).toThrow(/could loosen/);
    // Reached once where narrowing is safe and once where it is not: still refused.
    expect(() => narrowToEmitted({ ...under({ not: thing }), items: thing }, keep)).toThrow(/could loosen/);
  });

  it('refuses a schema that is not shaped as expected', () => {
    const schema = { ...object({ a: {} }), definitions: { thing: object({ x: {} }) } };
    expect(() => narrowToEmitted(schema, { '#': ['a', 'missing'] })).toThrow(/no property "missing"/);
    expect(() => narrowToEmitted(schema, { '#/definitions/absent': ['x'] })).toThrow(/no object with properties/);
    expect(() => narrowToEmitted(schema, { '#/definitions/thing': ['x'] })).toThrow(/unreachable/);
    expect(() => narrowToEmitted([], {})).toThrow(/not an object/);
  });
});
