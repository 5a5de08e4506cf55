import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { DEFAULT_MAX_DEPTH, isJsonParseError, JsonParseError, parseJson, type JsonErrorCode } from './index.js';
import { parseJsonStrictly } from './parse.js';

function failure(text: string, maxDepth?: number): JsonParseError {
  try {
    parseJson(text, maxDepth === undefined ? {} : { maxDepth });
  } catch (error) {
    if (isJsonParseError(error)) return error;
    throw error;
  }
  throw new Error('parsed');
}

function codeOf(text: string, maxDepth?: number): JsonErrorCode {
  return failure(text, maxDepth).code;
}

function jsonParseRefuses(text: string): boolean {
  try {
    JSON.parse(text);
    return false;
  } catch {
    return true;
  }
}

const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

/** JSON texts without duplicate keys in every layout JSON.stringify makes, including escaped and odd characters. */
const documents = fc
  .tuple(fc.jsonValue({ maxDepth: 6 }), fc.constantFrom(undefined, 0, 1, 2, '\t', ' \r\n'))
  .map(([value, space]) => JSON.stringify(value, null, space))
  .filter((text) => !LONE_SURROGATE.test(text) && !/\\ud[89ab][0-9a-f]{2}(?!\\ud[c-f])|(?<!\\ud[89ab][0-9a-f]{2})\\ud[c-f]/.test(text));

describe('parseJson agrees with JSON.parse', () => {
  it('returns the same value for every valid document without duplicate keys', () => {
    fc.assert(
      fc.property(documents, (text) => {
        expect(parseJson(text)).toStrictEqual(JSON.parse(text));
      }),
      { numRuns: 2000 },
    );
  });

  it('refuses everything JSON.parse refuses (mutated documents and arbitrary text)', () => {
    const mutated = fc
      .tuple(
        documents,
        fc.nat(),
        fc.constantFrom('', '{', '}', '[', ']', ',', ':', '"', '\\', '\u0000', '-', '.', 'e', '0', ' ', '\ufeff', 'x'),
      )
      .map(([text, at, insert]) => {
        const i = at % (text.length + 1);
        return text.slice(0, i) + insert + text.slice(i + (at % 2));
      });
    fc.assert(
      fc.property(
        fc.oneof(
          mutated,
          fc.string({ unit: 'binary' }),
          fc.string({ unit: fc.constantFrom(...Array.from('{}[],:"\\0123456789-+.eE tfnrul')) }),
        ),
        (text) => {
          if (jsonParseRefuses(text)) expect(() => parseJson(text)).toThrow(JsonParseError);
          else {
            try {
              expect(parseJson(text)).toStrictEqual(JSON.parse(text));
            } catch (error) {
              // The refusals JSON.parse does not make: a duplicate key, a lone surrogate, deep nesting.
              const known = isJsonParseError(error) && (error.code !== 'JSON_INVALID' || error.reason === 'lone surrogate in string');
              expect(known).toBe(true);
            }
          }
        },
      ),
      { numRuns: 3000 },
    );
  });
});

describe("parseJson's fast path (JSON.parse, then the checks)", () => {
  /** The value, or the refusal with everything it says. */
  const outcome = (parse: (text: string, options: { maxDepth: number }) => unknown, text: string, maxDepth: number) => {
    try {
      return { value: parse(text, { maxDepth }) };
    } catch (error) {
      if (!isJsonParseError(error)) throw error;
      const { code, reason, line, column, offset, path } = error;
      return { code, reason, line, column, offset, path };
    }
  };

  // JSON texts written token by token, so that a key may come twice, strings may hold colons,
  // quotes, escapes and surrogates, and nesting may pass the limit.
  const key = fc.constantFrom('"a"', '"b"', '"a:b"', '"\\"', '"\\":"', '"x\\u0022y"', '"\\ud83d\\ude00"', '"\\ud800"', '"__proto__"');
  const { value } = fc.letrec<{ value: string }>((tie) => ({
    value: fc.oneof(
      { depthSize: 'small', withCrossShrink: true },
      fc.constantFrom('1', '-0.5e3', 'true', 'null', '"v"', '"x:y"', '":"', '"\\""', '"\ud800"', '"😀"'),
      key,
      fc.array(tie('value'), { maxLength: 4 }).map((items) => `[${items.join(',')}]`),
      fc
        .array(fc.tuple(key, tie('value')), { maxLength: 4 })
        .chain((entries) => fc.constantFrom(' ', '').map((space) => `{${entries.map(([k, v]) => `${k}${space}:${space}${v}`).join(',')}}`)),
    ),
  }));

  it('gives exactly what the strict reader gives: the same value, or the same refusal at the same place', () => {
    fc.assert(
      fc.property(value, fc.integer({ min: 1, max: 6 }), (text, maxDepth) => {
        expect(outcome(parseJson, text, maxDepth)).toStrictEqual(outcome(parseJsonStrictly, text, maxDepth));
      }),
      { numRuns: 5000 },
    );
  });
});

describe('parseJson refusals', () => {
  it('refuses a duplicate key and names its path', () => {
    expect(failure('{"a":1,"a":2}')).toMatchObject({ code: 'JSON_DUPLICATE_KEY', path: 'a', line: 1, column: 8, offset: 7 });
    expect(failure('{"releases":[],\n "support":[],\n "releases":[]}')).toMatchObject({
      code: 'JSON_DUPLICATE_KEY',
      path: 'releases',
      line: 3,
    });
    expect(failure('{"x":[{"b":{"k":1,"k":1}}]}')).toMatchObject({ code: 'JSON_DUPLICATE_KEY', path: 'x[0].b.k' });
    // Same key after escape decoding: "\u0061" is "a".
    expect(codeOf('{"a":1,"\\u0061":2}')).toBe('JSON_DUPLICATE_KEY');
    expect(codeOf('{"__proto__":1,"__proto__":2}')).toBe('JSON_DUPLICATE_KEY');
    expect(failure('{"odd key!":{"a":1,"a":1}}').path).toBe('["odd key!"].a');
  });

  it('accepts the same key in different objects', () => {
    expect(parseJson('[{"a":1},{"a":2}]')).toEqual([{ a: 1 }, { a: 2 }]);
    expect(parseJson('{"a":{"a":{"a":1}}}')).toEqual({ a: { a: { a: 1 } } });
  });

  it('makes __proto__ an own data property, never the prototype', () => {
    const value = parseJson('{"__proto__":{"polluted":true},"a":{"__proto__":[1]}}') as Record<string, unknown>;
    expect(Object.getPrototypeOf(value)).toBe(Object.prototype);
    expect(Object.prototype.hasOwnProperty.call(value, '__proto__')).toBe(true);
    expect(Object.getOwnPropertyDescriptor(value, '__proto__')?.value).toEqual({ polluted: true });
    expect((value as { polluted?: unknown }).polluted).toBeUndefined();
    expect(({} as { polluted?: unknown }).polluted).toBeUndefined();
    expect(Object.keys(value)).toEqual(['__proto__', 'a']);
    expect(value).toStrictEqual(JSON.parse('{"__proto__":{"polluted":true},"a":{"__proto__":[1]}}'));
  });

  it('reads big and odd numbers as JSON.parse does', () => {
    for (const text of ['1e400', '-1e400', '-0', '0.1', '123456789012345678901234567890', '5e-324', '1e-400', '1E+2', '9007199254740993']) {
      expect(Object.is(parseJson(text), JSON.parse(text))).toBe(true);
    }
    for (const text of ['01', '+1', '1.', '.1', '1e', '-', '0x10', 'NaN', 'Infinity', '1e+']) expect(codeOf(text)).toBe('JSON_INVALID');
  });

  it('refuses lone surrogates, raw or escaped, and keeps pairs', () => {
    expect(parseJson('"\\ud83d\\ude00"')).toBe('😀');
    expect(parseJson('"😀"')).toBe('😀');
    for (const text of ['"\\ud800"', '"\\udc00"', '"\\ud800\\u0041"', '"\ud800"', '"\udc00x"', '"\\ud800\\ud800"']) {
      expect(failure(text)).toMatchObject({ code: 'JSON_INVALID', reason: 'lone surrogate in string' });
    }
  });

  it('refuses deep nesting without overflowing the stack, and accepts the limit exactly', () => {
    const deep = (n: number) => '['.repeat(n) + ']'.repeat(n);
    expect(parseJson(deep(DEFAULT_MAX_DEPTH))).toBeDefined();
    expect(codeOf(deep(DEFAULT_MAX_DEPTH + 1))).toBe('JSON_TOO_DEEP');
    expect(codeOf('['.repeat(1_000_000))).toBe('JSON_TOO_DEEP');
    expect(codeOf('{"a":'.repeat(100_000))).toBe('JSON_TOO_DEEP');
    expect(codeOf(deep(4), 3)).toBe('JSON_TOO_DEEP');
    expect(parseJson(deep(3), { maxDepth: 3 })).toEqual([[[]]]);
  });

  it('refuses what RFC 8259 does not allow', () => {
    for (const text of [
      '',
      ' ',
      '{',
      '{"a"}',
      '{"a":1,}',
      '[1,]',
      "{'a':1}",
      '{a:1}',
      '"\t"',
      '"a\nb"',
      '"\\x"',
      '"\\u12"',
      '\ufeff{}',
      '{} {}',
      'tru',
      'nul',
      '[1 2]',
      '/*c*/1',
      '\u00a01',
    ]) {
      expect(codeOf(text)).toBe('JSON_INVALID');
    }
  });

  it('never quotes the document in its message, and locates the error by line, column and UTF-8 byte', () => {
    const secret = '-----BEGIN PRIVATE KEY-----\nMC4CAQAwBQYDK2VwBCIEIJ+secretsecret\n-----END PRIVATE KEY-----\n';
    const error = failure(secret);
    expect(error.message).not.toContain('BEGIN');
    expect(error.message).not.toContain('MC4C');
    expect(error).toMatchObject({ code: 'JSON_INVALID', line: 1, column: 2, offset: 1 });
    expect(failure('{"é": x}')).toMatchObject({ line: 1, column: 7, offset: 7 });
    expect(failure('["😀",\n  x]')).toMatchObject({ line: 2, column: 3, offset: 11, path: '[1]' });
  });
});
